package dev.tollgate.standalone;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.Mode;
import dev.tollgate.TollgateConfig;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.HealthMerge;
import dev.tollgate.config.Money;
import dev.tollgate.config.SpendSeed;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vertx.http.ManagementInterface;
import io.vertx.core.Vertx;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jboss.logging.Logger;

/**
 * Standalone mode's answer to {@code kubectl get}: {@code GET :9000/tollgate/status} prints keys, budgets and
 * models with their usage, then prompt versions and request tags with theirs (once there are any). Usage survives restarts: each run's report is saved in the state directory
 * ({@code usage/<incarnation>.json}, every 5 s and at shutdown) and the view sums every run's figures, the same
 * per-incarnation sum the operator writes into status. A crash loses at most the last 5 s of usage. The budgets
 * of a new run start from that saved spend ({@link #seedBudgets}), so a restart does not start a period again.
 */
@ApplicationScoped
public class StandaloneStatus {
    private static final Logger LOG = Logger.getLogger(StandaloneStatus.class);
    private final ConfigHolder holder;
    private final UsageRecorder recorder;
    private final BudgetInterceptor budgets;
    private final StandaloneRunner runner;
    private final TollgateConfig config;
    private final Vertx vertx;
    private final Clock clock = Clock.systemUTC();

    public StandaloneStatus(ConfigHolder holder, UsageRecorder recorder, BudgetInterceptor budgets, StandaloneRunner runner,
            TollgateConfig config, Vertx vertx) {
        this.holder = holder;
        this.recorder = recorder;
        this.budgets = budgets;
        this.runner = runner;
        this.config = config;
        this.vertx = vertx;
    }

    void onStart(@Observes StartupEvent e) {
        if (config.mode() == Mode.STANDALONE) {
            vertx.setPeriodic(5000, id -> vertx.executeBlocking(() -> {
                save();
                return null;
            }, false));
        }
    }

    /**
     * Budgets start from the spend the earlier runs saved (before the folder is read, so before anything is served):
     * a restarted gateway refuses at the same point as the one before it. With a Redis the budgets are there and
     * the seed goes unused.
     */
    void seedBudgets(@Observes @Priority(Interceptor.Priority.APPLICATION + 400) StartupEvent e) {
        if (config.mode() != Mode.STANDALONE) {
            return;
        }
        try {
            List<JsonNode> earlier = reports();
            earlier.remove(0); // this run's own, empty so far
            int periods = budgets.seed(seed(earlier), recorder.incarnation());
            if (periods > 0) {
                LOG.infof("standalone: budgets start from the spend of %d earlier run(s) saved in %s (%d budget periods)",
                        earlier.size(), usageDir(), periods);
            }
        } catch (IOException | RuntimeException ex) {
            LOG.errorf("standalone: could not read the saved usage in %s (%s): budgets start from zero in this run",
                    usageDir(), ex.getMessage());
        }
    }

    /** The spend per budget period in saved usage reports, as a seed: each report's incarnation and its part. */
    static SpendSeed seed(List<JsonNode> reports) {
        Map<String, SpendSeed.Slot> slots = new TreeMap<>();
        for (JsonNode r : reports) {
            String incarnation = r.path("incarnation").asText("");
            r.path("budgets").fields().forEachRemaining(e -> {
                JsonNode b = e.getValue();
                long spend = b.path("spendMicros").asLong(0);
                int at = e.getKey().lastIndexOf('@'); // "budgetId@periodStartMillis", for reports without the fields
                String budget = b.path("budget").asText(at < 0 ? null : e.getKey().substring(0, at));
                String start = b.path("periodStart").asText(null);
                if (start == null && at >= 0 && e.getKey().substring(at + 1).matches("[0-9]+")) {
                    start = Instant.ofEpochMilli(Long.parseLong(e.getKey().substring(at + 1))).toString();
                }
                if (budget == null || start == null || spend <= 0) {
                    return;
                }
                String from = start;
                slots.merge(budget + "@" + start, new SpendSeed.Slot(budget, start, null, spend, Map.of(incarnation, spend)),
                        (a, c) -> {
                            Map<String, Long> parts = new TreeMap<>(a.incarnations());
                            c.incarnations().forEach((id, v) -> parts.merge(id, v, Long::sum));
                            return new SpendSeed.Slot(budget, from, null, a.spendMicros() + c.spendMicros(), parts);
                        });
            });
        }
        return new SpendSeed("standalone", List.copyOf(slots.values()));
    }

