package dev.tollgate.operator.alerts;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jboss.logging.Logger;

/**
 * Sends alerts off the reconcile threads: a bounded queue and one sender thread that POSTs each delivery to its
 * channel, retrying with exponential backoff what the channel may accept later (network errors, 429, 5xx; Slack's
 * {@code Retry-After} is honoured up to the backoff's cap). A full queue drops the delivery. Every outcome is counted in
 * {@code tollgate.operator.alerts{event,channel,result=sent|failed|dropped}} (Prometheus
 * {@code tollgate_operator_alerts_total}).
 *
 * <p>The URL is a secret (a Slack incoming-webhook URL is the credential): it is read from its Secret when the
 * delivery is sent ({@code urls}), used for the request and nowhere else: never logged, never in an exception
 * message, a metric label, an event, a status or a ConfigMap. Failures are logged with the channel's name, the
 * answer's status and (Slack) its plain-text error code only.
 */
public final class AlertSender implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AlertSender.class);
    static final String SLACK = "slack";
    static final String WEBHOOK = "webhook";

    /**
     * One alert for one channel.
     *
     * @param namespace the gateway's namespace (where the channel's Secret is)
     * @param channel   the channel's name (in metrics and logs)
     * @param type      {@value #SLACK} or {@value #WEBHOOK}
     * @param secret    the Secret's name, and {@code key} the key holding the URL
     */
    public record Delivery(String namespace, String channel, String type, String secret, String key, AlertEvent event) {}

    /** How a delivery ended: accepted (2xx), refused for good, or worth trying again later. */
    public enum Outcome { SENT, FAILED, RETRY }

    private final BlockingQueue<Delivery> queue;
    private final Function<Delivery, Optional<String>> urls;
    private final MeterRegistry registry;
    private final int maxRetries;
    private final long backoffMillis;
    private final long maxBackoffMillis;
    private final HttpClient http;
    private final Map<String, Counter> counters = new ConcurrentHashMap<>();
    private final Thread thread;
    private final java.util.function.BiConsumer<Delivery, Outcome> results;
    private volatile boolean closed;

    public AlertSender(int queueSize, Function<Delivery, Optional<String>> urls, MeterRegistry registry, int maxRetries,
            long backoffMillis, long maxBackoffMillis) {
        this(queueSize, urls, registry, maxRetries, backoffMillis, maxBackoffMillis, null);
    }

    /**
     * @param urls          the channel's URL, read from its Secret (empty: the Secret or key is missing, or the Secret
     *                      lacks the label llm.tollgate.dev/secret)
     * @param backoffMillis the first retry's wait; doubled per retry up to {@code maxBackoffMillis}
     * @param results       told how each delivery ended, on the sender thread (null: none). With it, a delivery that
     *                      may be accepted later ({@link Outcome#RETRY}: the URL's Secret is missing, or the retries
     *                      ran out on network errors, 429 or 5xx) is counted failed like a final refusal, and its
     *                      owner may try it again later.
     */
    public AlertSender(int queueSize, Function<Delivery, Optional<String>> urls, MeterRegistry registry, int maxRetries,
            long backoffMillis, long maxBackoffMillis, java.util.function.BiConsumer<Delivery, Outcome> results) {
        this.results = results;
        this.queue = new ArrayBlockingQueue<>(queueSize);
        this.urls = urls;
        this.registry = registry;
        this.maxRetries = maxRetries;
        this.backoffMillis = backoffMillis;
        this.maxBackoffMillis = maxBackoffMillis;
        this.http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .followRedirects(HttpClient.Redirect.NEVER).build();
        this.thread = new Thread(this::run, "tollgate-alerts-sender");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    /** Queues a delivery; never blocks. False (and counted as dropped) when the queue is full. */
    public boolean offer(Delivery d) {
        if (closed || !queue.offer(d)) {
            count(d, "dropped");
            LOG.warnf("alert %s for channel %s dropped: the alert queue is full", d.event().event(), d.channel());
            return false;
        }
        return true;
    }

    /** Deliveries waiting. */
    public int waiting() {
        return queue.size();
    }

    private void run() {
        while (!closed) {
            Delivery d;
            try {
                d = queue.poll(500, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (d != null) {
                Outcome o;
                try {
                    o = send(d);
                } catch (InterruptedException e) {
                    ended(d, Outcome.RETRY);
                    return;
                } catch (RuntimeException e) {
                    LOG.warnf("alert %s for channel %s failed: %s", d.event().event(), d.channel(), e.getClass().getSimpleName());
                    o = Outcome.RETRY;
                }
                ended(d, o);
            }
        }
    }

    private void ended(Delivery d, Outcome o) {
        if (o == Outcome.SENT) {
            count(d, "sent");
        } else {
            count(d, "failed"); // each round that did not get through (a pending alert's later rounds count again)
        }
        if (results != null) {
            try {
                results.accept(d, o);
            } catch (RuntimeException e) {
                LOG.warnf("alert %s for channel %s: its outcome was not recorded: %s", d.event().event(), d.channel(),
                        e.getClass().getSimpleName());
            }
        }
    }

    /** Counts a delivery its owner gave up on (see the constructor's {@code results}). */
    public void failed(Delivery d) {
        count(d, "failed");
    }

    /** One delivery with its retries: accepted, refused for good, or worth trying again later. */
    Outcome send(Delivery d) throws InterruptedException {
        Optional<String> url = urls.apply(d);
        if (url.isEmpty()) {
            LOG.warnf("alert %s for channel %s not sent: its URL was not found (Secret %s/%s, key %s, which must carry the "
                    + "label llm.tollgate.dev/secret)", d.event().event(), d.channel(), d.namespace(), d.secret(), d.key());
            return Outcome.RETRY; // the Secret may be created later
        }
        URI uri;
        try {
            uri = URI.create(url.get().trim());
        } catch (IllegalArgumentException e) {
            LOG.warnf("alert %s for channel %s not sent: the URL in Secret %s/%s (key %s) is not a URL", d.event().event(),
                    d.channel(), d.namespace(), d.secret(), d.key());
            return Outcome.RETRY; // the Secret may be fixed
        }
        boolean slack = SLACK.equals(d.type());
        String body = slack ? SlackMessage.body(d.event()) : WebhookMessage.body(d.event());
        HttpRequest request;
        try {
            request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10))
                    .header("content-type", "application/json")
                    .header("user-agent", "tollgate-operator")
                    .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)).build();
        } catch (IllegalArgumentException e) {
            LOG.warnf("alert %s for channel %s not sent: the URL in Secret %s/%s (key %s) is not an http(s) URL",
                    d.event().event(), d.channel(), d.namespace(), d.secret(), d.key());
            return Outcome.RETRY;
        }
        String last = null;
        boolean retryable = true;
        for (int attempt = 0; attempt <= maxRetries; attempt++) {
            long wait = Math.min(maxBackoffMillis, backoffMillis << Math.min(attempt, 20));
            try {
                HttpResponse<String> r = http.send(request, HttpResponse.BodyHandlers.ofString());
                int status = r.statusCode();
                if (status >= 200 && status < 300) {
                    return Outcome.SENT;
                }
                last = "HTTP " + status + (slack ? " " + code(r.body()) : "");
                if (!(slack ? SlackMessage.retryable(status) : WebhookMessage.retryable(status))) {
                    retryable = false;
                    break;
                }
                wait = Math.max(wait, Math.min(maxBackoffMillis, retryAfter(r)));
            } catch (java.io.IOException e) {
                last = e.getClass().getSimpleName(); // never the message: it may name the URL
            }
            if (attempt < maxRetries && !closed) {
                Thread.sleep(wait);
            }
        }
        LOG.warnf("alert %s for channel %s failed: %s", d.event().event(), d.channel(), last);
        return retryable ? Outcome.RETRY : Outcome.FAILED;
    }

    /** Slack's plain-text error code (e.g. invalid_payload), cut short and kept to code characters. */
    static String code(String body) {
        if (body == null) {
            return "";
        }
        String s = body.trim();
        s = s.length() > 64 ? s.substring(0, 64) : s;
        return s.replaceAll("[^A-Za-z0-9_\\-]", "");
    }

    private static long retryAfter(HttpResponse<?> r) {
        return r.headers().firstValue("retry-after").map(v -> {
            try {
                return Long.parseLong(v.trim()) * 1000;
            } catch (NumberFormatException e) {
                return 0L;
            }
        }).orElse(0L);
    }

    private void count(Delivery d, String result) {
        counters.computeIfAbsent(d.event().event() + "|" + d.channel() + "|" + result, k -> Counter
                .builder("tollgate.operator.alerts")
                .description("Alerts the operator sent, failed to send (after retries) or dropped (queue full), by event and channel")
                .tags("event", d.event().event(), "channel", d.channel(), "result", result).register(registry)).increment();
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
