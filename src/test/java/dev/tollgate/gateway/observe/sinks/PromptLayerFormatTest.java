package dev.tollgate.gateway.observe.sinks;

import static dev.tollgate.gateway.observe.sinks.SinkSamples.API_KEY;
import static dev.tollgate.gateway.observe.sinks.SinkSamples.END_ISO;
import static dev.tollgate.gateway.observe.sinks.SinkSamples.START_ISO;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkRequest;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** PromptLayer's log-request, field by field against its reference, delivered to a fake of its endpoint. */
class PromptLayerFormatTest {
    static final Vertx VERTX = Vertx.vertx();
    static final HttpClient CLIENT = VERTX.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
    final PromptLayerFormat format = new PromptLayerFormat();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    static List<CallRecord> batch() {
        return List.of(SinkSamples.success(), SinkSamples.failure(), SinkSamples.cacheHit(), SinkSamples.rerouted());
    }

    static JsonNode body(SinkRequest req) {
        return Json.parse(req.body().getBytes());
    }

    @Test
    void aBatchIsOneLogRequestPerCallWithTheApiKeyHeader() {
        List<SinkRequest> requests = format.encode(batch(), SinkSamples.target("promptlayer", "https://pl.example/", true));

        assertThat(requests).hasSize(4).allSatisfy(req -> {
            assertThat(req.method()).isEqualTo("POST");
            assertThat(req.url()).isEqualTo("https://pl.example/log-request");
            assertThat(req.records()).isEqualTo(1);
            assertThat(SinkSamples.lower(req.headers())).containsEntry("x-api-key", API_KEY)
                    .containsEntry("content-type", "application/json").doesNotContainKey("authorization");
        });
    }

