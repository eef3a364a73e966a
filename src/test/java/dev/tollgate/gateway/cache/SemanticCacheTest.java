package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.RedisServer;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.config.UsageReport;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.UsageRecorder;
import dev.tollgate.gateway.budget.BudgetCharges;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.limits.SharedStore;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.Upstreams;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache against a deterministic embeddings fake ({@link FakeEmbeddings}, OpenAI's wire format) through
 * the real OpenAI hub upstream: near and far prompt pairs at the default threshold, isolation, failures as misses,
 * the embedding's cost on the calling key, ttl, the entry bound, purge, and sharing through a real Redis.
 */
class SemanticCacheTest {
    static final long T0 = 1_780_000_000_000L;
    /** 1,000 USD per million tokens: 1,000 micro-USD a token, so a few tokens cost a visible amount. */
    static final long EMBED_PRICE = 1_000_000_000L;

    static Vertx vertx;
    static FakeEmbeddings fake;
    static Upstreams upstreams;

    final AtomicLong now = new AtomicLong(T0);
    UsageRecorder recorder;
    BudgetInterceptor budgets;
    SharedStore store;
    SemanticCache cache;

    static final GatewayConfig.Cache CACHE = cache("embed", GatewayConfig.Semantic.DEFAULT_THRESHOLD);
    static final GatewayConfig.Key KEY_A = new GatewayConfig.Key("team-a/k1", List.of(), List.of("team-a/b"), null, null,
            null, null, false, null);
    static final GatewayConfig.Key KEY_B = new GatewayConfig.Key("team-b/k1", List.of(), List.of(), null, null, null,
            null, false, null);
    static final GatewayConfig.Budget BUDGET = new GatewayConfig.Budget("team-a/b", 100_000_000L, "monthly", "UTC", 80,
            List.of("chat"));

    static GatewayConfig.Cache cache(String embeddingModel, double threshold) {
        return new GatewayConfig.Cache(null, new GatewayConfig.Semantic(embeddingModel, threshold, 3_600_000, 256 * 1024),
                GatewayConfig.Cache.NAMESPACE, null);
    }

    @BeforeAll
    static void start() throws Exception {
        vertx = Vertx.vertx();
        fake = FakeEmbeddings.start(vertx);
        upstreams = new Upstreams(vertx);
    }

    @AfterAll
    static void stop() {
        fake.close();
        vertx.close();
    }

    @BeforeEach
    void fresh() {
        fake.failWith = 0;
        fake.delayMillis = 0;
        fake.requests.clear();
        recorder = new UsageRecorder();
        store = new SharedStore(vertx);
        budgets = new BudgetInterceptor(store, "closed", 4096, 1000);
        cache = newCache(PATIENT);
    }

    /** The embedding's time limit in these tests: generous, the test machine is shared and may be very busy. */
    static final long PATIENT = 10_000;

    SemanticCache newCache(long embedTimeoutMillis) {
        return new SemanticCache(vertx, upstreams, recorder, budgets, (id, t) -> true, store, now::get, embedTimeoutMillis);
    }

    static GatewayConfig.Model embedModel(String apiBase) {
        return new GatewayConfig.Model("team-a/embed", "embed", "openai", "text-embedding-3-small", apiBase, null, null,
                "embed-key", new GatewayConfig.Prices(EMBED_PRICE, null, null, null, "spec"), null, null, 1, 10_000,
                null, null, "reject", null);
    }

    static Snapshot snapshot(String redisUrl, int maxEntries, String embedApiBase, String credential) {
        return snapshot(redisUrl, GatewayConfig.Caching.DEFAULT_MAX_BYTES, maxEntries, embedApiBase, credential);
    }

    static Snapshot snapshot(String redisUrl, long maxBytes, int maxEntries, String embedApiBase, String credential) {
        GatewayConfig.Model chat = new GatewayConfig.Model("team-a/chat", "chat", "openai", "gpt-4o-mini",
                "http://127.0.0.1:1/v1", null, null, null, null, null, null, 1, 10_000, null, null, "reject", null);
        GatewayConfig.Model chat2 = new GatewayConfig.Model("team-a/chat2", "chat2", "openai", "gpt-4o-mini",
                "http://127.0.0.1:1/v1", null, null, null, null, null, null, 1, 10_000, null, null, "reject", null);
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 0, redisUrl),
                List.of(chat, chat2, embedModel(embedApiBase)), List.of(KEY_A, KEY_B), List.of(BUDGET), null, null,
                new GatewayConfig.Caching(maxBytes, maxEntries, false,
                        Map.of("chat", CACHE, "chat2", CACHE)));
        return new Snapshot(config, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of("embed-key", credential),
                null), "v1");
    }

    static Snapshot snapshot() {
        return snapshot(null, 10_000, fake.apiBase(), FakeEmbeddings.KEY);
    }

    static RequestContext ctx(Snapshot s, GatewayConfig.Key key, String group, WireFormat dialect, ObjectNode body) {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(SemanticCacheTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req", dialect, Operation.CHAT, s);
        ctx.key = key;
        ctx.modelName = group;
        ctx.body = JsonBody.of(body);
        return ctx;
    }

    /** An OpenAI chat request: an optional system prompt, one user message, and extra top-level fields. */
    static ObjectNode chat(String system, String user, String... extra) {
        ObjectNode b = Json.object().put("model", "chat");
        ArrayNode messages = b.putArray("messages");
        if (system != null) {
            messages.addObject().put("role", "system").put("content", system);
        }
        messages.addObject().put("role", "user").put("content", user);
        for (int i = 0; i < extra.length; i += 2) {
            b.set(extra[i], Json.parse(extra[i + 1]));
        }
        return b;
    }

    /** The partition of scope namespace (as Partition.of makes it): the key's namespace shares. */
    static Partition partition(GatewayConfig.Key key, String group) {
        String namespace = key.id().substring(0, key.id().indexOf('/'));
        return new Partition(namespace, "ns:" + namespace, group, null, null);
    }

    static CachedAnswer answer(String text) {
        return new CachedAnswer(WireFormat.OPENAI, Operation.CHAT, text.getBytes(StandardCharsets.UTF_8),
                new TokenUsage(10, 5, 0, 0), 123, "team-a/chat", T0);
    }

    static <T> T await(Supplier<Future<T>> call) throws Exception {
        Promise<T> p = Promise.promise();
        vertx.getOrCreateContext().runOnContext(v -> call.get().onComplete(p));
        return p.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    SemanticCache.Lookup lookup(SemanticCache c, Snapshot s, GatewayConfig.Key key, String group, WireFormat dialect,
            ObjectNode body) throws Exception {
        RequestContext ctx = ctx(s, key, group, dialect, body);
        return await(() -> c.lookup(ctx, s.cache(group), partition(key, group), -1));
    }

    SemanticCache.Lookup lookup(ObjectNode body) throws Exception {
        return lookup(cache, snapshot(), KEY_A, "chat", WireFormat.OPENAI, body);
    }

    /** Looks {@code body} up (a miss expected) and stores {@code answer} under it. */
    void put(SemanticCache c, Snapshot s, GatewayConfig.Key key, String group, ObjectNode body, String answer)
            throws Exception {
        RequestContext ctx = ctx(s, key, group, WireFormat.OPENAI, body);
        SemanticCache.Lookup l = await(() -> c.lookup(ctx, s.cache(group), partition(key, group), -1));
        assertThat(l.handle()).as("embedded").isNotNull();
        c.store(ctx, s.cache(group), l, answer(answer), -1);
    }

    void put(ObjectNode body, String answer) throws Exception {
        put(cache, snapshot(), KEY_A, "chat", body, answer);
    }

    static String text(SemanticCache.Lookup l) {
        return l.hit() == null ? null : new String(l.hit().body(), StandardCharsets.UTF_8);
    }

    // ---- near and far pairs at the default threshold (0.95) ---------------------------------------------------------

    static final String[][] NEAR = {
        {"What is the capital of France?", "Tell me France's capital city."},
        {"How do I reverse a list in Python?", "How can I reverse a Python list?"},
        {"Translate 'good morning' into Spanish.", "How do you say good morning in Spanish?"},
        {"What's the weather like in Paris today?", "How is the weather in Paris today?"},
        {"Recommend a good book about history.", "Suggest a good history book."},
        {"How many calories are in an apple?", "How many calories does an apple have?"},
        {"Write a haiku about autumn leaves.", "Compose a haiku on autumn leaves."},
        {"Explain photosynthesis simply.", "Explain photosynthesis in simple terms."},
        {"What is 100 Fahrenheit in Celsius?", "How much is 100 degrees Fahrenheit in Celsius?"},
        {"Who wrote Pride and Prejudice?", "Who is the author of Pride and Prejudice?"},
        {"What's a good pancake recipe?", "Give me a good recipe for pancakes."},
        {"What time zone is Tokyo in?", "Which time zone does Tokyo use?"},
        // not the same words: one more (16 of 17 shared, cosine 0.970)
        {"Summarize the main causes of the French Revolution, including economic hardship, social inequality, "
                + "Enlightenment ideas and the fiscal crisis of the monarchy.",
            "Briefly summarize the main causes of the French Revolution, including the economic hardship, the social "
                + "inequality, Enlightenment ideas and the monarchy's fiscal crisis."},
    };

    static final String[][] FAR = {
        {"What is the capital of France?", "What is the capital of Germany?"},
        {"How do I reverse a list in Python?", "How do I sort a list in Python?"},
        {"Translate 'good morning' into Spanish.", "Translate 'good morning' into French."},
        {"What's the weather like in Paris today?", "What's the weather like in London today?"},
        {"How many calories are in an apple?", "How many calories are in a banana?"},
        {"Who wrote Pride and Prejudice?", "Who wrote War and Peace?"},
        {"Convert 100 Fahrenheit to Celsius.", "Convert 100 miles to kilometres."},
        {"Write a haiku about autumn leaves.", "Write a haiku about spring flowers."},
        {"Explain photosynthesis simply.", "Explain mitochondria simply."},
        {"What time zone is Tokyo in?", "What time zone is Sydney in?"},
        {"Recommend a good book about history.", "Recommend a good movie about history."},
        {"What is the capital of France?", "How do I bake sourdough bread?"},
        {"Who wrote Pride and Prejudice?", "What is the boiling point of water?"},
    };

    @Test
    void paraphrasesHitAtTheDefaultThreshold() throws Exception {
        for (int i = 0; i < NEAR.length; i++) {
            put(chat("Be brief.", NEAR[i][0]), "answer " + i);
        }
        List<String> report = new ArrayList<>();
        for (int i = 0; i < NEAR.length; i++) {
            SemanticCache.Lookup l = lookup(chat("Be brief.", NEAR[i][1]));
            report.add(String.format("%.4f %s | %s", l.similarity(), NEAR[i][0], NEAR[i][1]));
            assertThat(text(l)).as("%s ~ %s", NEAR[i][1], NEAR[i][0]).isEqualTo("answer " + i);
            assertThat(l.similarity()).isGreaterThanOrEqualTo(GatewayConfig.Semantic.DEFAULT_THRESHOLD);
        }
        report.forEach(r -> System.out.println("near: " + r));
    }

    @Test
    void unrelatedPromptsAndPromptsAskingSomethingElseNeverHit() throws Exception {
        for (int i = 0; i < FAR.length; i++) {
            put(chat("Be brief.", FAR[i][0]), "answer " + i);
        }
        for (int i = 0; i < FAR.length; i++) {
            SemanticCache.Lookup l = lookup(chat("Be brief.", FAR[i][1]));
            System.out.printf("far: %.4f %s | %s%n", l.similarity(), FAR[i][0], FAR[i][1]);
            assertThat(l.hit()).as("%s must not be answered with a stored answer (nearest at %.4f)", FAR[i][1],
                    l.similarity()).isNull();
            assertThat(l.handle()).as("embedded, so the answer can be stored").isNotNull();
        }
        assertThat(FAR.length).isGreaterThanOrEqualTo(10);
        assertThat(NEAR.length).isGreaterThanOrEqualTo(10);
    }

    @Test
    void theThresholdDecides() throws Exception {
        // the fake puts "reverse a list in Python" and "sort a list in Python" at cosine 0.75 (3 of 4 words)
        Snapshot s = snapshot();
        put(chat(null, FAR[1][0]), "reversed");
        for (double threshold : new double[] {0.74, 0.76}) {
            GatewayConfig.Cache c = cache("embed", threshold);
            RequestContext ctx = ctx(s, KEY_A, "chat", WireFormat.OPENAI, chat(null, FAR[1][1]));
            SemanticCache.Lookup l = await(() -> cache.lookup(ctx, c, partition(KEY_A, "chat"), -1));
            assertThat(l.similarity()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-5));
            assertThat(text(l)).as("threshold %s", threshold).isEqualTo(threshold < 0.75 ? "reversed" : null);
        }
    }

    // ---- isolation ----------------------------------------------------------------------------------------------------

    @Test
    void aHitOnlyComesFromTheSameTenantModelInstructionsToolsAndParameters() throws Exception {
        String q = "What is the capital of France?";
        String tools = "[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{}}}]";
        put(chat("Be brief.", q, "temperature", "0", "tools", tools), "Paris");
        Snapshot s = snapshot();
        assertThat(text(lookup(chat("Be brief.", q, "temperature", "0", "tools", tools)))).as("control").isEqualTo("Paris");
        assertThat(text(lookup(chat("Be brief.", q, "temperature", "0", "tools", tools, "user", "\"u2\"", "stream", "true",
                "metadata", "{\"a\":1}")))).as("user, stream, metadata do not partition").isEqualTo("Paris");

        assertThat(lookup(cache, s, KEY_B, "chat", WireFormat.OPENAI, chat("Be brief.", q, "temperature", "0", "tools",
                tools)).hit()).as("another namespace").isNull();
        assertThat(lookup(cache, s, KEY_A, "chat2", WireFormat.OPENAI, chat("Be brief.", q, "temperature", "0", "tools",
                tools).put("model", "chat2")).hit()).as("another model group").isNull();
        assertThat(lookup(chat("Be verbose.", q, "temperature", "0", "tools", tools)).hit()).as("another system prompt")
                .isNull();
        assertThat(lookup(chat(null, q, "temperature", "0", "tools", tools)).hit()).as("no system prompt").isNull();
        assertThat(lookup(chat("Be brief.", q, "temperature", "0", "tools", tools.replace("lookup", "search"))).hit())
                .as("other tools").isNull();
        assertThat(lookup(chat("Be brief.", q, "temperature", "0")).hit()).as("no tools").isNull();
        assertThat(lookup(chat("Be brief.", q, "temperature", "0.7", "tools", tools)).hit()).as("another temperature")
                .isNull();
        ObjectNode anthropic = Json.object().put("model", "chat").put("system", "Be brief.").put("temperature", 0);
        anthropic.set("tools", Json.parse(tools));
        anthropic.putArray("messages").addObject().put("role", "user").put("content", q);
        assertThat(lookup(cache, s, KEY_A, "chat", WireFormat.ANTHROPIC, anthropic).hit()).as("another dialect").isNull();
    }

    // ---- failures are misses ------------------------------------------------------------------------------------------

    @Test
    void anEmbeddingFailureIsAMissNeverAFailure() throws Exception {
        put(chat(null, "What is the capital of France?"), "Paris");
        fake.failWith = 500;
        assertThat(lookup(chat(null, "What is the capital of France?"))).isEqualTo(SemanticCache.Lookup.NONE);
        fake.failWith = 0;

        Snapshot wrongKey = snapshot(null, 10_000, fake.apiBase(), "sk-wrong");
        assertThat(lookup(cache, wrongKey, KEY_A, "chat", WireFormat.OPENAI, chat(null, "What is the capital of France?")))
                .as("401").isEqualTo(SemanticCache.Lookup.NONE);

        Snapshot unreachable = snapshot(null, 10_000, "http://127.0.0.1:1/v1", FakeEmbeddings.KEY);
        assertThat(lookup(cache, unreachable, KEY_A, "chat", WireFormat.OPENAI, chat(null, "What is the capital of France?")))
                .as("connection refused").isEqualTo(SemanticCache.Lookup.NONE);

        SemanticCache cooling = new SemanticCache(vertx, upstreams, recorder, budgets, (id, t) -> false, store, now::get,
                PATIENT);
        assertThat(lookup(cooling, snapshot(), KEY_A, "chat", WireFormat.OPENAI, chat(null, "What is the capital of France?")))
                .as("the embedding deployment cools down").isEqualTo(SemanticCache.Lookup.NONE);

        SemanticCache impatient = newCache(200);
        fake.delayMillis = 30_000;
        long start = System.nanoTime();
        assertThat(lookup(impatient, snapshot(), KEY_A, "chat", WireFormat.OPENAI, chat(null, "What is the capital of France?")))
                .as("too slow").isEqualTo(SemanticCache.Lookup.NONE);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("bounded wait").isLessThan(10_000);
    }

    @Test
    void whatAnEmbeddingCannotSeeIsNotLookedUp() throws Exception {
        ObjectNode withImage = chat(null, "x");
        ((ObjectNode) withImage.path("messages").get(0)).set("content", Json.parse("[{\"type\":\"text\",\"text\":\"What is "
                + "this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]"));
        assertThat(lookup(withImage)).isEqualTo(SemanticCache.Lookup.NONE);
        assertThat(fake.requests).as("no embedding call").isEmpty();
    }

    // ---- cost ---------------------------------------------------------------------------------------------------------

    @Test
    void theEmbeddingIsChargedToTheCallingKeysUsageAndBudgets() throws Exception {
        Snapshot s = snapshot();
        lookup(chat("Be brief.", "What is the capital of France?"));
        assertThat(fake.requests).hasSize(1);
        assertThat(fake.requests.get(0).path("model").asText()).isEqualTo("text-embedding-3-small");
        assertThat(fake.requests.get(0).path("input").asText()).isEqualTo("user: What is the capital of France?");
        long tokens = 7; // user, What, is, the, capital, of, France: the fake's count of the text's words
        long cost = tokens * EMBED_PRICE / 1_000_000;

        UsageReport report = recorder.report("v1");
        UsageReport.Counters key = report.keys().get("team-a/k1");
        assertThat(key.inputTokens()).isEqualTo(tokens);
        assertThat(key.spendMicros()).isEqualTo(cost);
        assertThat(key.requests()).as("not one of the key's requests").isZero();
        UsageReport.Counters deployment = report.models().get("team-a/embed");
        assertThat(deployment.requests()).isEqualTo(1);
        assertThat(deployment.spendMicros()).isEqualTo(cost);
        long period = BudgetCharges.window(BUDGET, Instant.ofEpochMilli(T0)).start().toEpochMilli();
        assertThat(key.budgets()).containsEntry("team-a/b@" + period, cost);
        assertThat(budgets.ledger(s).spent("team-a/b", period).toCompletionStage().toCompletableFuture().get())
                .as("the budget bound to the key, covering the requested group").isEqualTo(cost);

        lookup(cache, s, KEY_B, "chat", WireFormat.OPENAI, chat(null, "Hello there"));
        assertThat(recorder.report("v1").keys().get("team-b/k1").spendMicros()).as("charged to the caller")
                .isEqualTo(3 * EMBED_PRICE / 1_000_000);
        assertThat(budgets.ledger(s).spent("team-a/b", period).toCompletionStage().toCompletableFuture().get())
                .as("not to another key's budget").isEqualTo(cost);
    }

    // ---- ttl, max age, bound, purge -------------------------------------------------------------------------------------

    @Test
    void ttlAndMaxAge() throws Exception {
        Snapshot s = snapshot();
        ObjectNode q = chat(null, "What is the capital of France?");
        RequestContext ctx = ctx(s, KEY_A, "chat", WireFormat.OPENAI, q);
        SemanticCache.Lookup l = await(() -> cache.lookup(ctx, CACHE, partition(KEY_A, "chat"), -1));
        cache.store(ctx, CACHE, l, answer("Paris"), 1_000);
        now.addAndGet(500);
        assertThat(text(lookup(q))).isEqualTo("Paris");
        RequestContext again = ctx(s, KEY_A, "chat", WireFormat.OPENAI, q);
        assertThat(await(() -> cache.lookup(again, CACHE, partition(KEY_A, "chat"), 400)).hit()).as("max-age").isNull();
        now.addAndGet(500);
        assertThat(lookup(q).hit()).as("expired").isNull();
        assertThat(cache.entries()).isZero();
    }

    @Test
    void boundedByMaxSemanticEntriesOldestFirst() throws Exception {
        Snapshot s = snapshot(null, 3, fake.apiBase(), FakeEmbeddings.KEY);
        for (int i = 0; i < 5; i++) {
            put(cache, s, KEY_A, "chat", chat(null, FAR[i][0]), "answer " + i);
        }
        assertThat(cache.entries()).isEqualTo(3);
        assertThat(lookup(cache, s, KEY_A, "chat", WireFormat.OPENAI, chat(null, FAR[0][0])).hit()).isNull();
        assertThat(text(lookup(cache, s, KEY_A, "chat", WireFormat.OPENAI, chat(null, FAR[4][0])))).isEqualTo("answer 4");
    }

    /**
     * The config's maxBytes bounds the semantic entries' bytes too: a flood of unique prompts with 64 KiB answers
     * under a 256 KiB bound keeps at most 256 KiB, the newest entries, however many entries maxSemanticEntries allows.
     */
    @Test
    void boundedByMaxBytesOldestFirst() throws Exception {
        long maxBytes = 256 * 1024;
        Snapshot s = snapshot(null, maxBytes, 10_000, fake.apiBase(), FakeEmbeddings.KEY);
        String big = "y".repeat(64 * 1024);
        for (int i = 0; i < FAR.length; i++) {
            put(cache, s, KEY_A, "chat", chat(null, FAR[i][1]), big + i);
            assertThat(cache.bytes()).as("after store %d", i).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(cache.entries()).as("three 64 KiB answers and their vectors fit in 256 KiB, four do not").isEqualTo(3);
        assertThat(cache.bytes()).isGreaterThan(3 * 64 * 1024);
        assertThat(lookup(cache, s, KEY_A, "chat", WireFormat.OPENAI, chat(null, FAR[0][1])).hit()).isNull();
        int last = FAR.length - 1;
        assertThat(text(lookup(cache, s, KEY_A, "chat", WireFormat.OPENAI, chat(null, FAR[last][1])))).isEqualTo(big + last);
        cache.purge(s, null, null).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void purgeByNamespaceAndGroup() throws Exception {
        Snapshot s = snapshot();
        ObjectNode q = chat(null, "What is the capital of France?");
        put(cache, s, KEY_A, "chat", q, "a");
        put(cache, s, KEY_B, "chat", q, "b");
        put(cache, s, KEY_A, "chat2", q.deepCopy().put("model", "chat2"), "c");
        assertThat(await(() -> cache.purge(s, "team-a", "chat"))).isEqualTo(1);
        assertThat(lookup(q).hit()).isNull();
        assertThat(text(lookup(cache, s, KEY_B, "chat", WireFormat.OPENAI, q))).isEqualTo("b");
        assertThat(await(() -> cache.purge(s, null, null))).isEqualTo(2);
        assertThat(cache.entries()).isZero();
    }

    // ---- Redis ------------------------------------------------------------------------------------------------------------

    @Test
    void replicasShareEntriesAndPurgesThroughRedis() throws Exception {
        try (RedisServer redis = RedisServer.start()) {
            Snapshot s = snapshot(redis.url(), 10_000, fake.apiBase(), FakeEmbeddings.KEY);
            SemanticCache first = newCache(PATIENT);
            SharedStore otherStore = new SharedStore(vertx);
            SemanticCache second = new SemanticCache(vertx, upstreams, recorder,
                    new BudgetInterceptor(otherStore, "closed", 4096, 1000), (id, t) -> true, otherStore, now::get, PATIENT);
            ObjectNode q = chat("Be brief.", "What is the capital of France?");
            assertThat(lookup(second, s, KEY_A, "chat", WireFormat.OPENAI, q).hit()).as("nothing yet").isNull();
            put(first, s, KEY_A, "chat", q, "Paris");
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> keys(redis).size() == 1);
            assertThat(keys(redis).get(0).toString()).startsWith("tollgate:ns/gw:cache:s:team-a:chat:");
            now.addAndGet(SemanticCache.REFRESH_MILLIS);
            SemanticCache.Lookup shared = lookup(second, s, KEY_A, "chat", WireFormat.OPENAI,
                    chat("Be brief.", "Tell me France's capital."));
            assertThat(text(shared)).as("stored by the other replica, found by a paraphrase").isEqualTo("Paris");
            assertThat(shared.hit().usage()).isEqualTo(new TokenUsage(10, 5, 0, 0));
            assertThat(second.entries()).isEqualTo(1);
            assertThat(lookup(second, s, KEY_B, "chat", WireFormat.OPENAI, q).hit()).as("another namespace").isNull();

            // a partition read whole with more entries than are decoded on the event loop (a worker decodes them)
            for (int i = 0; i < SemanticCache.INLINE_LOAD + 8; i++) {
                put(first, s, KEY_A, "chat", chat("Be brief.", "Tell me fact number " + (1000 + i)), "fact " + i);
            }
            int stored = SemanticCache.INLINE_LOAD + 9;
            String key = keys(redis).get(0).toString();
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5)).until(() -> await(() -> store
                    .redis(redis.url(), null).zcard(key)).toInteger() == stored);
            SemanticCache third = new SemanticCache(vertx, upstreams, recorder, budgets, (id, t) -> true,
                    new SharedStore(vertx), now::get, PATIENT);
            assertThat(text(lookup(third, s, KEY_A, "chat", WireFormat.OPENAI, chat("Be brief.", "Fact number 1017?"))))
                    .isEqualTo("fact 17");
            assertThat(third.entries()).isEqualTo(stored);

            assertThat(await(() -> second.purge(s, "team-a", null))).isEqualTo(stored);
            now.addAndGet(SemanticCache.REFRESH_MILLIS);
            assertThat(lookup(first, s, KEY_A, "chat", WireFormat.OPENAI, q).hit()).as("purged on the other replica")
                    .isNull();
            assertThat(first.entries()).isZero();
        }
    }

    /** The semantic partitions Redis holds. */
    private static io.vertx.redis.client.Response keys(RedisServer redis) throws Exception {
        return await(() -> new SharedStore(vertx).redis(redis.url(), null).keys("tollgate:ns/gw:cache:s:*"));
    }
}
