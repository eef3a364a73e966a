package dev.tollgate.standalone;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Checks;
import dev.tollgate.config.ConfigCodec;
import dev.tollgate.config.Keys;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import dev.tollgate.gateway.ConfigHolder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.quarkus.runtime.StartupEvent;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Standalone mode: the manifests of a folder (or the embedded sample) are validated against the CRD schemas,
 * rendered with the operator's own renderer and served, with no cluster. The folder is checked every second;
 * an edit applies live, and a broken manifest is reported as {@code file:line: field: problem} while the last
 * good config keeps serving. Keys Tollgate generates live in the state directory (mode 600), never in logs.
 */
@ApplicationScoped
public class StandaloneRunner {
    private static final Logger LOG = Logger.getLogger(StandaloneRunner.class);
    private static final String EMBEDDED = "standalone-sample/tollgate.yaml";
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    private static final Map<String, Class<? extends HasMetadata>> TYPES = Map.of("GatewayDeployment", GatewayDeployment.class,
            "LlmModel", LlmModel.class, "VirtualKey", VirtualKey.class, "Budget", Budget.class, "Secret", Secret.class,
            "LogSink", LogSink.class, "Prompt", dev.tollgate.api.v1alpha1.Prompt.class);

    private final ConfigHolder holder;
    private final TollgateConfig config;
    private final Vertx vertx;
    private final SchemaValidator validator = SchemaValidator.bundled();
    private volatile String fingerprint = "";
    private volatile List<String> lastErrors = List.of();
    private final Path folder;
    private final Path stateDir;

    public StandaloneRunner(ConfigHolder holder, TollgateConfig config, Vertx vertx) {
        this.holder = holder;
        this.config = config;
        this.vertx = vertx;
        this.folder = config.standalone().dir().map(Path::of).orElse(null);
        this.stateDir = config.standalone().stateDir().map(Path::of)
                .orElse(folder == null ? Path.of(".tollgate-state") : folder.resolve(".tollgate-state"));
    }

    void onStart(@Observes StartupEvent event) throws IOException {
        if (config.mode() != Mode.STANDALONE) {
            return;
        }
        if (folder != null && !Files.isDirectory(folder)) {
            LOG.errorf("standalone: %s is not a folder; serving nothing until it exists", folder);
        }
        reload();
        if (folder != null) {
            vertx.setPeriodic(1000, id -> vertx.executeBlocking(() -> {
                reload();
                return null;
            }, false));
        }
    }

    /** Where generated keys and usage are kept (known from the start, before the folder is first read). */
    public Path stateDir() {
        return stateDir;
    }

    /** The problems of the last load, then its warnings (what is served, but not quite as declared); empty when clean. */
    public List<String> lastErrors() {
        return lastErrors;
    }

    synchronized void reload() {
        try {
            String fp = folder == null ? "embedded" : fingerprint(folder);
            if (fp.equals(fingerprint)) {
                return;
            }
            fingerprint = fp;
            List<Manifests.Document> docs = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            if (folder == null) {
                try (InputStream in = getClass().getClassLoader().getResourceAsStream(EMBEDDED)) {
                    docs.addAll(Manifests.read(Path.of("(embedded sample)"), new String(in.readAllBytes(), StandardCharsets.UTF_8)));
                }
            } else if (Files.isDirectory(folder)) {
                for (Path f : Manifests.files(folder)) {
                    if (f.startsWith(stateDir)) {
                        continue;
                    }
                    try {
                        docs.addAll(Manifests.read(f));
                    } catch (Manifests.ParseException e) {
                        errors.add(e.getMessage());
                    }
                }
            }
            Loaded loaded = load(docs, errors);
            if (!errors.isEmpty()) {
                errors.forEach(e -> LOG.errorf("standalone: %s", e));
                LOG.errorf("standalone: %d problem(s) in %s; %s", errors.size(), folder,
                        holder.current() == null ? "nothing is served until they are fixed" : "still serving the last good config");
                lastErrors = List.copyOf(errors);
                return;
            }
            RenderResult r = Renderer.render(loaded.input());
            r.problems().forEach(p -> LOG.warnf("standalone: %s %s: %s (%s)", p.kind(), p.id(), p.message(), p.reason()));
            r.warnings().forEach(p -> LOG.warnf("standalone: %s %s: %s (%s; served anyway)", p.kind(), p.id(), p.message(),
                    p.reason()));
            List<String> shown = new ArrayList<>();
            r.problems().forEach(p -> shown.add(loaded.where(p) + ": " + p.message()));
            r.warnings().forEach(p -> shown.add(loaded.where(p) + ": warning (served anyway): " + p.message()));
            lastErrors = List.copyOf(shown);
            holder.update(r.config(), r.secrets(), r.configHash(), folder == null ? "the embedded sample" : folder.toString());
        } catch (IOException | RuntimeException e) {
            LOG.errorf(e, "standalone: could not load %s; still serving the last good config", folder);
        }
    }

