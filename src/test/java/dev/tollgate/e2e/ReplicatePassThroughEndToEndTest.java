package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.budget.BudgetInterceptor;
import dev.tollgate.gateway.fakes.FakeReplicateNative;
import dev.tollgate.gateway.fakes.RecordedRequest;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Replicate's own API through the gateway's pass-through route ({@code /replicate/v1/...}) to
 * {@link FakeReplicateNative}: key auth, the model allowlist, rate limits, budgets priced per second of prediction
 * time, prediction ownership per key, the credential swap and header filtering.
 */
@QuarkusTest
@TestProfile(ReplicatePassThroughEndToEndTest.Upstream.class)
class ReplicatePassThroughEndToEndTest {
    static final String KEY = "sk-tg-replicate-pass-main-0123456789";
    static final String OTHER = "sk-tg-replicate-pass-other-012345678";
    static final String NARROW = "sk-tg-replicate-pass-narrow-01234567";
    static final String TIGHT = "sk-tg-replicate-pass-tight-012345678";
    static final String LIMITED = "sk-tg-replicate-pass-limited-0123456";
    static final String TOKEN = "r8_upstream-replicate-token-secret";
    static final String MODEL = "google-research/frame-interpolation";
    static FakeReplicateNative replicate;

    public static class Upstream implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            replicate = FakeReplicateNative.start(TOKEN);
            Path folder = StandaloneFolder.create("tollgate-replicate-pass", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: r}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {replicate: %s, main: %s, other: %s, narrow: %s, tight: %s, limited: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: roomy}
                    spec: {limit: "1000", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: Budget
                    metadata: {name: tight}
                    spec: {limit: "0.05", period: daily}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: main}
                    spec: {existingSecret: {name: creds, key: main}, budgetRefs: [roomy],
                           models: [replicate/google-research/frame-interpolation]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: other}
                    spec: {existingSecret: {name: creds, key: other}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: narrow}
                    spec: {existingSecret: {name: creds, key: narrow}, models: [sd]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: tight}
                    spec: {existingSecret: {name: creds, key: tight}, budgetRefs: [tight]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: limited}
                    spec: {existingSecret: {name: creds, key: limited}, limits: {rpm: 1}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: frame-interpolation}
                    spec: {modelName: replicate/google-research/frame-interpolation, provider: replicate,
                           model: google-research/frame-interpolation, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: replicate}, pricing: {perSecond: "0.001400"}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: sd}
                    spec: {modelName: sd, provider: replicate, model: stability-ai/stable-diffusion, apiBase: "%s",
                           credentialsSecretRef: {name: creds, key: replicate}, pricing: {perSecond: "0.001400"}}
                    """.formatted(TOKEN, KEY, OTHER, NARROW, TIGHT, LIMITED, replicate.baseUrl(), replicate.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/replicate/v1")
    URL base;

    @Inject
    BudgetInterceptor budgets;

    @Inject
    ConfigHolder holder;

    @Inject
    dev.tollgate.gateway.passthrough.PassThrough passThrough;

    final HttpClient http = HttpClient.newHttpClient();

    @BeforeEach
    void reset() {
        replicate.reset();
        replicate.predictTime("2.5");
    }

    static final String FRAMES = "{\"input\":{\"frame1\":\"https://example.com/a.png\",\"frame2\":\"https://example.com/b.png\","
            + "\"times_to_interpolate\":4}}";

    HttpResponse<String> send(String key, String method, String path, String body, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).header("authorization", "Bearer " + key)
                .header("content-type", "application/json")
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        for (int i = 0; i + 1 < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    long spent(String budget) throws Exception {
        long today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start().toEpochMilli();
        return budgets.ledger(holder.current()).spent("default/" + budget, today).toCompletionStage().toCompletableFuture()
                .get(5, TimeUnit.SECONDS);
    }

    /** Spend is settled when the request completes, just after its answer ended. */
    long spentAfter(String budget, long before) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        long now = spent(budget);
        while (now == before && System.nanoTime() < deadline) {
            Thread.sleep(20);
            now = spent(budget);
        }
        return now;
    }

    @Test
    void aCreateWithPreferWaitIsChargedItsPredictTimeAtThePerSecondPrice() throws Exception {
        replicate.predictTime("2.345678");
        long before = spent("roomy");
        HttpResponse<String> r = send(KEY, "POST", "/models/" + MODEL + "/predictions", FRAMES, "prefer", "wait");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode p = Json.parse(r.body());
        assertThat(p.path("status").asText()).isEqualTo("succeeded");
        assertThat(p.path("output").asText()).startsWith("https://replicate.delivery/"); // the provider's URL, as is
        // 2.345678 s × 1,400 micro-USD/s = 3,283.9492 → 3,284 micro-USD (rounded once, half up)
        assertThat(spentAfter("roomy", before) - before).isEqualTo(3_284);

        RecordedRequest upstream = replicate.lastRequest();
        assertThat(upstream.path()).isEqualTo("/v1/models/" + MODEL + "/predictions");
        assertThat(upstream.header("authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(upstream.header("prefer")).isEqualTo("wait");
        assertThat(upstream.body()).isEqualTo(FRAMES); // the body goes on as it came
        assertThat(upstream.headers().toString()).doesNotContain(KEY);
    }

    @Test
    void anAsyncCreateIsChargedUpFrontAndTheRestOnceWhenAPollFirstSeesItFinished() throws Exception {
        replicate.predictTime("100");
        long before = spent("roomy");
        HttpResponse<String> r = send(KEY, "POST", "/predictions", "{\"version\":\"" + MODEL + ":"
                + FakeReplicateNative.VERSION + "\"," + FRAMES.substring(1));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = Json.parse(r.body()).path("id").asText();
        assertThat(Json.parse(r.body()).path("status").asText()).isEqualTo("starting");
        assertThat(replicate.lastRequest().path()).isEqualTo("/v1/predictions");
        // still running: reserve-seconds (60 s × 1,400 micro-USD) charged at once, as the gateway may never see it end
        assertThat(spentAfter("roomy", before) - before).isEqualTo(84_000);

        HttpResponse<String> poll = send(KEY, "GET", "/predictions/" + id, null);
        assertThat(Json.parse(poll.body()).path("status").asText()).isEqualTo("processing");
        Thread.sleep(100);
        assertThat(spent("roomy") - before).as("nothing more while it runs").isEqualTo(84_000);
        poll = send(KEY, "GET", "/predictions/" + id, null);
        assertThat(Json.parse(poll.body()).path("status").asText()).isEqualTo("succeeded");
        long charged = spentAfter("roomy", before + 84_000) - before;
        assertThat(charged).isEqualTo(140_000); // 100 s × 1,400 micro-USD in all
        send(KEY, "GET", "/predictions/" + id, null);
        Thread.sleep(100);
        assertThat(spent("roomy") - before).as("charged once").isEqualTo(140_000);
    }

    @Test
    void anotherKeysPredictionIsNotFoundAndNeverReachesReplicate() throws Exception {
        HttpResponse<String> r = send(KEY, "POST", "/models/" + MODEL + "/predictions", FRAMES);
        String id = Json.parse(r.body()).path("id").asText();
        int calls = replicate.requests().size();
        assertThat(send(OTHER, "GET", "/predictions/" + id, null).statusCode()).isEqualTo(404);
        assertThat(send(OTHER, "POST", "/predictions/" + id + "/cancel", null).statusCode()).isEqualTo(404);
        assertThat(send(KEY, "GET", "/predictions/pnotmine0001", null).statusCode()).isEqualTo(404);
        assertThat(replicate.requests()).hasSize(calls);
        HttpResponse<String> own = send(KEY, "POST", "/predictions/" + id + "/cancel", null);
        assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
        assertThat(Json.parse(own.body()).path("status").asText()).isEqualTo("canceled");
    }

    @Test
    void aKeyWithoutTheModelIsRefusedAndAnUnknownModelIsNotFound() throws Exception {
        HttpResponse<String> r = send(NARROW, "POST", "/models/" + MODEL + "/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("model_not_allowed");
        r = send(KEY, "POST", "/models/someone/unknown-model/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("model_not_found");
        r = send("sk-tg-not-a-key-at-all-0123456789", "POST", "/models/" + MODEL + "/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(replicate.requests()).isEmpty();
    }

    @Test
    void aBudgetTooSmallForTheReservationRefusesTheCreate() throws Exception {
        // a create reserves 60 s × 1,400 micro-USD = 0.084 USD; the budget is 0.05
        HttpResponse<String> r = send(TIGHT, "POST", "/models/" + MODEL + "/predictions", FRAMES, "prefer", "wait");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("budget_exceeded");
        assertThat(Json.parse(r.body()).path("error").path("message").asText()).contains("0.084 USD")
                .contains("what the call may use").doesNotContain("max_tokens");
        assertThat(replicate.requests()).isEmpty();
    }

    @Test
    void theKeysRateLimitAppliesToPassThroughCalls() throws Exception {
        assertThat(send(LIMITED, "POST", "/models/" + MODEL + "/predictions", FRAMES).statusCode()).isEqualTo(201);
        HttpResponse<String> r = send(LIMITED, "POST", "/models/" + MODEL + "/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(r.headers().firstValue("retry-after")).isPresent();
        assertThat(replicate.requests()).hasSize(1);
    }

    @Test
    void providerErrorsPassThroughAndABadProviderCredentialIsTheGatewaysProblem() throws Exception {
        replicate.enqueue(Reply.error(422, "invalid", "Input validation failed").header("x-fake", "1"));
        HttpResponse<String> r = send(KEY, "POST", "/models/" + MODEL + "/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(422);
        assertThat(Json.parse(r.body()).path("detail").asText()).isEqualTo("Input validation failed");
        replicate.enqueue(Reply.error(401, "auth", "bad token"));
        r = send(KEY, "POST", "/models/" + MODEL + "/predictions", FRAMES);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(Json.parse(r.body()).path("error").path("code").asText()).isEqualTo("upstream_auth_failed");
    }

    @Test
    void routesOutsideThePredictionsApiAreRefusedWithoutReachingReplicate() throws Exception {
        assertThat(send(KEY, "GET", "/predictions", null).statusCode()).isEqualTo(405); // would list the account's
        assertThat(send(KEY, "GET", "/trainings", null).statusCode()).isEqualTo(404);
        assertThat(send(KEY, "POST", "/models/..%2F..%2Fevil/x/predictions", FRAMES).statusCode()).isIn(400, 404);
        assertThat(send(KEY, "POST", "/predictions", "{\"version\":\"https://evil.example/x\",\"input\":{}}").statusCode())
                .isEqualTo(400);
        assertThat(replicate.requests()).isEmpty();
    }

    @Test
    void hopByHopHeadersAndTheClientsCredentialsAreNotForwarded() throws Exception {
        String body = FRAMES;
        String request = "POST /replicate/v1/models/" + MODEL + "/predictions HTTP/1.1\r\n"
                + "Host: " + base.getHost() + ":" + base.getPort() + "\r\n"
                + "Authorization: Bearer " + KEY + "\r\n"
                + "x-api-key: " + KEY + "\r\n"
                + "Content-Type: application/json\r\n"
                + "Connection: keep-alive, x-drop-me\r\n"
                + "Keep-Alive: timeout=5\r\n"
                + "TE: trailers\r\n"
                + "Proxy-Authorization: Basic c2VjcmV0\r\n"
                + "x-drop-me: 1\r\n"
                + "x-kept: yes\r\n"
                + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + body;
        try (Socket s = new Socket(base.getHost(), base.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.UTF_8));
            out.flush();
            InputStream in = s.getInputStream();
            String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
            assertThat(head).isEqualTo("HTTP/1.1 201");
        }
        RecordedRequest upstream = replicate.lastRequest();
        assertThat(upstream.header("x-kept")).isEqualTo("yes");
        assertThat(upstream.header("x-drop-me")).isNull();
        assertThat(upstream.header("keep-alive")).isNull();
        assertThat(upstream.header("te")).isNull();
        assertThat(upstream.header("proxy-authorization")).isNull();
        assertThat(upstream.header("x-api-key")).isNull();
        assertThat(upstream.header("authorization")).isEqualTo("Bearer " + TOKEN);
        assertThat(upstream.headers().toString()).doesNotContain(KEY);
    }

    @Test
    void replicatesOlderTokenAuthStyleIsAccepted() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(base + "/models/" + MODEL + "/predictions"))
                .header("authorization", "Token " + OTHER).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(FRAMES)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        assertThat(replicate.lastRequest().header("authorization")).isEqualTo("Bearer " + TOKEN);
    }

    @Test
    void theGatewaysPassThroughRoutesAreTheRegistrysPassThroughProviders() {
        assertThat(passThrough.providers()).containsExactlyInAnyOrderElementsOf(java.util.Arrays.stream(
                dev.tollgate.config.Provider.values()).filter(dev.tollgate.config.Provider::passThrough)
                .map(dev.tollgate.config.Provider::wireName).toList());
    }
}
