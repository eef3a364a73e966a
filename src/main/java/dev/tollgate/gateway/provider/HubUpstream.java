package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Runs an {@link Adapter} over HTTP and speaks the hub's dialect (OpenAI's) to the gateway: the request is translated
 * and authenticated, sent on the event loop's pooled client, and the answer translated back — whole, or chunk by
 * chunk with the client's write queue as backpressure. A provider that cannot stream is replayed as a stream.
 *
 * <p>Call it on a Vert.x context (the gateway always does: requests run on their event loop). From a plain thread
 * the response may arrive before its handlers are attached, and its body would be lost; tests run their calls on a
 * context for that reason.
 */
public final class HubUpstream implements Upstream {
    private final Supplier<HttpClient> client;
    private final Adapter adapter;

    public HubUpstream(Supplier<HttpClient> client, Adapter adapter) {
        this.client = client;
        this.adapter = adapter;
    }

    public Adapter adapter() {
        return adapter;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return adapter.supports(operation);
    }

    @Override
    public Future<JsonNode> send(Call call) {
        UpstreamRequest request;
        try {
            request = adapter.request(forAdapter(call), false); // at once: the caller reads call.dropped() when this returns
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Promise<JsonNode> result = Promise.promise();
        open(call, request, false).onFailure(result::tryFail).onSuccess(resp -> resp.body().onComplete(ar -> {
            if (ar.failed()) {
                result.tryFail(HttpUpstream.failure(call, ar.cause()));
                return;
            }
            JsonNode body = Json.parse(ar.result().getBytes());
            if (resp.statusCode() >= 400) {
                result.tryFail(adapter.error(call, resp.statusCode(), body, resp.headers()));
            } else if (body == null || !body.isObject()) {
                result.tryFail(UpstreamErrors.notJsonObject(call.model().id()));
            } else {
                try {
                    result.tryComplete(adapter.response(call, body));
                } catch (RuntimeException e) {
                    result.tryFail(e);
                }
            }
        }));
        return result.future();
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        if (!adapter.streams(call.operation())) {
            return send(call).compose(answer -> {
                try {
                    HubChunks.replay((ObjectNode) answer).forEach(c -> sink.onEvent(null, c, null));
                    return Future.succeededFuture();
                } catch (RuntimeException e) {
                    return Future.failedFuture(e);
                }
            });
        }
        UpstreamRequest request;
        StreamDecoder decoder;
        try {
            request = adapter.request(forAdapter(call), true);
            decoder = adapter.decoder(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        Promise<Void> result = Promise.promise();
        Consumer<ObjectNode> out = chunk -> sink.onEvent(null, chunk, null);
        open(call, request, true).onFailure(result::tryFail).onSuccess(resp -> {
            if (resp.statusCode() >= 400) {
                resp.body().onComplete(ar -> result.tryFail(adapter.error(call, resp.statusCode(),
                        ar.succeeded() ? Json.parse(ar.result().getBytes()) : null, resp.headers())));
                return;
            }
            resp.handler(bytes -> {
                if (result.future().isComplete()) {
                    return;
                }
                try {
                    decoder.feed(bytes, out);
                    dev.tollgate.gateway.TokenUsage usage = decoder.usageSoFar();
                    if (usage != null) {
                        sink.onUsage(usage);
                    }
                } catch (RuntimeException e) { // an error event, or one that cannot be translated
                    result.tryFail(e);
                    resp.request().reset();
                    return;
                }
                if (sink.full()) {
                    resp.pause();
                    sink.onDrain(resp::resume);
                }
            });
            resp.exceptionHandler(t -> result.tryFail(call.cancellation().cancelled() ? t
                    : HttpUpstream.isTimeout(t) ? HttpUpstream.failure(call, t) : UpstreamErrors.cut(call.model().id())));
            resp.endHandler(v -> {
                if (result.future().isComplete()) {
                    return;
                }
                try {
                    if (decoder.end(out)) {
                        result.tryComplete();
                    } else {
                        result.tryFail(UpstreamErrors.cut(call.model().id()));
                    }
                } catch (RuntimeException e) {
                    result.tryFail(e);
                }
            });
        });
        return result.future();
    }

    private Future<HttpClientResponse> open(Call call, UpstreamRequest request, boolean stream) {
        if (!request.headers().contains(HeaderNames.CONTENT_TYPE) && request.body() != null) {
            request.headers().set(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON);
        }
        if (!request.headers().contains(HeaderNames.ACCEPT)) {
            request.headers().set(HeaderNames.ACCEPT, stream ? HeaderNames.EVENT_STREAM : HeaderNames.APPLICATION_JSON);
        }
        Future<Void> authorized;
        try {
            authorized = adapter.authenticator().authorize(call, request);
        } catch (RuntimeException e) {
            authorized = Future.failedFuture(e);
        }
        return (authorized.succeeded() ? client.get().request(target(request))
                : authorized.compose(v -> client.get().request(target(request)))).compose(req -> {
                    req.idleTimeout(call.model().timeoutMillis());
                    req.headers().addAll(request.headers());
                    UpstreamObserver.sending(call.cancellation(), req);
                    call.cancellation().onCancel(req::reset);
                    return request.body() == null ? req.send() : req.send(request.body());
                }).recover(t -> Future.failedFuture(HttpUpstream.failure(call, t)));
    }

    private static RequestOptions target(UpstreamRequest request) {
        if (request.method() == HttpMethod.POST) {
            return HttpUpstream.target(request.url());
        }
        return new RequestOptions().setMethod(request.method()).setAbsoluteURI(request.url()).setFollowRedirects(false);
    }


    /**
     * The call as the adapter gets it: without prompt-cache markers ({@link CacheMarkers}) unless its provider takes
     * them, so that no adapter reports them as parameters it cannot send. {@code dropped} stays the caller's list.
     */
    private Call forAdapter(Call call) {
        if (adapter.takesCacheMarkers() || call.operation() != Operation.CHAT) {
            return call;
        }
        ObjectNode body = call.body();
        ObjectNode stripped = CacheMarkers.stripped(body);
        return stripped == body ? call : new Call(call.model(), call.credential(), call.operation(),
                JsonBody.of(stripped), call.cancellation(), call.dropped());
    }
}
