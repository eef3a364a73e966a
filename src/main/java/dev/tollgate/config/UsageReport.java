package dev.tollgate.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * What one gateway process has served: the contract of the other direction, written by the gateway
 * ({@code GET :9000/tollgate/usage} on its management port) and read by the operator (and by standalone mode's
 * status view, from the files it saves). Counters are cumulative since the process started ({@link #startedAt})
 * and tagged with its {@link #incarnation} (a UUID per process), so a reader stores each incarnation's figures as
 * a value: reading twice counts nothing twice.
 *
 * <p>Versioned by {@link #schema} ({@value #SCHEMA}); fields are only added within a version, and readers ignore
 * fields they do not know. Ids are {@code namespace/name} of the resource they come from, as in
 * {@link GatewayConfig}. Money is integer micro-USD. See docs/gateway-config.md, "The usage report".
 *
 * @param config  the config hash the process serves
 * @param keys    per key id
 * @param models  per deployment id ({@link GatewayConfig.Model#id()})
 * @param budgets per budget period, keyed {@code <budgetId>@<periodStartMillis>} (a "slot")
 * @param journal only when the config names a Redis and it could be read (see {@link Journal})
 * @param health  per deployment id: how this process sees the deployment's health now (see {@link Health}); absent
 *                in an orphan and from gateways older than the field
 * @param requests the slow and hanging requests this process counted (see {@link Requests}); absent while the config
 *                 watches neither, in an orphan and from gateways older than the field
 * @param prompts  per prompt version, keyed {@code <promptId>@<version>} (e.g. {@code team-a/support@3}): requests,
 *                 errors, tokens and spend of the requests that used it; absent while none did
 * @param tags     per request tag (the key's fixed tags and the client's): requests, errors, tokens and spend of the
 *                 requests that carried it (a request with two tags counts in both); absent while none did
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record UsageReport(String schema, String incarnation, String startedAt, String config,
        Map<String, Counters> keys, Map<String, Counters> models, Map<String, BudgetSpend> budgets, Journal journal,
        Map<String, Health> health, Requests requests, Map<String, Counters> prompts, Map<String, Counters> tags) {

    public static final String SCHEMA = "tollgate.dev/gateway-usage/v1";

    /** A report without prompt or tag figures (a writer older than them). */
    public UsageReport(String schema, String incarnation, String startedAt, String config, Map<String, Counters> keys,
            Map<String, Counters> models, Map<String, BudgetSpend> budgets, Journal journal, Map<String, Health> health,
            Requests requests) {
        this(schema, incarnation, startedAt, config, keys, models, budgets, journal, health, requests, null, null);
    }

    public UsageReport {
        keys = keys == null ? Map.of() : keys;
        models = models == null ? Map.of() : models;
        budgets = budgets == null ? Map.of() : budgets;
        health = health == null ? Map.of() : health;
    }

    /** A report without request figures (a writer that watches none). */
    public UsageReport(String schema, String incarnation, String startedAt, String config, Map<String, Counters> keys,
            Map<String, Counters> models, Map<String, BudgetSpend> budgets, Journal journal, Map<String, Health> health) {
        this(schema, incarnation, startedAt, config, keys, models, budgets, journal, health, null);
    }

    /** A report without health (an orphan's, or a writer that knows none). */
    public UsageReport(String schema, String incarnation, String startedAt, String config, Map<String, Counters> keys,
            Map<String, Counters> models, Map<String, BudgetSpend> budgets, Journal journal) {
        this(schema, incarnation, startedAt, config, keys, models, budgets, journal, null);
    }

    /**
     * Cumulative counters of one key or deployment, and what is in use now over the last minute (absent in an
     * orphan: a process that is gone uses nothing).
     *
     * <p>The cache figures are absent (null) while they are 0, so a gateway that caches nothing writes the report an
     * older gateway wrote, and a report without them reads as none.
     *
     * @param upstreamFailures  upstream 5xx, timeouts and unreachable, in the last minute
     * @param rateLimited       requests refused by the key's own rate limits in the last minute
     * @param budgets           per key: spend charged to each budget slot ({@code budgetId@periodStartMillis})
     * @param lastUsedAt        RFC 3339, absent before the first request
     * @param cacheHits         requests answered from the gateway's response cache (exact or semantic; also counted
     *                          in {@code requests}, never in the tokens); per deployment: the one whose stored answer
     *                          was served
     * @param semanticCacheHits of {@code cacheHits}, those answered by the semantic cache
     * @param cacheSavedMicros  what the answers served from the cache cost when they were made (micro-USD): the spend
     *                          the hits saved (a hit's own spend, when hits are charged, is in {@code spendMicros})
     * @param cachedInputTokens input tokens the provider read from its prompt cache (part of {@code inputTokens})
     * @param cacheWriteTokens  input tokens the provider wrote to its prompt cache (part of {@code inputTokens})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Counters(long requests, long errors, long inputTokens, long outputTokens, long spendMicros,
            Long upstreamFailures, Long rpm, Long tpm, Long rateLimited, Map<String, Long> budgets, String lastUsedAt,
            Long cacheHits, Long semanticCacheHits, Long cacheSavedMicros, Long cachedInputTokens, Long cacheWriteTokens) {

        /** Counters without cache figures (a writer that knows none). */
        public Counters(long requests, long errors, long inputTokens, long outputTokens, long spendMicros,
                Long upstreamFailures, Long rpm, Long tpm, Long rateLimited, Map<String, Long> budgets, String lastUsedAt) {
            this(requests, errors, inputTokens, outputTokens, spendMicros, upstreamFailures, rpm, tpm, rateLimited, budgets,
                    lastUsedAt, null, null, null, null, null);
        }

        /** The same counters with these budget slots instead of their own. */
        public Counters withBudgets(Map<String, Long> kept) {
            return new Counters(requests, errors, inputTokens, outputTokens, spendMicros, upstreamFailures, rpm, tpm,
                    rateLimited, kept == null || kept.isEmpty() ? null : kept, lastUsedAt, cacheHits, semanticCacheHits,
                    cacheSavedMicros, cachedInputTokens, cacheWriteTokens);
        }

        /** A cache figure as a report holds it: null while it is 0. */
        public static Long figure(long v) {
            return v == 0 ? null : v;
        }
    }

    /**
     * How one gateway process sees one deployment now: its routing state and what its last minute of upstream calls
     * looked like. Live figures only (a process that is gone reports none); the operator merges them across the
     * processes that serve the deployment into the LlmModel's {@code status.health}.
     *
     * @param state            {@value #HEALTHY}, {@value #COOLING_DOWN} (no request is sent to it until
     *                         {@code coolingDownUntil}, unless every deployment of its group cools down) or
     *                         {@value #PROBING} (the cooldown ended; one trial request decides)
     * @param coolingDownUntil RFC 3339, while cooling down; else null
     * @param requests         upstream calls to the deployment in the last minute
     * @param failures         of those, the ones that failed at the provider (5xx, timeouts, unreachable) in the
     *                         last minute
     * @param latencyMillis    moving average of a call's duration (null: not known yet)
     * @param ttftMillis       moving average of a stream's time to its first token (null: not known yet)
     * @param cooldowns        cooldowns this process started since it started (cumulative)
     * @param reason           why the last cooldown started, e.g. "429" or "3 failures in 60s" (null: none yet)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Health(String state, String coolingDownUntil, long requests, long failures, Long latencyMillis,
            Long ttftMillis, long cooldowns, String reason) {
        public static final String HEALTHY = "Healthy";
        public static final String COOLING_DOWN = "CoolingDown";
        public static final String PROBING = "Probing";

        public Health {
            state = state == null ? HEALTHY : state;
        }
    }

    /**
     * The requests this process found slow or hanging, against the thresholds of its config
     * ({@link GatewayConfig.RequestAlerts}); the operator alerts when they grow. Cumulative since the process started,
     * except {@code hangingNow}.
     *
     * @param slowMillis    the slow threshold in force (null: slow requests are not watched)
     * @param slow          requests that finished after more than {@code slowMillis}
     * @param lastSlowAt    RFC 3339: when the last of them finished (null: none yet)
     * @param hangingMillis the hanging threshold in force (null: hanging requests are not watched)
     * @param hanging       requests that finished (answered, failed, left or cut) after more than {@code hangingMillis}
     * @param hangingNow    requests in flight now for longer than {@code hangingMillis} (a request never answered
     *                      shows here, never in {@code hanging})
     * @param lastHangingAt RFC 3339: when a hanging request was last seen, finished or in flight (null: none yet)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Requests(Long slowMillis, long slow, String lastSlowAt, Long hangingMillis, long hanging,
            long hangingNow, String lastHangingAt) {}

    /** Spend this process charged to one budget in one period. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record BudgetSpend(String budget, String periodStart, long spendMicros) {}

    /**
     * What the gateway's Redis holds of its incarnations.
     *
     * @param incarnations every incarnation of this gateway whose counters Redis holds now, live or not
     * @param orphans      the figures of those whose heartbeat expired (crashed processes), by incarnation, in this
     *                     record's own shape with only {@code startedAt}, {@code keys}, {@code models},
     *                     {@code budgets}, {@code prompts} and {@code tags} set
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Journal(List<String> incarnations, Map<String, UsageReport> orphans) {
        public Journal {
            incarnations = incarnations == null ? List.of() : incarnations;
            orphans = orphans == null ? Map.of() : orphans;
        }
    }

    /** The same report with this journal. */
    public UsageReport withJournal(Journal j) {
        return new UsageReport(schema, incarnation, startedAt, config, keys, models, budgets, j, health, requests, prompts,
                tags);
    }

    /** The JSON document, written once per request for it. */
    public String toJson() {
        return ConfigCodec.toJson(this);
    }

    /**
     * Reads a report; fields it does not know are ignored (a newer gateway adds fields within the version).
     *
     * @throws IOException not JSON, not a report, or a schema other than {@value #SCHEMA}
     */
    public static UsageReport read(String json) throws IOException {
        UsageReport r = ConfigCodec.read(json, UsageReport.class, false);
        if (r == null || !SCHEMA.equals(r.schema())) {
            throw new IOException("unsupported usage report schema '" + (r == null ? null : r.schema())
                    + "', this reader reads " + SCHEMA);
        }
        return r;
    }
}
