package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.fakes.FakeOpenAi;
import dev.tollgate.gateway.fakes.Reply;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Issue 22's chargeback reconciliation, in standalone mode through the real HTTP API: keys in two namespaces with
 * attributes, two priced model groups (an OpenAI fake with varying usage, and the mock provider), a cached group (a
 * hit), streamed and non-streamed requests and a failing upstream. The export's figures equal, exactly, the sum of
 * every non-streamed answer's {@code x-tollgate-cost} plus the streaming key's spend in the usage report: in total, per
 * namespace, per model, per key and per tag (requests tagged by the header x-tollgate-tags, by LiteLLM's metadata.tags
 * and by their key's fixed spec.tags, where spec.allowedTags allow them: a two-tag request in both tags' rows, an
 * untagged one under (untagged), the total once), and the usage report's tags hold the same figures; its requests
 * equal the keys'.
 */
@QuarkusTest
@TestProfile(ChargebackEndToEndTest.Profile.class)
class ChargebackEndToEndTest {
    static final String OPENAI_KEY = "sk-upstream-chargeback-openai";
    static final Map<String, String> KEYS = new TreeMap<>(Map.of(
            "team-a/alice", "sk-tg-chargeback-alice-0123456789abcdef",
            "team-a/bob", "sk-tg-chargeback-bob-0123456789abcdefgh",
            "team-b/carol", "sk-tg-chargeback-carol-0123456789abcdef",
            "team-b/dave", "sk-tg-chargeback-dave-0123456789abcdefg"));
    static FakeOpenAi openai;
    static Path folder;

