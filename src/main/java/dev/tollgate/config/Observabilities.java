package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.AlertsSpec;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentSpec;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.ObservabilitySpec;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.SinkSpec;
import dev.tollgate.api.v1alpha1.TracingSpec;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.regex.PatternSyntaxException;

/**
 * {@link GatewayConfig#observability()} from the GatewayDeployment's {@code spec.observability} and the teams'
 * {@link LogSink}s in the namespaces the gateway serves keys from (the namespace part of {@code spec.keys}, as for
 * VirtualKeys). Pure: the renderer's helper, unit-tested through it.
 *
 * <p>Credentials (sink credentials, tracing {@code secretHeaders}) are read from labelled Secrets in the declaring
 * resource's namespace and handed over in {@link GatewaySecrets#credentials()} under a ref named here
 * ({@link #sinkCredentialRef}, {@link #tracingHeaderRef}); the config holds only the refs. What cannot be served is
 * left out, never the rest: a team's LogSink with a problem is a {@link Problem} on the LogSink (its status says why;
 * the gateway and the other sinks are untouched), a platform sink or the tracing with one is a warning on the
 * GatewayDeployment ({@code ObservabilityResolved=False}). No message holds a credential value.
 */
public final class Observabilities {
    /** The kind of a team's sink, as problems name it. */
    public static final String LOG_SINK = "LogSink";
    /** A Secret (or its key) a sink's credentials or the tracing's secretHeaders name was not found. */
    public static final String SECRET_NOT_FOUND = "SecretNotFound";
    /** A redact pattern is not a Java regular expression (CEL cannot check it). */
    public static final String INVALID_REDACT_PATTERN = "InvalidRedactPattern";
    /** A sink the schema's rules would refuse (no url for a webhook, a missing credential role, a name twice …). */
    public static final String INVALID_SINK = "InvalidSink";
    /** The tracing or the alert thresholds cannot be read (standalone folders skip the CEL rules). */
    public static final String INVALID_OBSERVABILITY = "InvalidObservability";
    /**
     * Every reason this class reports: on a GatewayDeployment they are warnings ({@code ObservabilityResolved=False},
     * Ready unaffected); on a LogSink, problems that only a render finds (its Ready is False with the reason).
     */
    public static final Set<String> REASONS = Set.of(SECRET_NOT_FOUND, INVALID_REDACT_PATTERN, INVALID_SINK,
            INVALID_OBSERVABILITY);

    /** The credential roles each sink type needs (a webhook's roles are header names, none required). */
    public static final Map<String, List<String>> REQUIRED_CREDENTIALS = Map.of(
            GatewayConfig.Sink.LANGFUSE, List.of("publicKey", "secretKey"),
            GatewayConfig.Sink.LUNARY, List.of("apiKey"),
            GatewayConfig.Sink.HELICONE, List.of("apiKey"),
            GatewayConfig.Sink.PROMPTLAYER, List.of("apiKey"),
            GatewayConfig.Sink.TRACELOOP, List.of("apiKey"),
            GatewayConfig.Sink.WEBHOOK, List.of());

    static final long DEFAULT_METRICS_INTERVAL_MILLIS = 60_000;
    private static final java.util.regex.Pattern HEADER = java.util.regex.Pattern.compile("^[A-Za-z0-9!#$%&'*+.^_`|~-]+$");

    private Observabilities() {}

    /**
     * What the renderer adds to a gateway's render.
     *
     * @param observability the rendered observability, or null when nothing is declared (or nothing is left)
     * @param credentials   credential ref -> value, for {@link GatewaySecrets#credentials()}
     * @param problems      LogSinks left out, and why
     * @param warnings      platform sinks, tracing or alert thresholds left out, and why (on the GatewayDeployment)
     */
    public record Rendered(GatewayConfig.Observability observability, Map<String, String> credentials,
            List<Problem> problems, List<Problem> warnings) {}

    /** The credential ref of one role of a sink: {@code sink:<sink id>:<role>}. */
    public static String sinkCredentialRef(String sinkId, String role) {
        return "sink:" + sinkId + ":" + role;
    }

    /** The credential ref of a tracing secret header: {@code tracing:<gateway id>:<header>}. */
    public static String tracingHeaderRef(String gatewayId, String header) {
        return "tracing:" + gatewayId + ":" + header;
    }

