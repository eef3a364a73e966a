package dev.tollgate.config;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.meta;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayRef;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptSpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.VirtualKey;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The prompts part of the renderer: the Prompts of the served namespaces into GatewayConfig.prompts. */
class RendererPromptsTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final GatewayDeployment gw = gateway("platform", "gw");
    private final List<LlmModel> models = new ArrayList<>(List.of(model("platform", "m", "mock-gpt", "mock")));
    private final List<VirtualKey> keys = new ArrayList<>();
    private final List<Prompt> prompts = new ArrayList<>();
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, Map<String, String>> nsLabels = new HashMap<>();

    private static final String TWO_VERSIONS = """
            versions:
              - version: 2
                description: friendlier
                model: mock-gpt
                parameters: {temperature: 0.2, max_tokens: 300}
                variables:
                  - name: customer
                  - name: tone
                    default: friendly
                messages:
                  - role: system
                    content: "You answer {{customer}} in a {{ tone }} tone."
                overridable: [temperature]
              - version: 1
                messages:
                  - role: system
                    content: You answer support questions.
            labels: {production: 1, staging: 2}
            """;

    private RenderResult render() {
        return Renderer.render(new RenderInput(gw, models, keys, List.of(), ns -> nsLabels.getOrDefault(ns, Map.of()),
                (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name)), List.of(), prompts));
    }

    private Prompt prompt(String ns, String name, String specYaml) throws Exception {
        Prompt p = new Prompt();
        p.setMetadata(meta(ns, name));
        p.setSpec(YAML.readValue(specYaml, PromptSpec.class));
        prompts.add(p);
        return p;
    }

    private VirtualKey servedKey(String ns, String name, Map<String, String> labels) {
        VirtualKey vk = key(ns, name);
        vk.getMetadata().setLabels(labels);
        vk.getSpec().setExistingSecret(new SecretKeyRef(name + "-secret", "key"));
        secrets.put(ns + "/" + name + "-secret", secret(ns, name + "-secret", Map.of("key", "sk-tg-" + ns + "-" + name
                + "-0123456789abcdef")));
        keys.add(vk);
        return vk;
    }

    /** Keys and so Prompts of every namespace labelled team=true, and the gateway's own. */
    private void serveTeams() {
        Selection s = new Selection();
        s.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("team", "true").build());
        gw.getSpec().setKeys(s);
        nsLabels.put("platform", Map.of("team", "true"));
        nsLabels.put("team-a", Map.of("team", "true"));
        nsLabels.put("team-b", Map.of("team", "true"));
    }

    private static String sha256(String s) throws Exception {
        return "sha256:" + HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void aPromptRendersItsVersionsAscendingWithLabelsHashesAndTheKeysOfItsNamespace() throws Exception {
        serveTeams();
        servedKey("team-a", "k2", Map.of());
        servedKey("team-a", "k1", Map.of());
        servedKey("team-b", "other", Map.of());
        prompt("team-a", "support", TWO_VERSIONS);

        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.config().prompts()).hasSize(1);
        GatewayConfig.Prompt p = r.config().prompts().get(0);
        assertThat(p.id()).isEqualTo("team-a/support");
        assertThat(p.versions()).extracting(GatewayConfig.PromptVersion::version).containsExactly(1, 2);
        assertThat(p.labels()).isEqualTo(Map.of("production", 1, "staging", 2));
        // absent spec.keys: any key of its namespace, named by the namespace (not a list of every key in it)
        assertThat(p.keys()).isNull();
        assertThat(p.namespaces()).containsExactly("team-a");
        assertThat(p.allows("team-a/k1")).isTrue();
        assertThat(p.allows("team-b/other")).isFalse();
        assertThat(ConfigCodec.toJson(p)).doesNotContain("team-a/k1").doesNotContain("\"keys\"").contains("\"namespaces\":[\"team-a\"]");
        GatewayConfig.PromptVersion v2 = p.versions().get(1);
        assertThat(v2.model()).isEqualTo("mock-gpt");
        assertThat(v2.parameters().toString()).isEqualTo("{\"max_tokens\":300,\"temperature\":0.2}");
        assertThat(v2.variables()).containsExactly(new GatewayConfig.Variable("customer", null),
                new GatewayConfig.Variable("tone", "friendly"));
        assertThat(v2.messages()).containsExactly(new GatewayConfig.Message("system",
                "You answer {{customer}} in a {{ tone }} tone."));
        assertThat(v2.overridable()).containsExactly("temperature");
        // the hash is over the canonical JSON of the content (sorted fields, no number, no description)
        assertThat(v2.hash()).isEqualTo(sha256("{\"messages\":[{\"content\":\"You answer {{customer}} in a {{ tone }} "
                + "tone.\",\"role\":\"system\"}],\"model\":\"mock-gpt\",\"overridable\":[\"temperature\"],\"parameters\":"
                + "{\"max_tokens\":300,\"temperature\":0.2},\"variables\":[{\"name\":\"customer\"},{\"default\":"
                + "\"friendly\",\"name\":\"tone\"}]}"));
        assertThat(p.versions().get(0).hash()).isEqualTo(sha256("{\"messages\":[{\"content\":\"You answer support "
                + "questions.\",\"role\":\"system\"}],\"overridable\":[],\"variables\":[]}"));
        assertThat(p.versions().get(0).model()).isNull();
        assertThat(p.versions().get(0).parameters()).isNull();

        // the rendered document reads back strictly, prompts included
        GatewayConfig back = ConfigCodec.readConfigStrict(ConfigCodec.toJson(r.config()));
        assertThat(back.prompts()).isEqualTo(r.config().prompts());
    }

    @Test
    void theHashIgnoresNumberDescriptionAndFieldOrderButNotContent() throws Exception {
        PromptSpec a = YAML.readValue("""
                versions:
                  - version: 1
                    description: first
                    parameters: {temperature: 0.2, max_tokens: 300}
                    messages: [{role: system, content: hi}]
                """, PromptSpec.class);
        PromptSpec b = YAML.readValue("""
                versions:
                  - version: 7
                    description: another text
                    parameters: {max_tokens: 300, temperature: 0.2}
                    messages: [{role: system, content: hi}]
                """, PromptSpec.class);
        PromptSpec c = YAML.readValue("""
                versions:
                  - version: 1
                    parameters: {max_tokens: 300, temperature: 0.3}
                    messages: [{role: system, content: hi}]
                """, PromptSpec.class);
        String ha = Prompts.hash(a.getVersions().get(0));
        assertThat(ha).matches("sha256:[0-9a-f]{64}");
        assertThat(Prompts.hash(b.getVersions().get(0))).isEqualTo(ha);
        assertThat(Prompts.hash(c.getVersions().get(0))).isNotEqualTo(ha);
        a.getVersions().get(0).getMessages().get(0).setRole("user");
        assertThat(Prompts.hash(a.getVersions().get(0))).isNotEqualTo(ha);
    }

    @Test
    void keysSelectorAndNamespaceSelectorChooseWhichServedKeysMayUseThePrompt() throws Exception {
        serveTeams();
        servedKey("team-a", "prod", Map.of("env", "prod"));
        servedKey("team-a", "dev", Map.of("env", "dev"));
        servedKey("team-b", "prod", Map.of("env", "prod"));
        VirtualKey elsewhere = servedKey("team-b", "other-gw", Map.of("env", "prod"));
        elsewhere.getSpec().setGatewayRef(new GatewayRef("other", "platform")); // not served by this gateway
        prompt("team-a", "own-prod", """
                keys: {selector: {matchLabels: {env: prod}}}
                versions: [{version: 1, messages: [{role: system, content: hi}]}]
                """);
        prompt("team-a", "everyone-prod", """
                keys: {selector: {matchLabels: {env: prod}}, namespaceSelector: {}}
                versions: [{version: 1, messages: [{role: system, content: hi}]}]
                """);
        prompt("team-a", "team-b-only", """
                keys: {namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: team-b}}}
                versions: [{version: 1, messages: [{role: system, content: hi}]}]
                """);
        nsLabels.put("team-b", Map.of("team", "true", "kubernetes.io/metadata.name", "team-b"));

        prompt("team-a", "everyone", """
                keys: {namespaceSelector: {}, selector: {}}
                versions: [{version: 1, messages: [{role: system, content: hi}]}]
                """);
        prompt("team-a", "teams", """
                keys: {namespaceSelector: {matchLabels: {team: "true"}}}
                versions: [{version: 1, messages: [{role: system, content: hi}]}]
                """);

        Map<String, GatewayConfig.Prompt> byId = new HashMap<>();
        render().config().prompts().forEach(p -> byId.put(p.id(), p));
        assertThat(render().config().prompts()).extracting(GatewayConfig.Prompt::id).containsExactly(
                "team-a/everyone", "team-a/everyone-prod", "team-a/own-prod", "team-a/team-b-only", "team-a/teams");
        // a label selector over the keys: the ids of the served keys it selects, in the namespaces allowed
        assertThat(byId.get("team-a/own-prod").keys()).containsExactly("team-a/prod");
        assertThat(byId.get("team-a/own-prod").namespaces()).containsExactly("team-a");
        assertThat(byId.get("team-a/everyone-prod").keys()).containsExactly("team-a/prod", "team-b/prod");
        assertThat(byId.get("team-a/everyone-prod").namespaces()).isNull();
        // no label selector (or an empty one): no key list, the namespaces only
        assertThat(byId.get("team-a/team-b-only").keys()).isNull();
        assertThat(byId.get("team-a/team-b-only").namespaces()).containsExactly("team-b");
        assertThat(byId.get("team-a/everyone").keys()).isNull();
        assertThat(byId.get("team-a/everyone").namespaces()).isNull();
        assertThat(byId.get("team-a/teams").keys()).isNull();
        assertThat(byId.get("team-a/teams").namespaces()).containsExactly("team-a", "team-b");
        Map<String, List<String>> allowed = new HashMap<>();
        byId.forEach((id, p) -> allowed.put(id, java.util.stream.Stream.of("team-a/prod", "team-a/dev", "team-b/prod")
                .filter(p::allows).toList()));
        assertThat(allowed).isEqualTo(Map.of("team-a/own-prod", List.of("team-a/prod"),
                "team-a/everyone-prod", List.of("team-a/prod", "team-b/prod"),
                "team-a/team-b-only", List.of("team-b/prod"),
                "team-a/everyone", List.of("team-a/prod", "team-a/dev", "team-b/prod"),
                "team-a/teams", List.of("team-a/prod", "team-a/dev", "team-b/prod")));
    }

    @Test
    void promptsOfNamespacesTheGatewayDoesNotServeAreNotRendered() throws Exception {
        // no spec.keys: the gateway serves keys (and so Prompts) of its own namespace only
        servedKey("platform", "k", Map.of());
        prompt("platform", "mine", "versions: [{version: 1, messages: [{role: system, content: hi}]}]");
        prompt("team-a", "theirs", "versions: [{version: 1, messages: [{role: system, content: '{{undeclared}}'}]}]");
        RenderResult r = render();
        assertThat(r.config().prompts()).extracting(GatewayConfig.Prompt::id).containsExactly("platform/mine");
        assertThat(r.config().prompts().get(0).keys()).isNull();
        assertThat(r.config().prompts().get(0).namespaces()).containsExactly("platform");
        assertThat(r.problems()).isEmpty(); // a Prompt the gateway does not serve is not its problem
    }

    @Test
    void withoutPromptsTheConfigHasNoneAndRendersAsBefore() {
        RenderResult r = render();
        assertThat(r.config().prompts()).isNull();
        assertThat(ConfigCodec.toJson(r.config())).doesNotContain("prompts");
    }

    @Test
    void anUndeclaredPlaceholderLeavesOnlyThatPromptOutWithAReason() throws Exception {
        servedKey("platform", "k", Map.of());
        prompt("platform", "good", TWO_VERSIONS);
        prompt("platform", "broken", """
                versions:
                  - version: 1
                    messages: [{role: system, content: hi}]
                  - version: 2
                    variables: [{name: customer}]
                    messages: [{role: system, content: "Hello {{customer}}, about {{ order_id }}"}]
                """);
        RenderResult r = render();
        assertThat(r.config().prompts()).extracting(GatewayConfig.Prompt::id).containsExactly("platform/good");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo("Prompt");
            assertThat(p.id()).isEqualTo("platform/broken");
            assertThat(p.reason()).isEqualTo(Prompts.INVALID_TEMPLATE);
            assertThat(p.message()).contains("spec.versions[1] (version 2).messages[0] uses {{order_id}}")
                    .contains("does not declare");
        });
        assertThat(Prompts.REASONS).contains(r.problems().get(0).reason());
    }

    @Test
    void eachBrokenRuleIsRefusedWithItsReasonAndField() throws Exception {
        Map<String, String[]> cases = new java.util.LinkedHashMap<>();
        cases.put("""
                versions:
                  - {version: 1, messages: [{role: system, content: a}]}
                  - {version: 1, messages: [{role: system, content: b}]}
                """, new String[] {Prompts.INVALID_VERSIONS, "spec.versions[1].version 1 is published twice"});
        cases.put("""
                versions: [{version: 1, messages: [{role: system, content: a}]}]
                labels: {production: 2}
                """, new String[] {Prompts.INVALID_VERSIONS, "spec.labels.production points at version 2"});
        cases.put("""
                versions: [{version: 1, variables: [{name: a}, {name: a}], messages: [{role: system, content: '{{a}}'}]}]
                """, new String[] {Prompts.INVALID_TEMPLATE, "declares 'a' twice"});
        cases.put("""
                versions: [{version: 1, messages: [{role: robot, content: a}]}]
                """, new String[] {Prompts.INVALID_TEMPLATE, "messages[0].role"});
        cases.put("""
                versions: [{version: 1, messages: [{role: system, content: a}], overridable: [temperature, "top p"]}]
                """, new String[] {Prompts.INVALID_PARAMETERS, "overridable[1] 'top p' is not a parameter name"});
        cases.put("""
                versions: [{version: 1, messages: [{role: system, content: a}], overridable: [messages]}]
                """, new String[] {Prompts.INVALID_PARAMETERS, "overridable[0] 'messages'"});
        cases.put("""
                versions: [{version: 1, messages: [{role: system, content: a}], parameters: {model: gpt-4o}}]
                """, new String[] {Prompts.INVALID_PARAMETERS, "parameters.model is not a parameter a prompt may set: use"});
        for (String callers : List.of("metadata: {tags: [x]}", "tags: [x]", "user: bob")) {
            cases.put("versions: [{version: 1, messages: [{role: system, content: a}], parameters: {" + callers + "}}]\n",
                    new String[] {Prompts.INVALID_PARAMETERS, "parameters." + callers.substring(0, callers.indexOf(':'))
                            + " is not a parameter a prompt may set (metadata, tags and user are the caller's"});
        }
        cases.put("""
                versions: [{version: 1, messages: [{role: system, content: a}], parameters: [1, 2]}]
                """, new String[] {Prompts.INVALID_PARAMETERS, "parameters must be an object"});
        cases.put("""
                versions: [{version: 0, messages: [{role: system, content: a}]}]
                """, new String[] {Prompts.INVALID_VERSIONS, "spec.versions[0].version must be a number from 1 up"});
        int i = 0;
        for (var c : cases.entrySet()) {
            prompts.clear();
            prompt("platform", "p" + i++, c.getKey());
            RenderResult r = render();
            assertThat(r.config().prompts()).as(c.getKey()).isNull();
            assertThat(r.problems()).as(c.getKey()).singleElement().satisfies(p -> {
                assertThat(p.reason()).isEqualTo(c.getValue()[0]);
                assertThat(p.message()).contains(c.getValue()[1]).endsWith("(the Prompt is not served until it is fixed)");
            });
        }
        // model in overridable is fine, and so is a placeholder with blanks
        prompts.clear();
        prompt("platform", "ok", """
                versions: [{version: 1, variables: [{name: x}], messages: [{role: user, content: '{{  x  }}'}], overridable: [model, temperature]}]
                """);
        assertThat(render().problems()).isEmpty();
        assertThat(render().config().prompts()).hasSize(1);
    }

    @Test
    void promptsAreSortedByIdAndAChangedPromptChangesTheConfigHash() throws Exception {
        serveTeams();
        prompt("team-b", "a", "versions: [{version: 1, messages: [{role: system, content: hi}]}]");
        Prompt changing = prompt("team-a", "z", "versions: [{version: 1, messages: [{role: system, content: hi}]}]");
        prompt("team-a", "b", "versions: [{version: 1, messages: [{role: system, content: hi}]}]");
        RenderResult first = render();
        assertThat(first.config().prompts()).extracting(GatewayConfig.Prompt::id)
                .containsExactly("team-a/b", "team-a/z", "team-b/a");
        changing.getSpec().getLabels().put("production", 1);
        RenderResult second = render();
        assertThat(second.configHash()).isNotEqualTo(first.configHash());
        assertThat(render().configHash()).isEqualTo(second.configHash());
    }

    /** The example in docs/gateway-config.md carries the hash the renderer really computes for its content. */
    @Test
    void theDocumentedExampleHashIsTheRealOne() throws Exception {
        String doc = java.nio.file.Files.readString(java.nio.file.Path.of("docs/gateway-config.md"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("```json\\n(.*?)```", java.util.regex.Pattern.DOTALL)
                .matcher(doc);
        assertThat(m.find()).isTrue();
        GatewayConfig config = ConfigCodec.readConfigStrict(m.group(1));
        assertThat(config.prompts()).isNotEmpty();
        for (GatewayConfig.Prompt p : config.prompts()) {
            for (GatewayConfig.PromptVersion v : p.versions()) {
                assertThat(v.hash()).as(p.id() + "@" + v.version()).isEqualTo(Prompts.hash(v.model(), v.parameters(),
                        v.variables(), v.messages(), v.overridable()));
            }
        }
    }
}
