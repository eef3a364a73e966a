package dev.tollgate.gateway.passthrough;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Auth;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.ModelRouter;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.provider.UpstreamErrors;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * Pass-through routes: a provider's own API under {@code /<provider>/...} (Replicate's {@code /replicate/v1/...}),
 * for models that fit no OpenAI endpoint. Each call gets what an OpenAI-shaped one gets: the Tollgate key is
 * authenticated ({@code Authorization: Bearer}, or the provider's own style), the model the call is for is resolved
 * from the native request ({@link NativeApi#route}) and checked against the key's allowlist (404 / 403 as on
 * /v1/chat/completions), then the gateway's stages run (rate limits, budgets, usage: GatewayRoutes runs them for
 * both kinds of route). The call goes to the chosen model's apiBase only, at a path built from validated segments,
 * with the client's credentials and hop-by-hop headers removed and the model's provider credential put on; both
 * bodies are relayed as they are (the request's read whole up to the gateway's body limit, the answer streamed with
 * back-pressure and never held) and the answer is metered on its way ({@link NativeApi.Meter}).
 */
@ApplicationScoped
public class PassThrough {
    /** Hop-by-hop headers (RFC 9110 7.6.1), never relayed in either direction; nor any the Connection header names. */
    static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection", "te", "trailer",
            "transfer-encoding", "upgrade", "proxy-authenticate", "proxy-authorization");
    /** Request headers the gateway sets itself or that describe the client's hop to it. */
    private static final Set<String> NOT_FORWARDED = Set.of("host", "content-length", "accept-encoding", "expect",
            "forwarded", "x-real-ip");

    private final Map<String, NativeApi> apis = new TreeMap<>();
    private final Vertx vertx;
    private HttpClient client;

    @jakarta.inject.Inject
    public PassThrough(Vertx vertx, Instance<NativeApi> apis) {
        this(vertx, apis.stream().toList());
    }

    PassThrough(Vertx vertx, List<NativeApi> apis) {
        for (NativeApi api : apis) {
            Provider p = Provider.fromWireName(api.provider()).orElseThrow(() -> new IllegalStateException(
                    "pass-through for an unknown provider " + api.provider()));
            if (!p.passThrough()) {
                throw new IllegalStateException("provider " + p.wireName() + " has a pass-through route, but the "
                        + "registry (Provider.passThrough) does not say so: its models would be refused when rendered");
            }
            this.apis.put(api.provider(), api);
        }
        this.vertx = vertx;
    }

    /** One pooled client for every pass-through call, made on first use. */
    private synchronized HttpClient client() {
        if (client == null) {
            client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true).setKeepAliveTimeout(60)
                    .setTcpNoDelay(true).setConnectTimeout(10_000).setVerifyHost(true)
                    .setDecompressionSupported(false)); // bytes are relayed as they came
        }
        return client;
    }

    /** The providers with a pass-through route: each is served under {@code /<provider>/...}. */
    public Set<String> providers() {
        return apis.keySet();
    }

    /**
     * Authenticates and routes a pass-through call (sets {@code ctx.key}, {@code modelName}, {@code deployment},
     * {@code maxCostMicros}); the answer is the call to run once the stages admitted it. Throws
     * {@link GatewayException} for a call refused here.
     */
    public Supplier<Future<Void>> prepare(RequestContext ctx, String provider, Buffer body, Instant now) {
        NativeApi api = apis.get(provider);
        var req = ctx.rc.request();
        String presented = api.presentedKey(req);
        if (presented == null) {
            String authz = req.getHeader("authorization");
            presented = authz != null && authz.regionMatches(true, 0, "Bearer ", 0, 7) ? authz.substring(7).trim() : null;
        }
        ctx.key = Auth.authenticate(presented, "", ctx.snapshot, now);
        dev.tollgate.gateway.tags.Tags.applyHeader(ctx); // the header and the key's fixed tags: the body is the provider's
        String path = ctx.rc.normalizedPath().substring(provider.length() + 1);
        NativeApi.Call call = api.route(req.method(), path, body, ctx.key, ctx.snapshot);
        ctx.deployment = choose(call.candidates(), ctx.key, provider, path);
        ctx.modelName = ctx.deployment.modelName();
        ctx.bodyBytes = body.length();
        ctx.maxCostMicros = api.maxCostMicros(call, ctx.deployment);
        String credential = ctx.snapshot.credential(ctx.deployment).orElse(null);
        return () -> forward(ctx, api, call, body, credential);
    }

    /** A deployment among the candidates the key may use (weighted as any group); 404 when none, 403 when forbidden. */
    static GatewayConfig.Model choose(List<GatewayConfig.Model> candidates, GatewayConfig.Key key, String provider,
            String path) {
        if (candidates.isEmpty()) {
            throw new GatewayException(ApiError.of(404, "no model on this gateway serves " + path + " (provider "
                    + provider + "): an LlmModel of provider " + provider + " must name it in spec.model", "model")
                    .withCode("model_not_found"));
        }
        List<GatewayConfig.Model> allowed = candidates.stream().filter(m -> Auth.allows(key, m.modelName())).toList();
        if (allowed.isEmpty()) {
            throw new GatewayException(ApiError.of(403, "your key may not use the model '" + candidates.get(0).modelName()
                    + "' (VirtualKey " + key.id() + " spec.models)", "model").withCode("model_not_allowed"));
        }
        return ModelRouter.pick(allowed);
    }

    /** The deployment's API base: its apiBase, else the provider's default, without a trailing slash. */
    static String base(GatewayConfig.Model m) {
        String base = m.apiBase() != null && !m.apiBase().isBlank() ? m.apiBase()
                : Provider.fromWireName(m.provider()).flatMap(Provider::defaultApiBase).orElseThrow();
        return base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    }

    /** Relays the call to the deployment's API and its answer to the client, metering it on the way. */
    private Future<Void> forward(RequestContext ctx, NativeApi api, NativeApi.Call call, Buffer body, String credential) {
        GatewayConfig.Model model = ctx.deployment;
        var in = ctx.rc.request();
        RequestOptions target = new RequestOptions().setMethod(in.method()).setAbsoluteURI(base(model) + call.upstreamPath())
                .setFollowRedirects(false).setIdleTimeout(model.timeoutMillis());
        Promise<Void> done = Promise.promise();
        client().request(target).compose(out -> {
            requestHeaders(in.headers(), out.headers());
            out.headers().set("accept-encoding", "identity"); // the meter reads the answer as it passes
            api.authenticate(out.headers(), credential);
            dev.tollgate.gateway.provider.UpstreamObserver.sending(ctx.cancellation, out);
            ctx.cancellation.onCancel(out::reset);
            return out.send(body);
        }).onFailure(t -> done.tryFail(failure(ctx, t))).onSuccess(resp -> relay(ctx, api, call, resp, done));
        return done.future();
    }

    private static void relay(RequestContext ctx, NativeApi api, NativeApi.Call call, HttpClientResponse resp,
            Promise<Void> done) {
        int status = resp.statusCode();
        if (status == 401 || status == 403) {
            // the provider refused Tollgate's credential: the platform team's to fix, not the caller's (502)
            resp.body().onComplete(ar -> done.tryFail(UpstreamErrors.from(status, ApiError.of(status,
                    "credentials refused", null), null, ctx.deployment.id())));
            return;
        }
        NativeApi.Meter meter = api.meter(call, ctx, status, resp.headers());
        HttpServerResponse out = ctx.response;
        ctx.status = status;
        ctx.upstreamFailed = status >= 500;
        out.setStatusCode(status);
        responseHeaders(resp.headers(), out.headers());
        if (out.headers().get("content-length") == null) {
            out.setChunked(true);
        }
        resp.handler(chunk -> {
            meter.feed(chunk);
            if (out.closed()) {
                return;
            }
            out.write(chunk);
            if (out.writeQueueFull()) {
                resp.pause();
                out.drainHandler(v -> resp.resume());
            }
        });
        resp.exceptionHandler(t -> {
            // cut mid-answer (or the client left, which resets the upstream request): nothing clean to write now
            if (ctx.cancellation.cancelled()) {
                ctx.status = 499;
            } else {
                ctx.upstreamFailed = true;
                ctx.status = 502;
            }
            if (!out.ended() && !out.closed()) {
                out.reset();
            }
            done.tryComplete();
        });
        resp.endHandler(v -> {
            meter.end();
            if (!out.ended() && !out.closed()) {
                out.end();
            }
            done.tryComplete();
        });
    }

    private static Throwable failure(RequestContext ctx, Throwable t) {
        String id = ctx.deployment.id();
        if (t instanceof java.util.concurrent.TimeoutException || t instanceof io.netty.handler.timeout.TimeoutException
                || String.valueOf(t.getMessage()).contains("timeout")) {
            return UpstreamErrors.timeout(id, ctx.deployment.timeoutMillis());
        }
        return UpstreamErrors.unreachable(id, t.getClass().getSimpleName());
    }

    /** The client's headers that go on: not hop-by-hop, not credentials, not about the client's hop to us. */
    static void requestHeaders(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !NOT_FORWARDED.contains(name) && !named.contains(name)
                    && !NativeApi.CREDENTIAL_HEADERS.contains(name) && !name.startsWith("x-tollgate-")
                    && !name.startsWith("x-forwarded-")) {
                to.add(h.getKey(), h.getValue());
            }
        }
    }

    /**
     * The provider's answer headers that go on: not hop-by-hop, no cookies (they would be scoped to the gateway's host),
     * and none the gateway set itself (request id, rate-limit windows, deployment).
     */
    static void responseHeaders(MultiMap from, MultiMap to) {
        Set<String> named = connectionNamed(from);
        Set<String> ours = new HashSet<>();
        to.names().forEach(n -> ours.add(n.toLowerCase(Locale.ROOT)));
        for (Map.Entry<String, String> h : from) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (!HOP_BY_HOP.contains(name) && !named.contains(name) && !ours.contains(name) && !name.equals("set-cookie")) {
                to.add(h.getKey(), h.getValue());
            }
        }
    }

    private static Set<String> connectionNamed(MultiMap headers) {
        Set<String> named = new HashSet<>();
        for (String v : headers.getAll("connection")) {
            for (String n : v.split(",")) {
                named.add(n.trim().toLowerCase(Locale.ROOT));
            }
        }
        return named;
    }

    @PreDestroy
    synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
