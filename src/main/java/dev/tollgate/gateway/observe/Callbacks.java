package dev.tollgate.gateway.observe;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.observe.sinks.SinkFormats;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.jboss.logging.Logger;

/**
 * The logging callbacks of the running config: one bounded queue per sink, drained off the request path in
 * batches, with retries and backoff. {@link #offer} never blocks and never fails: a full queue drops the record
 * (counted in {@code tollgate_callback_records_total{sink,result="dropped"}}).
 *
 * <p>Per sink: at most {@code queueSize} records wait; a batch of up to {@code batchSize} is sent when that many
 * wait, or every {@code flushIntervalMillis} when fewer do; one delivery at a time (a slow sink holds its queue, not
 * memory; a batch that takes several requests has up to 4 of them under way). A delivery that fails (connection
 * error, timeout, or a status its format calls retryable: by default 408,
 * 429, 5xx) is tried again up to {@code maxRetries} times with exponential backoff and jitter, then its records are
 * counted as failed; any other non-2xx fails them at once. Redaction and encoding run on a small worker pool of their
 * own ({@value #EXECUTOR}), at most one batch per sink at a time, and a sink's redact patterns get 50 ms per value and
 * 500 ms per batch (past that the value is replaced whole by {@code [REDACTED]}), so a team's pathological pattern
 * holds one thread for half a second per batch, never the pool; the HTTP
 * calls on one Vert.x {@link HttpClient} (HTTP/1.1, keep-alive) shared by the sinks of this instance.
 *
 * <p>Metrics (tag {@code sink} = the sink's id): counter {@code tollgate.callback.records{sink,result}} with
 * {@code result} {@code sent}, {@code failed} or {@code dropped}, and gauge {@code tollgate.callback.queue{sink}};
 * removed when the sink goes away. Warnings: at most one a minute per sink, with its id and a status code or an
 * error's class — never a URL, a header or a body.
 */
