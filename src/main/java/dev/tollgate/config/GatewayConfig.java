package dev.tollgate.config;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/**
 * The rendered configuration of one gateway: the contract between the operator (or standalone mode), which
 * writes it, and the gateway, which serves it. It holds no secrets: key hashes and provider credentials travel
 * in {@link GatewaySecrets}. Stored as {@code config.json} in the ConfigMap {@code <gateway>-config}.
 *
 * <p>Versioned by {@link #schema}; a gateway refuses a schema it does not know. Ids are
 * {@code namespace/name} of the resource they come from. Lists are sorted by id so that equal inputs render to
 * byte-identical JSON (the config hash depends on it).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GatewayConfig(
        String schema,
        String gateway,
        Settings settings,
        List<Model> models,
        List<Key> keys,
        List<Budget> budgets,
        KeyShards keyShards,
        /**
         * How each model group is routed, retried and failed over, by public model name, fully resolved (the
         * GatewayDeployment's defaults under the group's own LlmModel settings). A group absent here routes by
         * {@link Routing#DEFAULT}; null or empty when no resource declares any routing.
         */
        Map<String, Routing> routing,
        /**
         * Response caching (exact and semantic), fully resolved: the GatewayDeployment's {@code spec.cache} under each
         * group's LlmModel {@code spec.cache}. Null when no resource declares any cache (a config without caching
         * renders byte-identical to before caching existed).
         */
        Caching caching,
        /**
         * Traces, logging callbacks (sinks) and the request thresholds alerts watch, fully resolved: the
         * GatewayDeployment's {@code spec.observability} plus every team's {@code LogSink} in a namespace the gateway
         * serves keys from. Null when nothing is declared (a config without it renders byte-identical to before).
         */
        Observability observability,
        /**
         * Every Prompt the gateway serves (of the namespaces it serves keys from), sorted by id. Null when there is
         * none (a config without prompts renders byte-identical to before they existed).
         */
        List<Prompt> prompts) {

    public static final String SCHEMA = "tollgate.dev/gateway-config/v1";

    /** A config without prompts. */
    public GatewayConfig(String schema, String gateway, Settings settings, List<Model> models, List<Key> keys,
            List<Budget> budgets, KeyShards keyShards, Map<String, Routing> routing, Caching caching,
            Observability observability) {
        this(schema, gateway, settings, models, keys, budgets, keyShards, routing, caching, observability, null);
    }

    /** A config without observability. */
    public GatewayConfig(String schema, String gateway, Settings settings, List<Model> models, List<Key> keys,
            List<Budget> budgets, KeyShards keyShards, Map<String, Routing> routing, Caching caching) {
        this(schema, gateway, settings, models, keys, budgets, keyShards, routing, caching, null, null);
    }

    /** A config without caching. */
    public GatewayConfig(String schema, String gateway, Settings settings, List<Model> models, List<Key> keys,
            List<Budget> budgets, KeyShards keyShards, Map<String, Routing> routing) {
        this(schema, gateway, settings, models, keys, budgets, keyShards, routing, null, null, null);
    }

    /** An unsharded config: every key inline. */
    public GatewayConfig(String schema, String gateway, Settings settings, List<Model> models, List<Key> keys,
            List<Budget> budgets) {
        this(schema, gateway, settings, models, keys, budgets, null, null, null, null, null);
    }

    /** A config with no routing declared (every group on {@link Routing#DEFAULT}). */
    public GatewayConfig(String schema, String gateway, Settings settings, List<Model> models, List<Key> keys,
            List<Budget> budgets, KeyShards keyShards) {
        this(schema, gateway, settings, models, keys, budgets, keyShards, null, null, null, null);
    }

    /**
     * The routing of one model group (LlmModel {@code spec.routing} over GatewayDeployment {@code spec.routing}).
     *
     * @param strategy                how an attempt picks a deployment of the group: {@code weighted} (random by
     *                                weight, the default), {@code priority} (lowest {@link Model#priority()} tier
     *                                that is healthy and not saturated, weighted within it), {@code least-busy}
     *                                (fewest requests in flight), {@code latency} (lowest moving average; time to
     *                                first token for streams), {@code usage} (most rpm/tpm headroom under the
     *                                deployment's own limits), {@code cost} (lowest catalogue price for the
     *                                request's expected tokens)
     * @param affinity                session affinity, or null for none
     * @param retries                 retry policy (never null once rendered)
     * @param cooldown                cooldown policy (never null once rendered)
     * @param firstTokenTimeoutMillis a stream that has sent no content this long after its attempt started fails
     *                                over (null: none; the model's own timeout still applies)
     * @param fallbacks               model groups tried in order when this group cannot answer (any retryable
     *                                failure, once its retries are spent)
     * @param contextWindowFallbacks  model groups tried in order when the request is too long for this group
     * @param contentPolicyFallbacks  model groups tried in order when this group refuses on content policy
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Routing(String strategy, Affinity affinity, Retries retries, Cooldown cooldown,
            Long firstTokenTimeoutMillis, List<String> fallbacks, List<String> contextWindowFallbacks,
            List<String> contentPolicyFallbacks) {

        public static final String WEIGHTED = "weighted";
        public static final String PRIORITY = "priority";
        public static final String LEAST_BUSY = "least-busy";
        public static final String LATENCY = "latency";
        public static final String USAGE = "usage";
        public static final String COST = "cost";
        public static final List<String> STRATEGIES = List.of(WEIGHTED, PRIORITY, LEAST_BUSY, LATENCY, USAGE, COST);

        public static final Routing DEFAULT = new Routing(WEIGHTED, null, Retries.DEFAULT, Cooldown.DEFAULT, null,
                List.of(), List.of(), List.of());

        public Routing {
            strategy = strategy == null ? WEIGHTED : strategy;
            retries = retries == null ? Retries.DEFAULT : retries;
            cooldown = cooldown == null ? Cooldown.DEFAULT : cooldown;
            fallbacks = fallbacks == null ? List.of() : List.copyOf(fallbacks);
            contextWindowFallbacks = contextWindowFallbacks == null ? List.of() : List.copyOf(contextWindowFallbacks);
            contentPolicyFallbacks = contentPolicyFallbacks == null ? List.of() : List.copyOf(contentPolicyFallbacks);
        }
    }

    /**
     * The gateway's response caches. Entries live in this process's memory (bounded by {@code maxBytes}) and, when
     * {@link Settings#redisUrl()} is set, in Redis too, shared by every replica.
     *
     * @param maxBytes           the in-memory exact cache's bound, in bytes of stored answers (least recently used
     *                           entries go first), and the semantic index's, counted apart (oldest first)
     * @param maxSemanticEntries the semantic index's bound, in entries (all partitions together), besides maxBytes
     * @param chargeHits         true: a cache hit is charged to the key's budgets (and counted by its rate limits) at
     *                           what the stored answer cost; false (default): a hit costs the key nothing
     * @param groups             each cached model group's cache, by public model name; a group absent here is not
     *                           cached
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Caching(long maxBytes, int maxSemanticEntries, boolean chargeHits, Map<String, Cache> groups) {
        public static final long DEFAULT_MAX_BYTES = 64L * 1024 * 1024;
        public static final int DEFAULT_MAX_SEMANTIC_ENTRIES = 10_000;

        public Caching {
            groups = groups == null ? Map.of() : Map.copyOf(groups);
        }
    }

    /**
     * The cache of one model group.
     *
     * @param exact    the exact cache, or null when off
     * @param semantic the semantic cache, or null when off
     * @param scope    who shares entries: {@value #NAMESPACE} (default: keys of one namespace share, no other
     *                 namespace ever sees them), {@value #KEY} (each key its own), {@value #GATEWAY} (every key of
     *                 the gateway)
     * @param purge    the purge token (the GatewayDeployment's and the group's {@code spec.cache.purge} joined):
     *                 entries are stored under it, so changing it drops every entry stored before
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cache(Exact exact, Semantic semantic, String scope, String purge) {
        public static final String NAMESPACE = "namespace";
        public static final String KEY = "key";
        public static final String GATEWAY = "gateway";
        public static final List<String> SCOPES = List.of(NAMESPACE, KEY, GATEWAY);

        public Cache {
            scope = scope == null ? NAMESPACE : scope;
        }
    }

    /**
     * @param ttlMillis     how long an entry is served (a client may ask for less, never for more)
     * @param maxEntryBytes an answer larger than this is not stored
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Exact(long ttlMillis, long maxEntryBytes) {
        public static final long DEFAULT_TTL_MILLIS = 3_600_000;
        public static final long DEFAULT_MAX_ENTRY_BYTES = 256 * 1024;
    }

    /**
     * @param embeddingModel public model name of the group that embeds prompts (it must serve /v1/embeddings)
     * @param threshold      cosine similarity at or above which a stored answer is served (0..1)
     * @param ttlMillis      how long an entry is served
     * @param maxEntryBytes  an answer larger than this is not stored
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Semantic(String embeddingModel, double threshold, long ttlMillis, long maxEntryBytes) {
        public static final double DEFAULT_THRESHOLD = 0.95;
    }

    /**
     * What the gateway reports about its calls, and where to.
     *
     * @param tracing  OpenTelemetry traces and GenAI metrics over OTLP/HTTP, or null when off
     * @param sinks    logging callbacks, sorted by id: the platform's (all traffic) and the teams' (their namespace's)
     * @param requests the request thresholds alerts watch (slow, hanging), or null when none is declared
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Observability(Tracing tracing, List<Sink> sinks, RequestAlerts requests) {
        public Observability {
            sinks = sinks == null ? List.of() : List.copyOf(sinks);
        }
    }

    /**
     * OTLP export of traces (a span per gateway request, a child per upstream attempt, GenAI semantic conventions)
     * and of the GenAI client metrics.
     *
     * @param endpoint             the collector's OTLP/HTTP base URL, e.g. {@code http://otel-collector:4318}: traces
     *                             go to {@code <endpoint>/v1/traces}, metrics to {@code <endpoint>/v1/metrics}
     * @param sampleRatio          share of new traces sampled, 0..1 (a request continuing a trace follows its
     *                             parent's sampled flag)
     * @param serviceName          the resource's {@code service.name} (default {@code tollgate-gateway})
     * @param headers              plain headers sent with every export
     * @param secretHeaders        header name -> credential ref in {@link GatewaySecrets#credentials()} (e.g. an
     *                             {@code authorization} header from a Secret)
     * @param metrics              export the GenAI metrics over OTLP too
     * @param metricsIntervalMillis how often metrics are exported
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tracing(String endpoint, double sampleRatio, String serviceName, Map<String, String> headers,
            Map<String, String> secretHeaders, boolean metrics, long metricsIntervalMillis) {
        public static final String DEFAULT_SERVICE_NAME = "tollgate-gateway";

        public Tracing {
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            secretHeaders = secretHeaders == null ? Map.of() : Map.copyOf(secretHeaders);
        }
    }

    /**
     * One logging callback: every finished request (of its namespace, for a team's sink) is sent to it, in batches,
     * off the request path.
     *
     * @param id                  {@code <namespace>/<name>} of a team's LogSink; {@code <gw namespace>/<gw name>/<name>}
     *                            of a sink on the GatewayDeployment
     * @param type                {@value #LANGFUSE}, {@value #LUNARY}, {@value #HELICONE}, {@value #PROMPTLAYER},
     *                            {@value #TRACELOOP}, {@value #WEBHOOK} ({@value #OTLP} is the gateway's own tracing)
     * @param url                 where to send (the type's documented default when the resource gives none)
     * @param namespace           only this namespace's keys' traffic (a team's sink); null: all traffic (the platform's)
     * @param credentials         role (e.g. {@code publicKey}, {@code secretKey}, {@code apiKey}, or a webhook header
     *                            name) -> credential ref in {@link GatewaySecrets#credentials()}
     * @param headers             plain headers sent with every delivery
     * @param logContent          send the prompt and the answer (after {@link #redact}); otherwise only the metadata
     * @param redact              regular expressions whose matches are replaced by {@code [REDACTED]} in the content
     * @param queueSize           the most records waiting; one more is dropped (and counted)
     * @param batchSize           the most records per delivery
     * @param flushIntervalMillis the longest a record waits for a batch to fill
     * @param maxRetries          retries of a failed delivery (with backoff) before its records are dropped
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Sink(String id, String type, String url, String namespace, Map<String, String> credentials,
            Map<String, String> headers, boolean logContent, List<String> redact, int queueSize, int batchSize,
            long flushIntervalMillis, int maxRetries) {
        public static final String LANGFUSE = "langfuse";
        public static final String LUNARY = "lunary";
        public static final String HELICONE = "helicone";
        public static final String PROMPTLAYER = "promptlayer";
        public static final String TRACELOOP = "traceloop";
        public static final String WEBHOOK = "webhook";
        public static final String OTLP = "otlp";
        public static final int DEFAULT_QUEUE_SIZE = 10_000;
        public static final int DEFAULT_BATCH_SIZE = 100;
        public static final long DEFAULT_FLUSH_INTERVAL_MILLIS = 1_000;
        public static final int DEFAULT_MAX_RETRIES = 3;

        public Sink {
            credentials = credentials == null ? Map.of() : Map.copyOf(credentials);
            headers = headers == null ? Map.of() : Map.copyOf(headers);
            redact = redact == null ? List.of() : List.copyOf(redact);
        }
    }

    /**
     * The request thresholds the gateway watches for alerts (the operator sends them; see
     * {@code GatewayDeployment.spec.observability.alerts}).
     *
     * @param slowMillis    a request that took longer than this is counted as slow (null: not watched)
     * @param hangingMillis a request still in flight after this long is counted as hanging (null: not watched)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record RequestAlerts(Long slowMillis, Long hangingMillis) {}

    /**
     * Session affinity: requests with the same affinity key stay on one deployment for {@code ttlMillis} (refreshed
     * by each request) unless it becomes unhealthy. The key is the header {@code header} when set, else the OpenAI
     * {@code user} field when {@code user} is true; a request carrying neither routes by the strategy.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Affinity(String header, boolean user, long ttlMillis) {}

    /**
     * When a failed attempt is tried again (on another deployment of the group when one may serve, else the same).
     * Only the classes in {@code perClass} are retried: {@code rateLimited} (429), {@code overloaded} (503, 529,
     * Anthropic's overloaded_error), {@code serverError} (other 5xx), {@code timeout}, {@code connectionFailed};
     * never a 400/401/403/404 of the client's own making.
     *
     * @param maxRetries          retries after the first attempt, within the group (fallback groups get their own)
     * @param perClass            retries allowed per error class (each at most maxRetries; 0: that class is not
     *                            retried); null: maxRetries for each
     * @param backoffMillis       base of the jittered exponential backoff between attempts on the same deployment
     * @param maxBackoffMillis    the backoff's cap
     * @param maxRetryAfterMillis a 429's retry-after is honoured up to this; a longer one is not waited for on that
     *                            deployment (another one, or a fallback, is tried instead)
     * @param timeBudgetMillis    no attempt starts later than this after the request arrived
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Retries(int maxRetries, Map<String, Integer> perClass, long backoffMillis, long maxBackoffMillis,
            long maxRetryAfterMillis, long timeBudgetMillis) {
        public static final String RATE_LIMITED = "rateLimited";
        public static final String OVERLOADED = "overloaded";
        public static final String SERVER_ERROR = "serverError";
        public static final String TIMEOUT = "timeout";
        public static final String CONNECTION_FAILED = "connectionFailed";
        public static final List<String> CLASSES = List.of(RATE_LIMITED, OVERLOADED, SERVER_ERROR, TIMEOUT,
                CONNECTION_FAILED);

        public static final Retries DEFAULT = new Retries(2, null, 200, 5_000, 10_000, 60_000);

        /** How many retries an error class gets. */
        public int retriesFor(String errorClass) {
            Integer n = perClass == null ? null : perClass.get(errorClass);
            return n == null ? maxRetries : Math.min(n, maxRetries);
        }
    }

    /**
     * When a deployment is taken out of rotation: at once on a 429 (for its retry-after, else {@code durationMillis},
     * at most {@code maxMillis}), and after {@code failures} failures (5xx, overload, timeouts, connect failures)
     * within {@code windowMillis} (for {@code durationMillis}). When the cooldown ends one request probes it
     * (half-open): success brings it back, failure cools it down again.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Cooldown(int failures, long windowMillis, long durationMillis, long maxMillis) {
        public static final Cooldown DEFAULT = new Cooldown(3, 60_000, 30_000, 300_000);
    }

    /**
     * Present when the keys did not fit into this document (see {@link dev.tollgate.config.KeyShards}): they are
     * then in {@code count} shards, ConfigMap and Secret {@code <gateway-name>-keys-<i>}, and {@code hashes[i]} is
     * the hash shard i's two documents carry. {@link #keys} is empty then.
     */
    public record KeyShards(int count, List<String> hashes) {}

    /**
     * Gateway-wide settings. {@code port} and {@code redisUrl} are read at start: changing them restarts the pods (the
     * settings hash on the pod template). {@code usageSyncIntervalMillis} is how often the operator hands the pods the
     * budgets' cluster-wide spend ({@link SpendSeed}); it is informative here and restarts nothing.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Settings(int port, long usageSyncIntervalMillis, String redisUrl) {}

    /** One upstream deployment. Models sharing {@code modelName} form a load-balanced group. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Model(
            String id,
            String modelName,
            String provider,
            String upstreamModel,
            String apiBase,
            String apiVersion,
            String region,
            /** The Google Cloud project (vertex), or null. */
            String project,
            /** Id of the credential in {@link GatewaySecrets#credentials()}, or null when none is needed. */
            String credentialRef,
            Prices prices,
            Long rpm,
            Long tpm,
            int weight,
            long timeoutMillis,
            Integer contextWindow,
            JsonNode defaultParams,
            /** "reject" (400) or "drop". */
            String unsupportedParams,
            Mock mock,
            /** Priority tier for the {@code priority} strategy: 1 first, then 2 …; null is 1. */
            Integer priority) {

        /** A model of tier 1 (or of a group not routed by priority). */
        public Model(String id, String modelName, String provider, String upstreamModel, String apiBase,
                String apiVersion, String region, String project, String credentialRef, Prices prices, Long rpm,
                Long tpm, int weight, long timeoutMillis, Integer contextWindow, JsonNode defaultParams,
                String unsupportedParams, Mock mock) {
            this(id, modelName, provider, upstreamModel, apiBase, apiVersion, region, project, credentialRef, prices,
                    rpm, tpm, weight, timeoutMillis, contextWindow, defaultParams, unsupportedParams, mock, null);
        }

        /** A model without a cloud project (every provider but vertex). */
        public Model(String id, String modelName, String provider, String upstreamModel, String apiBase,
                String apiVersion, String region, String credentialRef, Prices prices, Long rpm, Long tpm, int weight,
                long timeoutMillis, Integer contextWindow, JsonNode defaultParams, String unsupportedParams, Mock mock) {
            this(id, modelName, provider, upstreamModel, apiBase, apiVersion, region, null, credentialRef, prices, rpm,
                    tpm, weight, timeoutMillis, contextWindow, defaultParams, unsupportedParams, mock, null);
        }

        /** The priority tier, 1 when none is set. */
        public int tier() {
            return priority == null ? 1 : priority;
        }
    }

    /**
     * Prices in integer micro-USD; null when neither the spec nor the catalogue knows them. A null field is a price
     * nobody knows, never zero.
     *
     * @param inputMicrosPerMillion       uncached input (prompt) tokens
     * @param outputMicrosPerMillion      output (completion) tokens
     * @param cachedInputMicrosPerMillion input tokens read from the provider's prompt cache; null: priced as input
     * @param cacheWriteMicrosPerMillion  input tokens written to the prompt cache (Anthropic's 5-minute price); null:
     *                                    priced as input
     * @param perImageMicros              one generated image
     * @param perSecondMicros             one second of compute
     * @param perSearchUnitMicros         one search unit of a rerank (Cohere: a query with up to 100 documents)
     * @param source                      "spec" or "catalogue/&lt;version&gt;"
     * @param tiers                       prices that apply instead when the prompt is larger than a threshold (Gemini's
     *                                    "prompts &gt; 200k tokens"), ascending; null or empty: none
     * @param inputMicrosPerMillionCharacters  input characters, for models billed per character (PaLM 2, some Vertex AI
     *                                    models): a model with a character price is charged by characters only
     * @param outputMicrosPerMillionCharacters output characters, likewise
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prices(Long inputMicrosPerMillion, Long outputMicrosPerMillion, Long cachedInputMicrosPerMillion,
            Long cacheWriteMicrosPerMillion, Long perImageMicros, Long perSecondMicros, Long perSearchUnitMicros,
            String source, List<Tier> tiers, Long inputMicrosPerMillionCharacters, Long outputMicrosPerMillionCharacters) {

        /** Checks the tiers: positive thresholds, strictly ascending, each with a price. */
        public Prices {
            if (tiers != null) {
                tiers = List.copyOf(tiers);
                long previous = 0;
                for (Tier t : tiers) {
                    if (t.aboveInputTokens() <= previous) {
                        throw new IllegalArgumentException("tiers: aboveInputTokens must be positive and ascending, "
                                + "each tier above the previous one (" + t.aboveInputTokens() + " after " + previous + ")");
                    }
                    if (t.inputMicrosPerMillion() == null && t.outputMicrosPerMillion() == null
                            && t.cachedInputMicrosPerMillion() == null) {
                        throw new IllegalArgumentException("tiers: the tier above " + t.aboveInputTokens()
                                + " tokens gives no price");
                    }
                    previous = t.aboveInputTokens();
                }
            }
        }

        /** Token, image and time prices, without a search-unit price, tiers or character prices. */
        public Prices(Long inputMicrosPerMillion, Long outputMicrosPerMillion, Long cachedInputMicrosPerMillion,
                Long cacheWriteMicrosPerMillion, Long perImageMicros, Long perSecondMicros, String source) {
            this(inputMicrosPerMillion, outputMicrosPerMillion, cachedInputMicrosPerMillion, cacheWriteMicrosPerMillion,
                    perImageMicros, perSecondMicros, null, source, null, null, null);
        }

        /** Token, image, time and search-unit prices, without tiers or character prices. */
        public Prices(Long inputMicrosPerMillion, Long outputMicrosPerMillion, Long cachedInputMicrosPerMillion,
                Long cacheWriteMicrosPerMillion, Long perImageMicros, Long perSecondMicros, Long perSearchUnitMicros,
                String source) {
            this(inputMicrosPerMillion, outputMicrosPerMillion, cachedInputMicrosPerMillion, cacheWriteMicrosPerMillion,
                    perImageMicros, perSecondMicros, perSearchUnitMicros, source, null, null, null);
        }

        /** Token, image and time prices with tiers and character prices, without a search-unit price. */
        public Prices(Long inputMicrosPerMillion, Long outputMicrosPerMillion, Long cachedInputMicrosPerMillion,
                Long cacheWriteMicrosPerMillion, Long perImageMicros, Long perSecondMicros, String source,
                List<Tier> tiers, Long inputMicrosPerMillionCharacters, Long outputMicrosPerMillionCharacters) {
            this(inputMicrosPerMillion, outputMicrosPerMillion, cachedInputMicrosPerMillion, cacheWriteMicrosPerMillion,
                    perImageMicros, perSecondMicros, null, source, tiers, inputMicrosPerMillionCharacters,
                    outputMicrosPerMillionCharacters);
        }

        /** Prices without cache prices (what LlmModel.spec.pricing can say). */
        public Prices(Long inputMicrosPerMillion, Long outputMicrosPerMillion, Long perImageMicros,
                Long perSecondMicros, String source) {
            this(inputMicrosPerMillion, outputMicrosPerMillion, null, null, perImageMicros, perSecondMicros, null, source);
        }

        /** Whether requests are charged by characters (then only by characters: tokens are counted, not priced). */
        public boolean perCharacter() {
            return inputMicrosPerMillionCharacters != null || outputMicrosPerMillionCharacters != null;
        }

        /**
         * The prices a request with {@code promptTokens} input tokens (cached ones included) pays: those of the highest
         * tier whose threshold the prompt is above (strictly: a prompt of exactly the threshold keeps the lower
         * prices), over the base prices for what that tier does not give; the whole request pays them, as Google
         * bills it. These prices themselves when no tier applies.
         */
        public Prices forPrompt(long promptTokens) {
            if (tiers == null || tiers.isEmpty()) {
                return this;
            }
            Tier applied = null;
            for (Tier t : tiers) {
                if (promptTokens > t.aboveInputTokens()) {
                    applied = t;
                }
            }
            if (applied == null) {
                return this;
            }
            return new Prices(or(applied.inputMicrosPerMillion(), inputMicrosPerMillion),
                    or(applied.outputMicrosPerMillion(), outputMicrosPerMillion),
                    or(applied.cachedInputMicrosPerMillion(), cachedInputMicrosPerMillion), cacheWriteMicrosPerMillion,
                    perImageMicros, perSecondMicros, perSearchUnitMicros, source, null, inputMicrosPerMillionCharacters,
                    outputMicrosPerMillionCharacters);
        }

        private static Long or(Long a, Long b) {
            return a != null ? a : b;
        }
    }

    /**
     * Prices for prompts larger than {@code aboveInputTokens} input tokens; a null price is the base price.
     *
     * @param aboveInputTokens            applies when the prompt (cached input included) has more input tokens
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Tier(long aboveInputTokens, Long inputMicrosPerMillion, Long outputMicrosPerMillion,
            Long cachedInputMicrosPerMillion) {}

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Mock(long latencyMillis, long chunkIntervalMillis, int outputTokens, String response) {}

    /**
     * A virtual key's policy. The key itself never appears here: {@link GatewaySecrets#keys()} maps the SHA-256
     * of each key to this id. Disabled and expired keys are rendered so the gateway can say why it refuses them.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Key(
            String id,
            /** Allowed public model names; empty means all. */
            List<String> models,
            /** Ids of every Budget binding this key (its budgetRefs and the Budgets whose keySelector matches). */
            List<String> budgets,
            Long rpm,
            Long tpm,
            Integer maxParallelRequests,
            /** RFC 3339, or null for never. */
            String expiresAt,
            boolean disabled,
            Map<String, String> attributes,
            /** Tags every request of this key carries (VirtualKey spec.tags), sorted; null or empty: none. */
            List<String> tags,
            /**
             * Tags a client may add (VirtualKey spec.allowedTags): exact tags, prefixes ending in '*', or "*" for any;
             * null or empty: none.
             */
            List<String> allowedTags) {

        /** A key without tags. */
        public Key(String id, List<String> models, List<String> budgets, Long rpm, Long tpm, Integer maxParallelRequests,
                String expiresAt, boolean disabled, Map<String, String> attributes) {
            this(id, models, budgets, rpm, tpm, maxParallelRequests, expiresAt, disabled, attributes, null, null);
        }
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Budget(
            String id,
            long limitMicros,
            /** daily, weekly, monthly, or a rolling duration such as 12h. */
            String period,
            String timeZone,
            int alertThresholdPercent,
            /** Public model names counted; empty means all. */
            List<String> models,
            /** Where rolling periods start counting (the Budget's creation, RFC 3339); null: the epoch. */
            String anchor,
            /** Request tags the budget covers besides its keys (Budget spec.tags), sorted; null or empty: none. */
            List<String> tags,
            /**
             * Whose tagged requests {@link #tags} covers: keys of this namespace only (a team's Budget), or of every
             * namespace when null (a Budget in the gateway's own namespace). Null when there are no tags.
             */
            String tagNamespace,
            /** Requests per minute of every request the budget covers together (Budget spec.limits); null: none. */
            Long rpm,
            /** Tokens per minute, likewise; null: none. */
            Long tpm,
            /** Requests in flight at once, likewise; null: none. */
            Integer maxParallelRequests) {

        /** A budget without tags or limits. */
        public Budget(String id, long limitMicros, String period, String timeZone, int alertThresholdPercent,
                List<String> models, String anchor) {
            this(id, limitMicros, period, timeZone, alertThresholdPercent, models, anchor, null, null, null, null, null);
        }

        /** A budget without an anchor (calendar periods do not need one). */
        public Budget(String id, long limitMicros, String period, String timeZone, int alertThresholdPercent,
                List<String> models) {
            this(id, limitMicros, period, timeZone, alertThresholdPercent, models, null, null, null, null, null, null);
        }

        /** Whether a request of a key in {@code keyNamespace} carrying {@code tag} is covered through the tag. */
        public boolean coversTag(String tag, String keyNamespace) {
            return tags != null && tags.contains(tag) && (tagNamespace == null || tagNamespace.equals(keyNamespace));
        }
    }

    /**
     * A Prompt: versioned templates a client calls by {@code prompt_id} on /v1/chat/completions.
     *
     * @param id         {@code <namespace>/<name>}
     * @param versions   every published version, ascending
     * @param labels     label -> version (each pointing at a version in {@code versions})
     * @param keys       ids of the keys that may use it, sorted, when its {@code spec.keys} has a label
     *                   {@code selector} (those of the served keys it selects); null when it has none (or an empty
     *                   one): then any key of a namespace in {@code namespaces} may
     * @param namespaces the namespaces whose keys may use it, sorted (its {@code spec.keys.namespaceSelector}: absent,
     *                   the Prompt's own namespace; a label selector, the served namespaces it matches); null when
     *                   every namespace may ({@code namespaceSelector: {}})
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Prompt(String id, List<PromptVersion> versions, Map<String, Integer> labels, List<String> keys,
            List<String> namespaces) {
        public Prompt {
            versions = versions == null ? List.of() : List.copyOf(versions);
            labels = labels == null ? Map.of() : Map.copyOf(labels);
            // sorted once, when the config is read: allows() looks a key up by binary search, not by a scan
            keys = keys == null ? null : keys.stream().sorted().distinct().toList();
            namespaces = namespaces == null ? null : namespaces.stream().sorted().distinct().toList();
        }

        /** A Prompt its listed keys may use, whatever their namespace (tests, and renders that name keys). */
        public Prompt(String id, List<PromptVersion> versions, Map<String, Integer> labels, List<String> keys) {
            this(id, versions, labels, keys == null ? List.of() : keys, null);
        }

        /** Whether the key {@code keyId} ({@code <namespace>/<name>}) may use the Prompt. */
        public boolean allows(String keyId) {
            if (namespaces != null) {
                int slash = keyId.indexOf('/');
                String ns = slash < 0 ? "default" : keyId.substring(0, slash);
                if (java.util.Collections.binarySearch(namespaces, ns) < 0) {
                    return false;
                }
            }
            return keys == null || java.util.Collections.binarySearch(keys, keyId) >= 0;
        }
    }

    /**
     * One immutable version of a Prompt.
     *
     * @param version     its number
     * @param hash        {@code sha256:<hex>} of its content (see {@code config/Prompts})
     * @param model       the public model name it is written for, or null (the request's)
     * @param parameters  request parameters it sets (a JSON object), or null
     * @param variables   the variables its messages use, in declaration order
     * @param messages    its messages: {@code [{"role": …, "content": "… {{name}} …"}]}
     * @param overridable parameters (and {@code model}) a request may set to replace the version's
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record PromptVersion(int version, String hash, String model, JsonNode parameters, List<Variable> variables,
            List<Message> messages, List<String> overridable) {
        public PromptVersion {
            variables = variables == null ? List.of() : List.copyOf(variables);
            messages = messages == null ? List.of() : List.copyOf(messages);
            overridable = overridable == null ? List.of() : List.copyOf(overridable);
        }
    }

    /** A template variable: {@code defaultValue} null means the request must give it. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Variable(String name, String defaultValue) {}

    /** A template message. */
    public record Message(String role, String content) {}
}
