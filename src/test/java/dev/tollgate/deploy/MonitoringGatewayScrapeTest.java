package dev.tollgate.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Every metric the alerts and the dashboard of deploy/monitoring take from a gateway (selectors with
 * {@code job="tollgate-gateway"}) exists in a real gateway's scrape: a standalone gateway serves a success, a stream,
 * a wrong key (401), a rate-limited key (429), an upstream that refuses connections (502), a fallback, a cache miss and
 * hit, and an answer with provider prompt-cache tokens, with a logging callback (to a closed port: its records fail)
 * so that the callback and GenAI metrics exist, then its management
 * port's /q/metrics is read.
 */
@QuarkusTest
@TestProfile(MonitoringGatewayScrapeTest.Gateway.class)
class MonitoringGatewayScrapeTest {
    static final String KEY = "sk-tg-monitoring-key-0123456789abcdef";
    static final String LIMITED_KEY = "sk-tg-monitoring-limited-0123456789a";

    /** An OpenAI upstream whose answers report prompt-cache reads and writes (tollgate_prompt_cache_tokens_total). */
    static dev.tollgate.gateway.fakes.FakeOpenAi upstream;

    @org.junit.jupiter.api.AfterAll
    static void stopUpstream() {
        upstream.close();
    }

    public static class Gateway implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            upstream = dev.tollgate.gateway.fakes.FakeOpenAi.start("sk-upstream-never-reached");
            upstream.behaviour(dev.tollgate.gateway.fakes.Reply.text("cached prompt").usage(20, 2).cached(8, 4));
            int closed;
            try (ServerSocket s = new ServerSocket(0)) {
                closed = s.getLocalPort(); // free again once closed: connections to it are refused
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            try {
                Path folder = Files.createTempDirectory("tollgate-monitoring");
                Files.writeString(folder.resolve("all.yaml"), """
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: GatewayDeployment
                        metadata: {name: mon}
                        spec:
                          observability:
                            sinks: [{name: hook, type: webhook, url: "http://127.0.0.1:%3$d/hook", maxRetries: 0}]
                        ---
                        apiVersion: v1
                        kind: Secret
                        metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                        stringData: {k: %1$s, limited: %2$s}
                        ---
                        apiVersion: v1
                        kind: Secret
                        metadata: {name: creds, labels: {llm.tollgate.dev/secret: credentials}}
                        stringData: {openai: sk-upstream-never-reached}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: VirtualKey
                        metadata: {name: k}
                        spec: {existingSecret: {name: keys, key: k}}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: VirtualKey
                        metadata: {name: limited}
                        spec: {existingSecret: {name: keys, key: limited}, limits: {rpm: 1}}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: mock}
                        spec: {modelName: mock-gpt, provider: mock, model: mock-gpt}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: down}
                        spec: {modelName: down, provider: openai, model: gpt-4o, apiBase: "http://127.0.0.1:%3$d/v1",
                               timeout: 2s, credentialsSecretRef: {name: creds, key: openai}}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: falls-back}
                        spec: {modelName: falls-back, provider: openai, model: gpt-4o, apiBase: "http://127.0.0.1:%3$d/v1",
                               timeout: 2s, credentialsSecretRef: {name: creds, key: openai},
                               routing: {retries: {maxRetries: 0}, fallbacks: [mock-gpt]}}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: cached}
                        spec: {modelName: cached, provider: mock, model: cached, cache: {exact: {ttl: 1h}}}
                        ---
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: prompt-cached}
                        spec: {modelName: prompt-cached, provider: openai, model: gpt-4o-mini, apiBase: "%5$s",
                               credentialsSecretRef: {name: creds, key: openai}}
                        """.formatted(KEY, LIMITED_KEY, closed, closed, upstream.baseUrl()));
                return Map.of("tollgate.mode", "standalone", "tollgate.standalone.dir", folder.toString());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URL chat;

    /** The management port (its root); scraped on the PodMonitor's path. */
    @TestHTTPResource(value = "/", management = true)
    URL management;

    String scrape() throws Exception {
        return MonitoringFiles.scrape(management.toURI().resolve(MonitoringFiles.gatewayScrapePath()).toURL());
    }

    int ask(String key, String model, boolean stream) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(chat.toURI())
                .header("authorization", "Bearer " + key).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"watch me\"}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        return r.statusCode();
    }

    @Test
    void everyGatewayMetricTheRulesAndDashboardNameIsExported() throws Exception {
        List<Integer> statuses = new ArrayList<>(List.of(
                ask(KEY, "mock-gpt", false),
                ask(KEY, "mock-gpt", true),
                ask("sk-tg-not-a-key-at-all-0123456789abcd", "mock-gpt", false),
                ask(LIMITED_KEY, "mock-gpt", false),
                ask(LIMITED_KEY, "mock-gpt", false),
                ask(KEY, "down", false),
                ask(KEY, "falls-back", false),
                ask(KEY, "cached", false),
                ask(KEY, "cached", false),
                ask(KEY, "prompt-cached", false)));
        assertThat(statuses).as("success, stream, wrong key, limit, over the limit, upstream down, fallen back, "
                + "cache miss, cache hit, provider prompt cache").containsExactly(200, 200, 401, 200, 429, 502, 200, 200,
                200, 200);

        String scrape = scrape();
        Map<String, java.util.Set<String>> samples = MonitoringFiles.samples(scrape);
        // the scrape is the gateway's own, and holds what the requests above recorded (a request is recorded just
        // after its answer's last bytes are written, hence the retry in scrapeWith)
        scrape = scrapeWith(scrape, "status=\"502\"", "status=\"429\"", "status=\"401\"", "direction=\"output\"");
        assertThat(samples).containsKeys("tollgate_request_duration_seconds_count", "tollgate_config_models");

        assertThat(MonitoringFiles.problems(MonitoringFiles.GATEWAY_JOB, scrape)).isEmpty();

        // the README's table of metrics says what the scrape holds: the same gateway metrics, with the same labels
        assertThat(MonitoringFiles.tollgateSamples(scrape)).as("README.md, Monitoring: the gateway's rows")
                .isEqualTo(MonitoringFiles.readmeMetrics("gateway"));
    }

    private String scrapeWith(String scrape, String... needles) throws Exception {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (!java.util.Arrays.stream(needles).allMatch(scrape::contains) && System.nanoTime() < deadline) {
            Thread.sleep(50);
            scrape = scrape();
        }
        assertThat(scrape).contains(needles);
        return scrape;
    }
}
