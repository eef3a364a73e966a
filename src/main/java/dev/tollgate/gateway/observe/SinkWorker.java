package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Keys;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * One sink's queue and sender. {@link #offer} (any thread, the request's event loop) only enqueues; everything else
 * runs on the worker's Vert.x context (timers, HTTP) or on a worker thread (redaction and encoding), so a sink never
 * costs a request more than a queue insert. At most one delivery is in flight: a slow sink holds its queue (at most
 * {@code queueSize} records, then drops), not memory.
 */
final class SinkWorker {
    private static final Logger LOG = Logger.getLogger(Callbacks.class);
    static final String REDACTED = "[REDACTED]";
    /** Virtual keys are masked in every text a sink gets, whatever its patterns say. */
    static final Pattern VIRTUAL_KEY = Pattern.compile(Pattern.quote(Keys.PREFIX) + "[A-Za-z0-9_\\-]+");

    final GatewayConfig.Sink sink;
    final SinkTarget target;
    private final SinkFormat format;
    private final List<Pattern> redact;
    private final Callbacks.Timing timing;
    private final Vertx vertx;
    private final Context context;
    private final MeterRegistry registry;
    private final SinkMeters meters;
    private final int capacity;
    private final int batchSize;
    private final int trigger;
    private final long flushInterval;
    private final int maxRetries;
    private final boolean otlp;
    volatile HttpClient client;
    /** Where redaction and encoding run: a small pool of its own, never an event loop. */
    volatile WorkerExecutor executor;

    private final ConcurrentLinkedQueue<CallRecord> queue = new ConcurrentLinkedQueue<>();
    private final AtomicInteger size = new AtomicInteger();
    private final AtomicBoolean kickScheduled = new AtomicBoolean();
    private volatile boolean accepting = true;
    private final Promise<Void> closed = Promise.promise();

    /** A delivery is under way (written on the context; read by offer, so a busy sink costs offers no wake-up). */
    private volatile boolean inFlight;
    // Confined to the context:
    private int inFlightRecords;
    private boolean closing;
    private boolean stopped;
    private long periodicId = -1;
    /** Retry timers pending (one per request waiting for its next try). */
    private final java.util.Set<Long> retryTimers = new java.util.HashSet<>();
    private long deadlineTimerId = -1;
    /** Waiting for the delivery under way to end ({@link #idle}). */
    private final List<Promise<Void>> idleWaiters = new ArrayList<>();
    /** The requests under way (at most {@link #PARALLEL}). */
    private final java.util.Set<HttpClientRequest> current = new java.util.HashSet<>();

    SinkWorker(GatewayConfig.Sink sink, SinkTarget target, SinkFormat format, List<Pattern> redact,
            Callbacks.Timing timing, Vertx vertx, Context context, HttpClient client, WorkerExecutor executor,
            MeterRegistry registry) {
        this.sink = sink;
        this.target = target;
        this.format = format;
        this.redact = List.copyOf(redact);
        this.timing = timing;
        this.vertx = vertx;
        this.context = context;
        this.client = client;
        this.executor = executor;
        this.registry = registry;
        this.capacity = sink.queueSize() > 0 ? sink.queueSize() : GatewayConfig.Sink.DEFAULT_QUEUE_SIZE;
        this.batchSize = sink.batchSize() > 0 ? sink.batchSize() : GatewayConfig.Sink.DEFAULT_BATCH_SIZE;
        this.trigger = Math.min(batchSize, capacity);
        this.flushInterval = sink.flushIntervalMillis() > 0 ? sink.flushIntervalMillis()
                : GatewayConfig.Sink.DEFAULT_FLUSH_INTERVAL_MILLIS;
        this.maxRetries = Math.max(0, sink.maxRetries());
        this.otlp = GatewayConfig.Sink.OTLP.equals(sink.type());
        this.meters = SinkMeters.acquire(registry, sink.id(), this);
    }

    void start() {
        context.runOnContext(v -> {
            if (!closing && !stopped) {
                periodicId = vertx.setPeriodic(flushInterval, id -> tick());
            }
        });
    }

    String id() {
        return sink.id();
    }

