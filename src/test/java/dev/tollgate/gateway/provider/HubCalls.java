package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.TokenUsage;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * What the adapter tests share to drive an {@link Upstream} against a fake: a call made on a Vert.x context (as the
 * gateway makes it: HubUpstream must be called on one), its result awaited, its failure as the {@link
 * UpstreamException} the client would see, and a sink that collects a stream's events and usage.
 */
public final class HubCalls {
    private HubCalls() {}

    /** The result of {@code f}, waiting at most 10 s. */
    public static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** Makes the call on a context of {@code vertx}. */
    public static <T> Future<T> onLoop(Vertx vertx, Supplier<Future<T>> call) {
        Promise<T> p = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(p));
        return p.future();
    }

    /** The UpstreamException {@code f} failed with (an AssertionError when it succeeded or failed otherwise). */
    public static UpstreamException failure(Future<?> f) throws Exception {
        try {
            await(f);
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(UpstreamException.class);
            return (UpstreamException) e.getCause();
        }
        throw new AssertionError("the call succeeded");
    }

    /** A sink that is never full, adding each event's data to {@code chunks} and the usage to {@code usage}. */
    public static StreamSink sink(List<JsonNode> chunks, AtomicReference<TokenUsage> usage) {
        return new StreamSink() {
            @Override
            public void onEvent(String event, JsonNode data, String raw) {
                chunks.add(data);
            }

            @Override
            public void onUsage(TokenUsage u) {
                usage.set(u);
            }

            @Override
            public boolean full() {
                return false;
            }

            @Override
            public void onDrain(Runnable resume) {
            }
        };
    }
}
