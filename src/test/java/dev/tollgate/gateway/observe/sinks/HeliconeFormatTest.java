package dev.tollgate.gateway.observe.sinks;

import static dev.tollgate.gateway.observe.sinks.SinkSamples.API_KEY;
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

/** Helicone's custom logging, field by field against its documented body, delivered to a fake of its endpoint. */
class HeliconeFormatTest {
    static final Vertx VERTX = Vertx.vertx();
    static final HttpClient CLIENT = VERTX.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
    final HeliconeFormat format = new HeliconeFormat();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    static List<CallRecord> batch() {
        return List.of(SinkSamples.success(), SinkSamples.failure(), SinkSamples.cacheHit());
    }

    static JsonNode body(SinkRequest req) {
        return Json.parse(req.body().getBytes());
    }

    @Test
    void aBatchIsOneLogPerCall() {
        List<SinkRequest> requests = format.encode(batch(), SinkSamples.target("helicone", "https://helicone.example", true));

        assertThat(requests).hasSize(3).allSatisfy(req -> {
            assertThat(req.method()).isEqualTo("POST");
            assertThat(req.url()).isEqualTo("https://helicone.example/custom/v1/log");
            assertThat(req.records()).isEqualTo(1);
            assertThat(SinkSamples.lower(req.headers())).containsEntry("authorization", "Bearer " + API_KEY)
                    .containsEntry("content-type", "application/json")
                    .containsEntry("x-team-tag", "observability-plain-header");
        });
    }

