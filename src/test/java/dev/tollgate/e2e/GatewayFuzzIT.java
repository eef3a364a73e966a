package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;

/**
 * Property-based fuzzing of a running standalone gateway (the packaged jar, started once for the class, serving mock
 * models): generated malformed and adversarial requests on every endpoint (JSON mutations of valid bodies: wrong
 * types, missing and extra fields, huge and negative numbers, deep nesting; bad UTF-8 bytes, truncated JSON; random
 * Content-Types, headers, paths and methods). Every answer must be a 2xx or a 4xx, every 4xx must carry an error body
 * in its endpoint's shape (OpenAI's, or Anthropic's on /v1/messages), and no answer may show a secret. After the run
 * the gateway must still serve a good request, its log must hold no secret, and its usage report must show that only
 * requests that reached the model took a rate-limit slot and that the spend is exactly what the 2xx answers cost.
 *
 * <p>Bounded: {@value #TRIES} tries over one process (a few seconds); run by failsafe in {@code verify}, after the
 * jar is built. jqwik is a JUnit Platform engine: failsafe and surefire run it next to Jupiter.
 */
class GatewayFuzzIT {
    static final int TRIES = 600;
    static final String KEY = "sk-tg-fuzz-key-0123456789abcdef0123";
    /** A provider credential in the manifests: loaded by the gateway, never to be shown. */
    static final String PROVIDER_SECRET = "sk-provider-fuzz-secret-9f8e7d6c5b4a";
    static final ObjectMapper JSON = new ObjectMapper();
    static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    static Process gateway;
    static Path log;
    static int port;
    static int managementPort;
    static final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10)).build();

    /** Answers that went through routing to a model (x-tollgate-deployment set): the only ones that may take a slot. */
    static final AtomicInteger routed = new AtomicInteger();
    static final AtomicInteger succeeded = new AtomicInteger();
    /** The sum of x-tollgate-cost over the answers, in micro-USD. */
    static final AtomicLong chargedMicros = new AtomicLong();
    static final Map<Integer, AtomicInteger> statuses = new java.util.concurrent.ConcurrentSkipListMap<>();

    @BeforeContainer
    static void start() throws Exception {
        Path jar = Path.of("target/quarkus-app/quarkus-run.jar");
        assertThat(jar).as("the packaged application (mvn package runs before this test)").exists();
        Path work = Files.createTempDirectory("tollgate-fuzz");
        Path folder = Files.createDirectories(work.resolve("manifests"));
        // priced so a cost is whole micro-USD per token: 1 per input token, 2 per output token
        Files.writeString(folder.resolve("all.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: fuzz}
                spec: {}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                stringData: {main: %s}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: provider, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {apiKey: %s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: fuzz}
                spec: {limit: "1000.00", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: main}
                spec: {existingSecret: {name: keys, key: main}, budgetRefs: [fuzz], limits: {rpm: 1000000}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: mock}
                spec:
                  modelName: mock-gpt
                  provider: mock
                  model: mock-gpt
                  credentialsSecretRef: {name: provider, key: apiKey}
                  mock: {outputTokens: 4}
                  pricing: {inputPerMillion: "1", outputPerMillion: "2", perImage: "0.00001"}
                """.formatted(KEY, PROVIDER_SECRET));
        port = freePort();
        managementPort = freePort();
        log = work.resolve("gateway.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        gateway = new ProcessBuilder(java, "-Xmx256m", "--add-opens", "java.base/java.lang=ALL-UNNAMED",
                "-Dquarkus.http.port=" + port, "-Dquarkus.management.port=" + managementPort,
                "-Dtollgate.gateway.max-body-bytes=262144",
                "-jar", jar.toAbsolutePath().toString(), "standalone", folder.toString())
                .directory(work.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (status(send("GET", "/health/readiness", Map.of(), null)) != 200) {
            assertThat(gateway.isAlive()).as("gateway process alive: %s", readLog()).isTrue();
            assertThat(System.nanoTime()).as("gateway ready within 120 s: %s", readLog()).isLessThan(deadline);
            Thread.sleep(200);
        }
    }

    @AfterContainer
    static void stop() throws Exception {
        try {
            afterTheRun();
        } finally {
            if (gateway != null && gateway.isAlive()) {
                gateway.destroyForcibly();
                gateway.waitFor(30, TimeUnit.SECONDS);
            }
        }
    }

    /** What must hold once every generated request was answered. */
    static void afterTheRun() throws Exception {
        System.out.printf("GatewayFuzzIT: answers by status %s; %d routed to the model, %d served%n", statuses,
                routed.get(), succeeded.get());
        assertThat(gateway.isAlive()).as("the gateway is still running: %s", readLog()).isTrue();
        var good = send("POST", "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY,
                "content-type", "application/json"), ("{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\","
                        + "\"content\":\"still there?\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(status(good)).as("a good request after the run: %s", good == null ? null : good.body()).isEqualTo(200);
        count(good);

        JsonNode report = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
                + "/tollgate/usage")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString()).body());
        JsonNode key = report.path("keys").path("default/main");
        assertThat(key.path("rpm").asLong(-1)).as("rate-limit slots taken (%s), one per request that reached the model; "
                + "statuses %s", key, statuses).isEqualTo(routed.get());
        long spend = 0;
        for (JsonNode b : report.path("budgets")) {
            spend += b.path("spendMicros").asLong();
        }
        assertThat(spend).as("budget spend = the sum of x-tollgate-cost of the answers (%d ok of %d routed)",
                succeeded.get(), routed.get()).isEqualTo(chargedMicros.get());
        assertThat(key.path("spendMicros").asLong()).isEqualTo(chargedMicros.get());
        assertThat(succeeded.get()).as("some generated requests were good enough to be served").isGreaterThan(0);

        String all = Files.readString(log);
        assertThat(all).as("gateway log").doesNotContain(KEY).doesNotContain(PROVIDER_SECRET);
        assertThat(all).as("gateway log: no request failed inside the gateway").doesNotContain("failed inside the gateway");
    }

    // ---- the property ---------------------------------------------------------------------------------------------

    @Property(tries = TRIES, shrinking = ShrinkingMode.BOUNDED)
    void everyAnswerIsA2xxOrAShaped4xx(@ForAll("requests") Fuzzed r) throws Exception {
        HttpResponse<String> response = send(r.method(), r.path(), r.headers(), r.body());
        assertThat(response).as("an answer (the gateway neither hung nor dropped the connection) to %s", r).isNotNull();
        int s = response.statusCode();
        count(response);
        String body = response.body();
        assertThat(body).as("no secret in the answer").doesNotContain(KEY).doesNotContain(PROVIDER_SECRET);
        assertThat(s).as("2xx or 4xx for %s: %s", r, body).satisfiesAnyOf(
                x -> assertThat(x).isBetween(200, 299), x -> assertThat(x).isBetween(400, 499));
        if (s >= 400) { // 431 / 414 too: the gateway's own head limits answer them with a body (README)
            JsonNode json = JSON.readTree(body);
            boolean anthropic = normalized(r.path()).endsWith("/messages")
                    || (!isApiPath(r.path()) && r.headers().containsKey("anthropic-version"));
            if (anthropic) {
                assertThat(json.path("type").asText()).as("Anthropic error shape: %s", body).isEqualTo("error");
                assertThat(json.path("error").path("type").isTextual()).as(body).isTrue();
                assertThat(json.path("error").path("message").asText()).as(body).isNotBlank();
            } else {
                assertThat(json.path("error").path("message").asText()).as("OpenAI error shape: %s", body).isNotBlank();
                assertThat(json.path("error").path("type").isTextual()).as(body).isTrue();
                assertThat(json.path("error").has("param")).as(body).isTrue();
                assertThat(json.path("error").has("code")).as(body).isTrue();
            }
        }
    }

    /**
     * Found by this class: max_tokens × n beyond a long overflowed the budget's bound (500). Such values are refused
     * by validation now (400 naming max_tokens or n, before any cost); the largest valid ones are over budget: 429.
     */
    @net.jqwik.api.Example
    void anOutputLimitBeyondWhatFitsIsRefusedNotA500() throws Exception {
        for (String body : new String[] {
                "{\"model\":\"mock-gpt\",\"max_tokens\":9223372036854775807,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "{\"model\":\"mock-gpt\",\"max_tokens\":4294967296,\"n\":4294967296,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"}) {
            var r = send("POST", "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY,
                    "content-type", "application/json"), body.getBytes(StandardCharsets.UTF_8));
            count(r);
            assertThat(status(r)).as(r.body()).isEqualTo(400);
            assertThat(JSON.readTree(r.body()).path("error").path("param").asText()).as(r.body()).isIn("max_tokens", "n");
        }
        var r = send("POST", "/v1/chat/completions", Map.of("authorization", "Bearer " + KEY,
                "content-type", "application/json"), ("{\"model\":\"mock-gpt\",\"max_tokens\":2147483647,\"n\":128,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8));
        count(r);
        assertThat(status(r)).as(r.body()).isEqualTo(429);
        assertThat(JSON.readTree(r.body()).path("error").path("code").asText()).isEqualTo("budget_exceeded");
    }

    static void count(HttpResponse<String> response) {
        statuses.computeIfAbsent(response.statusCode(), k -> new AtomicInteger()).incrementAndGet();
        if (response.headers().firstValue("x-tollgate-deployment").isPresent()) {
            routed.incrementAndGet();
        }
        if (response.statusCode() / 100 == 2 && response.uri().getPath().contains("models") == false) {
            succeeded.incrementAndGet();
        }
        response.headers().firstValue("x-tollgate-cost")
                .ifPresent(c -> chargedMicros.addAndGet(new BigDecimal(c).movePointRight(6).longValueExact()));
    }

    // ---- generated requests ---------------------------------------------------------------------------------------

    /** One generated request. */
    record Fuzzed(String method, String path, Map<String, String> headers, byte[] body) {
        @Override
        public String toString() {
            String shown = body == null ? "no body" : new String(body, 0, Math.min(body.length, 300), StandardCharsets.UTF_8)
                    + (body.length > 300 ? "... (" + body.length + " bytes)" : "");
            return method + " " + path + " " + headers.keySet() + " " + shown;
        }
    }

    static final List<String> API = List.of("/v1/chat/completions", "/v1/completions", "/v1/embeddings",
            "/v1/images/generations", "/v1/messages", "/v1/models", "/chat/completions", "/messages");

    /** Whether the path, normalised as the server does it, is one the API serves. */
    static boolean isApiPath(String path) {
        String p = normalized(path);
        String unprefixed = p.startsWith("/v1/") ? p.substring(3) : p; // every path is served without /v1 too
        return List.of("/chat/completions", "/completions", "/embeddings", "/images/generations", "/messages", "/models")
                .contains(unprefixed) || unprefixed.matches("/models/[^/]+");
    }

    /**
     * RFC 3986 normalisation, as Vert.x' normalizedPath does it: percent-encoded unreserved characters decoded
     * ("%2e" is "."), then dot segments removed ("/health/../v1/models" is /v1/models); "%2F" stays no separator.
     */
    static String normalized(String path) {
        StringBuilder decoded = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length()) {
                int v = Integer.parseInt(path.substring(i + 1, i + 3), 16);
                if (Character.isLetterOrDigit(v) && v < 128 || v == '-' || v == '.' || v == '_' || v == '~') {
                    decoded.append((char) v);
                    i += 2;
                    continue;
                }
            }
            decoded.append(c);
        }
        return URI.create(decoded.toString()).normalize().getRawPath();
    }

    /** A valid body for each endpoint: the mutations start from these. */
    static ObjectNode valid(String path) {
        ObjectNode b = NODES.objectNode().put("model", "mock-gpt");
        if (path.endsWith("/chat/completions")) {
            b.putArray("messages").addObject().put("role", "user").put("content", "hello there");
            b.put("max_tokens", 8).put("temperature", 0.5);
        } else if (path.endsWith("/completions")) {
            b.put("prompt", "once upon a time").put("max_tokens", 8);
        } else if (path.endsWith("/embeddings")) {
            b.put("input", "embed me");
        } else if (path.endsWith("/images/generations")) {
            b.put("prompt", "a lighthouse").put("n", 1).put("size", "256x256");
        } else if (path.endsWith("/messages")) {
            b.put("max_tokens", 16).putArray("messages").addObject().put("role", "user").put("content", "hi");
        }
        return b;
    }

    @Provide
    Arbitrary<Fuzzed> requests() {
        Arbitrary<String> path = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(12, Arbitraries.of(API)),
                net.jqwik.api.Tuple.of(1, Arbitraries.strings().withChars("abcxyz/-._~0123").ofMaxLength(40)
                        .map(s -> "/" + s)),
                net.jqwik.api.Tuple.of(1, Arbitraries.of("/v1/models/mock-gpt", "/v1/models/nope", "/v1/", "/v2/chat",
                        "/v1/chat/completions/extra", "/health/../v1/models", "/V1/CHAT/COMPLETIONS", "/v1/%2e%2e/models",
                        "/v1/chat%2Fcompletions", "/%00", "/v1/models/%ff%fe", "/v1/models/" + "m".repeat(3000))));
        Arbitrary<String> method = Arbitraries.frequency(net.jqwik.api.Tuple.of(24, "POST"), net.jqwik.api.Tuple.of(3, "GET"),
                net.jqwik.api.Tuple.of(1, "PUT"), net.jqwik.api.Tuple.of(1, "DELETE"), net.jqwik.api.Tuple.of(1, "PATCH"),
                net.jqwik.api.Tuple.of(1, "OPTIONS"));
        Arbitrary<List<Mutation>> mutations = mutation().list().ofMaxSize(4);
        Arbitrary<ByteDamage> damage = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(8, Arbitraries.just(new ByteDamage(0, 0))),
                net.jqwik.api.Tuple.of(2, Combinators.combine(Arbitraries.integers().between(1, 4),
                        Arbitraries.integers().between(0, 10_000)).as(ByteDamage::new)));
        Arbitrary<String> contentType = Arbitraries.of("application/json", "application/json; charset=utf-8",
                "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/plain", "",
                "application/json; charset=utf-16", "garbage/%%;;==", "application/xml");
        Arbitrary<Map<String, String>> extra = Arbitraries.maps(
                Arbitraries.of("x-request-id", "anthropic-version", "accept", "accept-encoding", "x-foo", "anthropic-beta",
                        "openai-organization", "x-stainless-retry-count", "user-agent", "x-tollgate-deployment"),
                Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(10, Arbitraries.strings().ascii().ofMaxLength(60)
                                .map(s -> s.replaceAll("[\\x00-\\x1f\\x7f]", ""))),
                        net.jqwik.api.Tuple.of(1, Arbitraries.just("x".repeat(30_000))))).ofMaxSize(3)
                .filter(m -> m.values().stream().noneMatch(v -> v.length() > 1000) || Math.floorMod(m.hashCode(), 4) == 0);
        Arbitrary<Integer> auth = Arbitraries.frequency(net.jqwik.api.Tuple.of(12, 0), net.jqwik.api.Tuple.of(1, 1),
                net.jqwik.api.Tuple.of(1, 2), net.jqwik.api.Tuple.of(1, 3));
        return Combinators.combine(path, method, mutations, damage, contentType, extra, auth)
                .as((p, m, muts, dmg, ct, ex, a) -> {
                    boolean withBody = !m.equals("GET");
                    Map<String, String> headers = new LinkedHashMap<>();
                    boolean anthropic = p.endsWith("/messages");
                    switch (a) {
                        case 0 -> headers.put(anthropic ? "x-api-key" : "authorization", anthropic ? KEY : "Bearer " + KEY);
                        case 1 -> headers.put("authorization", "Bearer sk-wrong-" + KEY.length());
                        case 2 -> headers.put("authorization", "Basic " + KEY.length());
                        default -> { } // none
                    }
                    if (anthropic) {
                        headers.put("anthropic-version", "2023-06-01");
                    }
                    ex.forEach(headers::putIfAbsent);
                    byte[] body = null;
                    if (withBody) {
                        if (!ct.isEmpty()) {
                            headers.put("content-type", ct);
                        }
                        ObjectNode tree = valid(p);
                        Map<String, String> raw = new LinkedHashMap<>();
                        for (Mutation mu : muts) {
                            mu.apply(tree, raw);
                        }
                        String text = tree.toString();
                        for (var e : raw.entrySet()) {
                            text = text.replace("\"" + e.getKey() + "\"", e.getValue());
                        }
                        body = dmg.apply(text.getBytes(StandardCharsets.UTF_8));
                    }
                    return new Fuzzed(m, p, headers, body);
                });
    }

    /** A change to the JSON tree: a field (top level or nested) given a hostile value, removed, or added. */
    record Mutation(int kind, int where, int value) {
        void apply(ObjectNode tree, Map<String, String> raw) {
            List<ObjectNode> objects = new ArrayList<>();
            collect(tree, objects);
            ObjectNode target = objects.get(Math.floorMod(where, objects.size()));
            List<String> names = new ArrayList<>();
            target.fieldNames().forEachRemaining(names::add);
            // the spend invariant needs every 2xx to carry its cost: streams (which do not) are not generated
            names.removeIf(n -> n.equals("stream") || n.equals("stream_options"));
            switch (kind) {
                case 0 -> { // replace a value
                    if (!names.isEmpty()) {
                        target.set(names.get(Math.floorMod(value, names.size())), hostile(value, raw));
                    }
                }
                case 1 -> { // remove a field
                    if (!names.isEmpty()) {
                        target.remove(names.get(Math.floorMod(where + value, names.size())));
                    }
                }
                default -> target.set(List.of("n", "max_tokens", "top_p", "tools", "extra_field", "input", "messages",
                        "system", "metadata", "dimensions", "user", "max_completion_tokens", "temperature")
                        .get(Math.floorMod(value, 13)), hostile(value / 13, raw));
            }
        }

        private static void collect(JsonNode node, List<ObjectNode> out) {
            if (node instanceof ObjectNode o) {
                out.add(o);
            }
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                collect(it.next(), out);
            }
        }

        /** A value a client should not send: wrong types, huge or negative numbers, deep nesting, long strings. */
        private static JsonNode hostile(int v, Map<String, String> raw) {
            return switch (Math.floorMod(v, 16)) {
                case 0 -> NODES.textNode("many");
                case 1 -> NODES.numberNode(-5);
                case 2 -> NODES.numberNode(0);
                case 3 -> NODES.nullNode();
                case 4 -> NODES.booleanNode(true);
                case 5 -> NODES.objectNode().put("role", "user");
                case 6 -> NODES.arrayNode().add(1).add("x").addNull();
                case 7 -> rawValue(raw, "1e999999");
                case 8 -> rawValue(raw, "1" + "0".repeat(99)); // a 100-digit integer
                case 9 -> rawValue(raw, "-9223372036854775809");
                case 10 -> rawValue(raw, "[".repeat(300 + Math.floorMod(v, 7) * 1000) + "]".repeat(300 + Math.floorMod(v, 7) * 1000));
                case 11 -> NODES.textNode("x".repeat(Math.floorMod(v, 5) * 20_000));
                case 12 -> {
                    ArrayNode a = NODES.arrayNode();
                    for (int i = 0; i < 5_000; i++) {
                        a.add(i);
                    }
                    yield a;
                }
                case 13 -> NODES.numberNode(Long.MAX_VALUE);
                case 14 -> NODES.numberNode(2.5);
                default -> NODES.textNode("\u0000\uFFFF\uD83D\uDE00 é");
            };
        }

        private static JsonNode rawValue(Map<String, String> raw, String json) {
            String placeholder = "__raw_" + raw.size() + "__";
            raw.put(placeholder, json);
            return NODES.textNode(placeholder);
        }
    }

    Arbitrary<Mutation> mutation() {
        return Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 1000),
                Arbitraries.integers().between(0, 10_000)).as(Mutation::new);
    }

    /** Byte-level damage: none (0), truncation (1), a bad UTF-8 byte (2), a UTF-8 BOM-less UTF-16 body (3), no body (4). */
    record ByteDamage(int kind, int at) {
        byte[] apply(byte[] json) {
            return switch (kind) {
                case 1 -> java.util.Arrays.copyOf(json, Math.floorMod(at, json.length));
                case 2 -> {
                    byte[] out = json.clone();
                    out[Math.floorMod(at, out.length)] = (byte) (0xC0 | at % 2 * 0x3F); // 0xC0 or 0xFF
                    yield out;
                }
                case 3 -> new String(json, StandardCharsets.UTF_8).getBytes(StandardCharsets.UTF_16LE);
                case 4 -> new byte[0];
                default -> json;
            };
        }
    }

    // ---- HTTP ---------------------------------------------------------------------------------------------------

    /**
     * Sends the request; on an I/O error once more. Netty answers an oversized header (431) and closes the connection
     * without saying {@code Connection: close}, so the client may pick that closed connection for the next request: a
     * second failure is the gateway's.
     */
    static HttpResponse<String> send(String method, String path, Map<String, String> headers, byte[] body)
            throws InterruptedException {
        HttpResponse<String> r = sendOnce(method, path, headers, body);
        return r != null ? r : sendOnce(method, path, headers, body);
    }

    static HttpResponse<String> sendOnce(String method, String path, Map<String, String> headers, byte[] body)
            throws InterruptedException {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(Duration.ofSeconds(20))
                    .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                            : HttpRequest.BodyPublishers.ofByteArray(body));
            headers.forEach(b::header);
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return null;
        }
    }

    static int status(HttpResponse<String> r) {
        return r == null ? -1 : r.statusCode();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    static String readLog() {
        try {
            String s = Files.readString(log);
            return s.length() > 4000 ? s.substring(s.length() - 4000) : s;
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
