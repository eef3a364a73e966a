package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Standalone's status view shows each prompt version's usage (requests, tokens, spend) with the labels pointing at it,
 * to compare versions by cost, and each tag's, summed over every run; without prompts or tags it shows neither table.
 */
class StandaloneStatusPromptTagTest {
    static GatewayConfig.PromptVersion version(int n) {
        return new GatewayConfig.PromptVersion(n, "sha256:x", null, null, List.of(),
                List.of(new GatewayConfig.Message("system", "hi")), List.of());
    }

    static JsonNode report(String incarnation, String prompts, String tags) {
        return Json.parse("""
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","keys":{},"models":{}%s%s}"""
                .formatted(incarnation, prompts == null ? "" : ",\"prompts\":" + prompts, tags == null ? "" : ",\"tags\":" + tags));
    }

    @Test
    void promptVersionsAndTagsShowTheirUsageOverEveryRun() {
        List<GatewayConfig.Prompt> config = List.of(new GatewayConfig.Prompt("team-a/support",
                List.of(version(2), version(9), version(10)), Map.of("production", 2, "staging", 10, "canary", 10), List.of()));
        List<JsonNode> reports = List.of(
                report("now", """
                        {"team-a/support@2":{"requests":3,"errors":1,"inputTokens":300,"outputTokens":30,"spendMicros":1500},
                         "team-a/support@10":{"requests":1,"errors":0,"inputTokens":90,"outputTokens":10,"spendMicros":250}}""",
                        """
                        {"team-a":{"requests":4,"errors":1,"inputTokens":390,"outputTokens":40,"spendMicros":1750},
                         "cost-center:42":{"requests":1,"errors":0,"inputTokens":90,"outputTokens":10,"spendMicros":250}}"""),
                report("earlier", """
                        {"team-a/support@2":{"requests":2,"errors":0,"inputTokens":200,"outputTokens":20,"spendMicros":1000},
                         "team-a/support@1":{"requests":5,"errors":0,"inputTokens":100,"outputTokens":10,"spendMicros":700}}""",
                        """
                        {"team-a":{"requests":7,"errors":0,"inputTokens":300,"outputTokens":30,"spendMicros":1700}}"""),
                report("older", null, null));

        String prompts = StandaloneStatus.prompts(config, reports);
        assertThat(prompts.lines().findFirst().orElseThrow()).contains("PROMPT", "VERSION", "LABELS", "REQUESTS", "SPEND");
        List<String> rows = prompts.lines().skip(1).toList();
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0)).startsWith("team-a/support").contains("(not served)");
        assertThat(rows.get(1).split("\\s{3,}")).containsExactly("team-a/support", "2", "production", "5", "1", "500", "50",
                "0.0025");
        assertThat(rows.get(2).split("\\s{3,}")).containsExactly("team-a/support", "9", "-", "0", "0", "0", "0", "0.00");
        assertThat(rows.get(3).split("\\s{3,}")).containsExactly("team-a/support", "10", "canary,staging", "1", "0", "90",
                "10", "0.00025");

        String tags = StandaloneStatus.tags(reports);
        List<String> tagRows = tags.lines().toList();
        assertThat(tagRows.get(0).split("\\s{3,}")).containsExactly("TAG", "REQUESTS", "ERRORS", "INPUT", "OUTPUT", "SPEND");
        assertThat(tagRows.get(1).split("\\s{3,}")).containsExactly("cost-center:42", "1", "0", "90", "10", "0.00025");
        assertThat(tagRows.get(2).split("\\s{3,}")).containsExactly("team-a", "11", "1", "690", "70", "0.00345");
    }

    @Test
    void withoutPromptsOrTagsNeitherTableIsShown() {
        List<JsonNode> reports = List.of(report("now", null, null));
        assertThat(StandaloneStatus.prompts(null, reports)).isNull();
        assertThat(StandaloneStatus.prompts(List.of(), reports)).isNull();
        assertThat(StandaloneStatus.tags(reports)).isNull();
    }
}