    /** The id of a sink on a GatewayDeployment: {@code <gw namespace>/<gw name>/<sink name>}. */
    public static String platformSinkId(GatewayDeployment gw, String name) {
        return gw.getMetadata().getNamespace() + "/" + gw.getMetadata().getName() + "/" + name;
    }

    /** The LogSinks a gateway serves: those in a namespace it serves keys from. */
    public static boolean serves(GatewayDeployment gw, LogSink sink, Function<String, Map<String, String>> namespaceLabels) {
        GatewayDeploymentSpec spec = gw.getSpec() == null ? new GatewayDeploymentSpec() : gw.getSpec();
        return Selectors.admitsNamespace(spec.getKeys(), gw.getMetadata().getNamespace(),
                sink.getMetadata().getNamespace(), namespaceLabels);
    }

    public static Rendered render(GatewayDeployment gw, Collection<LogSink> logSinks,
            Function<String, Map<String, String>> namespaceLabels, SecretLookup secrets) {
        String gwNs = gw.getMetadata().getNamespace();
        String gwName = gw.getMetadata().getName();
        String gwId = gwNs + "/" + gwName;
        ObservabilitySpec spec = gw.getSpec() == null ? null : gw.getSpec().getObservability();
        Map<String, String> credentials = new TreeMap<>();
        List<Problem> problems = new ArrayList<>();
        List<Problem> warnings = new ArrayList<>();
        Function<String, Function<String, Problem>> onGateway = reason -> message -> new Problem(gw.getKind(), gwNs,
                gwName, reason, message);

        GatewayConfig.Tracing tracing = null;
        List<GatewayConfig.Sink> sinks = new ArrayList<>();
        GatewayConfig.RequestAlerts requests = null;
        if (spec != null) {
            try {
                tracing = tracing(spec.getTracing(), gwNs, gwId, secrets, credentials);
            } catch (Refused r) {
                warnings.add(new Problem(gw.getKind(), gwNs, gwName, r.reason, r.getMessage()
                        + " (no traces are exported until it is fixed)"));
            }
            Set<String> names = new HashSet<>();
            List<SinkSpec> declared = spec.getSinks() == null ? List.of() : spec.getSinks();
            for (int i = 0; i < declared.size(); i++) {
                SinkSpec s = declared.get(i);
                String field = "spec.observability.sinks[" + i + "]";
                try {
                    if (s == null || s.getName() == null || s.getName().isBlank()) {
                        throw new Refused(INVALID_SINK, field + " has no name: give every sink a name unique within "
                                + "the GatewayDeployment");
                    }
                    field = "spec.observability.sinks[" + s.getName() + "]";
                    if (!names.add(s.getName())) {
                        throw new Refused(INVALID_SINK, field + ": another sink has the same name; give each its own");
                    }
                    sinks.add(sink(s, platformSinkId(gw, s.getName()), gwNs, null, field, secrets, credentials));
                } catch (Refused r) {
                    warnings.add(onGateway.apply(r.reason).apply(r.getMessage() + " (the sink is left out until it "
                            + "is fixed)"));
                }
            }
            try {
                requests = requests(spec.getAlerts());
            } catch (Refused r) {
                warnings.add(onGateway.apply(r.reason).apply(r.getMessage()));
            }
            alertWarnings(spec.getAlerts()).forEach(m -> warnings.add(onGateway.apply(INVALID_OBSERVABILITY).apply(m)));
        }
        List<LogSink> teams = logSinks.stream().filter(ls -> ls.getSpec() != null && serves(gw, ls, namespaceLabels))
                .sorted(Comparator.comparing(Renderer::id)).toList();
        for (LogSink ls : teams) {
            String ns = ls.getMetadata().getNamespace();
            try {
                sinks.add(sink(ls.getSpec(), Renderer.id(ls), ns, ns, "spec", secrets, credentials));
            } catch (Refused r) {
                problems.add(new Problem(LOG_SINK, ns, ls.getMetadata().getName(), r.reason, r.getMessage()
                        + " (this sink receives nothing until it is fixed)"));
            }
        }
        sinks.sort(Comparator.comparing(GatewayConfig.Sink::id));
        GatewayConfig.Observability observability = tracing == null && sinks.isEmpty() && requests == null ? null
                : new GatewayConfig.Observability(tracing, sinks, requests);
        return new Rendered(observability, credentials, List.copyOf(problems), List.copyOf(warnings));
    }

