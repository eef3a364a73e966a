package dev.tollgate.operator.usage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A deleted pod whose only figures for a Prompt are of versions since removed from its spec: no status write folds
 * them, so the scraper lets them go when the Prompt is reconciled (else its report stayed pending until it expired).
 */
class PromptVersionsGoneTest {
    static String report(String incarnation, String... versions) {
        StringBuilder prompts = new StringBuilder();
        for (String v : versions) {
            prompts.append(prompts.length() == 0 ? "" : ",").append('"').append(v).append("\":{\"requests\":1,"
                    + "\"errors\":0,\"inputTokens\":1,\"outputTokens\":1,\"spendMicros\":10}");
        }
        return """
                {"schema":"tollgate.dev/gateway-usage/v1","incarnation":"%s","startedAt":"2026-12-05T00:00:00Z",
                 "keys":{},"prompts":{%s}}
                """.formatted(incarnation, prompts);
    }

    @Test
    void figuresOfRemovedVersionsOnlyStopWaitingAndFiguresOfAKeptVersionStay() {
        UsageScraper scraper = new UsageScraper(null, null, 0, 60_000);
        scraper.served().put("team", "gw", null, Set.of(), Set.of(), Set.of(), Set.of("team/p", "team/q"));
        scraper.accept("uid-a", "gw-a", "team", "gw", report("inc-a", "team/p@1", "team/q@1"));
        scraper.accept("uid-b", "gw-b", "team", "gw", report("inc-b", "team/p@1", "team/p@2"));
        scraper.deleted("uid-a");
        scraper.deleted("uid-b");
        assertThat(scraper.pending("prompts", "team/p")).isTrue();

        // team/p now publishes version 2 only: inc-b's figures of version 2 still wait, inc-a's (version 1 only) not
        scraper.promptVersionsGone("team/p", Set.of("team/p@2"));
        assertThat(scraper.settle("prompts", "team/p", scraper.shares("prompts", "team/p@2")).finals())
                .containsExactly("inc-b");
        scraper.folded("prompts", "team/p", Set.of("inc-b"));
        assertThat(scraper.pending("prompts", "team/p")).isFalse();
        assertThat(scraper.pending("prompts", "team/q")).as("another Prompt's figures are untouched").isTrue();

        // and once team/q's version 1 is gone too, nothing of the deleted pods is kept
        scraper.promptVersionsGone("team/q", Set.of("team/q@2"));
        assertThat(scraper.pending("prompts", "team/q")).isFalse();
    }
}