    boolean logContent() {
        return sink.logContent();
    }

    /** Whether requests of this key namespace reach this sink (a team's sink: its own namespace only). */
    boolean seesNamespace(String keyNamespace) {
        return sink.namespace() == null || sink.namespace().equals(keyNamespace);
    }

    boolean sees(CallRecord record) {
        return seesNamespace(record.keyNamespace()) && (!otlp || record.sampled());
    }

    /** Same resource and same resolved credentials: a reload may keep this worker. */
    boolean sameAs(SinkWorker other) {
        return sink.equals(other.sink) && target.equals(other.target);
    }

    int waiting() {
        return Math.max(0, size.get());
    }

    /** Enqueues, or drops (counted) when the queue is full. Never blocks, never throws. */
    boolean offer(CallRecord record) {
        if (!accepting) {
            meters.dropped.increment();
            return false;
        }
        int n = size.incrementAndGet();
        if (n > capacity) {
            size.decrementAndGet();
            meters.dropped.increment();
            return false;
        }
        queue.add(record);
        if (n >= trigger && !inFlight && kickScheduled.compareAndSet(false, true)) {
            context.runOnContext(v -> {
                kickScheduled.set(false);
                if (!inFlight && size.get() >= trigger) {
                    deliver();
                }
            });
        }
        return true;
    }

    private void tick() {
        if (!inFlight && size.get() > 0) {
            deliver();
        }
    }

    private void deliver() {
        if (stopped) {
            return;
        }
        List<CallRecord> batch = new ArrayList<>(Math.min(batchSize, Math.max(1, size.get())));
        while (batch.size() < batchSize) {
            CallRecord r = queue.poll();
            if (r == null) {
                break;
            }
            size.decrementAndGet();
            batch.add(r);
        }
        if (batch.isEmpty()) {
            if (closing) {
                finish();
            }
            return;
        }
        inFlight = true;
        inFlightRecords = batch.size();
        executor.<List<SinkRequest>>executeBlocking(() -> format.encode(prepare(batch), target), false)
                .onComplete(ar -> {
                    if (stopped) {
                        return;
                    }
                    if (ar.failed()) {
                        fail(batch.size(), "could not encode a batch (" + ar.cause().getClass().getSimpleName() + ")");
                        done();
                        return;
                    }
                    sendAll(ar.result());
                });
    }

    /**
     * How many of a batch's requests are under way at once: formats that send one request per record (Helicone,
     * PromptLayer) would otherwise deliver one record per round trip. Their order does not matter.
     */
    static final int PARALLEL = 4;

    /** A batch's requests being sent (confined to the context). */
    private static final class Sending {
        final List<SinkRequest> requests;
        int next;
        int active;

        Sending(List<SinkRequest> requests) {
            this.requests = requests;
        }
    }

    private void sendAll(List<SinkRequest> requests) {
        if (requests == null || requests.isEmpty()) {
            done();
            return;
        }
        Sending s = new Sending(requests);
        while (s.active < PARALLEL && s.next < requests.size()) {
            s.active++;
            send(s, s.next++, 0);
        }
    }

    /** One request of the batch is settled (sent, failed or dropped): start the next, or end the delivery. */
    private void settled(Sending s) {
        s.active--;
        if (stopped) {
            return;
        }
        if (s.next < s.requests.size()) {
            s.active++;
            send(s, s.next++, 0);
        } else if (s.active == 0) {
            done();
        }
    }

