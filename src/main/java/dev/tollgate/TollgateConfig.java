package dev.tollgate;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Settings under {@code tollgate.*} (environment: TOLLGATE_*). */
@ConfigMapping(prefix = "tollgate")
public interface TollgateConfig {
    /** operator, gateway or standalone. Set by the first command-line argument; standalone when none is given. */
    @WithDefault("standalone")
    Mode mode();

    Standalone standalone();

    Gateway gateway();

    Operator operator();

    interface Operator {
        /** Port of the gateway pods' usage report (their management port). */
        @WithDefault("9000")
        int usagePort();

        /** How often the operator reads the gateway pods' usage reports. */
        @WithDefault("5000")
        long usageScrapeIntervalMillis();

        /**
         * The cluster-wide budget of usage-driven status writes per second (StatusWriteBudget): figures wait for it,
         * stalest first; condition changes do not.
         */
        @WithDefault("20")
        double statusWritesPerSecond();

        /** How often the operator's per-Budget/GatewayDeployment/LlmModel metrics are read from its caches (OperatorMetrics). */
        @WithDefault("10000")
        long metricsRefreshMillis();

        /**
         * Above this size of config.json or secrets.json (bytes), a gateway's keys go into key shards
         * ({@code dev.tollgate.config.KeyShards}); the API server's limit is 1 MiB. Lowered only by tests.
         */
        @WithDefault("524288")
        int keyShardInlineMaxBytes();

        /** What one key shard may hold (bytes). Lowered only by tests. */
        @WithDefault("262144")
        int keyShardTargetBytes();

        /**
         * The preStop sleep of gateway pods: they keep serving while endpoints, kube-proxy and load balancers stop
         * sending them traffic, before SIGTERM starts their drain (see {@code dev.tollgate.config.Termination}).
         */
        @WithDefault("10")
        int gatewayPrestopSeconds();

        /**
         * How often the elected operator evaluates every GatewayDeployment's {@code spec.observability.alerts}
         * ({@code dev.tollgate.operator.alerts.Alerts}).
         */
        @WithDefault("10000")
        long alertsIntervalMillis();

        /** Alert deliveries waiting to be sent at most; one more is dropped (and counted). */
        @WithDefault("1000")
        int alertsQueueSize();

        /** Retries of an alert delivery the channel may accept later (network errors, 429, 5xx). */
        @WithDefault("3")
        int alertsMaxRetries();

        /** The first retry's wait; doubled per retry, up to 30 s. */
        @WithDefault("1000")
        long alertsRetryBackoffMillis();
    }

    interface Gateway {
        /** Image of the gateway pods the operator creates; GatewayDeployment.spec.image overrides it. */
        String image();

        /** How often a replica reads the cooldowns the others shared through Redis (routing.DeploymentHealth). */
        @WithDefault("1000")
        long healthPollMillis();

        /** Most session-affinity pairings a replica keeps in memory (routing.Affinities). */
        @WithDefault("100000")
        int affinityMaxEntries();

        /** How long a pick waits for Redis to name a pairing this replica does not know (routing.Affinities). */
        @WithDefault("200")
        long affinityRedisTimeoutMillis();

        /** Largest accepted request body in bytes; larger ones get 413. */
        @WithDefault("10485760")
        long maxBodyBytes();

        /** Name of the GatewayDeployment this pod serves (gateway mode; set by the operator). */
        Optional<String> name();

        /** Its namespace (gateway mode; set by the operator from the pod's namespace). */
        Optional<String> namespace();

        /** Where the ConfigMap is mounted: the fallback when the Kubernetes API is unreachable at start. */
        @WithDefault("/etc/tollgate/config")
        String configDir();

        /** Where the Secret is mounted (same fallback). */
        @WithDefault("/etc/tollgate/secrets")
        String secretsDir();

        /** closed (default): refuse requests when the shared Redis is unreachable; open: admit them unlimited. */
        @WithDefault("closed")
        String sharedStoreFailure();

        /** How long a stopping gateway waits for the operator to read its last usage. */
        @WithDefault("12000")
        long usageHandoverTimeoutMillis();

        /**
         * How long a stopping gateway lets its requests in flight, streams included, run before it ends them with an
         * error event (set by the operator to fit the pod's grace period). Absent: the longest stream its models may
         * serve, at least ten minutes ({@code dev.tollgate.config.Termination#drainMillis}).
         */
        Optional<Long> drainTimeoutMillis();

        /**
         * How often a gateway whose config names a Redis refreshes its usage journal there (heartbeat, and every
         * counter rewritten); its heartbeat expires after four intervals, and then it counts as crashed.
         */
        @WithDefault("5000")
        long usageJournalHeartbeatMillis();

        /** How long a crashed gateway's usage stays in Redis after its heartbeat expired, for the operator to read. */
        @WithDefault("3600000")
        long usageJournalRetentionMillis();

        /**
         * How many UTC days the chargeback ledger keeps ({@code GET :9000/tollgate/chargeback}): older days are dropped
         * from memory and from the standalone state directory, and the day-bucketed Redis hashes expire after as long.
         */
        @WithDefault("400")
        int chargebackRetentionDays();

        /**
         * How many distinct request tags a gateway process counts on their own in its usage (report, Redis usage
         * journal): clients choose tags, so past this many a new tag's figures go to the tag {@code (other)}.
         */
        @WithDefault("1000")
        int maxTrackedTags();

        /**
         * How many chargeback rows (key, model, tag set) a gateway process keeps per UTC day: past this many a new
         * row's tag set is {@code (other)}; its key and model stay, so spend per key and model is exact.
         */
        @WithDefault("100000")
        int chargebackMaxRowsPerDay();

        /**
         * The longest a chargeback flush or export waits for each Redis call: a flush that times out is sent again,
         * unchanged, by the next one (Redis skips it when the first send did arrive: counted once); an export is a 503.
         */
        @WithDefault("5000")
        long chargebackRedisTimeoutMillis();

        Budget budget();

        interface Budget {
            /** Output limit set on budgeted requests that set none, so their maximum cost is bounded. */
            @WithDefault("4096")
            long defaultMaxOutputTokens();

            /**
             * How long a request whose precise cost estimate fits the budget's settled spend, but not the
             * reservations of the requests in flight, waits for them to settle before it is refused.
             */
            @WithDefault("1000")
            long inFlightWaitMillis();
        }
    }

    interface Standalone {
        /** Folder of manifests to serve; absent: the embedded sample (samples/standalone). */
        Optional<String> dir();

        /** Where generated keys (and later usage) are kept; default: FOLDER/.tollgate-state, or ./.tollgate-state. */
        Optional<String> stateDir();
    }
}