    @Test
    void aSuccessCarriesTheModelMessagesUsageAnswerTimingAndProperties() {
        JsonNode log = body(format.encode(List.of(SinkSamples.success()),
                SinkSamples.target("helicone", "https://helicone.example", true)).get(0));

        JsonNode request = log.get("providerRequest");
        assertThat(request.get("url").asText()).isEqualTo("custom-model-nopath");
        JsonNode json = request.get("json");
        assertThat(json.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(json.get("messages")).hasSize(2);
        assertThat(json.get("messages").get(1).get("role").asText()).isEqualTo("user");
        assertThat(json.get("messages").get(1).get("content").asText()).isEqualTo("What is 2+2?");
        assertThat(json.get("max_tokens").asInt()).isEqualTo(64);
        assertThat(json.get("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(json.get("stream").asBoolean()).isTrue();

        JsonNode meta = request.get("meta");
        assertThat(meta.get("Helicone-Request-Id").asText()).isEqualTo("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b");
        assertThat(meta.get("Helicone-User-Id").asText()).isEqualTo("team-a/checkout");
        assertThat(meta.get("Helicone-Property-team").asText()).isEqualTo("payments");
        assertThat(meta.get("Helicone-Property-cost-center").asText()).isEqualTo("cc-42");
        assertThat(meta.get("Helicone-Property-Tollgate-Cost-Usd").asText()).isEqualTo("0.00153");
        assertThat(meta.get("Helicone-Property-Tollgate-Cache").asText()).isEqualTo("MISS");
        assertThat(meta.get("Helicone-Property-Tollgate-Key").asText()).isEqualTo("team-a/checkout");
        assertThat(meta.get("Helicone-Property-Tollgate-Trace-Id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(meta.get("Helicone-Property-Tollgate-Deployment").asText()).isEqualTo("team-a/gpt-4o-east");
        assertThat(meta.get("Helicone-Property-Tollgate-Budgets").asText()).isEqualTo("team-a/monthly");
        meta.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual()).isTrue());

        JsonNode response = log.get("providerResponse");
        assertThat(response.get("status").asInt()).isEqualTo(200);
        assertThat(response.get("headers").isObject()).isTrue();
        JsonNode answer = response.get("json");
        assertThat(answer.get("id").asText()).isEqualTo("chatcmpl-42");
        assertThat(answer.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(answer.get("choices").get(0).get("message").get("content").asText()).isEqualTo("4");
        assertThat(answer.get("choices").get(0).get("finish_reason").asText()).isEqualTo("stop");
        assertThat(answer.get("usage").get("prompt_tokens").asLong()).isEqualTo(120);
        assertThat(answer.get("usage").get("completion_tokens").asLong()).isEqualTo(30);
        assertThat(answer.get("usage").get("total_tokens").asLong()).isEqualTo(150);

        JsonNode timing = log.get("timing");
        assertThat(timing.get("startTime").get("seconds").asLong()).isEqualTo(1_764_932_400L);
        assertThat(timing.get("startTime").get("milliseconds").asLong()).isEqualTo(123);
        assertThat(timing.get("endTime").get("seconds").asLong()).isEqualTo(1_764_932_401L);
        assertThat(timing.get("endTime").get("milliseconds").asLong()).isEqualTo(623);
        assertThat(timing.get("timeToFirstToken").asLong()).isEqualTo(250);
    }

    @Test
    void aFailureCarriesItsStatusAndErrorAndACacheHitItsProperty() {
        List<SinkRequest> requests = format.encode(List.of(SinkSamples.failure(), SinkSamples.cacheHit()),
                SinkSamples.target("helicone", "https://helicone.example", true));

        JsonNode failed = body(requests.get(0));
        assertThat(failed.get("providerResponse").get("status").asInt()).isEqualTo(429);
        JsonNode error = failed.get("providerResponse").get("json").get("error");
        assertThat(error.get("message").asText()).isEqualTo("Rate limit reached for gpt-4o; retry after 20s");
        assertThat(error.get("type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(failed.get("providerResponse").get("json").has("usage")).isFalse();
        assertThat(failed.get("providerRequest").get("meta").get("Helicone-Property-Tollgate-Error-Type").asText())
                .isEqualTo("rate_limit_exceeded");
        assertThat(failed.get("providerRequest").get("meta").has("Helicone-Property-Tollgate-Cost-Usd")).isFalse();

        JsonNode hit = body(requests.get(1));
        JsonNode meta = hit.get("providerRequest").get("meta");
        assertThat(meta.get("Helicone-Property-Tollgate-Cache").asText()).isEqualTo("HIT");
        assertThat(meta.get("Helicone-Property-Tollgate-Cost-Usd").asText()).isEqualTo("0.00");
        assertThat(meta.has("Helicone-Property-Tollgate-Provider")).isFalse();
        assertThat(hit.get("providerRequest").get("json").get("model").asText()).isEqualTo("gpt-4o");
        assertThat(hit.get("timing").get("endTime").get("milliseconds").asLong()).isEqualTo(126);
    }

    @Test
    void withoutContentTheRequestIsTheModelAndTheResponseTheUsage() {
        JsonNode log = body(format.encode(List.of(SinkSamples.success().withoutContent()),
                SinkSamples.target("helicone", "https://helicone.example", false)).get(0));

        JsonNode json = log.get("providerRequest").get("json");
        assertThat(json.get("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(json.has("messages")).isFalse();
        JsonNode answer = log.get("providerResponse").get("json");
        assertThat(answer.has("choices")).isFalse();
        assertThat(answer.get("usage").get("prompt_tokens").asLong()).isEqualTo(120);
        assertThat(log.toString()).doesNotContain("What is 2+2").doesNotContain("You are terse");
    }

    @Test
    void aRequestIdHeliconeWouldNotKeepBecomesAStableUuid() {
        String id = HeliconeFormat.heliconeRequestId("client-given-id-7");
        assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-3[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")
                .isEqualTo(HeliconeFormat.heliconeRequestId("client-given-id-7"));
        assertThat(HeliconeFormat.heliconeRequestId("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b"))
                .isEqualTo("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b");
    }

    @Test
    void theServiceTakesEveryLogAndRefusesAMissingKey() throws Exception {
        try (FakeSinkService helicone = FakeSinkService.helicone(VERTX, API_KEY)) {
            for (boolean content : new boolean[] {true, false}) {
                for (CallRecord r : batch()) {
                    CallRecord record = content ? r : r.withoutContent();
                    SinkRequest req = format.encode(List.of(record),
                            SinkSamples.target("helicone", helicone.url(), content)).get(0);
                    SinkSamples.Answer answer = SinkSamples.send(CLIENT, req);
                    assertThat(answer.status()).as(answer.body().toString()).isEqualTo(200);
                    assertThat(answer.body().toString()).isEqualTo("ok");
                }
            }
            SinkRequest keyless = format.encode(batch(), SinkSamples.targetWithoutKey("helicone", helicone.url())).get(0);
            SinkSamples.Answer refused = SinkSamples.send(CLIENT, keyless);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(format.retryable(refused.status())).isFalse();

            assertThat(helicone.received).hasSize(7);
            for (FakeSinkService.Received r : helicone.received) {
                SinkSamples.assertNoSecret(r.body().getBytes());
            }
        }
    }

    @Test
    void noBodyCarriesACredentialOrAKeyAndTheDefaultUrlIsHeliconesWorker() {
        for (SinkRequest req : format.encode(batch(), SinkSamples.target("helicone", "https://helicone.example", true))) {
            SinkSamples.assertNoSecret(req.body().getBytes());
            assertThat(req.toString()).doesNotContain(API_KEY);
        }
        assertThat(format.encode(List.of(), SinkSamples.target("helicone", HeliconeFormat.DEFAULT_URL, false))).isEmpty();
        assertThat(SinkFormats.defaultUrl(GatewayConfig.Sink.HELICONE)).isEqualTo("https://api.worker.helicone.ai");
    }
}