public final class Callbacks implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Callbacks.class);
    /** The worker pool (shared by name across reloads) where sinks redact and encode their batches. */
    static final String EXECUTOR = "tollgate-callbacks";
    static final int EXECUTOR_THREADS = 2;

    /**
     * Timeouts and backoff of the deliveries.
     *
     * @param connectTimeoutMillis connecting to a sink
     * @param requestTimeoutMillis the longest a delivery waits without the sink sending anything
     * @param backoffBaseMillis    the first retry's delay (doubled each retry, half of it random)
     * @param backoffMaxMillis     the longest delay between retries
     * @param closeDeadlineMillis  how long {@link #close()} (and a reload, for the sinks it drops) keeps flushing
     */
    public record Timing(long connectTimeoutMillis, long requestTimeoutMillis, long backoffBaseMillis,
            long backoffMaxMillis, long closeDeadlineMillis) {
        public static final Timing DEFAULT = new Timing(5_000, 10_000, 500, 30_000, 2_000);
    }

    private final Vertx vertx;
    private final Timing timing;
    private final HttpClient client;
    private final WorkerExecutor executor;
    /** The sinks offers go to (after a reload: partly the previous instance's workers). */
    private volatile SinkWorker[] workers;
    /** The workers this instance closes (the ones a later instance did not take over). */
    private List<SinkWorker> owned;
    /**
     * What must end before this instance's client and pool may close: closes of workers a takeOver retired, and the
     * deliveries under way of the workers it kept (started on this client).
     */
    private final List<Future<Void>> pending = new ArrayList<>();
    private Future<Void> closing;

    /**
     * @param vertx       for the HTTP client and timers
     * @param sinks       the sinks to run (a config's sinks, plus the tracing sink of type {@code otlp} when on)
     * @param credentials credential ref -> value (the gateway's Secret)
     * @param formats     the format of each sink type
     * @param gateway     the gateway's id ({@code namespace/name}), e.g. a trace's service instance
     * @param registry    where the callback metrics go
     */
    public Callbacks(Vertx vertx, List<GatewayConfig.Sink> sinks, Function<String, String> credentials,
            Map<String, SinkFormat> formats, String gateway, MeterRegistry registry) {
        this(vertx, sinks, credentials, formats, gateway, registry, Timing.DEFAULT);
    }

    /** As above, with other timeouts and backoff (tests). */
    public Callbacks(Vertx vertx, List<GatewayConfig.Sink> sinks, Function<String, String> credentials,
            Map<String, SinkFormat> formats, String gateway, MeterRegistry registry, Timing timing) {
        this.vertx = vertx;
        this.timing = timing;
        List<GatewayConfig.Sink> list = sinks == null ? List.of() : sinks;
        if (list.isEmpty()) { // nothing to run: no client, no pool, no timers
            this.client = null;
            this.executor = null;
            this.workers = new SinkWorker[0];
            this.owned = List.of();
            return;
        }
        this.client = vertx.createHttpClient(new HttpClientOptions()
                        .setProtocolVersion(HttpVersion.HTTP_1_1)
                        .setKeepAlive(true)
                        .setKeepAliveTimeout(30)
                        .setTcpNoDelay(true)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timing.connectTimeoutMillis()))
                        .setVerifyHost(true),
                new PoolOptions().setHttp1MaxSize(Math.max(8, 2 * list.size())));
        this.executor = vertx.createSharedWorkerExecutor(EXECUTOR, EXECUTOR_THREADS);
        Context context = vertx.getOrCreateContext();
        List<SinkWorker> started = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (GatewayConfig.Sink sink : list) {
            SinkWorker w = worker(sink, credentials, formats, gateway, registry, context, ids);
            if (w != null) {
                started.add(w);
            }
        }
        this.workers = started.toArray(new SinkWorker[0]);
        this.owned = List.copyOf(started);
        started.forEach(SinkWorker::start);
    }

    private SinkWorker worker(GatewayConfig.Sink sink, Function<String, String> credentials,
            Map<String, SinkFormat> formats, String gateway, MeterRegistry registry, Context context,
            Set<String> ids) {
        if (sink == null || sink.id() == null) {
            LOG.warn("Callback sink without an id skipped");
            return null;
        }
        if (!ids.add(sink.id())) {
            LOG.warnf("Callback sink %s skipped: another sink has the same id", sink.id());
            return null;
        }
        SinkFormat format = sink.type() == null ? null : formats.get(sink.type());
        if (format == null) {
            LOG.warnf("Callback sink %s skipped: this gateway does not know its type %s", sink.id(), sink.type());
            return null;
        }
        String url = sink.url() != null && !sink.url().isBlank() ? sink.url() : SinkFormats.defaultUrl(sink.type());
        if (url == null) {
            LOG.warnf("Callback sink %s skipped: it has no url and type %s has no default", sink.id(), sink.type());
            return null;
        }
        Map<String, String> resolved = new LinkedHashMap<>();
        for (Map.Entry<String, String> c : sink.credentials().entrySet()) {
            String value;
            try {
                value = c.getValue() == null ? null : credentials.apply(c.getValue());
            } catch (RuntimeException e) {
                value = null;
            }
            if (value == null) {
                LOG.warnf("Callback sink %s skipped: the credential for its role %s is missing from the gateway's "
                        + "Secret", sink.id(), c.getKey());
                return null;
            }
            resolved.put(c.getKey(), value);
        }
        List<Pattern> patterns = new ArrayList<>();
        for (int i = 0; i < sink.redact().size(); i++) {
            try {
                patterns.add(Pattern.compile(sink.redact().get(i)));
            } catch (PatternSyntaxException e) {
                LOG.warnf("Callback sink %s skipped: its redact pattern #%d is not a valid regular expression",
                        sink.id(), i + 1);
                return null;
            }
        }
        SinkTarget target = new SinkTarget(sink.id(), sink.type(), url, Map.copyOf(resolved), sink.headers(),
                sink.logContent(), gateway);
        return new SinkWorker(sink, target, format, patterns, timing, vertx, context, client, executor, registry);
    }

    /** No sink at all: the request path skips building records for it. */
    public boolean isEmpty() {
        return workers.length == 0;
    }

    /** Whether some sink that sees a request of this key namespace logs content (then the record carries it). */
    public boolean wantsContent(String keyNamespace) {
        for (SinkWorker w : workers) {
            if (w.logContent() && w.seesNamespace(keyNamespace)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Hands a finished request to every sink that sees it (a team's sink: its namespace's keys only; the
     * {@code otlp} sink: sampled records only), each stripped of content or redacted as the sink says. Never blocks.
     */
    public void offer(CallRecord record) {
        if (record == null) {
            return;
        }
        for (SinkWorker w : workers) {
            if (w.sees(record)) {
                w.offer(w.logContent() ? record : record.withoutContent());
            }
        }
    }

    /**
     * Takes over the queues of the sinks of {@code previous} that did not change (same {@link GatewayConfig.Sink}
     * and credentials), so a config reload loses nothing; the others are closed after a last flush.
     */
    public void takeOver(Callbacks previous) {
        if (previous == null || previous == this) {
            return;
        }
        List<SinkWorker> retiring;
        synchronized (previous) {
            retiring = new ArrayList<>(previous.owned);
            previous.owned = List.of();
        }
        Map<String, SinkWorker> old = new HashMap<>();
        for (SinkWorker w : retiring) {
            old.put(w.id(), w);
        }
        SinkWorker[] mine = workers.clone();
        List<SinkWorker> kept = new ArrayList<>();
        List<Future<Void>> idle = new ArrayList<>();
        for (int i = 0; i < mine.length; i++) {
            SinkWorker o = old.get(mine[i].id());
            if (o != null && o.sameAs(mine[i])) {
                o.client = client;
                o.executor = executor;
                // its delivery under way may still use the previous client and pool: they close after it
                idle.add(o.idle());
                mine[i].discardInto(o);
                mine[i] = o;
                retiring.remove(o);
            }
            kept.add(mine[i]);
        }
        synchronized (this) {
            owned = List.copyOf(kept);
        }
        workers = mine;
        List<Future<Void>> closes = new ArrayList<>();
        for (SinkWorker w : retiring) {
            closes.add(w.close(timing.closeDeadlineMillis()));
        }
        synchronized (previous) {
            previous.pending.addAll(closes);
            previous.pending.addAll(idle);
        }
        previous.closeAsync();
    }

    /**
     * Flushes what is queued (best effort, within {@link Timing#closeDeadlineMillis()}) and stops; completes when
     * done. Never blocks.
     */
    public synchronized Future<Void> closeAsync() {
        if (closing != null) {
            return closing;
        }
        List<Future<Void>> all = new ArrayList<>(pending);
        for (SinkWorker w : owned) {
            all.add(w.close(timing.closeDeadlineMillis()));
        }
        owned = List.of();
        closing = Future.join(all).<Void>mapEmpty()
                .eventually(() -> client == null ? Future.succeededFuture()
                        : Future.join(client.close(), executor.close()))
                .recover(e -> Future.succeededFuture());
        return closing;
    }

    /**
     * Flushes what is queued (best effort, bounded by a short deadline) and stops. Off the Vert.x threads it waits
     * for that (a little over the deadline at most); on one it only starts it.
     */
    @Override
    public void close() {
        Future<Void> done = closeAsync();
        if (Context.isOnVertxThread()) {
            return;
        }
        try {
            done.toCompletionStage().toCompletableFuture().get(timing.closeDeadlineMillis() + 1_000,
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // best effort: whatever did not make it was counted
        }
    }
}
