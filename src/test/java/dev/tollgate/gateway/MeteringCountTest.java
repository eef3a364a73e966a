package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A request whose cost must be counted with a vocabulary not loaded yet waits for the load off the event loop
 * (loading one takes most of a second), then is written and completed on its own context, in that order.
 */
class MeteringCountTest {
    private final Vertx vertx = Vertx.vertx();
    private final Context context = vertx.getOrCreateContext();

    @AfterEach
    void close() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    /** A chat request cut short (499) before any usage arrived, priced by tokens: its cost has to be counted. */
    private static RequestContext cutShort() {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(MeteringCountTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req-1", WireFormat.OPENAI, Operation.CHAT, null);
        ctx.deployment = new GatewayConfig.Model("ns/m", "m", "openai", "gpt-4o-mini", null, null, null, null,
                new GatewayConfig.Prices(1_000_000_000L, 2_000_000_000L, null, null, "spec"), null, null, 1, 1_000, null,
                null, "reject", null);
        ObjectNode body = Json.object();
        body.put("model", "m").putArray("messages").addObject().put("role", "user").put("content", "hello world");
        ctx.body = JsonBody.of(body);
        ctx.status = 499;
        return ctx;
    }

    /** Runs the calls on the test's event loop and waits until they have returned. */
    private void onContext(Runnable calls) throws Exception {
        CountDownLatch returned = new CountDownLatch(1);
        context.runOnContext(v -> {
            calls.run();
            returned.countDown();
        });
        assertThat(returned.await(5, TimeUnit.SECONDS)).isTrue();
    }

    @Test
    void aCountWaitsForTheVocabularyOffTheEventLoopThenRunsInOrderOnTheRequestsContext() throws Exception {
        RequestContext ctx = cutShort();
        assertThat(Metering.mustCount(ctx)).isTrue();
        CompletableFuture<Void> load = new CompletableFuture<>();
        List<String> loadsAsked = new CopyOnWriteArrayList<>();
        Function<String, CompletionStage<Void>> loader = model -> {
            loadsAsked.add(model);
            return load;
        };
        List<String> ran = new CopyOnWriteArrayList<>();
        AtomicReference<String> eventLoop = new AtomicReference<>();
        List<String> beforeTheLoad = new CopyOnWriteArrayList<>();
        onContext(() -> {
            eventLoop.set(Thread.currentThread().getName());
            Metering.whenCountable(ctx, () -> ran.add("write on " + Thread.currentThread().getName()), m -> false, loader);
            Metering.whenCountable(ctx, () -> ran.add("complete on " + Thread.currentThread().getName()), m -> false, loader);
            beforeTheLoad.addAll(ran);
        });
        assertThat(beforeTheLoad).as("nothing counted on the event loop while the vocabulary is not loaded").isEmpty();
        assertThat(loadsAsked).as("one load for the request").containsExactly("gpt-4o-mini");
        Thread.sleep(100);
        assertThat(ran).as("still waiting for the load").isEmpty();

        load.complete(null); // the loader thread finishes
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 2);
        assertThat(ran).containsExactly("write on " + eventLoop.get(), "complete on " + eventLoop.get());
    }

    @Test
    void aFailedLoadStillLetsTheRequestEnd() throws Exception {
        RequestContext ctx = cutShort();
        List<String> ran = new CopyOnWriteArrayList<>();
        onContext(() -> Metering.whenCountable(ctx, () -> ran.add("complete"), m -> false,
                m -> CompletableFuture.failedFuture(new IllegalStateException("no vocabulary"))));
        await().atMost(Duration.ofSeconds(5)).until(() -> ran.size() == 1);
    }

    @Test
    void nothingWaitsWhenTheVocabularyIsLoadedOrNoCountIsNeeded() throws Exception {
        Function<String, CompletionStage<Void>> noLoad = m -> {
            throw new AssertionError("no load expected");
        };
        Predicate<String> notLoaded = m -> false;

        RequestContext loaded = cutShort();
        RequestContext reported = cutShort();
        reported.usage = new TokenUsage(2, 3, 0, 0);
        RequestContext unpriced = cutShort();
        unpriced.deployment = new GatewayConfig.Model("ns/m", "m", "openai", "gpt-4o-mini", null, null, null, null,
                null, null, null, 1, 1_000, null, null, "reject", null);
        RequestContext refused = cutShort();
        refused.status = 429;
        List<String> ran = new CopyOnWriteArrayList<>();
        onContext(() -> {
            Metering.whenCountable(loaded, () -> ran.add("loaded"), m -> true, noLoad);
            Metering.whenCountable(reported, () -> ran.add("usage reported"), notLoaded, noLoad);
            Metering.whenCountable(unpriced, () -> ran.add("unpriced"), notLoaded, noLoad);
            Metering.whenCountable(refused, () -> ran.add("refused"), notLoaded, noLoad);
        });
        assertThat(ran).containsExactly("loaded", "usage reported", "unpriced", "refused");
    }

    @Test
    void theCountAfterTheLoadChargesThePromptOfARequestCutShort() throws Exception {
        RequestContext ctx = cutShort();
        AtomicReference<Long> cost = new AtomicReference<>();
        onContext(() -> Metering.whenCountable(ctx, () -> cost.set(Metering.cost(ctx).orElseThrow())));
        await().atMost(Duration.ofSeconds(30)).until(() -> cost.get() != null);
        // OpenAI's recipe: 3 tokens per message, its role and content, 3 to prime the reply; 1,000 micros a token
        long tokens = 3 + TokenCounter.forModel("gpt-4o-mini").countText("user")
                + TokenCounter.forModel("gpt-4o-mini").countText("hello world") + 3;
        assertThat(cost.get()).isEqualTo(tokens * 1_000);
        assertThat(TokenCounter.loaded("gpt-4o-mini")).as("loaded by the background loader").isTrue();
    }
}
