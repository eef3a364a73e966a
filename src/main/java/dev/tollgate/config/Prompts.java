package dev.tollgate.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptMessage;
import dev.tollgate.api.v1alpha1.PromptSpec;
import dev.tollgate.api.v1alpha1.PromptVariable;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * {@link GatewayConfig#prompts()} from the Prompts in the namespaces a gateway serves keys from (the namespace part of
 * its {@code spec.keys}, as for LogSinks). Pure: the renderer's helper, unit-tested through it.
 *
 * <p>A Prompt is served whole or not at all: one broken version (a {@code {{placeholder}}} no variable declares, two
 * versions with one number, a label pointing at no version, an {@code overridable} entry that is not a parameter name
 * …) leaves the whole Prompt out with a {@link Problem} on it (its status says why), so a client never gets half of a
 * prompt; the other Prompts and the gateway are untouched. Standalone folders skip the CRD's CEL rules, so everything
 * they check is checked here again.
 */
public final class Prompts {
    /** The kind of a Prompt, as problems name it. */
    public static final String PROMPT = "Prompt";
    /** A message uses a placeholder no variable declares, a variable is declared twice, a message is malformed. */
    public static final String INVALID_TEMPLATE = "InvalidTemplate";
    /** Two versions with one number, a version without a number, a label pointing at no version. */
    public static final String INVALID_VERSIONS = "InvalidVersions";
    /** parameters is not an object or sets what the prompt may not set; an overridable entry is not a parameter name. */
    public static final String INVALID_PARAMETERS = "InvalidParameters";
    /** Every reason this class reports (all found by the render alone). */
    public static final Set<String> REASONS = Set.of(INVALID_TEMPLATE, INVALID_VERSIONS, INVALID_PARAMETERS);