    private void send(Sending s, int index, int attempt) {
        if (stopped) {
            return;
        }
        SinkRequest request = s.requests.get(index);
        Future<HttpClientRequest> opened;
        try {
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.valueOf(request.method()))
                    .setAbsoluteURI(request.url())
                    .setConnectTimeout(timing.connectTimeoutMillis())
                    .setIdleTimeout(timing.requestTimeoutMillis());
            for (Map.Entry<String, String> h : request.headers().entrySet()) {
                if (!Headers.validName(h.getKey()) || !Headers.validValue(h.getValue())) {
                    throw new IllegalArgumentException("invalid header"); // never the value
                }
                options.putHeader(h.getKey(), h.getValue());
            }
            opened = client.request(options);
        } catch (RuntimeException e) {
            // a malformed URL or a header value with control characters: the same next time, so not retried; the
            // exception's message may hold the value (a credential), so only its class is told
            inFlightRecords -= request.records();
            fail(request.records(), "could not build the request (" + e.getClass().getSimpleName() + "), "
                    + request.records() + " records dropped");
            settled(s);
            return;
        }
        HttpClientRequest[] mine = new HttpClientRequest[1];
        opened.compose(r -> {
                    mine[0] = r;
                    current.add(r);
                    return r.send(request.body());
                })
                .compose(this::answer)
                .onComplete(ar -> {
                    if (mine[0] != null) {
                        current.remove(mine[0]);
                    }
                    if (stopped) {
                        return;
                    }
                    if (ar.failed()) {
                        retryOrFail(s, index, attempt,
                                "connection error (" + ar.cause().getClass().getSimpleName() + ")");
                        return;
                    }
                    int status = ar.result().status();
                    if (status >= 200 && status < 300) {
                        int rejected = Math.max(0, Math.min(request.records(),
                                safeRejected(status, ar.result().body())));
                        meters.sent.increment(request.records() - rejected);
                        inFlightRecords -= request.records();
                        if (rejected > 0) {
                            fail(rejected, "status " + status + ", the sink rejected " + rejected + " records");
                        }
                        settled(s);
                    } else if (format.retryable(status)) {
                        retryOrFail(s, index, attempt, "status " + status);
                    } else {
                        inFlightRecords -= request.records();
                        fail(request.records(), "status " + status + ", " + request.records() + " records dropped");
                        settled(s);
                    }
                });
    }

    /**
     * The answer's status, and its body when the format reads it: at most {@link #MAX_ANSWER_BYTES} (a sink that
     * streams on is cut off there, its connection reset); otherwise the body is discarded as it comes.
     */
    private Future<Answer> answer(HttpClientResponse response) {
        Promise<Answer> answer = Promise.promise();
        int status = response.statusCode();
        Buffer body = format.readsBody() ? Buffer.buffer() : null;
        long[] seen = {0};
        response.handler(chunk -> {
            if (answer.future().isComplete()) {
                return;
            }
            seen[0] += chunk.length();
            if (body != null && body.length() < MAX_ANSWER_BYTES) {
                int room = MAX_ANSWER_BYTES - body.length();
                body.appendBuffer(chunk.length() <= room ? chunk : chunk.getBuffer(0, room));
            }
            if (seen[0] > MAX_ANSWER_BYTES) {
                response.pause();
                answer.tryComplete(new Answer(status, body == null ? Buffer.buffer() : body)); // before the reset fails it
                response.request().reset();
            }
        });
        response.exceptionHandler(answer::tryFail);
        response.endHandler(v -> answer.tryComplete(new Answer(status, body == null ? Buffer.buffer() : body)));
        return answer.future();
    }

    /** The most of a sink's answer ever read. */
    static final int MAX_ANSWER_BYTES = 64 * 1024;

    private int safeRejected(int status, Buffer body) {
        try {
            return format.rejected(status, body);
        } catch (RuntimeException e) {
            return 0;
        }
    }

    private void retryOrFail(Sending s, int index, int attempt, String reason) {
        SinkRequest request = s.requests.get(index);
        if (attempt < maxRetries) {
            long[] id = new long[1];
            id[0] = vertx.setTimer(backoff(attempt), t -> {
                retryTimers.remove(id[0]);
                send(s, index, attempt + 1);
            });
            retryTimers.add(id[0]);
            return;
        }
        inFlightRecords -= request.records();
        fail(request.records(), reason + " after " + (attempt + 1) + " attempts, " + request.records()
                + " records dropped");
        settled(s);
    }

    /** Exponential backoff with jitter: half the step fixed, half random. */
    private long backoff(int attempt) {
        long step = Math.min(timing.backoffMaxMillis(), timing.backoffBaseMillis() << Math.min(attempt, 20));
        long half = Math.max(1, step / 2);
        return half + ThreadLocalRandom.current().nextLong(half + 1);
    }

    /** Completes once no delivery is under way (at once when none is; a later one does not count). */
    Future<Void> idle() {
        Promise<Void> p = Promise.promise();
        context.runOnContext(v -> {
            if (!inFlight || stopped) {
                p.tryComplete();
            } else {
                idleWaiters.add(p);
            }
        });
        return p.future();
    }

    private void wakeIdleWaiters() {
        if (!idleWaiters.isEmpty()) {
            List<Promise<Void>> waiting = new ArrayList<>(idleWaiters);
            idleWaiters.clear();
            waiting.forEach(Promise::tryComplete);
        }
    }

    private void done() {
        inFlight = false;
        inFlightRecords = 0;
        wakeIdleWaiters();
        if (closing || size.get() >= trigger) {
            deliver();
        }
    }

    private void fail(int records, String reason) {
        meters.failed.increment(records);
        warn(reason);
    }

    /** At most one warning a minute per sink: its id and what happened (a status or an error class), nothing else. */
    private void warn(String reason) {
        long suppressed = meters.warnPermit();
        if (suppressed < 0) {
            return;
        }
        if (suppressed > 0) {
            LOG.warnf("Callback sink %s: delivery failed: %s (%d more failures in the last minute not logged)",
                    sink.id(), reason, suppressed);
        } else {
            LOG.warnf("Callback sink %s: delivery failed: %s", sink.id(), reason);
        }
    }

    /**
     * Flushes what is queued until the queue is empty or the deadline passes, then stops (what is left is counted:
     * queued as dropped, in flight as failed) and releases its meters.
     */
    Future<Void> close(long deadlineMillis) {
        context.runOnContext(v -> {
            if (closing || stopped) {
                return;
            }
            closing = true;
            cancel(periodicId);
            periodicId = -1;
            deadlineTimerId = vertx.setTimer(Math.max(1, deadlineMillis), t -> {
                deadlineTimerId = -1;
                abort();
            });
            if (!inFlight) {
                deliver();
            }
        });
        return closed.future();
    }

    /** A reload kept {@code keeper} (an equal sink of the old config): hand it what this one queued, and stop. */
    void discardInto(SinkWorker keeper) {
        accepting = false;
        context.runOnContext(v -> {
            stopped = true;
            cancel(periodicId);
            periodicId = -1;
            for (CallRecord r = queue.poll(); r != null; r = queue.poll()) {
                size.decrementAndGet();
                keeper.offer(r);
            }
            SinkMeters.release(registry, sink.id(), this);
            closed.tryComplete();
        });
    }

    private void abort() {
        if (stopped) {
            return;
        }
        stopped = true;
        accepting = false;
        cancelRetries();
        List<HttpClientRequest> open = new ArrayList<>(current);
        current.clear();
        open.forEach(HttpClientRequest::reset);
        if (inFlight && inFlightRecords > 0) {
            meters.failed.increment(inFlightRecords);
        }
        finish();
    }

    private void finish() {
        stopped = true;
        wakeIdleWaiters();
        accepting = false;
        cancel(periodicId);
        cancel(deadlineTimerId);
        cancelRetries();
        int left = 0;
        for (CallRecord r = queue.poll(); r != null; r = queue.poll()) {
            size.decrementAndGet();
            left++;
        }
        if (left > 0) {
            meters.dropped.increment(left);
        }
        SinkMeters.release(registry, sink.id(), this);
        closed.tryComplete();
    }

    private void cancelRetries() {
        retryTimers.forEach(vertx::cancelTimer);
        retryTimers.clear();
    }

    private void cancel(long timerId) {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    // ---- content: on a worker thread ----

    private List<CallRecord> prepare(List<CallRecord> batch) {
        List<CallRecord> out = new ArrayList<>(batch.size());
        batchBudget.set(new long[] {System.nanoTime() + REDACT_BATCH_NANOS});
        try {
            for (CallRecord r : batch) {
                out.add(prepare(r));
            }
        } finally {
            batchBudget.remove();
        }
        return out;
    }

    /** Content stripped or redacted as the sink says; virtual keys masked in every text. */
    CallRecord prepare(CallRecord r) {
        if (!sink.logContent()) {
            r = r.withoutContent();
        } else if (r.request() != null || r.answer() != null) {
            r = r.withContent(r.request() == null ? null : redact(r.request().deepCopy()), redact(r.answer()));
        }
        if (r.errorMessage() != null && r.errorMessage().contains(Keys.PREFIX)) {
            r = r.withErrorMessage(VIRTUAL_KEY.matcher(r.errorMessage()).replaceAll(REDACTED));
        }
        return r;
    }

    private JsonNode redact(JsonNode node) {
        if (node instanceof ObjectNode) {
            ObjectNode o = (ObjectNode) node;
            Iterator<Map.Entry<String, JsonNode>> fields = o.fields();
            List<Map.Entry<String, JsonNode>> replaced = new ArrayList<>();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> f = fields.next();
                if (f.getValue().isTextual()) {
                    replaced.add(Map.entry(f.getKey(), TextNode.valueOf(redact(f.getValue().textValue()))));
                } else {
                    redact(f.getValue());
                }
            }
            replaced.forEach(e -> o.set(e.getKey(), e.getValue()));
            return o;
        }
        if (node instanceof ArrayNode) {
            ArrayNode a = (ArrayNode) node;
            for (int i = 0; i < a.size(); i++) {
                JsonNode v = a.get(i);
                if (v.isTextual()) {
                    a.set(i, TextNode.valueOf(redact(v.textValue())));
                } else {
                    redact(v);
                }
            }
            return a;
        }
        if (node != null && node.isTextual()) {
            return TextNode.valueOf(redact(node.textValue()));
        }
        return node;
    }

    private String redact(String text) {
        if (text == null) {
            return null;
        }
        if (!redact.isEmpty()) {
            text = redactBounded(text);
        }
        if (text.contains(Keys.PREFIX)) {
            text = VIRTUAL_KEY.matcher(text).replaceAll(REDACTED);
        }
        return text;
    }

    /**
     * Applies the sink's patterns within {@link #REDACT_VALUE_NANOS} per value and {@link #REDACT_BATCH_NANOS} per
     * batch (a team's pattern may backtrack catastrophically): past either, the whole value is redacted — never sent
     * as it is.
     */
    private String redactBounded(String text) {
        long now = System.nanoTime();
        long[] budget = batchBudget.get();
        if (budget != null && now - budget[0] > 0) {
            return REDACTED;
        }
        long deadline = now + REDACT_VALUE_NANOS;
        if (budget != null && deadline - budget[0] > 0) {
            deadline = budget[0];
        }
        try {
            for (Pattern p : redact) {
                Matcher m = p.matcher(new Deadline(text, deadline));
                if (m.find()) {
                    text = m.replaceAll(REDACTED);
                }
            }
            return text;
        } catch (RedactTimeout e) {
            return REDACTED;
        }
    }

    /** Longest a sink's patterns may run on one value, and on one batch's values in all. */
    static final long REDACT_VALUE_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    static final long REDACT_BATCH_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** The deadline of the batch the calling worker thread is preparing ({@code long[1]}, epoch of nanoTime). */
    private static final ThreadLocal<long[]> batchBudget = new ThreadLocal<>();

    private static final class RedactTimeout extends RuntimeException {
        RedactTimeout() {
            super(null, null, false, false);
        }
    }

    /** A text whose reads fail once its deadline passed: bounds how long a regular expression runs on it. */
    static final class Deadline implements CharSequence {
        private final CharSequence text;
        private final long deadline;
        private int reads;

        Deadline(CharSequence text, long deadline) {
            this.text = text;
            this.deadline = deadline;
        }

        @Override
        public char charAt(int index) {
            if ((++reads & 0x3FF) == 0 && System.nanoTime() - deadline > 0) {
                throw new RedactTimeout();
            }
            return text.charAt(index);
        }

        @Override
        public int length() {
            return text.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Deadline(text.subSequence(start, end), deadline);
        }

        @Override
        public String toString() {
            return text.toString();
        }
    }

    private record Answer(int status, Buffer body) {}
}
