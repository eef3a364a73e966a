import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * The benchmark's measuring client (wrk measures saturation throughput; this measures what wrk cannot): exact
 * latency percentiles at concurrency 1, an open-loop fixed rate (latency counted from the time a request was
 * due, so a stalled server cannot hide its queue: no coordinated omission), time to first token, and many
 * concurrent streams (a stream is stalled when two of its chunks are more than 1 s apart). One Vert.x event loop,
 * HdrHistogram (3 significant digits). Prints one JSON line.
 *
 * Run: java -cp 'target/quarkus-app/lib/main/*' bench/src/LoadGen.java MODE --url URL --body-file F
 *      [--header 'name: value']... [--n 5000] [--warmup 2000] [--rps 1000] [--seconds 10] [--connections 64]
 *      [--concurrency 1000] [--timeout-s 120] [--warmup-s 3]
 * MODE: latency | rate | ttft | streams
 */
public class LoadGen {
    static String mode;
    static URI url;
    static Buffer body;
    static final List<String[]> headers = new ArrayList<>();
    static int n = 5000;
    static int warmup = 2000;
    static int rps = 1000;
    static int seconds = 10;
    static int connections = 64;
    static int concurrency = 1000;
    static int timeoutS = 120;
    static int warmupS = 3;

    /** What one request saw. */
    record Outcome(boolean ok, long firstByteNanos, long endNanos, long maxGapNanos) {}

    public static void main(String[] args) throws Exception {
        mode = args[0];
        for (int i = 1; i + 1 < args.length; i += 2) {
            String v = args[i + 1];
            switch (args[i]) {
                case "--url" -> url = URI.create(v);
                case "--body-file" -> body = Buffer.buffer(Files.readAllBytes(Path.of(v)));
                case "--header" -> headers.add(v.split(":\\s*", 2));
                case "--n" -> n = Integer.parseInt(v);
                case "--warmup" -> warmup = Integer.parseInt(v);
                case "--rps" -> rps = Integer.parseInt(v);
                case "--seconds" -> seconds = Integer.parseInt(v);
                case "--connections" -> connections = Integer.parseInt(v);
                case "--concurrency" -> concurrency = Integer.parseInt(v);
                case "--timeout-s" -> timeoutS = Integer.parseInt(v);
                case "--warmup-s" -> warmupS = Integer.parseInt(v);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        int pool = switch (mode) {
            case "latency", "ttft" -> 1;
            case "rate" -> connections;
            case "streams" -> concurrency;
            default -> throw new IllegalArgumentException("unknown mode " + mode);
        };
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true)
                .setDefaultHost(url.getHost()).setDefaultPort(url.getPort()), new PoolOptions().setHttp1MaxSize(pool).setMaxWaitQueueSize(-1));
        String result = switch (mode) {
            case "latency", "ttft" -> sequential(vertx, client, mode.equals("ttft"));
            case "rate" -> openLoop(vertx, client);
            default -> streams(vertx, client);
        };
        System.out.println(result);
        client.close();
        vertx.close();
        System.exit(0);
    }

    /** One request: completes with what was seen; never fails (a failure is an outcome). */
    static Future<Outcome> once(Vertx vertx, HttpClient client, long startNanos) {
        Promise<Outcome> done = Promise.promise();
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setURI(url.getRawPath());
        for (String[] h : headers) {
            ro.addHeader(h[0], h[1]);
        }
        ro.putHeader("content-type", "application/json");
        client.request(ro).compose(req -> req.send(body)).onComplete(ar -> {
            if (ar.failed()) {
                done.tryComplete(new Outcome(false, 0, System.nanoTime(), 0));
                return;
            }
            HttpClientResponse res = ar.result();
            long[] first = {0};
            long[] lastChunk = {0};
            long[] maxGap = {0};
            byte[] tail = new byte[16];
            int[] tailLen = {0};
            res.handler(buf -> {
                long now = System.nanoTime();
                if (buf.length() == 0) {
                    return;
                }
                if (first[0] == 0) {
                    first[0] = now;
                } else {
                    maxGap[0] = Math.max(maxGap[0], now - lastChunk[0]);
                }
                lastChunk[0] = now;
                byte[] b = buf.getBytes();
                int keep = Math.min(b.length, tail.length);
                System.arraycopy(tail, keep, tail, 0, tail.length - keep);
                System.arraycopy(b, b.length - keep, tail, tail.length - keep, keep);
                tailLen[0] = Math.min(tail.length, tailLen[0] + keep);
            });
            res.exceptionHandler(e -> done.tryComplete(new Outcome(false, first[0], System.nanoTime(), maxGap[0])));
            res.endHandler(v -> {
                boolean ok = res.statusCode() == 200;
                if (ok && res.getHeader("content-type") != null && res.getHeader("content-type").startsWith("text/event-stream")) {
                    ok = new String(tail, StandardCharsets.UTF_8).contains("[DONE]");
                }
                done.tryComplete(new Outcome(ok, first[0], System.nanoTime(), maxGap[0]));
            });
        });
        return done.future();
    }