    private static GatewayConfig.Tracing tracing(TracingSpec t, String gwNs, String gwId, SecretLookup secrets,
            Map<String, String> credentials) {
        if (t == null) {
            return null;
        }
        String field = "spec.observability.tracing";
        if (t.getEndpoint() == null || !httpUrl(t.getEndpoint())) {
            throw new Refused(INVALID_OBSERVABILITY, field + ".endpoint must be the collector's OTLP/HTTP base URL, "
                    + "e.g. http://otel-collector.monitoring:4318");
        }
        double ratio = 1.0;
        if (t.getSampling() != null) {
            BigDecimal d;
            try {
                d = new BigDecimal(t.getSampling().trim());
            } catch (NumberFormatException e) {
                throw new Refused(INVALID_OBSERVABILITY, field + ".sampling '" + t.getSampling() + "' is not a "
                        + "decimal: write a share from \"0\" to \"1\", e.g. \"0.1\"");
            }
            if (d.signum() < 0 || d.compareTo(BigDecimal.ONE) > 0) {
                throw new Refused(INVALID_OBSERVABILITY, field + ".sampling is " + t.getSampling() + ": it must be "
                        + "from 0 to 1, e.g. \"0.1\"");
            }
            ratio = d.doubleValue();
        }
        long interval = t.getMetricsInterval() == null ? DEFAULT_METRICS_INTERVAL_MILLIS
                : positiveMillis(INVALID_OBSERVABILITY, field + ".metricsInterval", t.getMetricsInterval());
        Map<String, String> secretHeaders = new TreeMap<>();
        Map<String, String> values = new TreeMap<>();
        if (t.getSecretHeaders() != null) {
            for (var e : new TreeMap<>(t.getSecretHeaders()).entrySet()) {
                header(field + ".secretHeaders", e.getKey());
                String ref = tracingHeaderRef(gwId, e.getKey());
                values.put(ref, secret(secrets, gwNs, e.getValue(), field + ".secretHeaders." + e.getKey()));
                secretHeaders.put(e.getKey(), ref);
            }
        }
        Map<String, String> headers = plainHeaders(t.getHeaders(), field + ".headers");
        credentials.putAll(values);
        String service = t.getServiceName() == null || t.getServiceName().isBlank()
                ? GatewayConfig.Tracing.DEFAULT_SERVICE_NAME : t.getServiceName();
        return new GatewayConfig.Tracing(t.getEndpoint(), ratio, service, headers, secretHeaders,
                !Boolean.FALSE.equals(t.getMetrics()), interval);
    }

