package dev.tollgate.gateway.provider;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.SseParser;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.function.Supplier;
import java.util.concurrent.TimeoutException;

/**
 * An upstream reached over HTTP: one pooled keep-alive client for all calls. Bodies of non-streaming answers
 * are read whole (they are one JSON document); streams are parsed event by event and handed on as they come,
 * pausing the upstream when the client cannot keep up. A client going away resets the upstream request.
 */
public abstract class HttpUpstream implements Upstream {
    private final Supplier<HttpClient> client;

    protected HttpUpstream(Supplier<HttpClient> client) {
        this.client = client;
    }

    /** Absolute URL of the operation for this deployment. */
    protected abstract String url(Call call);

    /** Auth and protocol headers (never logged). */
    protected abstract void headers(Call call, MultiMap headers);

    /** The provider's error body as an ApiError (status as the upstream sent it). */
    protected abstract ApiError parseError(int status, JsonNode body);

    /** Whether this event ends the stream as it should (OpenAI's [DONE], Anthropic's message_stop). */
    protected abstract boolean terminal(SseParser.Event event);

    /** An error the provider reports inside a stream that started fine, or null. */
    protected abstract ApiError streamError(SseParser.Event event, JsonNode data);

    @Override
    public Future<JsonNode> send(Call call) {
        return sendRaw(call).compose(raw -> {
            JsonNode body = Json.parse(raw.getBytes());
            return body == null || !body.isObject()
                    ? Future.failedFuture(UpstreamErrors.notJsonObject(call.model().id()))
                    : Future.succeededFuture(body);
        });
    }

    @Override
    public Future<Buffer> sendRaw(Call call) {
        Promise<Buffer> result = Promise.promise();
        open(call, false).onFailure(result::tryFail).onSuccess(resp -> resp.body().onComplete(ar -> {
            if (ar.failed()) {
                result.tryFail(failure(call, ar.cause()));
            } else if (resp.statusCode() >= 400) {
                result.tryFail(error(call, resp, Json.parse(ar.result().getBytes())));
            } else {
                result.tryComplete(ar.result());
            }
        }));
        return result.future();
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        Promise<Void> result = Promise.promise();
        open(call, true).onFailure(result::tryFail).onSuccess(resp -> {
            if (resp.statusCode() >= 400) {
                resp.body().onComplete(ar -> result.tryFail(error(call, resp,
                        ar.succeeded() ? Json.parse(ar.result().getBytes()) : null)));
                return;
            }
            boolean[] done = {false};
            SseParser parser = new SseParser(ev -> {
                if (done[0] || result.future().isComplete()) {
                    return;
                }
                if (terminal(ev)) {
                    done[0] = true;
                    JsonNode data = Json.parse(ev.data());
                    if (data != null) {
                        deliver(sink, ev, data, result, resp);
                    }
                    return;
                }
                JsonNode data = Json.parse(ev.data());
                if (data == null) {
                    return; // not JSON (keep-alive noise): nothing to relay
                }
                ApiError err = streamError(ev, data);
                if (err != null) {
                    result.tryFail(UpstreamErrors.from(err.httpStatus(), err, null, call.model().id()));
                    resp.request().reset();
                    return;
                }
                if (!deliver(sink, ev, data, result, resp)) {
                    return;
                }
                if (sink.full()) {
                    resp.pause();
                    sink.onDrain(resp::resume);
                }
            });
            resp.handler(parser::feed);
            // Once the answer has started, a failure is either the idle timeout or the stream being cut short.
            resp.exceptionHandler(t -> result.tryFail(call.cancellation().cancelled() ? t
                    : isTimeout(t) ? failure(call, t) : UpstreamErrors.cut(call.model().id())));
            resp.endHandler(v -> {
                if (done[0]) {
                    result.tryComplete();
                } else {
                    result.tryFail(UpstreamErrors.cut(call.model().id()));
                }
            });
        });
        return result.future();
    }

    /** Hands one event on; a failure while handling it (e.g. an untranslatable event) fails the call. */
    private static boolean deliver(StreamSink sink, SseParser.Event ev, JsonNode data, Promise<Void> result,
            HttpClientResponse resp) {
        try {
            sink.onEvent(ev.event(), data, ev.data());
            return true;
        } catch (RuntimeException e) {
            result.tryFail(e);
            resp.request().reset();
            return false;
        }
    }

    private Future<HttpClientResponse> open(Call call, boolean stream) {
        Buffer body = stripsCacheMarkers(call) ? CacheMarkers.strippedBuffer(call.payload()) : call.payload().toBuffer();
        // the shared target is never changed: the per-call settings go on the request itself
        return client.get().request(target(url(call))).compose(req -> {
            req.idleTimeout(call.model().timeoutMillis());
            MultiMap headers = req.headers();
            headers.set(HeaderNames.CONTENT_TYPE, HeaderNames.APPLICATION_JSON);
            headers.set(HeaderNames.ACCEPT, stream ? HeaderNames.EVENT_STREAM : HeaderNames.APPLICATION_JSON);
            headers(call, headers);
            UpstreamObserver.sending(call.cancellation(), req);
            call.cancellation().onCancel(() -> req.reset());
            return req.send(body);
        }).recover(t -> Future.failedFuture(failure(call, t)));
    }

    /**
     * Whether this call's body goes without prompt-cache markers ({@link CacheMarkers}): for upstreams speaking the
     * hub's dialect whose API has no such field. No by default (the body is the upstream's own).
     */
    protected boolean stripsCacheMarkers(Call call) {
        return false;
    }

    /** Parsed targets by URL: parsing the absolute URL was a measurable share of every request. */
    private static final java.util.Map<String, RequestOptions> TARGETS = new java.util.concurrent.ConcurrentHashMap<>();

    static RequestOptions target(String url) {
        RequestOptions t = TARGETS.get(url);
        if (t == null) {
            if (TARGETS.size() >= 4096) {
                TARGETS.clear(); // URLs of models long gone: start over rather than grow without bound
            }
            t = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url).setFollowRedirects(false);
            TARGETS.put(url, t);
        }
        return t;
    }

    private UpstreamException error(Call call, HttpClientResponse resp, JsonNode body) {
        ApiError parsed = parseError(resp.statusCode(), body);
        return UpstreamErrors.from(resp.statusCode(), parsed, retryAfter(resp.headers(), body), call.model().id());
    }

    /**
     * The provider's retry hint in an error answer, in seconds: its {@code retry-after} header, unless the provider
     * says it elsewhere (Google: a RetryInfo detail in the body). Null when it gives none.
     */
    protected String retryAfter(MultiMap headers, JsonNode body) {
        return headers.get("retry-after");
    }

    /** Vert.x reports its idle timeout with its own exception type, whose message names the timeout. */
    static boolean isTimeout(Throwable t) {
        return t instanceof TimeoutException || (t.getMessage() != null && t.getMessage().contains("timeout"));
    }

    static Throwable failure(Call call, Throwable t) {
        if (t instanceof UpstreamException) {
            return t;
        }
        if (isTimeout(t)) {
            return UpstreamErrors.timeout(call.model().id(), call.model().timeoutMillis());
        }
        return UpstreamErrors.unreachable(call.model().id(), t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()));
    }
}
