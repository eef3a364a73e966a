package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.BudgetPeriods;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Issue 14's standalone bug: a restarted standalone gateway showed the spend its earlier run saved but enforced the
 * budget from zero (a 0.10 budget with 0.018 spent admitted as many requests after the restart as at the start of
 * the period). This run starts on a state directory where the earlier run saved 0.018 of spend on the budget, and
 * must refuse where that run would have. Every request here reserves and costs exactly 0.009 (4 output tokens at
 * 2,250 micro-USD, input free), so from zero 11 fit into 0.10, and from 0.018 only 9.
 */
@QuarkusTest
@TestProfile(StandaloneRestartTest.EarlierRun.class)
class StandaloneRestartTest {
    static final String KEY = "sk-tg-restart-budget-key-0123456789ab";
    static final String FRESH = "sk-tg-restart-fresh-key-01234567890ab";

    public static class EarlierRun implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            Path folder = StandaloneFolder.create("tollgate-restart", StandaloneFolder.twoBudgetedKeys(KEY, "fresh", FRESH));
            Instant today = BudgetPeriods.current("daily", ZoneOffset.UTC, Instant.EPOCH, Instant.now()).start();
            try {
                // what the earlier run saved at its shutdown: two requests, 0.018 on budget b today
                Path usage = Files.createDirectories(folder.resolve(".tollgate-state/usage"));
                Files.writeString(usage.resolve("earlier-run.json"), """
                        {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"earlier-run","startedAt":"%s",
                         "keys":{"default/k":{"requests":2,"errors":0,"inputTokens":2,"outputTokens":8,"spendMicros":18000,
                                              "budgets":{"default/b@%d":18000}}},
                         "models":{"default/m":{"requests":2,"errors":0,"inputTokens":2,"outputTokens":8,"spendMicros":18000}},
                         "budgets":{"default/b@%d":{"budget":"default/b","periodStart":"%s","spendMicros":18000}}}
                        """.formatted(today, today.toEpochMilli(), today.toEpochMilli(), today));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return StandaloneFolder.serve(folder);
        }
    }

    @TestHTTPResource("/v1/chat/completions")
    URI chat;

    @TestHTTPResource(value = "/metrics", management = true)
    URI metrics;

    final HttpClient http = HttpClient.newHttpClient();

    HttpResponse<String> ask(String key) throws Exception {
        return http.send(HttpRequest.newBuilder(chat).header("authorization", "Bearer " + key)
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"m\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"))
                .build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Requests admitted one after the other until the first refusal, which must be the budget's. */
    int admittedUntilRefused(String key) throws Exception {
        for (int n = 0; n < 50; n++) {
            HttpResponse<String> r = ask(key);
            if (r.statusCode() != 200) {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                assertThat(r.body()).contains("budget_exceeded");
                return n;
            }
            assertThat(r.headers().firstValue("x-tollgate-cost")).as("every request costs the same").hasValue("0.009");
        }
        throw new AssertionError("never refused");
    }

    @Test
    void aRestartedGatewayRefusesWhereTheEarlierRunWould() throws Exception {
        assertThat(admittedUntilRefused(FRESH)).as("a budget without earlier spend: 11 x 0.009 fit into 0.10").isEqualTo(11);
        assertThat(admittedUntilRefused(KEY)).as("0.018 spent by the earlier run: 9 more fit, as they would have there")
                .isEqualTo(9);
        HttpResponse<String> refused = ask(KEY);
        assertThat(refused.body()).contains("0.099 USD spent");
        // the status view shows the same figure it enforces: 0.018 saved + 9 x 0.009 now
        String table = http.send(HttpRequest.newBuilder(metrics.resolve("/tollgate/status")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(table.lines().filter(l -> l.startsWith("default/b ")).findFirst()).as(table)
                .hasValueSatisfying(row -> assertThat(row).contains("0.099"));
    }
}