    private static final Pattern VARIABLE = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,63}$");
    private static final Pattern PARAMETER = Pattern.compile("^[A-Za-z_][A-Za-z0-9_]{0,63}$");
    private static final Pattern LABEL = Pattern.compile("^[a-z0-9]([a-z0-9_.-]{0,61}[a-z0-9])?$");
    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant");
    /** Request fields a prompt neither sets in parameters nor lets a request override. */
    private static final Set<String> NOT_PARAMETERS = Set.of("messages", "stream", "stream_options");
    /**
     * Request fields that are the caller's, not the template's: metadata (LiteLLM's metadata.tags decide a request's
     * tags), tags and user. A version setting one would refuse every caller that sends it (parameter_fixed_by_prompt).
     */
    private static final Set<String> CALLERS = Set.of("metadata", "tags", "user");
    private static final ObjectMapper JSON = new ObjectMapper();

    private Prompts() {}

    /**
     * What the renderer adds to a gateway's render.
     *
     * @param prompts  the served Prompts sorted by id, or null when there is none
     * @param problems Prompts left out, and why
     */
    public record Rendered(List<GatewayConfig.Prompt> prompts, List<Problem> problems) {}

    /** Whether a gateway serves a Prompt: it is in a namespace the gateway serves keys from. */
    public static boolean serves(GatewayDeployment gw, Prompt prompt, Function<String, Map<String, String>> namespaceLabels) {
        GatewayDeploymentSpec spec = gw.getSpec() == null ? new GatewayDeploymentSpec() : gw.getSpec();
        return Selectors.admitsNamespace(spec.getKeys(), gw.getMetadata().getNamespace(),
                prompt.getMetadata().getNamespace(), namespaceLabels);
    }

    /**
     * The Prompts a gateway serves.
     *
     * @param servedKeys the VirtualKeys the gateway's render serves (in its config's keys): a Prompt's {@code keys}
     *                   are those of them its {@code spec.keys} selects
     */
    public static Rendered render(GatewayDeployment gw, Collection<Prompt> prompts, Collection<VirtualKey> servedKeys,
            Function<String, Map<String, String>> namespaceLabels) {
        List<GatewayConfig.Prompt> out = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        List<Prompt> sorted = prompts.stream().filter(p -> p.getSpec() != null && serves(gw, p, namespaceLabels))
                .sorted(Comparator.comparing(Renderer::id)).toList();
        for (Prompt p : sorted) {
            Optional<Problem> problem = problem(p);
            if (problem.isPresent()) {
                problems.add(problem.get());
                continue;
            }
            PromptSpec s = p.getSpec();
            List<GatewayConfig.PromptVersion> versions = s.getVersions().stream()
                    .sorted(Comparator.comparing(PromptVersionSpec::getVersion)).map(Prompts::version).toList();
            String ns = p.getMetadata().getNamespace();
            // who may use it, without listing every key of a namespace (10k keys would pass a ConfigMap's 1 MiB):
            // the namespaces, and the key ids only when spec.keys has a label selector over the keys
            LabelSelector nsSelector = s.getKeys() == null ? null : s.getKeys().getNamespaceSelector();
            List<String> namespaces = nsSelector == null ? List.of(ns)
                    : empty(nsSelector) ? null
                    : servedKeys.stream().map(k -> k.getMetadata().getNamespace()).distinct()
                            .filter(n -> Selectors.matches(nsSelector, namespaceLabels.apply(n))).sorted().toList();
            List<String> keys = s.getKeys() == null || empty(s.getKeys().getSelector()) ? null : servedKeys.stream()
                    .filter(k -> Selectors.admits(s.getKeys(), ns, k.getMetadata().getNamespace(),
                            k.getMetadata().getLabels(), namespaceLabels))
                    .map(Renderer::id).sorted().distinct().toList();
            out.add(new GatewayConfig.Prompt(Renderer.id(p), versions, new TreeMap<>(s.getLabels()), keys, namespaces));
        }
        return new Rendered(out.isEmpty() ? null : List.copyOf(out), List.copyOf(problems));
    }

    /** Whether a label selector selects everything: none, or one without labels or expressions. */
    static boolean empty(LabelSelector selector) {
        return selector == null || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
                && (selector.getMatchExpressions() == null || selector.getMatchExpressions().isEmpty()));
    }

    /**
     * What is wrong with a Prompt, if anything (the first thing found, naming the field): what the CRD's rules refuse
     * and what only the renderer can check (every placeholder declared).
     */
    public static Optional<Problem> problem(Prompt p) {
        String ns = p.getMetadata().getNamespace();
        String name = p.getMetadata().getName();
        Function<String, Function<String, Optional<Problem>>> refuse = reason -> message -> Optional.of(
                new Problem(PROMPT, ns, name, reason, message + " (the Prompt is not served until it is fixed)"));
        PromptSpec s = p.getSpec();
        if (s == null || s.getVersions().isEmpty()) {
            return refuse.apply(INVALID_VERSIONS).apply("spec.versions is empty: publish at least one version");
        }
        Set<Integer> numbers = new HashSet<>();
        for (int i = 0; i < s.getVersions().size(); i++) {
            PromptVersionSpec v = s.getVersions().get(i);
            String field = "spec.versions[" + i + "]";
            if (v == null || v.getVersion() == null || v.getVersion() < 1) {
                return refuse.apply(INVALID_VERSIONS).apply(field + ".version must be a number from 1 up");
            }
            if (!numbers.add(v.getVersion())) {
                return refuse.apply(INVALID_VERSIONS).apply(field + ".version " + v.getVersion() + " is published twice: "
                        + "give the new version the next free number");
            }
            field = field + " (version " + v.getVersion() + ")";
            Optional<String> template = templateProblem(v, field);
            if (template.isPresent()) {
                return refuse.apply(INVALID_TEMPLATE).apply(template.get());
            }
            Optional<String> params = parametersProblem(v, field);
            if (params.isPresent()) {
                return refuse.apply(INVALID_PARAMETERS).apply(params.get());
            }
        }
        for (var e : new TreeMap<>(s.getLabels()).entrySet()) {
            if (!LABEL.matcher(e.getKey()).matches()) {
                return refuse.apply(INVALID_VERSIONS).apply("spec.labels." + e.getKey() + " is not a label name "
                        + "(lower-case letters, digits, '-', '_' and '.', e.g. production)");
            }
            if (e.getValue() == null || !numbers.contains(e.getValue())) {
                return refuse.apply(INVALID_VERSIONS).apply("spec.labels." + e.getKey() + " points at version "
                        + e.getValue() + ", which spec.versions does not publish: point it at one of "
                        + new TreeSet<>(numbers));
            }
        }
        return Optional.empty();
    }

    private static Optional<String> templateProblem(PromptVersionSpec v, String field) {
        Set<String> declared = new HashSet<>();
        for (int j = 0; j < v.getVariables().size(); j++) {
            PromptVariable var = v.getVariables().get(j);
            String n = var == null ? null : var.getName();
            if (n == null || !VARIABLE.matcher(n).matches()) {
                return Optional.of(field + ".variables[" + j + "].name '" + n + "' is not a variable name (a letter or "
                        + "'_', then letters, digits or '_')");
            }
            if (!declared.add(n)) {
                return Optional.of(field + ".variables declares '" + n + "' twice: declare each variable once");
            }
        }
        if (v.getMessages().isEmpty()) {
            return Optional.of(field + ".messages is empty: a version needs at least one message");
        }
        for (int j = 0; j < v.getMessages().size(); j++) {
            PromptMessage m = v.getMessages().get(j);
            if (m == null || m.getRole() == null || !ROLES.contains(m.getRole())) {
                return Optional.of(field + ".messages[" + j + "].role must be system, developer, user or assistant");
            }
            if (m.getContent() == null) {
                return Optional.of(field + ".messages[" + j + "].content is missing");
            }
            for (String placeholder : PromptTemplates.placeholders(m.getContent())) {
                if (!declared.contains(placeholder)) {
                    return Optional.of(field + ".messages[" + j + "] uses {{" + placeholder + "}}, which "
                            + field + ".variables does not declare: declare it (with a default if requests may leave "
                            + "it out) or remove the placeholder");
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> parametersProblem(PromptVersionSpec v, String field) {
        JsonNode params = v.getParameters();
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                return Optional.of(field + ".parameters must be an object of request parameters, e.g. "
                        + "{temperature: 0.2}");
            }
            List<String> names = new ArrayList<>();
            params.fieldNames().forEachRemaining(names::add);
            for (String n : names) {
                if (!settable(n)) {
                    return Optional.of(field + ".parameters." + n + " is not a parameter a prompt may set"
                            + ("model".equals(n) ? ": use " + field + ".model"
                                    : CALLERS.contains(n) ? " (metadata, tags and user are the caller's: its tags and "
                                            + "who it is for, which a prompt would otherwise refuse)"
                                    : " (messages, stream and prompt_* belong to the request)"));
                }
            }
        }
        for (int j = 0; j < v.getOverridable().size(); j++) {
            String n = v.getOverridable().get(j);
            if (n == null || !PARAMETER.matcher(n).matches() || (!"model".equals(n) && !settable(n))) {
                return Optional.of(field + ".overridable[" + j + "] '" + n + "' is not a parameter name a request may "
                        + "override (e.g. model, temperature, max_tokens)");
            }
        }
        return Optional.empty();
    }

    private static boolean settable(String parameter) {
        return !parameter.equals("model") && !NOT_PARAMETERS.contains(parameter) && !CALLERS.contains(parameter)
                && !parameter.startsWith("prompt_");
    }

    /** A version as the gateway serves it, with its {@link #hash}. The version must have passed {@link #problem}. */
    public static GatewayConfig.PromptVersion version(PromptVersionSpec v) {
        JsonNode params = v.getParameters() == null || v.getParameters().isNull() ? null : Renderer.canonical(v.getParameters());
        List<GatewayConfig.Variable> variables = v.getVariables().stream()
                .map(x -> new GatewayConfig.Variable(x.getName(), x.getDefaultValue())).toList();
        List<GatewayConfig.Message> messages = v.getMessages().stream()
                .map(m -> new GatewayConfig.Message(m.getRole(), m.getContent())).toList();
        List<String> overridable = List.copyOf(v.getOverridable());
        return new GatewayConfig.PromptVersion(v.getVersion(), hash(v.getModel(), params, variables, messages, overridable),
                v.getModel(), params, variables, messages, overridable);
    }

    /**
     * {@code sha256:<hex>} of a version's content: the SHA-256 of the canonical JSON (object fields sorted by name,
     * no blanks, absent fields left out) of {@code {messages: [{content, role}], model, overridable: [],
     * parameters, variables: [{default, name}]}}. The version number and description are not content: equal content
     * hashes equally whatever its number, and any change of what a client gets changes the hash.
     */
    public static String hash(PromptVersionSpec v) {
        return version(v).hash();
    }

    static String hash(String model, JsonNode parameters, List<GatewayConfig.Variable> variables,
            List<GatewayConfig.Message> messages, List<String> overridable) {
        return PromptHash.of(model, parameters, variables, messages, overridable); // one hash: the status compares them
    }
}
