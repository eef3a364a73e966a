package dev.tollgate.config;

import java.util.Collection;

/**
 * How long a stopping gateway pod may take, in one formula shared by the operator (the pod's
 * {@code terminationGracePeriodSeconds} and {@code preStop}) and the gateway (its drain deadline).
 *
 * <p>A gateway pod being deleted (rollout, eviction, node drain, scale-down) goes through, in order:
 * <ol>
 * <li>{@code preStop}: a sleep of {@link #preStopSeconds()}. The pod still serves everything; meanwhile the endpoints
 * controller, kube-proxy and ingress controllers or cloud load balancers stop sending it new connections.</li>
 * <li>SIGTERM: the gateway answers readiness with 503 and new requests with 503 {@code shutting_down}, and lets the
 * requests in flight, streams included, run for up to {@link #drainMillis()}. Those still open then are ended with
 * an error event in the client's dialect (never a clean end) and metered.</li>
 * <li>The usage hand-over: the pod keeps its usage report up until the operator has read it once more, at most
 * {@link #HANDOVER_MILLIS}.</li>
 * <li>Exit, within {@link #MARGIN_SECONDS}; the kubelet kills the pod at {@link #gracePeriodSeconds()}.</li>
 * </ol>
 * So {@code gracePeriodSeconds = preStop + drain + hand-over + margin}.
 *
 * <p>The drain is derived from the longest stream the gateway may serve: the largest {@code timeout} of its models,
 * never less than {@link #DEFAULT_LONGEST_STREAM_MILLIS}. A model's timeout bounds the wait between two bytes from
 * the upstream, not a whole answer, so a 60s model can stream for several minutes; ten minutes is both the
 * LlmModel default and the OpenAI SDKs' default request timeout, after which their clients give up anyway. The
 * floor also keeps the pod template stable: only a model timeout above ten minutes changes the grace period (and so
 * rolls the pods); adding, removing or editing models at or below it never does.
 *
 * @param gracePeriodSeconds the pod's terminationGracePeriodSeconds
 * @param preStopSeconds     the preStop sleep (at least 1, as the sleep action requires)
 * @param drainMillis        how long requests in flight may run after SIGTERM ({@code tollgate.gateway.drain-timeout-millis})
 */
public record Termination(long gracePeriodSeconds, int preStopSeconds, long drainMillis) {
    /** The longest stream assumed when no model says longer: LlmModel's default timeout, and the OpenAI SDKs'. */
    public static final long DEFAULT_LONGEST_STREAM_MILLIS = 600_000;
    /** A derived drain never exceeds an hour: a longer grace period must be asked for (spec override). */
    public static final long MAX_DERIVED_DRAIN_MILLIS = 3_600_000;
    /** The gateway's default {@code tollgate.gateway.usage-handover-timeout-millis}. */
    public static final long HANDOVER_MILLIS = 12_000;
    /** {@link #HANDOVER_MILLIS} as a configuration default. */
    public static final String HANDOVER_MILLIS_DEFAULT = "" + HANDOVER_MILLIS;
    /** Time for the process to stop once the hand-over is done (servers closed, state flushed, JVM exit). */
    public static final int MARGIN_SECONDS = 5;
    /** The default preStop sleep: enough for kube-proxy and ingress controllers, and for most cloud load balancers. */
    public static final int DEFAULT_PRE_STOP_SECONDS = 10;

    /** How long a stopping gateway serving {@code models} lets its requests in flight run (see the class comment). */
    public static long drainMillis(Collection<GatewayConfig.Model> models) {
        long longest = DEFAULT_LONGEST_STREAM_MILLIS;
        for (GatewayConfig.Model m : models) {
            longest = Math.max(longest, m.timeoutMillis());
        }
        return Math.min(longest, MAX_DERIVED_DRAIN_MILLIS);
    }

    /**
     * The pod's termination settings.
     *
     * @param gracePeriodOverride {@code GatewayDeployment.spec.terminationGracePeriodSeconds}, or null to derive it
     *                            from {@code models}; the drain then gets what is left after the preStop sleep, the
     *                            hand-over and the margin (0 when nothing is: requests in flight end at SIGTERM)
     * @param preStopSeconds      the preStop sleep wanted (shortened to fit an override that leaves no room for it)
     */
    public static Termination of(Integer gracePeriodOverride, Collection<GatewayConfig.Model> models, int preStopSeconds) {
        long overhead = ceilSeconds(HANDOVER_MILLIS) + MARGIN_SECONDS;
        if (gracePeriodOverride == null) {
            long drain = drainMillis(models);
            return new Termination(preStopSeconds + ceilSeconds(drain) + overhead, preStopSeconds, drain);
        }
        long grace = gracePeriodOverride;
        int preStop = (int) Math.max(1, Math.min(preStopSeconds, grace - overhead));
        return new Termination(grace, preStop, Math.max(0, grace - preStop - overhead) * 1000);
    }

    private static long ceilSeconds(long millis) {
        return (millis + 999) / 1000;
    }
}