    /**
     * One sink, or {@link Refused} with the first thing wrong. Its credentials go into {@code credentials} only when
     * the whole sink is good (a sink left out hands nothing to the gateway).
     */
    private static GatewayConfig.Sink sink(SinkSpec s, String id, String secretNs, String scope, String field,
            SecretLookup secrets, Map<String, String> credentials) {
        String type = s.getType();
        List<String> required = type == null ? null : REQUIRED_CREDENTIALS.get(type);
        if (required == null) {
            throw new Refused(INVALID_SINK, field + ".type '" + type + "' is not known: use one of "
                    + String.join(", ", new java.util.TreeSet<>(REQUIRED_CREDENTIALS.keySet())));
        }
        if (s.getUrl() != null && !httpUrl(s.getUrl())) {
            throw new Refused(INVALID_SINK, field + ".url must be an http:// or https:// URL");
        }
        if (GatewayConfig.Sink.WEBHOOK.equals(type) && s.getUrl() == null) {
            throw new Refused(INVALID_SINK, field + ".url is required for a webhook: give the endpoint the calls "
                    + "are POSTed to");
        }
        Map<String, SecretKeyRef> declared = s.getCredentials() == null ? Map.of() : s.getCredentials();
        for (String role : required) {
            if (!declared.containsKey(role)) {
                throw new Refused(INVALID_SINK, field + ".credentials needs " + String.join(" and ", required)
                        + " for a " + type + " sink: add " + role + " (a Secret key holding it)");
            }
        }
        List<String> redact = s.getRedact() == null ? List.of() : s.getRedact();
        for (int i = 0; i < redact.size(); i++) {
            try {
                java.util.regex.Pattern.compile(redact.get(i));
            } catch (PatternSyntaxException e) {
                throw new Refused(INVALID_REDACT_PATTERN, field + ".redact[" + i + "] is not a valid regular "
                        + "expression (" + e.getDescription() + " near index " + e.getIndex() + "): fix it, e.g. "
                        + "sk-[A-Za-z0-9]{20,}");
            } catch (RuntimeException e) {
                throw new Refused(INVALID_REDACT_PATTERN, field + ".redact[" + i + "] is not a valid regular expression");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        Map<String, String> refs = new TreeMap<>();
        for (var e : new TreeMap<>(declared).entrySet()) {
            if (GatewayConfig.Sink.WEBHOOK.equals(type)) {
                header(field + ".credentials", e.getKey());
            } else if (!required.contains(e.getKey())) {
                throw new Refused(INVALID_SINK, field + ".credentials." + e.getKey() + " is not a role of a " + type
                        + " sink: use " + String.join(" and ", required));
            }
            String ref = sinkCredentialRef(id, e.getKey());
            values.put(ref, secret(secrets, secretNs, e.getValue(), field + ".credentials." + e.getKey()));
            refs.put(e.getKey(), ref);
        }
        int queue = range(field + ".queueSize", s.getQueueSize(), GatewayConfig.Sink.DEFAULT_QUEUE_SIZE, 1, 1_000_000);
        int batch = range(field + ".batchSize", s.getBatchSize(), GatewayConfig.Sink.DEFAULT_BATCH_SIZE, 1, 1000);
        int retries = range(field + ".maxRetries", s.getMaxRetries(), GatewayConfig.Sink.DEFAULT_MAX_RETRIES, 0, 10);
        long flush = s.getFlushInterval() == null ? GatewayConfig.Sink.DEFAULT_FLUSH_INTERVAL_MILLIS
                : positiveMillis(INVALID_SINK, field + ".flushInterval", s.getFlushInterval());
        Map<String, String> headers = plainHeaders(s.getHeaders(), field + ".headers");
        credentials.putAll(values);
        return new GatewayConfig.Sink(id, type, s.getUrl(), scope, refs, headers, Boolean.TRUE.equals(s.getLogContent()),
                redact, queue, batch, flush, retries);
    }

    /** What the operator's alerts cannot use: a daily report's time or zone, a channel's unknown event names. */
    private static List<String> alertWarnings(AlertsSpec a) {
        List<String> out = new ArrayList<>();
        if (a == null) {
            return out;
        }
        String field = "spec.observability.alerts";
        if (a.getDailyReport() != null) {
            String p = dailyReportProblem(a.getDailyReport());
            if (p != null) {
                out.add(field + "." + p + ": the daily spend report is skipped until it is fixed (the other alerts "
                        + "are sent)");
            }
        }
        Set<String> known = new java.util.TreeSet<>();
        for (dev.tollgate.api.v1alpha1.AlertChannelSpec.Event e : dev.tollgate.api.v1alpha1.AlertChannelSpec.Event.values()) {
            try {
                known.add(dev.tollgate.api.v1alpha1.AlertChannelSpec.Event.class.getField(e.name())
                        .getAnnotation(com.fasterxml.jackson.annotation.JsonProperty.class).value());
            } catch (NoSuchFieldException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        if (a.getChannels() != null) {
            for (dev.tollgate.api.v1alpha1.AlertChannelSpec c : a.getChannels()) {
                if (c.getEvents() == null) {
                    continue;
                }
                List<String> unknown = c.getEvents().stream().filter(e -> !known.contains(e)).toList();
                if (!unknown.isEmpty()) {
                    out.add(field + ".channels[" + c.getName() + "].events: " + String.join(", ", unknown) + " is not an "
                            + "event (known: " + String.join(", ", known) + "): the channel receives none of it");
                }
            }
        }
        return out;
    }

    /**
     * Why a daily report's {@code at} or {@code timeZone} cannot be read (null: they can). A time zone is a region
     * id ({@code Europe/Berlin}, {@code America/Los_Angeles}) or an offset ({@code UTC}, {@code +02:00}); abbreviations
     * such as {@code PST} are not time zones.
     */
    public static String dailyReportProblem(dev.tollgate.api.v1alpha1.DailyReportSpec d) {
        if (d.getAt() != null) {
            try {
                java.time.LocalTime.parse(d.getAt());
            } catch (java.time.format.DateTimeParseException e) {
                return "dailyReport.at '" + d.getAt() + "' is not a time of day HH:MM";
            }
        }
        if (d.getTimeZone() != null) {
            try {
                java.time.ZoneId.of(d.getTimeZone());
            } catch (java.time.DateTimeException e) {
                return "dailyReport.timeZone '" + d.getTimeZone() + "' is not a time zone (a region id such as "
                        + "Europe/Berlin or America/Los_Angeles, or UTC or an offset such as +02:00)";
            }
        }
        return null;
    }

    private static GatewayConfig.RequestAlerts requests(AlertsSpec a) {
        if (a == null || (a.getSlowRequest() == null && a.getHangingRequest() == null)) {
            return null;
        }
        String field = "spec.observability.alerts";
        Long slow = a.getSlowRequest() == null ? null
                : positiveMillis(INVALID_OBSERVABILITY, field + ".slowRequest", a.getSlowRequest());
        Long hanging = a.getHangingRequest() == null ? null
                : positiveMillis(INVALID_OBSERVABILITY, field + ".hangingRequest", a.getHangingRequest());
        return new GatewayConfig.RequestAlerts(slow, hanging);
    }

    private static String secret(SecretLookup secrets, String ns, SecretKeyRef ref, String field) {
        if (ref == null || ref.getName() == null || ref.getKey() == null) {
            throw new Refused(INVALID_SINK, field + " needs name and key of a Secret");
        }
        if (secrets.find(ns, ref.getName()).isEmpty()) {
            throw new Refused(SECRET_NOT_FOUND, field + ": Secret " + ns + "/" + ref.getName() + " was not found: "
                    + "create it with the value under '" + ref.getKey() + "' and the label llm.tollgate.dev/secret");
        }
        String v = secrets.value(ns, ref.getName(), ref.getKey()).map(String::trim).orElse("");
        if (v.isEmpty()) {
            throw new Refused(SECRET_NOT_FOUND, field + ": Secret " + ns + "/" + ref.getName() + " has no key '"
                    + ref.getKey() + "': add the value under that key or fix the reference's key");
        }
        if (!headerValue(v)) { // it is sent in a header: never its value in the message
            throw new Refused(INVALID_SINK, field + ": the value in Secret " + ns + "/" + ref.getName() + " key '"
                    + ref.getKey() + "' holds a line break or another control character, which no HTTP header may "
                    + "carry: store the value alone, on one line");
        }
        return v;
    }

    private static Map<String, String> plainHeaders(Map<String, String> headers, String field) {
        if (headers == null) {
            return Map.of();
        }
        headers.keySet().forEach(h -> header(field, h));
        for (var e : new TreeMap<>(headers).entrySet()) {
            if (e.getValue() == null || !headerValue(e.getValue())) {
                throw new Refused(INVALID_SINK, field + "." + e.getKey() + " has no value or holds a line break or "
                        + "another control character, which no HTTP header may carry");
            }
        }
        return new TreeMap<>(headers);
    }

    /** A value an HTTP header may carry: no control character (CR, LF, NUL, ...) but a tab, no DEL. */
    static boolean headerValue(String v) {
        for (int i = 0; i < v.length(); i++) {
            char c = v.charAt(i);
            if ((c < 0x20 && c != '\t') || c == 0x7f) {
                return false;
            }
        }
        return true;
    }

    private static void header(String field, String name) {
        if (name == null || !HEADER.matcher(name).matches()) {
            throw new Refused(INVALID_SINK, field + " names '" + name + "', which is not an HTTP header name");
        }
    }

    private static int range(String field, Integer v, int d, int min, int max) {
        if (v == null) {
            return d;
        }
        if (v < min || v > max) {
            throw new Refused(INVALID_SINK, field + " is " + v + ": it must be from " + min + " to " + max);
        }
        return v;
    }

    private static long positiveMillis(String reason, String field, String duration) {
        long ms;
        try {
            ms = Durations.parse(duration).toMillis();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new Refused(reason, field + ": " + e.getMessage());
        }
        if (ms <= 0) {
            throw new Refused(reason, field + " must be longer than 0 (e.g. 30s)");
        }
        return ms;
    }

    private static boolean httpUrl(String url) {
        try {
            java.net.URI u = new java.net.URI(url);
            return ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** Why a part is left out: a reason and a message naming the field (never a credential value). */
    private static final class Refused extends RuntimeException {
        final String reason;

        Refused(String reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }
}
