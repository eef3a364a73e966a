package dev.tollgate.gateway.provider.replicate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HubChunks;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Replicate predictions behind the hub: a call is not one HTTP exchange but several
 * (https://replicate.com/docs/reference/http, https://replicate.com/docs/topics/predictions/create-a-prediction):
 *
 * <ol>
 *   <li><b>Create</b>: {@code POST {apiBase}/models/{owner}/{name}/predictions}, or {@code POST {apiBase}/predictions}
 *       with {@code version} for a pinned {@code owner/name:version}; {@code Authorization: Bearer <token>}. A
 *       non-streamed call sends {@code Prefer: wait=N} (N: the model's timeout in seconds less one, at most 60), so a short
 *       prediction comes back finished.</li>
 *   <li><b>Poll</b>: otherwise {@code GET urls.get} with a growing pause (250 ms, ×1.5, at most 2 s) until the status
 *       is {@code succeeded}, {@code failed} or {@code canceled}, for at most the model's timeout (then the prediction
 *       is canceled and the client gets 504).</li>
 *   <li><b>Stream</b>: a streamed call creates with {@code "stream": true} and reads {@code GET urls.stream}
 *       ({@code Accept: text/event-stream}; {@link ReplicateStream}); after {@code done} it reads the finished
 *       prediction once more for its token counts (the usage chunk). A model that cannot stream (no {@code urls.stream})
 *       is polled and its answer replayed as a stream.</li>
 *   <li><b>Cancel</b>: when the client goes away, the request in flight is reset and {@code POST urls.cancel} stops
 *       the prediction (Replicate bills its running time).</li>
 *   <li><b>Files</b>: an image answer asked as {@code b64_json} fetches each output file (without the token).</li>
 * </ol>
 * Every URL Replicate returns goes through {@link ReplicateHosts} first (SSRF). Errors: {@link ReplicateTranslator#httpError}
 * for HTTP errors, {@link ReplicateTranslator#predictionError} for failed predictions; a failed prediction that a
 * safety checker stopped ({@code NSFW content detected}) is a {@code content_filter} answer for chat and a 400
 * {@code content_policy_violation} for images.
 */
public final class ReplicateUpstream implements Upstream {
    static final String DEFAULT_API_BASE = Provider.REPLICATE.defaultApiBase().orElseThrow();
    static final long FIRST_POLL_MILLIS = 250;
    static final long MAX_POLL_MILLIS = 2000;
    /** The largest output file fetched for {@code b64_json}. */
    static final long MAX_FILE_BYTES = 32L * 1024 * 1024;
    static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "aborted");

    private final Vertx vertx;
    private final Supplier<HttpClient> client;
    private final Clock clock;
    private final long firstPollMillis;

    public ReplicateUpstream(Vertx vertx, Supplier<HttpClient> client, Clock clock) {
        this(vertx, client, clock, FIRST_POLL_MILLIS);
    }

    /** @param firstPollMillis the first pause before polling (tests make it short) */
    ReplicateUpstream(Vertx vertx, Supplier<HttpClient> client, Clock clock, long firstPollMillis) {
        this.vertx = vertx;
        this.client = client;
        this.clock = clock;
        this.firstPollMillis = firstPollMillis;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS || operation == Operation.IMAGES;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        Exchange x;
        try {
            x = new Exchange(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return x.create(false).compose(x::completed).compose(x::answer);
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        if (call.operation() == Operation.IMAGES) {
            return Future.failedFuture(new UpstreamException(ApiError.of(400, "image generations do not stream",
                    "stream"), 400, null));
        }
        Exchange x;
        try {
            x = new Exchange(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return x.create(true).compose(p -> {
            String streamUrl = Json.text(p.path("urls"), "stream");
            if (TERMINAL.contains(p.path("status").asText()) || streamUrl == null) {
                return x.completed(p).compose(x::answer).compose(answer -> {
                    HubChunks.replay((ObjectNode) answer).forEach(c -> sink.onEvent(null, c, null));
                    return Future.succeededFuture();
                });
            }
            return x.readStream(p, streamUrl, sink);
        });
    }

    /** One call's predictions: its translated input, its prediction's URLs once created, and its deadline. */
    private final class Exchange {
        final Call call;
        final GatewayConfig.Model model;
        final String apiBase;
        final ReplicateTranslator.ModelRef ref;
        final ObjectNode input;
        final long deadline;
        final long created;
        volatile JsonNode prediction;
        volatile long timer = -1;
        /** The request in flight (one at a time): reset when the client goes away. */
        volatile io.vertx.core.http.HttpClientRequest current;

        Exchange(Call call) {
            this.call = call;
            this.model = call.model();
            this.apiBase = model.apiBase() == null || model.apiBase().isBlank() ? DEFAULT_API_BASE : model.apiBase();
            this.ref = ReplicateTranslator.model(model.upstreamModel());
            ParamPolicy policy = new ParamPolicy("drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP
                    : UnsupportedParams.REJECT, ReplicateTranslator.API);
            // prompt-cache breakpoints mean nothing to a prediction: left out, not reported
            this.input = ReplicateTranslator.input(call.operation(),
                    dev.tollgate.gateway.provider.CacheMarkers.stripped(call.body()), ref, policy);
            call.dropped().addAll(policy.dropped()); // at once: the caller reads them when send returns
            this.created = clock.instant().getEpochSecond();
            this.deadline = System.nanoTime() + model.timeoutMillis() * 1_000_000L;
            call.cancellation().onCancel(this::cancel);
        }

        Future<JsonNode> create(boolean stream) {
            String url = ReplicateTranslator.createUrl(apiBase, ref);
            ReplicateHosts.Target target = ReplicateHosts.check(url, apiBase, model.id(), "the create request");
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            headers.set(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON);
            if (!stream) {
                // Replicate holds the request at most this long: a second short of the model's timeout, so that the
                // answer (finished or not) arrives before the gateway gives up on the request
                headers.set("Prefer", "wait=" + Math.max(1, Math.min(60, model.timeoutMillis() / 1000 - 1)));
            }
            Buffer body = Buffer.buffer(Json.writeBytes(ReplicateTranslator.createBody(ref, input, stream)));
            return json(HttpMethod.POST, target, headers, body, true).map(p -> {
                prediction = p;
                return p;
            });
        }

        /** The prediction once it is over: as it is, or polled until then. */
        Future<JsonNode> completed(JsonNode p) {
            if (TERMINAL.contains(p.path("status").asText())) {
                return Future.succeededFuture(p);
            }
            Promise<JsonNode> done = Promise.promise();
            poll(p, firstPollMillis, done);
            return done.future();
        }

        private void poll(JsonNode p, long pause, Promise<JsonNode> done) {
            if (call.cancellation().cancelled()) {
                done.tryFail(new IllegalStateException("cancelled"));
                return;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                cancel();
                done.tryFail(UpstreamErrors.timeout(model.id(), model.timeoutMillis()));
                return;
            }
            String get = Json.text(p.path("urls"), "get");
            if (get == null) {
                String id = Json.text(p, "id");
                if (id == null) {
                    done.tryFail(UpstreamErrors.unreachable(model.id(), "the prediction has neither urls.get nor id"));
                    return;
                }
                get = trim(apiBase) + "/predictions/" + id;
            }
            ReplicateHosts.Target target;
            try {
                target = ReplicateHosts.check(get, apiBase, model.id(), "urls.get");
            } catch (UpstreamException e) {
                done.tryFail(e);
                return;
            }
            timer = vertx.setTimer(Math.max(1, Math.min(pause, left)), t -> {
                timer = -1;
                json(HttpMethod.GET, target, MultiMap.caseInsensitiveMultiMap(), null, true).onFailure(done::tryFail)
                        .onSuccess(next -> {
                            prediction = next;
                            if (TERMINAL.contains(next.path("status").asText())) {
                                done.tryComplete(next);
                            } else {
                                poll(next, Math.min(MAX_POLL_MILLIS, pause * 3 / 2), done);
                            }
                        });
            });
        }

        /** The hub's answer for a finished prediction. */
        Future<JsonNode> answer(JsonNode p) {
            String status = p.path("status").asText();
            String name = ref.fullName();
            if (!"succeeded".equals(status)) {
                String error = p.path("error").isTextual() ? p.path("error").asText() : p.path("error").toString();
                if ("failed".equals(status) && ReplicateTranslator.failure(error) == ReplicateTranslator.Failure.BLOCKED) {
                    if (call.operation() == Operation.IMAGES) {
                        return Future.failedFuture(UpstreamErrors.from(400, ApiError.of(400, "the model's safety "
                                + "checker refused the prompt or the image: " + error, "prompt")
                                .withCode("content_policy_violation"), null, model.id()));
                    }
                    return Future.succeededFuture(ReplicateTranslator.blockedResponse(call.operation(), p, name, created));
                }
                return Future.failedFuture(ReplicateTranslator.predictionError(status, error, model.id()));
            }
            try {
                return switch (call.operation()) {
                    case CHAT -> Future.succeededFuture(ReplicateTranslator.chatResponse(p, input, name, created));
                    case COMPLETIONS -> Future.succeededFuture(
                            ReplicateTranslator.completionResponse(p, input, name, created));
                    case IMAGES -> images(p);
                    default -> Future.failedFuture(new IllegalStateException(call.operation().toString()));
                };
            } catch (RuntimeException e) {
                return Future.failedFuture(e);
            }
        }

        private Future<JsonNode> images(JsonNode p) {
            List<String> urls = ReplicateTranslator.outputUrls(p);
            if (!ReplicateTranslator.wantsBase64(call.body())) {
                for (String u : urls) { // the client will fetch them: the same guard as for the gateway's own fetches
                    if (!u.startsWith("data:")) { // an inline file (data URI) is fetched by no one
                        ReplicateHosts.check(u, apiBase, model.id(), "an output file");
                    }
                }
                return Future.succeededFuture(ReplicateTranslator.imagesResponse(p, null, created));
            }
            List<Future<String>> files = new ArrayList<>();
            for (String u : urls) {
                if (u.startsWith("data:")) { // a model may answer inline
                    int comma = u.indexOf(',');
                    files.add(Future.succeededFuture(comma < 0 ? "" : u.substring(comma + 1)));
                    continue;
                }
                ReplicateHosts.Target t = ReplicateHosts.check(u, apiBase, model.id(), "an output file");
                files.add(fetch(t).map(b -> Base64.getEncoder().encodeToString(b.getBytes())));
            }
            return Future.all(files).map(all -> {
                List<String> b64 = new ArrayList<>();
                for (int i = 0; i < files.size(); i++) {
                    b64.add(all.resultAt(i));
                }
                return ReplicateTranslator.imagesResponse(p, b64, created);
            });
        }

        Future<Void> readStream(JsonNode p, String streamUrl, StreamSink sink) {
            ReplicateHosts.Target target;
            try {
                target = ReplicateHosts.check(streamUrl, apiBase, model.id(), "urls.stream");
            } catch (UpstreamException e) {
                cancel();
                return Future.failedFuture(e);
            }
            String id = p.path("id").asText("");
            boolean legacy = call.operation() == Operation.COMPLETIONS;
            ReplicateStream decoder = new ReplicateStream(new HubChunks((legacy ? "cmpl-" : "chatcmpl-") + id,
                    ref.fullName(), created), legacy);
            Consumer<ObjectNode> out = c -> sink.onEvent(null, c, null);
            Promise<Void> result = Promise.promise();
            MultiMap headers = MultiMap.caseInsensitiveMultiMap();
            headers.set(HeaderNames.ACCEPT, HeaderNames.EVENT_STREAM);
            headers.set("Cache-Control", "no-store");
            open(HttpMethod.GET, target, headers, null).onFailure(result::tryFail).onSuccess(resp -> {
                if (resp.statusCode() >= 400) {
                    resp.body().onComplete(ar -> result.tryFail(ReplicateTranslator.httpError(resp.statusCode(),
                            ar.succeeded() ? Json.parse(ar.result().getBytes()) : null, resp.headers().get("retry-after"),
                            model.id())));
                    return;
                }
                boolean[] ending = {false};
                Runnable end = () -> {
                    if (ending[0] || result.future().isComplete()) {
                        return;
                    }
                    ending[0] = true;
                    endStream(decoder, out, resp).onComplete(result);
                };
                resp.handler(bytes -> {
                    if (result.future().isComplete() || ending[0]) {
                        return;
                    }
                    try {
                        decoder.feed(bytes, out);
                    } catch (RuntimeException e) {
                        result.tryFail(e);
                        resp.request().reset();
                        return;
                    }
                    if (decoder.over()) {
                        end.run();
                        return;
                    }
                    if (sink.full()) {
                        resp.pause();
                        sink.onDrain(resp::resume);
                    }
                });
                resp.exceptionHandler(t -> {
                    if (!ending[0]) {
                        result.tryFail(call.cancellation().cancelled() ? t
                                : timeout(t) ? UpstreamErrors.timeout(model.id(), model.timeoutMillis())
                                : UpstreamErrors.cut(model.id()));
                    }
                });
                resp.endHandler(v -> {
                    if (decoder.over()) {
                        end.run();
                    } else {
                        result.tryFail(UpstreamErrors.cut(model.id()));
                    }
                });
            });
            return result.future();
        }

        /** After {@code done} (or an error event): the finish and usage chunks, or the error. */
        private Future<Void> endStream(ReplicateStream decoder, Consumer<ObjectNode> out, HttpClientResponse resp) {
            if (decoder.error() != null) {
                resp.request().reset();
                if (ReplicateTranslator.failure(decoder.error()) == ReplicateTranslator.Failure.BLOCKED) {
                    decoder.finish("content_filter", null, out);
                    return Future.succeededFuture();
                }
                return Future.failedFuture(ReplicateTranslator.predictionError("failed", decoder.error(), model.id()));
            }
            if (decoder.doneReason() != null) {
                return Future.failedFuture(ReplicateTranslator.predictionError(
                        "canceled".equals(decoder.doneReason()) ? "canceled" : "failed",
                        "the stream ended with reason " + decoder.doneReason(), model.id()));
            }
            // the finished prediction's metrics: its token counts for the usage chunk (best effort, briefly)
            return finalPrediction(prediction, 4).transform(ar -> {
                JsonNode p = ar.succeeded() ? ar.result() : null;
                ObjectNode usage = p == null ? null : ReplicateTranslator.usage(p);
                decoder.finish(p == null ? "stop" : ReplicateTranslator.finishReason(p, input), usage, out);
                return Future.succeededFuture();
            });
        }

        private Future<JsonNode> finalPrediction(JsonNode p, int tries) {
            String get = Json.text(p.path("urls"), "get");
            if (get == null) {
                return Future.failedFuture("no urls.get");
            }
            ReplicateHosts.Target target = ReplicateHosts.check(get, apiBase, model.id(), "urls.get");
            return json(HttpMethod.GET, target, MultiMap.caseInsensitiveMultiMap(), null, true).compose(next -> {
                if (TERMINAL.contains(next.path("status").asText()) || tries <= 1) {
                    return Future.succeededFuture(next);
                }
                Promise<Void> pause = Promise.promise();
                vertx.setTimer(Math.max(1, firstPollMillis / 2), t -> pause.complete());
                return pause.future().compose(v -> finalPrediction(next, tries - 1));
            });
        }

        /** Stops the prediction (the client went away, or the deadline passed): best effort, nothing waits for it. */
        void cancel() {
            long t = timer;
            if (t >= 0) {
                vertx.cancelTimer(t);
            }
            io.vertx.core.http.HttpClientRequest inFlight = current;
            if (inFlight != null && call.cancellation().cancelled()) {
                inFlight.reset();
            }
            JsonNode p = prediction;
            if (p == null || TERMINAL.contains(p.path("status").asText())) {
                return;
            }
            String url = Json.text(p.path("urls"), "cancel");
            if (url == null) {
                return;
            }
            try {
                ReplicateHosts.Target target = ReplicateHosts.check(url, apiBase, model.id(), "urls.cancel");
                MultiMap headers = MultiMap.caseInsensitiveMultiMap();
                authorize(target, headers);
                client.get().request(target.options(HttpMethod.POST)).compose(req -> {
                    req.idleTimeout(10_000);
                    req.headers().addAll(headers);
                    return req.send();
                }).onSuccess(resp -> resp.body());
            } catch (RuntimeException ignored) {
                // a foreign cancel URL is not followed; the prediction then runs out on its own
            }
        }

        /** A request whose answer is one prediction (or an error body). */
        private Future<JsonNode> json(HttpMethod method, ReplicateHosts.Target target, MultiMap headers, Buffer body,
                boolean api) {
            headers.set(HeaderNames.ACCEPT, HeaderNames.APPLICATION_JSON);
            return open(method, target, headers, body).compose(resp -> resp.body().transform(ar -> {
                if (ar.failed()) {
                    return Future.failedFuture(failure(ar.cause()));
                }
                JsonNode parsed = Json.parse(ar.result().getBytes());
                if (resp.statusCode() >= 400) {
                    return Future.failedFuture(ReplicateTranslator.httpError(resp.statusCode(), parsed,
                            resp.headers().get("retry-after"), model.id()));
                }
                if (parsed == null || !parsed.isObject()) {
                    return Future.failedFuture(UpstreamErrors.notJsonObject(model.id()));
                }
                return Future.succeededFuture(parsed);
            }));
        }

        /** An output file's bytes (no token: files are served from Replicate's file hosts). */
        private Future<Buffer> fetch(ReplicateHosts.Target target) {
            return client.get().request(target.options(HttpMethod.GET)).compose(req -> {
                req.idleTimeout(model.timeoutMillis());
                call.cancellation().onCancel(req::reset); // files are fetched side by side: each its own reset
                return req.send();
            }).compose(resp -> {
                if (resp.statusCode() >= 400) {
                    resp.body();
                    return Future.failedFuture(UpstreamErrors.unreachable(model.id(), "an output file answered HTTP "
                            + resp.statusCode()));
                }
                String length = resp.getHeader("content-length");
                if (length != null && length.matches("[0-9]{1,18}") && Long.parseLong(length) > MAX_FILE_BYTES) {
                    resp.request().reset();
                    return Future.failedFuture(UpstreamErrors.unreachable(model.id(), "an output file is larger than "
                            + MAX_FILE_BYTES + " bytes: ask for response_format url"));
                }
                return resp.body();
            }).recover(t -> Future.failedFuture(failure(t)));
        }

        private Future<HttpClientResponse> open(HttpMethod method, ReplicateHosts.Target target, MultiMap headers,
                Buffer body) {
            authorize(target, headers);
            return client.get().request(target.options(method)).compose(req -> {
                req.idleTimeout(model.timeoutMillis());
                req.headers().addAll(headers);
                dev.tollgate.gateway.provider.UpstreamObserver.sending(call.cancellation(), req);
                current = req;
                if (call.cancellation().cancelled()) { // gone while the connection was being set up
                    req.reset();
                }
                return body == null ? req.send() : req.send(body);
            }).recover(t -> Future.failedFuture(failure(t)));
        }

        /** The token goes only to the API's own hosts (and the apiBase's origin), never to file hosts. */
        private void authorize(ReplicateHosts.Target target, MultiMap headers) {
            if (call.credential() == null) {
                return;
            }
            ReplicateHosts.Target base = ReplicateHosts.parse(apiBase);
            boolean ours = base != null && base.host().equals(target.host()) && base.port() == target.port();
            String h = target.host();
            if (ours || h.equals("replicate.com") || h.endsWith(".replicate.com") || h.endsWith(".replicate.net")) {
                headers.set(HeaderNames.AUTHORIZATION, "Bearer " + call.credential());
            }
        }

        private Throwable failure(Throwable t) {
            if (t instanceof UpstreamException) {
                return t;
            }
            if (timeout(t)) {
                return UpstreamErrors.timeout(model.id(), model.timeoutMillis());
            }
            return UpstreamErrors.unreachable(model.id(), t.getClass().getSimpleName()
                    + (t.getMessage() == null ? "" : ": " + t.getMessage()));
        }
    }

    private static boolean timeout(Throwable t) {
        return t instanceof TimeoutException || (t.getMessage() != null && t.getMessage().contains("timeout"));
    }

    private static String trim(String base) {
        String b = base.trim();
        while (b.endsWith("/")) {
            b = b.substring(0, b.length() - 1);
        }
        return b;
    }
}
