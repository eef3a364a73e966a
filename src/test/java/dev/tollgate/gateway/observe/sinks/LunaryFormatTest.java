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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** Lunary's run ingestion, field by field against its Event schema, delivered to a fake that follows its API. */
class LunaryFormatTest {
    static final Vertx VERTX = Vertx.vertx();
    static final HttpClient CLIENT = VERTX.createHttpClient(new HttpClientOptions().setProtocolVersion(HttpVersion.HTTP_1_1));
    final LunaryFormat format = new LunaryFormat();

    @AfterAll
    static void close() {
        VERTX.close();
    }

    static List<CallRecord> batch() {
        return List.of(SinkSamples.success(), SinkSamples.failure(), SinkSamples.cacheHit());
    }

    @Test
    void aBatchIsOneIngestWithAStartAndAnEndOrErrorPerCall() {
        List<SinkRequest> requests = format.encode(batch(), SinkSamples.target("lunary", "https://lunary.example/", true));

        assertThat(requests).hasSize(1);
        SinkRequest req = requests.get(0);
        assertThat(req.method()).isEqualTo("POST");
        assertThat(req.url()).isEqualTo("https://lunary.example/v1/runs/ingest");
        assertThat(req.records()).isEqualTo(3);
        assertThat(SinkSamples.lower(req.headers())).containsEntry("authorization", "Bearer " + API_KEY)
                .containsEntry("content-type", "application/json")
                .containsEntry("x-team-tag", "observability-plain-header");

        JsonNode events = Json.parse(req.body().getBytes()).get("events");
        assertThat(events).hasSize(6);

        JsonNode start = events.get(0);
        assertThat(start.get("type").asText()).isEqualTo("llm");
        assertThat(start.get("event").asText()).isEqualTo("start");
        assertThat(start.get("runId").asText()).isEqualTo("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b");
        assertThat(start.get("timestamp").asText()).isEqualTo(START_ISO);
        assertThat(start.get("name").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(start.get("userId").asText()).isEqualTo("team-a/checkout");
        assertThat(start.has("parentRunId")).as("a traceparent span is no Lunary run").isFalse();
        assertThat(start.get("params").get("max_tokens").asInt()).isEqualTo(64);
        assertThat(start.get("params").get("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(start.get("tags")).extracting(JsonNode::asText).containsExactly("cost-center:cc-42", "team:payments");
        JsonNode metadata = start.get("metadata");
        assertThat(metadata.get("team").asText()).isEqualTo("payments");
        assertThat(metadata.get("cost-center").asText()).isEqualTo("cc-42");
        assertThat(metadata.get("tollgate.request_id").asText()).isEqualTo("3f1c2b9a-7d4e-4f60-9a8b-1c2d3e4f5a6b");
        assertThat(metadata.get("tollgate.trace_id").asText()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(metadata.get("tollgate.key").asText()).isEqualTo("team-a/checkout");
        assertThat(metadata.get("tollgate.budgets").asText()).isEqualTo("team-a/monthly");
        assertThat(metadata.get("tollgate.deployment").asText()).isEqualTo("team-a/gpt-4o-east");
        assertThat(metadata.get("tollgate.provider").asText()).isEqualTo("openai");
        assertThat(metadata.get("tollgate.cost_usd").asText()).isEqualTo("0.00153");
        assertThat(metadata.get("tollgate.cache").asText()).isEqualTo("MISS");
        assertThat(metadata.get("tollgate.latency_ms").asText()).isEqualTo("1500");
        assertThat(metadata.get("tollgate.ttft_ms").asText()).isEqualTo("250");
        metadata.fields().forEachRemaining(e -> assertThat(e.getValue().isTextual())
                .as("Lunary keeps only first-level scalars: %s", e.getKey()).isTrue());
        JsonNode input = start.get("input");
        assertThat(input).hasSize(2);
        assertThat(input.get(0).get("role").asText()).isEqualTo("system");
        assertThat(input.get(0).get("content").asText()).isEqualTo("You are terse.");
        assertThat(input.get(1).get("role").asText()).isEqualTo("user");
        assertThat(input.get(1).get("content").asText()).isEqualTo("What is 2+2?");

        JsonNode end = events.get(1);
        assertThat(end.get("event").asText()).isEqualTo("end");
        assertThat(end.get("runId").asText()).isEqualTo(start.get("runId").asText());
        assertThat(end.get("timestamp").asText()).isEqualTo(END_ISO);
        assertThat(end.get("tokensUsage").get("prompt").asLong()).isEqualTo(120);
        assertThat(end.get("tokensUsage").get("completion").asLong()).isEqualTo(30);
        assertThat(end.get("tokensUsage").get("promptCached").asLong()).isEqualTo(20);
        assertThat(end.get("output").get("role").asText()).isEqualTo("assistant");
        assertThat(end.get("output").get("content").asText()).isEqualTo("4");

        JsonNode failedStart = events.get(2);
        assertThat(failedStart.get("event").asText()).isEqualTo("start");
        assertThat(failedStart.get("metadata").get("tollgate.status").asText()).isEqualTo("429");
        assertThat(failedStart.get("metadata").get("tollgate.error_type").asText()).isEqualTo("rate_limit_exceeded");
        assertThat(failedStart.get("metadata").has("tollgate.cost_usd")).isFalse();
        JsonNode error = events.get(3);
        assertThat(error.get("event").asText()).isEqualTo("error");
        assertThat(error.get("timestamp").asText()).isEqualTo(END_ISO);
        assertThat(error.get("error").get("message").asText()).isEqualTo("Rate limit reached for gpt-4o; retry after 20s");
        assertThat(error.has("tokensUsage")).isFalse();
        assertThat(error.has("output")).isFalse();

        JsonNode hit = events.get(4);
        assertThat(hit.get("name").asText()).as("no provider answered: the model group").isEqualTo("gpt-4o");
        assertThat(hit.get("metadata").get("tollgate.cache").asText()).isEqualTo("HIT");
        assertThat(hit.get("metadata").get("tollgate.cost_usd").asText()).isEqualTo("0.00");
        assertThat(hit.get("metadata").get("tollgate.attempts").asText()).isEqualTo("0");
        assertThat(hit.get("metadata").has("tollgate.provider")).isFalse();
        assertThat(events.get(5).get("event").asText()).isEqualTo("end");
        assertThat(events.get(5).get("output").get("content").asText()).isEqualTo("4");
    }

    @Test
    void withoutContentThereIsNoInputNorOutput() {
        List<CallRecord> bare = new ArrayList<>();
        batch().forEach(r -> bare.add(r.withoutContent()));
        SinkRequest req = format.encode(bare, SinkSamples.target("lunary", "https://lunary.example", false)).get(0);

        String text = req.body().toString();
        assertThat(text).doesNotContain("What is 2+2").doesNotContain("You are terse").doesNotContain("chatcmpl");
        for (JsonNode e : Json.parse(req.body().getBytes()).get("events")) {
            assertThat(e.has("input")).isFalse();
            assertThat(e.has("output")).isFalse();
        }
        JsonNode end = Json.parse(req.body().getBytes()).get("events").get(1);
        assertThat(end.get("tokensUsage").get("prompt").asLong()).as("tokens are not content").isEqualTo(120);
    }

    @Test
    void theServiceTakesItRefusesAWrongKeyAndADuplicateCountsAsRejected() throws Exception {
        try (FakeSinkService lunary = FakeSinkService.lunary(VERTX, API_KEY)) {
            SinkRequest req = format.encode(batch(), SinkSamples.target("lunary", lunary.url(), true)).get(0);

            SinkSamples.Answer first = SinkSamples.send(CLIENT, req);
            assertThat(first.status()).isEqualTo(200);
            assertThat(Json.parse(first.body().getBytes()).get("results")).hasSize(6)
                    .allSatisfy(r -> assertThat(r.get("success").asBoolean()).isTrue());
            assertThat(format.rejected(first.status(), first.body())).isZero();

            SinkSamples.Answer again = SinkSamples.send(CLIENT, req);
            assertThat(again.status()).isEqualTo(200);
            assertThat(format.rejected(again.status(), again.body())).as("each call's start is a duplicate").isEqualTo(3);

            SinkRequest keyless = format.encode(batch(), SinkSamples.targetWithoutKey("lunary", lunary.url())).get(0);
            assertThat(SinkSamples.lower(keyless.headers())).doesNotContainKey("authorization");
            SinkSamples.Answer refused = SinkSamples.send(CLIENT, keyless);
            assertThat(refused.status()).isEqualTo(401);
            assertThat(format.retryable(refused.status())).isFalse();

            assertThat(lunary.received).hasSize(3);
            assertThat(lunary.received.get(0).header("authorization")).isEqualTo("Bearer " + API_KEY);
            for (FakeSinkService.Received r : lunary.received) {
                SinkSamples.assertNoSecret(r.body().getBytes());
            }
        }
    }

    @Test
    void noBodyCarriesACredentialOrAKey() {
        for (boolean content : new boolean[] {true, false}) {
            List<CallRecord> records = new ArrayList<>();
            batch().forEach(r -> records.add(content ? r : r.withoutContent()));
            for (SinkRequest req : format.encode(records, SinkSamples.target("lunary", "https://lunary.example", content))) {
                SinkSamples.assertNoSecret(req.body().getBytes());
                assertThat(req.toString()).doesNotContain(API_KEY);
            }
        }
    }

    @Test
    void anEmptyBatchSendsNothingAndTheDefaultUrlIsLunarysApi() {
        assertThat(format.encode(List.of(), SinkSamples.target("lunary", LunaryFormat.DEFAULT_URL, false))).isEmpty();
        assertThat(SinkFormats.defaultUrl(GatewayConfig.Sink.LUNARY)).isEqualTo("https://api.lunary.ai");
        assertThat(format.encode(batch(), SinkSamples.target("lunary", LunaryFormat.DEFAULT_URL, false)).get(0).url())
                .isEqualTo("https://api.lunary.ai/v1/runs/ingest");
        assertThat(format.rejected(200, io.vertx.core.buffer.Buffer.buffer("not json"))).isZero();
    }
}