    public static class Profile implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            openai = FakeOpenAi.start(OPENAI_KEY);
            folder = StandaloneFolder.create("tollgate-chargeback", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: g}
                    spec: {keys: {namespaceSelector: {}}}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {openai: %s}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, namespace: team-a}
                    stringData: {alice: %s, bob: %s}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, namespace: team-b}
                    stringData: {carol: %s, dave: %s}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: alice, namespace: team-a}
                    spec: {existingSecret: {name: keys, key: alice}, attributes: {team: search, cost-center: "CC, 1"},
                           allowedTags: ["feature:*"]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: bob, namespace: team-a}
                    spec: {existingSecret: {name: keys, key: bob}, attributes: {team: ads, cost-center: "CC-2"},
                           tags: ["team:ads"], allowedTags: ["feature:search"]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: carol, namespace: team-b}
                    spec: {existingSecret: {name: keys, key: carol}, attributes: {team: search}, allowedTags: ["*"]}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: dave, namespace: team-b}
                    spec: {existingSecret: {name: keys, key: dave}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: gpt}
                    spec:
                      modelName: gpt
                      provider: openai
                      model: gpt-up
                      apiBase: "%s"
                      credentialsSecretRef: {name: creds, key: openai}
                      pricing: {inputPerMillion: "2.5", outputPerMillion: "10"}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: flaky}
                    spec:
                      modelName: flaky
                      provider: openai
                      model: flaky-up
                      apiBase: "%s"
                      credentialsSecretRef: {name: creds, key: openai}
                      pricing: {inputPerMillion: "2.5", outputPerMillion: "10"}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: cached}
                    spec:
                      modelName: cached
                      provider: openai
                      model: cached-up
                      apiBase: "%s"
                      credentialsSecretRef: {name: creds, key: openai}
                      pricing: {inputPerMillion: "3", outputPerMillion: "15"}
                      cache: {exact: {ttl: 1h}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: mini}
                    spec: {modelName: mini, provider: mock, model: m, mock: {outputTokens: 4},
                           pricing: {inputPerMillion: "1000", outputPerMillion: "2000"}}
                    """.formatted(OPENAI_KEY, KEYS.get("team-a/alice"), KEYS.get("team-a/bob"), KEYS.get("team-b/carol"),
                    KEYS.get("team-b/dave"), openai.baseUrl(), openai.baseUrl(), openai.baseUrl()));
            return StandaloneFolder.serve(folder);
        }
    }

    @AfterAll
    static void stop() {
        openai.close();
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    @TestHTTPResource(value = "/metrics", management = true)
    URL management;

    static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    /**
     * A non-streamed request's key, model group, the tags it carries (its key's fixed ones and those the client sent,
     * sorted; empty: none) and charged cost (its x-tollgate-cost; none: 0).
     */
    record Charged(String key, String model, List<String> tags, long costMicros) {
        String namespace() {
            return key.substring(0, key.indexOf('/'));
        }
    }

    final List<Charged> charged = new ArrayList<>();
    int sent;

    HttpResponse<String> ask(String key, String model, String prompt, boolean stream) throws Exception {
        return ask(key, model, prompt, stream, null, null, List.of());
    }

    /**
     * A chat request tagged by the header {@code x-tollgate-tags} ({@code headerTags}, null: none) and LiteLLM's
     * {@code metadata.tags} ({@code bodyTags}, a JSON array, null: none); {@code tags} are the tags it is expected to
     * carry (with its key's fixed ones).
     */
    HttpResponse<String> ask(String key, String model, String prompt, boolean stream, String headerTags, String bodyTags,
            List<String> tags) throws Exception {
        String body = "{\"model\":\"" + model + "\",\"max_tokens\":20" + (stream ? ",\"stream\":true" : "")
                + (bodyTags == null ? "" : ",\"metadata\":{\"tags\":" + bodyTags + "}")
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(chat.toURI()).timeout(Duration.ofSeconds(30))
                .header("authorization", "Bearer " + KEYS.get(key)).header("content-type", "application/json");
        if (headerTags != null) {
            b.header("x-tollgate-tags", headerTags);
        }
        HttpResponse<String> r = HTTP.send(b.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        sent++;
        if (!stream) {
            charged.add(new Charged(key, model, tags, r.headers().firstValue("x-tollgate-cost").map(Money::parseMicros).orElse(0L)));
        }
        return r;
    }

    HttpResponse<String> get(String pathAndQuery, String accept) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(management.toURI().resolve("/").toString()
                + pathAndQuery.substring(1))).timeout(Duration.ofSeconds(10));
        if (accept != null) {
            b.header("accept", accept);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    JsonNode export(String groupBy) throws Exception {
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        HttpResponse<String> r = get("/tollgate/chargeback?from=" + today + "&to=" + today + "&groupBy=" + groupBy, null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    /** The export's spend per value of its single dimension {@code dim}. */
    Map<String, Long> spendBy(String dim) throws Exception {
        Map<String, Long> out = new TreeMap<>();
        for (JsonNode row : export(dim).path("rows")) {
            out.merge(row.path(dim).asText(), Money.parseMicros(row.path("spend").asText()), Long::sum);
        }
        return out;
    }

    @Test
    void theExportReconcilesWithEveryRequestsCost() throws Exception {
        int n = 0;
        // alice may add feature:* tags: by metadata.tags, by the header (two tags at once), or none
        for (int i = 0; i < 6; i++) {
            openai.enqueueFor("gpt-up", Reply.text("answer " + i).usage(17 + 13 * i, 9 + 7 * i));
            HttpResponse<String> r = switch (i % 3) {
                case 0 -> ask("team-a/alice", "gpt", "alice " + i, false, null, "[\"feature:search\"]", List.of("feature:search"));
                case 1 -> ask("team-a/alice", "gpt", "alice " + i, false, "feature:search, feature:chat", null,
                        List.of("feature:chat", "feature:search"));
                default -> ask("team-a/alice", "gpt", "alice " + i, false);
            };
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> r = i % 2 == 0
                    ? ask("team-a/alice", "mini", "alice mini " + i + " with some more words", false, "feature:chat", null,
                            List.of("feature:chat"))
                    : ask("team-a/alice", "mini", "alice mini " + i + " with some more words", false);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        openai.enqueueFor("cached-up", Reply.text("cached answer").usage(31, 11));
        HttpResponse<String> miss = ask("team-a/alice", "cached", "the same question", false);
        HttpResponse<String> hit = ask("team-a/alice", "cached", "the same question", false);
        assertThat(miss.headers().firstValue("x-tollgate-cache")).hasValue("MISS");
        assertThat(hit.headers().firstValue("x-tollgate-cache")).hasValue("HIT");
        // bob's key carries team:ads on every request, and may add feature:search
        for (int i = 0; i < 5; i++) {
            openai.enqueueFor("gpt-up", Reply.text("bob " + i).usage(101 + i, 3 + 5 * i));
            HttpResponse<String> r = i % 2 == 0
                    ? ask("team-a/bob", "gpt", "bob " + i, false, null, "[\"feature:search\"]", List.of("feature:search", "team:ads"))
                    : ask("team-a/bob", "gpt", "bob " + i, false, null, null, List.of("team:ads"));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        openai.behaviourFor("flaky-up", FakeOpenAi.serverError());
        HttpResponse<String> failed = ask("team-a/bob", "flaky", "fails", false, null, null, List.of("team:ads"));
        assertThat(failed.statusCode()).as(failed.body()).isGreaterThanOrEqualTo(500);
        // carol may add any tag: the header and metadata.tags together, a tag twice (counted once), or none
        for (int i = 0; i < 5; i++) {
            HttpResponse<String> r = switch (i) {
                case 0 -> ask("team-b/carol", "mini", "carol " + "word ".repeat(i), false, "feature:search", "[\"env-prod\"]",
                        List.of("env-prod", "feature:search"));
                case 1 -> ask("team-b/carol", "mini", "carol " + "word ".repeat(i), false, "env-prod", "[\"env-prod\"]",
                        List.of("env-prod"));
                default -> ask("team-b/carol", "mini", "carol " + "word ".repeat(i), false);
            };
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        }
        for (int i = 0; i < 3; i++) {
            openai.enqueueFor("gpt-up", Reply.text("carol " + i).usage(7 + i, 1 + i));
            assertThat(ask("team-b/carol", "gpt", "carol gpt " + i, false).statusCode()).isEqualTo(200);
        }
        for (int i = 0; i < 5; i++) {
            openai.enqueueFor("gpt-up", Reply.text("streamed answer number " + i).usage(23 + i, 19 + 2 * i).chunks(3));
            HttpResponse<String> s = ask("team-b/dave", "gpt", "dave " + i, true);
            assertThat(s.statusCode()).isEqualTo(200);
            assertThat(s.body()).contains("data: [DONE]");
        }
        n = sent;
        int requests = n;
        assertThat(charged.stream().mapToLong(Charged::costMicros).filter(c -> c > 0).count())
                .as("most answers cost something").isGreaterThan(20);

        // the ledger counts a request when it completes, right after its answer: wait until every one is in
        await().atMost(Duration.ofSeconds(10)).until(() -> export("").path("total").path("requests").asLong() == requests);
        JsonNode usage = Json.parse(get("/tollgate/usage", null).body());
        long daveSpend = usage.path("keys").path("team-b/dave").path("spendMicros").asLong();
        assertThat(daveSpend).as("the streams cost something").isPositive();

        Map<String, Long> perNamespace = new TreeMap<>();
        Map<String, Long> perModel = new TreeMap<>();
        Map<String, Long> perKey = new TreeMap<>();
        Map<String, Long> perTag = new TreeMap<>();
        Map<String, Long> requestsPerTag = new TreeMap<>();
        for (Charged c : charged) {
            perNamespace.merge(c.namespace(), c.costMicros(), Long::sum);
            perModel.merge(c.model(), c.costMicros(), Long::sum);
            perKey.merge(c.key(), c.costMicros(), Long::sum);
            for (String tag : c.tags().isEmpty() ? List.of("(untagged)") : c.tags()) { // a two-tag request in both
                perTag.merge(tag, c.costMicros(), Long::sum);
                requestsPerTag.merge(tag, 1L, Long::sum);
            }
        }
        perNamespace.merge("team-b", daveSpend, Long::sum);
        perModel.merge("gpt", daveSpend, Long::sum);
        perKey.merge("team-b/dave", daveSpend, Long::sum);
        perTag.merge("(untagged)", daveSpend, Long::sum);
        requestsPerTag.merge("(untagged)", 5L, Long::sum);
        long total = perKey.values().stream().mapToLong(Long::longValue).sum();

        JsonNode all = export("namespace,model");
        assertThat(Money.parseMicros(all.path("total").path("spend").asText())).isEqualTo(total);
        assertThat(spendBy("namespace")).isEqualTo(perNamespace);
        assertThat(spendBy("model")).containsAllEntriesOf(perModel).containsEntry("flaky", 0L);
        assertThat(spendBy("key")).isEqualTo(perKey);
        // per tag: the sum of the costs of the requests carrying it; the total counts each request once
        assertThat(perTag.keySet()).containsExactly("(untagged)", "env-prod", "feature:chat", "feature:search", "team:ads");
        assertThat(perTag.values()).as("every tag's requests cost something").allMatch(v -> v > 0);
        assertThat(perTag.values().stream().mapToLong(Long::longValue).sum()).as("two-tag requests count twice")
                .isGreaterThan(total);
        assertThat(spendBy("tag")).isEqualTo(perTag);
        JsonNode byTag = export("tag");
        assertThat(Money.parseMicros(byTag.path("total").path("spend").asText())).isEqualTo(total);
        assertThat(byTag.path("total").path("requests").asLong()).isEqualTo(requests);
        Map<String, Long> exportedRequestsPerTag = new TreeMap<>();
        byTag.path("rows").forEach(row -> exportedRequestsPerTag.merge(row.path("tag").asText(), row.path("requests").asLong(),
                Long::sum));
        assertThat(exportedRequestsPerTag).isEqualTo(requestsPerTag);
        // the usage report's tags: the same figures, without the untagged requests
        Map<String, Long> reportedPerTag = new TreeMap<>();
        Map<String, Long> reportedRequestsPerTag = new TreeMap<>();
        usage.path("tags").fields().forEachRemaining(e -> {
            reportedPerTag.put(e.getKey(), e.getValue().path("spendMicros").asLong());
            reportedRequestsPerTag.put(e.getKey(), e.getValue().path("requests").asLong());
        });
        Map<String, Long> tagged = new TreeMap<>(perTag);
        tagged.remove("(untagged)");
        assertThat(reportedPerTag).isEqualTo(tagged);
        Map<String, Long> taggedRequests = new TreeMap<>(requestsPerTag);
        taggedRequests.remove("(untagged)");
        assertThat(reportedRequestsPerTag).isEqualTo(taggedRequests);
        Map<String, Long> perTeam = new TreeMap<>(Map.of("search", perKey.get("team-a/alice") + perKey.get("team-b/carol"),
                "ads", perKey.get("team-a/bob"), "", perKey.get("team-b/dave")));
        assertThat(spendBy("attribute:team")).isEqualTo(perTeam);

        // every key's requests, tokens and spend are the usage report's
        for (JsonNode row : export("key").path("rows")) {
            JsonNode k = usage.path("keys").path(row.path("key").asText());
            assertThat(row.path("requests").asLong()).as(row.toString()).isEqualTo(k.path("requests").asLong());
            assertThat(row.path("inputTokens").asLong()).as(row.toString()).isEqualTo(k.path("inputTokens").asLong());
            assertThat(row.path("outputTokens").asLong()).as(row.toString()).isEqualTo(k.path("outputTokens").asLong());
            assertThat(Money.parseMicros(row.path("spend").asText())).isEqualTo(k.path("spendMicros").asLong());
        }

        // CSV (Accept: text/csv): one line per row, an attribute value with a comma quoted, spend as a decimal
        String today = LocalDate.now(ZoneOffset.UTC).toString();
        HttpResponse<String> csv = get("/tollgate/chargeback?groupBy=attribute:cost-center&period=day&from=" + today
                + "&to=" + today, "text/csv");
        assertThat(csv.headers().firstValue("content-type").orElse("")).startsWith("text/csv");
        assertThat(csv.body().split("\r\n")).containsExactly(
                "period,attribute:cost-center,requests,inputTokens,outputTokens,spend",
                today + ",," + (sent - 12 - 6) + "," + costLine("team-b/carol", "team-b/dave", usage, perKey),
                today + ",\"CC, 1\",12," + costLine("team-a/alice", null, usage, perKey),
                today + ",CC-2,6," + costLine("team-a/bob", null, usage, perKey));

        // the standalone state directory keeps this run's rows for the next run
        Path saved = folder.resolve(".tollgate-state").resolve("chargeback");
        await().atMost(Duration.ofSeconds(15)).until(() -> Files.isDirectory(saved) && Files.list(saved)
                .anyMatch(f -> f.toString().endsWith(".json") && read(f).contains("team-b/dave")));
    }

    static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    /** "inputTokens,outputTokens,spend" of one or two keys, from the usage report and the charged costs. */
    static String costLine(String key, String other, JsonNode usage, Map<String, Long> perKey) {
        long in = usage.path("keys").path(key).path("inputTokens").asLong();
        long out = usage.path("keys").path(key).path("outputTokens").asLong();
        long spend = perKey.get(key);
        if (other != null) {
            in += usage.path("keys").path(other).path("inputTokens").asLong();
            out += usage.path("keys").path(other).path("outputTokens").asLong();
            spend += perKey.get(other);
        }
        return in + "," + out + "," + Money.format(spend);
    }

    @Test
    void badParametersAreA400SayingWhatIsAllowed() throws Exception {
        HttpResponse<String> r = get("/tollgate/chargeback?groupBy=team", null);
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = Json.parse(r.body()).path("error");
        assertThat(e.path("message").asText()).contains("namespace, key, model, tag, attribute:<name>");
        assertThat(e.path("param").asText()).isEqualTo("groupBy");
        assertThat(get("/tollgate/chargeback?period=week", null).body()).contains("day or month");
        assertThat(get("/tollgate/chargeback?from=yesterday", null).statusCode()).isEqualTo(400);
        JsonNode defaults = Json.parse(get("/tollgate/chargeback", null).body());
        assertThat(defaults.path("period").asText()).isEqualTo("month");
        assertThat(defaults.path("from").asText()).isEqualTo(LocalDate.now(ZoneOffset.UTC).withDayOfMonth(1).toString());
        assertThat(defaults.path("groupBy").toString()).isEqualTo("[\"namespace\",\"model\"]");
    }
}
