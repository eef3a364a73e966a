package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Provider {@code bedrock}: one hub upstream that hands each operation to what serves it on Bedrock. Chat goes to
 * Converse ({@link BedrockAdapter} under a {@link HubUpstream}); other operations (InvokeModel's embeddings and
 * image generation) are added with {@link #with}, each served by its own upstream.
 */
public final class BedrockUpstream implements Upstream {
    private final Map<Operation, Upstream> byOperation = new EnumMap<>(Operation.class);

    public BedrockUpstream(Upstream chat) {
        byOperation.put(Operation.CHAT, chat);
    }

    /** Serves {@code operation} with {@code upstream} too (replacing what served it). */
    public BedrockUpstream with(Operation operation, Upstream upstream) {
        byOperation.put(operation, upstream);
        return this;
    }

    /**
     * What serves provider {@code bedrock}: chat through Converse, embeddings and image generation through InvokeModel,
     * all with one {@link BedrockAuth} (one cache of the pod's credentials); no relay (no client speaks Bedrock's
     * dialect).
     */
    public static BedrockUpstream converse(Vertx vertx, Supplier<HttpClient> client, Clock clock) {
        BedrockAuth auth = new BedrockAuth(vertx, clock);
        BedrockInvokeUpstream invoke = new BedrockInvokeUpstream(client, auth, clock);
        return converse(client, auth, clock).with(Operation.EMBEDDINGS, invoke).with(Operation.IMAGES, invoke);
    }

    /**
     * As {@link #converse(Vertx, Supplier, Clock)} with a given authenticator: share one {@link BedrockAuth} (one
     * cache of the pod's credentials) between Converse and the InvokeModel upstreams added with {@link #with}.
     */
    static BedrockUpstream converse(Supplier<HttpClient> client, BedrockAuth auth, Clock clock) {
        return new BedrockUpstream(new HubUpstream(client, new BedrockAdapter(clock, auth)));
    }

    public Served served() {
        return Served.hub(this);
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        Upstream u = byOperation.get(operation);
        return u != null && u.supports(operation);
    }

    private Upstream of(Call call) {
        Upstream u = byOperation.get(call.operation());
        if (u == null) {
            throw new IllegalStateException("bedrock does not serve " + call.operation()
                    + ": the gateway checks supports() before calling");
        }
        return u;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        try {
            return of(call).send(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Buffer> sendRaw(Call call) {
        try {
            return of(call).sendRaw(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        try {
            return of(call).stream(call, sink);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