    @Test
    void aSuccessCarriesBlueprintsTimesTokensPriceTagsAndStringMetadata() {
        JsonNode log = body(format.encode(List.of(SinkSamples.success()),
                SinkSamples.target("promptlayer", "https://pl.example", true)).get(0));

        assertThat(log.get("provider").asText()).isEqualTo("openai");
        assertThat(log.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        JsonNode input = log.get("input");
        assertThat(input.get("type").asText()).isEqualTo("chat");
        assertThat(input.get("messages")).hasSize(2);
        assertThat(input.get("messages").get(0).get("role").asText()).isEqualTo("system");
        JsonNode userContent = input.get("messages").get(1).get("content");
        assertThat(userContent.isArray()).as("content blocks, not a plain string").isTrue();
        assertThat(userContent.get(0).get("type").asText()).isEqualTo("text");
        assertThat(userContent.get(0).get("text").asText()).isEqualTo("What is 2+2?");
        JsonNode output = log.get("output");
        assertThat(output.get("type").asText()).isEqualTo("chat");
        assertThat(output.get("messages").get(0).get("role").asText()).isEqualTo("assistant");
        assertThat(output.get("messages").get(0).get("content").get(0).get("text").asText()).isEqualTo("4");
        assertThat(log.get("request_start_time").asText()).isEqualTo(START_ISO);
        assertThat(log.get("request_end_time").asText()).isEqualTo(END_ISO);
        assertThat(log.get("parameters").get("max_tokens").asInt()).isEqualTo(64);
        assertThat(log.get("parameters").get("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(log.get("tags")).extracting(JsonNode::asText).containsExactly("cost-center:cc-42", "team:payments");
        assertThat(log.get("input_tokens").asLong()).isEqualTo(120);
        assertThat(log.get("output_tokens").asLong()).isEqualTo(30);
        assertThat(log.get("price").isBigDecimal()).as("an exact decimal, not a double").isTrue();
        assertThat(log.get("price").decimalValue()).isEqualByComparingTo("0.00153");
        assertThat(log.get("status").asText()).isEqualTo("SUCCESS");
        assertThat(log.has("error_type")).isFalse();
        JsonNode metadata = log.get("metadata");
        metadata.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual())
                .as("PromptLayer metadata values are strings: %s", e.getKey()).isTrue());
        assertThat(metadata.get("team").asText()).isEqualTo("payments");
        assertThat(metadata.get("tollgate.key").asText()).isEqualTo("team-a/checkout");
        assertThat(metadata.get("tollgate.request_id").asText()).isEqualTo("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b");
        assertThat(metadata.get("tollgate.cost_usd").asText()).isEqualTo("0.00153");
        assertThat(metadata.get("tollgate.cache").asText()).isEqualTo("MISS");
    }

    @Test
    void aFailureIsAnErrorWithItsCategoryACacheHitIsTollgatesAndARetryAWarning() {
        List<SinkRequest> requests = format.encode(List.of(SinkSamples.failure(), SinkSamples.cacheHit(),
                SinkSamples.rerouted()), SinkSamples.target("promptlayer", "https://pl.example", true));

        JsonNode failed = body(requests.get(0));
        assertThat(failed.get("status").asText()).isEqualTo("ERROR");
        assertThat(failed.get("error_type").asText()).isEqualTo("PROVIDER_RATE_LIMIT");
        assertThat(failed.get("error_message").asText()).isEqualTo("Rate limit reached for gpt-4o; retry after 20s");
        assertThat(failed.has("input_tokens")).isFalse();
        assertThat(failed.has("price")).isFalse();
        assertThat(failed.get("output").get("messages")).isEmpty();
        assertThat(failed.get("metadata").get("tollgate.status").asText()).isEqualTo("429");

        JsonNode hit = body(requests.get(1));
        assertThat(hit.get("provider").asText()).as("no provider answered a cache hit").isEqualTo("tollgate");
        assertThat(hit.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(hit.get("metadata").get("tollgate.cache").asText()).isEqualTo("HIT");
        assertThat(hit.get("price").decimalValue()).isEqualByComparingTo("0");

        JsonNode retried = body(requests.get(2));
        assertThat(retried.get("status").asText()).isEqualTo("WARNING");
        assertThat(retried.get("metadata").get("tollgate.rerouted").asText()).isEqualTo("true");
        assertThat(retried.get("metadata").get("tollgate.attempts").asText()).isEqualTo("2");
    }

    @Test
    void errorCategoriesFollowTheStatusAndType() {
        assertThat(PromptLayerFormat.errorType(withError(SinkSamples.failure(), 504, "timeout"))).isEqualTo("PROVIDER_TIMEOUT");
        assertThat(PromptLayerFormat.errorType(withError(SinkSamples.failure(), 401, "invalid_api_key")))
                .isEqualTo("PROVIDER_AUTH_ERROR");
        assertThat(PromptLayerFormat.errorType(withError(SinkSamples.failure(), 429, "budget_exceeded")))
                .isEqualTo("PROVIDER_QUOTA_LIMIT");
        assertThat(PromptLayerFormat.errorType(withError(SinkSamples.failure(), 502, "upstream_error")))
                .isEqualTo("PROVIDER_ERROR");
        assertThat(PromptLayerFormat.errorType(withError(SinkSamples.failure(), 400, "invalid_request_error")))
                .isEqualTo("UNKNOWN_ERROR");
    }

    static CallRecord withError(CallRecord r, int status, String type) {
        return new CallRecord(r.requestId(), r.traceId(), r.spanId(), r.parentSpanId(), r.sampled(),
                r.startEpochNanos(), r.endEpochNanos(), r.firstTokenNanos(), r.operation(), r.path(), r.ingress(),
                r.keyId(), r.keyNamespace(), r.keyAttributes(), r.budgets(), r.requestedModel(), r.model(),
                r.deploymentId(), r.provider(), r.upstreamModel(), r.responseModel(), r.responseId(), r.serverAddress(),
                r.serverPort(), r.stream(), r.requestParams(), status, type, "failed", null, null, null, null, null,
                null, List.of(), r.attempts(), r.request(), r.answer());
    }

    @Test
    void withoutContentInputAndOutputAreEmptyChats() {
        JsonNode log = body(format.encode(List.of(SinkSamples.success().withoutContent()),
                SinkSamples.target("promptlayer", "https://pl.example", false)).get(0));

        assertThat(log.get("input").get("type").asText()).isEqualTo("chat");
        assertThat(log.get("input").get("messages")).isEmpty();
        assertThat(log.get("output").get("messages")).isEmpty();
        assertThat(log.get("input_tokens").asLong()).isEqualTo(120);
        assertThat(log.toString()).doesNotContain("What is 2+2").doesNotContain("You are terse");
    }

    @Test
    void aCompletionPromptIsACompletionBlueprint() {
        CallRecord s = SinkSamples.cacheHit();
        CallRecord completion = s.withContent(Json.parse("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"Say hi\"}"),
                "{\"choices\":[{\"text\":\"hi\"}]}");
        JsonNode log = body(format.encode(List.of(completion),
                SinkSamples.target("promptlayer", "https://pl.example", true)).get(0));

        assertThat(log.get("input").get("type").asText()).isEqualTo("completion");
        assertThat(log.get("input").get("content").get(0).get("text").asText()).isEqualTo("Say hi");
        assertThat(log.get("output").get("type").asText()).isEqualTo("completion");
        assertThat(log.get("output").get("content").get(0).get("text").asText()).isEqualTo("hi");
    }

    @Test
    void theServiceTakesEveryLogAndRefusesAWrongKey() throws Exception {
        try (FakeSinkService promptLayer = FakeSinkService.promptLayer(VERTX, API_KEY)) {
            for (boolean content : new boolean[] {true, false}) {
                for (CallRecord r : batch()) {
                    SinkRequest req = format.encode(List.of(content ? r : r.withoutContent()),
                            SinkSamples.target("promptlayer", promptLayer.url(), content)).get(0);
                    SinkSamples.Answer answer = SinkSamples.send(CLIENT, req);
                    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
                    assertThat(Json.parse(answer.body().getBytes()).get("id").asInt()).isPositive();
                }
            }
            SinkRequest keyless = format.encode(batch(), SinkSamples.targetWithoutKey("promptlayer", promptLayer.url())).get(0);
            assertThat(SinkSamples.send(CLIENT, keyless).status()).isEqualTo(401);

            assertThat(promptLayer.received).hasSize(9);
            for (FakeSinkService.Received r : promptLayer.received) {
                SinkSamples.assertNoSecret(r.body().getBytes());
            }
        }
    }

    @Test
    void noBodyCarriesACredentialOrAKeyAndTheDefaultUrlIsPromptLayersApi() {
        for (SinkRequest req : format.encode(batch(), SinkSamples.target("promptlayer", "https://pl.example", true))) {
            SinkSamples.assertNoSecret(req.body().getBytes());
            assertThat(req.toString()).doesNotContain(API_KEY);
        }
        assertThat(format.encode(List.of(), SinkSamples.target("promptlayer", PromptLayerFormat.DEFAULT_URL, false))).isEmpty();
        assertThat(SinkFormats.defaultUrl(GatewayConfig.Sink.PROMPTLAYER)).isEqualTo("https://api.promptlayer.com");
    }
}