    /** Concurrency 1: total latency (or time to the first body bytes, for ttft), after a warm-up. */
    static String sequential(Vertx vertx, HttpClient client, boolean ttft) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong errors = new AtomicLong();
        CountDownLatch finished = new CountDownLatch(1);
        int total = warmup + n;
        int[] i = {0};
        Runnable[] next = new Runnable[1];
        next[0] = () -> {
            if (i[0] == total) {
                finished.countDown();
                return;
            }
            long start = System.nanoTime();
            once(vertx, client, start).onSuccess(o -> {
                if (i[0]++ >= warmup) {
                    if (!o.ok()) {
                        errors.incrementAndGet();
                    } else {
                        h.recordValue((ttft ? o.firstByteNanos() : o.endNanos()) - start);
                    }
                }
                next[0].run();
            });
        };
        vertx.runOnContext(v -> next[0].run());
        finished.await();
        return json(h, errors.get(), "\"requests\":" + n);
    }

    /** A fixed arrival rate for a fixed time (after as long again at the same rate unrecorded, the warm-up); latency from when each request was due. */
    static String openLoop(Vertx vertx, HttpClient client) throws Exception {
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(60), 3);
        AtomicLong errors = new AtomicLong();
        AtomicLong completed = new AtomicLong();
        AtomicLong measured = new AtomicLong();
        long total = (long) rps * (warmupS + seconds);
        long intervalNanos = 1_000_000_000L / rps;
        CountDownLatch finished = new CountDownLatch(1);
        long[] sent = {0};
        long start = System.nanoTime();
        long measureFrom = start + TimeUnit.SECONDS.toNanos(warmupS);
        vertx.setPeriodic(1, id -> {
            long now = System.nanoTime();
            while (sent[0] < total && start + sent[0] * intervalNanos <= now) {
                long due = start + sent[0] * intervalNanos;
                sent[0]++;
                once(vertx, client, due).onSuccess(o -> {
                    if (due >= measureFrom) {
                        measured.incrementAndGet();
                        if (o.ok()) {
                            h.recordValue(Math.max(0, o.endNanos() - due));
                        } else {
                            errors.incrementAndGet();
                        }
                    }
                    if (completed.incrementAndGet() == total) {
                        finished.countDown();
                    }
                });
            }
            if (sent[0] == total) {
                vertx.cancelTimer(id);
            }
        });
        if (!finished.await(warmupS + seconds + timeoutS, TimeUnit.SECONDS)) {
            errors.addAndGet(total - completed.get());
        }
        double elapsed = (System.nanoTime() - measureFrom) / 1e9;
        return json(h, errors.get(), "\"requests\":" + (long) rps * seconds + ",\"targetRps\":" + rps
                + ",\"achievedRps\":" + Math.round(measured.get() / elapsed));
    }

    /** Many streams at once: do all finish, with what time to first token, and what longest silence. */
    static String streams(Vertx vertx, HttpClient client) throws Exception {
        Histogram ttft = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        Histogram duration = new Histogram(TimeUnit.SECONDS.toNanos(120), 3);
        AtomicLong failed = new AtomicLong();
        AtomicLong maxGap = new AtomicLong();
        AtomicLong stalled = new AtomicLong();
        // warm-up: a smaller round first, unrecorded (opens connections, compiles the client's paths)
        int warm = Math.min(concurrency, 200);
        CountDownLatch warmed = new CountDownLatch(warm);
        vertx.runOnContext(v -> {
            for (int i = 0; i < warm; i++) {
                once(vertx, client, System.nanoTime()).onComplete(x -> warmed.countDown());
            }
        });
        warmed.await(timeoutS, TimeUnit.SECONDS);
        CountDownLatch finished = new CountDownLatch(concurrency);
        vertx.runOnContext(v -> {
            for (int i = 0; i < concurrency; i++) {
                long start = System.nanoTime();
                once(vertx, client, start).onSuccess(o -> {
                    if (o.ok()) {
                        ttft.recordValue(o.firstByteNanos() - start);
                        duration.recordValue(o.endNanos() - start);
                        maxGap.accumulateAndGet(o.maxGapNanos(), Math::max);
                        if (o.maxGapNanos() > TimeUnit.SECONDS.toNanos(1)) {
                            stalled.incrementAndGet();
                        }
                    } else {
                        failed.incrementAndGet();
                    }
                    finished.countDown();
                });
            }
        });
        boolean all = finished.await(timeoutS, TimeUnit.SECONDS);
        long unfinished = finished.getCount();
        return "{\"mode\":\"streams\",\"streams\":" + concurrency + ",\"completed\":" + ttft.getTotalCount()
                + ",\"failed\":" + failed.get() + ",\"unfinished\":" + (all ? 0 : unfinished)
                + ",\"ttftP50Ms\":" + ms(ttft.getValueAtPercentile(50)) + ",\"ttftP99Ms\":" + ms(ttft.getValueAtPercentile(99))
                + ",\"durationP50Ms\":" + ms(duration.getValueAtPercentile(50)) + ",\"durationP99Ms\":" + ms(duration.getValueAtPercentile(99))
                + ",\"maxGapMs\":" + ms(maxGap.get()) + ",\"stalled\":" + stalled.get() + "}";
    }

    static String json(Histogram h, long errors, String extra) {
        return "{\"mode\":\"" + mode + "\"," + extra + ",\"errors\":" + errors + ",\"p50Ms\":" + ms(h.getValueAtPercentile(50))
                + ",\"p90Ms\":" + ms(h.getValueAtPercentile(90)) + ",\"p99Ms\":" + ms(h.getValueAtPercentile(99))
                + ",\"maxMs\":" + ms(h.getMaxValue()) + ",\"meanMs\":" + ms((long) h.getMean()) + "}";
    }

    static String ms(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.3f", nanos / 1e6);
    }
}