    private record Loaded(RenderInput input, Map<String, Manifests.Document> documentById) {
        String where(Problem p) {
            Manifests.Document d = documentById.get(p.kind() + "/" + p.id());
            return d == null ? p.kind() + " " + p.id() : StandaloneRunner.where(p, d);
        }
    }

    private static final java.util.regex.Pattern SPEC_FIELD = java.util.regex.Pattern.compile("spec\\.([A-Za-z]+)");

    /**
     * {@code file:line} of the resource a problem concerns, at the spec field the problem names ("needs
     * spec.apiVersion": the line of spec, where it belongs, when the field is missing), else at its first line.
     */
    static String where(Problem p, Manifests.Document d) {
        java.util.regex.Matcher field = SPEC_FIELD.matcher(p.message());
        return d.where(field.find() ? "/spec/" + field.group(1) : "");
    }

    private Loaded load(List<Manifests.Document> docs, List<String> errors) throws IOException {
        List<GatewayDeployment> gateways = new ArrayList<>();
        List<LlmModel> models = new ArrayList<>();
        List<VirtualKey> keys = new ArrayList<>();
        List<Budget> budgets = new ArrayList<>();
        List<LogSink> logSinks = new ArrayList<>();
        List<dev.tollgate.api.v1alpha1.Prompt> prompts = new ArrayList<>();
        Map<String, Secret> secrets = new HashMap<>();
        Map<String, Manifests.Document> where = new HashMap<>();
        for (Manifests.Document d : docs) {
            var violations = validator.validate(d.body());
            if (!violations.isEmpty()) {
                violations.forEach(v -> errors.add(d.where(v.pointer()) + ": " + v.pointer() + ": " + v.message()));
                continue;
            }
            Class<? extends HasMetadata> type = TYPES.get(d.kind());
            if (type == null) {
                continue; // a Namespace: nothing to serve
            }
            HasMetadata o;
            try {
                o = STRICT.treeToValue(d.body(), type);
            } catch (IOException e) {
                errors.add(d.where("") + ": " + e.getMessage());
                continue;
            }
            if (o.getMetadata().getNamespace() == null) {
                o.getMetadata().setNamespace("default");
            }
            o.getMetadata().setCreationTimestamp(o.getMetadata().getCreationTimestamp() == null ? "1970-01-01T00:00:00Z"
                    : o.getMetadata().getCreationTimestamp());
            where.put(d.kind() + "/" + Renderer.id(o), d);
            if (o instanceof GatewayDeployment g) {
                gateways.add(g);
            } else if (o instanceof LlmModel m) {
                models.add(m);
            } else if (o instanceof VirtualKey k) {
                keys.add(k);
            } else if (o instanceof Budget b) {
                budgets.add(b);
            } else if (o instanceof LogSink ls) {
                logSinks.add(ls);
            } else if (o instanceof dev.tollgate.api.v1alpha1.Prompt p) {
                prompts.add(p);
            } else if (o instanceof Secret s) {
                secrets.put(Renderer.id(s), s);
            }
        }
        if (gateways.size() != 1 && errors.isEmpty()) {
            errors.add((folder == null ? "(embedded sample)" : folder.toString()) + ": a standalone folder needs exactly "
                    + "one GatewayDeployment, found " + gateways.size());
        }
        for (VirtualKey k : keys) {
            if (k.getSpec() != null && k.getSpec().getExistingSecret() == null) {
                Secret generated = generatedKey(k);
                secrets.put(Renderer.id(generated), generated);
            }
        }
        GatewayDeployment gw = gateways.isEmpty() ? null : gateways.get(0);
        return new Loaded(new RenderInput(gw, models, keys, budgets, ns -> Map.of(),
                (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name)), logSinks, prompts), where);
    }

    /** The key Tollgate generated for a VirtualKey, created once in the state directory and kept across restarts. */
    private Secret generatedKey(VirtualKey k) throws IOException {
        Path file = stateDir.resolve("keys").resolve(k.getMetadata().getNamespace() + "." + k.getMetadata().getName() + ".key");
        if (!Files.exists(file)) {
            Files.createDirectories(file.getParent());
            Files.writeString(file, Keys.generate() + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // not a POSIX file system: the folder's own permissions apply
            }
            LOG.infof("standalone: generated a key for VirtualKey %s/%s into %s", k.getMetadata().getNamespace(),
                    k.getMetadata().getName(), file.toAbsolutePath());
        }
        return new SecretBuilder().withNewMetadata().withNamespace(k.getMetadata().getNamespace())
                .withName(Checks.keySecretName(k)).endMetadata()
                .addToStringData("key", Files.readString(file).trim()).build();
    }

    private String fingerprint(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return "missing";
        }
        StringBuilder sb = new StringBuilder();
        for (Path f : Manifests.files(dir)) {
            if (!f.startsWith(stateDir)) {
                sb.append(f).append(':').append(Files.size(f)).append(':').append(Files.getLastModifiedTime(f).toMillis()).append(';');
            }
        }
        return ConfigCodec.shortHash(sb.toString());
    }
}
