import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;

/**
 * The benchmark's upstream: a fast fake of OpenAI's chat completions endpoint (the wire format of
 * POST /v1/chat/completions, non-streamed and streamed as server-sent events), one event-loop thread.
 *
 * Run: java -cp 'target/quarkus-app/lib/main/*' bench/src/FakeUpstream.java --port 18000 [--delay-ms 0]
 *      [--chunks 64] [--chunk-interval-ms 5] [--slow-chunk-interval-ms 50]
 *
 * Every answer is the same: 12 prompt tokens, one completion token per streamed chunk. A streamed answer sends
 * its chunks at a fixed interval, then a usage chunk when the request asked for it
 * (stream_options.include_usage), then [DONE]. Requests for the model "bench-slow" stream at the slow interval, for
 * "bench-burst" with no interval (all chunks at once: the time-to-first-token test).
 * The request body is only searched for `"stream":true`, `"include_usage":true` and the model names above (the
 * fake's CPU is shared with the load generator, so it does not parse JSON).
 */
public class FakeUpstream {
    static int port = 18000;
    static long delayMs = 0;
    static int chunks = 64;
    static long chunkIntervalMs = 5;
    /** The interval for the model "bench-slow", which the many-streams test uses to keep the load core unsaturated. */
    static long slowChunkIntervalMs = 50;

    public static void main(String[] args) {
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--port" -> port = Integer.parseInt(args[i + 1]);
                case "--delay-ms" -> delayMs = Long.parseLong(args[i + 1]);
                case "--chunks" -> chunks = Integer.parseInt(args[i + 1]);
                case "--chunk-interval-ms" -> chunkIntervalMs = Long.parseLong(args[i + 1]);
                case "--slow-chunk-interval-ms" -> slowChunkIntervalMs = Long.parseLong(args[i + 1]);
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setPreferNativeTransport(true));
        Buffer completion = Buffer.buffer(("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion\",\"created\":1700000000,"
                + "\"model\":\"gpt-4o-mini\",\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                + "\"content\":\"" + "tok ".repeat(chunks).trim() + "\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + chunks + ",\"total_tokens\":" + (12 + chunks) + "}}")
                .getBytes(StandardCharsets.UTF_8));
        Buffer first = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"tok\"},"
                + "\"logprobs\":null,\"finish_reason\":null}]}");
        Buffer middle = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" tok\"},\"logprobs\":null,"
                + "\"finish_reason\":null}]}");
        Buffer last = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_bench\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,\"finish_reason\":\"stop\"}]}");
        Buffer usage = sse("{\"id\":\"chatcmpl-bench\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_bench\",\"choices\":[],\"usage\":{\"prompt_tokens\":12,\"completion_tokens\":" + chunks
                + ",\"total_tokens\":" + (12 + chunks) + "}}");
        Buffer done = Buffer.buffer("data: [DONE]\n\n");
        Buffer notFound = Buffer.buffer("{\"error\":{\"message\":\"Unknown request URL\",\"type\":\"invalid_request_error\",\"param\":null,"
                + "\"code\":\"unknown_url\"}}");

        vertx.createHttpServer(new HttpServerOptions().setPort(port).setHost("127.0.0.1").setTcpNoDelay(true).setIdleTimeout(0))
                .requestHandler(req -> {
                    if (!req.path().endsWith("/chat/completions")) {
                        req.response().setStatusCode(404).putHeader("content-type", "application/json").end(notFound);
                        return;
                    }
                    req.body().onSuccess(body -> {
                        String text = body.toString(StandardCharsets.UTF_8);
                        boolean stream = compact(text).contains("\"stream\":true");
                        boolean withUsage = compact(text).contains("\"include_usage\":true");
                        long interval = compact(text).contains("\"model\":\"bench-slow\"") ? slowChunkIntervalMs
                                : compact(text).contains("\"model\":\"bench-burst\"") ? 0 : chunkIntervalMs;
                        Runnable answer = stream
                                ? () -> stream(vertx, req, interval, first, middle, last, withUsage ? usage : null, done)
                                : () -> req.response().putHeader("content-type", "application/json")
                                        .putHeader("x-request-id", "req_bench").end(completion);
                        if (delayMs > 0) {
                            vertx.setTimer(delayMs, t -> answer.run());
                        } else {
                            answer.run();
                        }
                    });
                })
                .listen()
                .onSuccess(s -> System.out.println("fake upstream listening on 127.0.0.1:" + s.actualPort()))
                .onFailure(e -> {
                    e.printStackTrace();
                    System.exit(1);
                });
    }

    private static String compact(String json) {
        return json.indexOf(' ') < 0 ? json : json.replace(" ", "");
    }

    private static Buffer sse(String json) {
        return Buffer.buffer(("data: " + json + "\n\n").getBytes(StandardCharsets.UTF_8));
    }

    private static void stream(Vertx vertx, HttpServerRequest req, long chunkIntervalMs, Buffer first, Buffer middle, Buffer last,
            Buffer usage, Buffer done) {
        HttpServerResponse res = req.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .putHeader("cache-control", "no-cache").putHeader("x-request-id", "req_bench");
        res.write(first);
        if (chunkIntervalMs <= 0) {
            for (int i = 1; i < chunks; i++) {
                res.write(middle);
            }
            finish(res, last, usage, done);
            return;
        }
        int[] sent = {1};
        vertx.setPeriodic(chunkIntervalMs, id -> {
            if (res.closed() || res.ended()) {
                vertx.cancelTimer(id);
                return;
            }
            if (sent[0] < chunks) {
                res.write(middle);
                sent[0]++;
                return;
            }
            vertx.cancelTimer(id);
            finish(res, last, usage, done);
        });
    }

    private static void finish(HttpServerResponse res, Buffer last, Buffer usage, Buffer done) {
        res.write(last);
        if (usage != null) {
            res.write(usage);
        }
        res.end(done);
    }
}
