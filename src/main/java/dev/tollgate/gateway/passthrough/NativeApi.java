package dev.tollgate.gateway.passthrough;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import java.util.List;
import java.util.Set;

/**
 * One provider's own API, served on a pass-through route {@code /<provider>/...} for models that fit no OpenAI
 * endpoint. {@link PassThrough} does what every such route shares (key auth, the model allowlist, the stages: rate
 * limits, budgets, usage; filtering headers, swapping the credential, relaying both bodies as streams); an
 * implementation says only what is the provider's: which calls it serves and for which model, how to authenticate
 * upstream, and what an answer costs. A new provider is one class implementing this (a CDI bean) plus its
 * {@code passThrough()} flag in the registry (dev.tollgate.config.Provider).
 */
public interface NativeApi {
    /** The provider's wire name (LlmModel spec.provider): the route is {@code /<provider>/...}. */
    String provider();

    /**
     * The Tollgate key when the client presented it the provider's own way (e.g. Replicate's older
     * {@code Authorization: Token <key>}), else null: {@code Authorization: Bearer <key>} is read as on every route.
     */
    default String presentedKey(HttpServerRequest request) {
        return null;
    }

    /**
     * What the call is: the deployments it may be for (before the key's allowlist is applied), the path to call under
     * the chosen deployment's apiBase and what the route needs to meter it. Throws {@link GatewayException} for a call
     * the route does not serve (404/405), a body it cannot read (400), or a resource the key does not own (404).
     *
     * @param path the request's path below {@code /<provider>}, e.g. {@code /v1/predictions}
     */
    Call route(HttpMethod method, String path, Buffer body, GatewayConfig.Key key, Snapshot snapshot);

    /**
     * The most this call may cost in micro-USD (what budgets reserve for it), or null when the model lacks the price
     * it is charged by (a budget then refuses the call, as for any unpriced model).
     */
    Long maxCostMicros(Call call, GatewayConfig.Model model);

    /** Puts the provider credential on the upstream request (its headers arrive with the client's auth removed). */
    void authenticate(MultiMap upstreamHeaders, String credential);

    /**
     * Watches the answer on its way to the client; {@link Meter#end} sets {@code ctx.costMicros} (null: unknown,
     * and a budget then keeps what it reserved). Called once the upstream answered, with its status.
     */
    Meter meter(Call call, RequestContext ctx, int status, MultiMap upstreamHeaders);

    /**
     * A routed call.
     *
     * @param candidates   deployments of this provider that can serve it; empty: no such model on this gateway
     * @param upstreamPath the path appended to the deployment's apiBase: built only from validated segments, so the
     *                     route never reaches another host or path than the model's API
     * @param kind         what the provider calls it (for its meter)
     * @param resource     the resource the call names or creates (e.g. a prediction id), or null
     */
    record Call(List<GatewayConfig.Model> candidates, String upstreamPath, String kind, String resource) {}

    /** Sees the answer's body as it streams (never the whole at once), then its end. */
    interface Meter {
        void feed(Buffer chunk);

        /** The answer arrived whole. */
        void end();
    }

    /** Client headers that carry credentials in any provider's style: never forwarded anywhere. */
    Set<String> CREDENTIAL_HEADERS = Set.of("authorization", "proxy-authorization", "x-api-key", "api-key",
            "x-goog-api-key", "cookie");
}