    void onStop(@Observes ShutdownEvent e) {
        if (config.mode() == Mode.STANDALONE) {
            save();
        }
    }

    void routes(@Observes ManagementInterface management) {
        if (config.mode() == Mode.STANDALONE) {
            management.router().get("/tollgate/status").handler(rc -> vertx.executeBlocking(this::render, false)
                    .onSuccess(text -> rc.response().putHeader("content-type", "text/plain; charset=utf-8").end(text))
                    .onFailure(rc::fail));
        }
    }

    private Path usageDir() {
        return runner.stateDir().resolve("usage");
    }

    synchronized void save() {
        Snapshot s = holder.current();
        try {
            Files.createDirectories(usageDir());
            Path tmp = usageDir().resolve(recorder.incarnation() + ".json.tmp");
            Files.writeString(tmp, recorder.report(s == null ? null : s.version()).toJson());
            Files.move(tmp, usageDir().resolve(recorder.incarnation() + ".json"), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException ex) {
            LOG.warnf("standalone: could not save usage to %s: %s", usageDir(), ex.getMessage());
        }
    }

    /** This run's report and every earlier run's, as saved. */
    private List<JsonNode> reports() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        Snapshot s = holder.current();
        out.add(Json.parse(recorder.report(s == null ? null : s.version()).toJson()));
        if (Files.isDirectory(usageDir())) {
            try (var files = Files.list(usageDir())) {
                for (Path f : files.filter(p -> p.toString().endsWith(".json")).toList()) {
                    if (!f.getFileName().toString().equals(recorder.incarnation() + ".json")) {
                        JsonNode r = Json.parse(Files.readString(f));
                        if (r != null) {
                            out.add(r);
                        }
                    }
                }
            }
        }
        return out;
    }

    private static long sum(List<JsonNode> reports, String section, String id, String field) {
        return reports.stream().mapToLong(r -> r.path(section).path(id).path(field).asLong(0)).sum();
    }

    String render() throws IOException {
        Snapshot s = holder.current();
        if (s == null) {
            return "no configuration is served yet\n" + String.join("\n", runner.lastErrors()) + "\n";
        }
        List<JsonNode> reports = reports();
        Instant now = clock.instant();
        StringBuilder out = new StringBuilder();
        out.append(keys(s.config().keys(), reports, now)).append('\n');
        Table budgets = new Table("BUDGET", "LIMIT", "PERIOD", "SPEND", "REMAINING", "RESETS AT");
        for (GatewayConfig.Budget b : s.config().budgets()) {
            BudgetPeriods.Window w = BudgetPeriods.current(b.period(), ZoneId.of(b.timeZone()),
                    b.anchor() == null ? Instant.EPOCH : Instant.parse(b.anchor()), now);
            String slot = b.id() + "@" + w.start().toEpochMilli();
            long spend = reports.stream().mapToLong(r -> r.path("budgets").path(slot).path("spendMicros").asLong(0)).sum();
            budgets.row(b.id(), Money.format(b.limitMicros()), b.period(), Money.format(spend),
                    Money.format(Math.max(0, b.limitMicros() - spend)), w.end().toString());
        }
        out.append(budgets).append('\n');
        out.append(models(s.config().models(), reports));
        String prompts = prompts(s.config().prompts(), reports);
        if (prompts != null) {
            out.append('\n').append(prompts);
        }
        String tags = tags(reports);
        if (tags != null) {
            out.append('\n').append(tags);
        }
        if (!runner.lastErrors().isEmpty()) {
            out.append("\nPROBLEMS\n");
            runner.lastErrors().forEach(e -> out.append("  ").append(e).append('\n'));
        }
        return out.toString();
    }

    /**
     * The keys' table: usage and cache figures summed over every run, rpm/tpm of this run.
     *
     * @param reports this run's report first, then every earlier run's, as saved
     */
    static String keys(List<GatewayConfig.Key> config, List<JsonNode> reports, Instant now) {
        Table keys = new Table("VIRTUALKEY", "READY", "REQUESTS", "INPUT", "OUTPUT", "SPEND", "RPM", "TPM", "CACHE HITS",
                "CACHE SAVED", "PROMPT CACHE R/W");
        for (GatewayConfig.Key k : config) {
            String ready = k.disabled() ? "False (Disabled)"
                    : k.expiresAt() != null && !OffsetDateTime.parse(k.expiresAt()).toInstant().isAfter(now) ? "False (Expired)" : "True";
            JsonNode current = reports.get(0).path("keys").path(k.id());
            keys.row(k.id(), ready, Long.toString(sum(reports, "keys", k.id(), "requests")),
                    Long.toString(sum(reports, "keys", k.id(), "inputTokens")), Long.toString(sum(reports, "keys", k.id(), "outputTokens")),
                    Money.format(sum(reports, "keys", k.id(), "spendMicros")), current.path("rpm").asText("0"),
                    current.path("tpm").asText("0"), hits(reports, "keys", k.id()),
                    Money.format(sum(reports, "keys", k.id(), "cacheSavedMicros")), promptCache(reports, "keys", k.id()));
        }
        return keys.toString();
    }

    /**
     * The models' table: usage summed over every run, health as this run sees it now (the first report: earlier
     * runs' saved health is of the past), merged as the operator merges replicas into {@code status.health}.
     *
     * @param reports this run's report first, then every earlier run's, as saved
     */
    static String models(List<GatewayConfig.Model> config, List<JsonNode> reports) {
        Table models = new Table("LLMMODEL", "MODEL NAME", "PROVIDER", "HEALTH", "ERROR RATE", "LATENCY", "TTFT",
                "COOLDOWNS", "REQUESTS", "ERRORS", "SPEND", "CACHE HITS", "CACHE SAVED", "PROMPT CACHE R/W", "PRICED BY");
        for (GatewayConfig.Model m : config) {
            JsonNode node = reports.isEmpty() ? null : reports.get(0).path("health").get(m.id());
            HealthMerge.Merged h = null;
            if (node != null && node.isObject()) {
                try {
                    h = HealthMerge.merge(List.of(Json.mapper().treeToValue(node, UsageReport.Health.class)));
                } catch (IOException | RuntimeException ex) {
                    LOG.debugf("standalone: unreadable health of %s: %s", m.id(), ex.getMessage());
                }
            }
            models.row(m.id(), m.modelName(), m.provider(), h == null ? "-" : health(h),
                    h == null || h.errorRate() == null ? "-" : h.errorRate(),
                    h == null || h.latencyMillis() == null ? "-" : h.latencyMillis() + "ms",
                    h == null || h.ttftMillis() == null ? "-" : h.ttftMillis() + "ms",
                    h == null ? "-" : Long.toString(h.cooldowns()),
                    Long.toString(sum(reports, "models", m.id(), "requests")),
                    Long.toString(sum(reports, "models", m.id(), "errors")), Money.format(sum(reports, "models", m.id(), "spendMicros")),
                    hits(reports, "models", m.id()), Money.format(sum(reports, "models", m.id(), "cacheSavedMicros")),
                    promptCache(reports, "models", m.id()), m.prices() == null ? "(no price)" : m.prices().source());
        }
        return models.toString();
    }

    /**
     * The prompt versions' table, to compare versions by cost: each served version (with the labels pointing at it)
     * and any version with figures that is no longer served, usage summed over every run. Null when no prompt is
     * served and none has figures (the view is then as before).
     *
     * @param config  the served Prompts (null: none)
     * @param reports this run's report first, then every earlier run's, as saved
     */
    static String prompts(List<GatewayConfig.Prompt> config, List<JsonNode> reports) {
        Map<String, String> labels = new TreeMap<>(StandaloneStatus::byVersion);
        if (config != null) {
            for (GatewayConfig.Prompt p : config) {
                for (GatewayConfig.PromptVersion v : p.versions()) {
                    List<String> pointing = new ArrayList<>();
                    new TreeMap<>(p.labels()).forEach((label, version) -> {
                        if (version == v.version()) {
                            pointing.add(label);
                        }
                    });
                    labels.put(p.id() + "@" + v.version(), pointing.isEmpty() ? "-" : String.join(",", pointing));
                }
            }
        }
        for (JsonNode r : reports) {
            r.path("prompts").fieldNames().forEachRemaining(id -> labels.putIfAbsent(id, "(not served)"));
        }
        if (labels.isEmpty()) {
            return null;
        }
        Table t = new Table("PROMPT", "VERSION", "LABELS", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "SPEND");
        labels.forEach((id, shown) -> {
            int at = id.lastIndexOf('@');
            t.row(id.substring(0, at), id.substring(at + 1), shown, Long.toString(sum(reports, "prompts", id, "requests")),
                    Long.toString(sum(reports, "prompts", id, "errors")), Long.toString(sum(reports, "prompts", id, "inputTokens")),
                    Long.toString(sum(reports, "prompts", id, "outputTokens")),
                    Money.format(sum(reports, "prompts", id, "spendMicros")));
        });
        return t.toString();
    }

    /** Prompt versions ordered by prompt id, then by number (10 after 9). */
    private static int byVersion(String a, String b) {
        int i = a.lastIndexOf('@');
        int j = b.lastIndexOf('@');
        int c = a.substring(0, i).compareTo(b.substring(0, j));
        return c != 0 ? c : Long.compare(Long.parseLong(a.substring(i + 1)), Long.parseLong(b.substring(j + 1)));
    }

    /**
     * The tags' table: every tag requests carried, usage summed over every run (a request with two tags counts in
     * both rows). Null when no request carried one.
     *
     * @param reports this run's report first, then every earlier run's, as saved
     */
    static String tags(List<JsonNode> reports) {
        java.util.Set<String> tags = new java.util.TreeSet<>();
        reports.forEach(r -> r.path("tags").fieldNames().forEachRemaining(tags::add));
        if (tags.isEmpty()) {
            return null;
        }
        Table t = new Table("TAG", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "SPEND");
        for (String tag : tags) {
            t.row(tag, Long.toString(sum(reports, "tags", tag, "requests")), Long.toString(sum(reports, "tags", tag, "errors")),
                    Long.toString(sum(reports, "tags", tag, "inputTokens")), Long.toString(sum(reports, "tags", tag, "outputTokens")),
                    Money.format(sum(reports, "tags", tag, "spendMicros")));
        }
        return t.toString();
    }

    /** Response-cache hits over every run: "5", or "5 (2 semantic)". */
    private static String hits(List<JsonNode> reports, String section, String id) {
        long hits = sum(reports, section, id, "cacheHits");
        long semantic = sum(reports, section, id, "semanticCacheHits");
        return semantic == 0 ? Long.toString(hits) : hits + " (" + semantic + " semantic)";
    }

    /** Input tokens the provider read from / wrote to its prompt cache over every run: "read/write". */
    private static String promptCache(List<JsonNode> reports, String section, String id) {
        return sum(reports, section, id, "cachedInputTokens") + "/" + sum(reports, section, id, "cacheWriteTokens");
    }

    /** "Healthy", "Probing (reason)", "CoolingDown until <time> (reason)". */
    private static String health(HealthMerge.Merged h) {
        StringBuilder sb = new StringBuilder(h.state());
        if (h.coolingDownUntil() != null) {
            sb.append(" until ").append(h.coolingDownUntil());
        }
        if (h.reason() != null) {
            sb.append(" (").append(h.reason()).append(')');
        }
        return sb.toString();
    }

    /** A left-aligned text table like kubectl's. */
    private static final class Table {
        private final List<String[]> rows = new ArrayList<>();

        Table(String... header) {
            rows.add(header);
        }

        void row(String... cells) {
            rows.add(cells);
        }

        @Override
        public String toString() {
            int[] width = new int[rows.get(0).length];
            rows.forEach(r -> {
                for (int i = 0; i < r.length; i++) {
                    width[i] = Math.max(width[i], r[i].length());
                }
            });
            StringBuilder sb = new StringBuilder();
            rows.forEach(r -> {
                for (int i = 0; i < r.length; i++) {
                    sb.append(i == r.length - 1 ? r[i] : String.format("%-" + (width[i] + 3) + "s", r[i]));
                }
                sb.append('\n');
            });
            return sb.toString();
        }
    }
}
