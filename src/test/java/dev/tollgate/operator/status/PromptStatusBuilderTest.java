package dev.tollgate.operator.status;

import static dev.tollgate.config.PromptChecksTest.prompt;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.PromptStatus;
import dev.tollgate.api.v1alpha1.PromptVersionStatus;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.config.PromptChecks;
import dev.tollgate.config.PromptHash;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Prompt's status as a pure function: versions, hashes, publishedAt kept, labels, Ready and its reasons. */
class PromptStatusBuilderTest {
    static final Instant T1 = Instant.parse("2026-12-01T10:00:00Z");
    static final Instant T2 = Instant.parse("2026-12-02T10:00:00Z");
    static final List<String> GW = List.of("tollgate/gw");

    static Condition ready(PromptStatus s) {
        return s.condition("Ready").orElseThrow();
    }

    static PromptStatus build(Prompt p, List<String> gateways, Map<Integer, Usage> usage, Instant now) {
        return PromptStatusBuilder.prompt(p, PromptChecks.problems(p), gateways, usage, now);
    }

    static Usage usage(long requests, String spend) {
        Usage u = new Usage();
        u.setRequests(requests);
        u.setTotalSpend(spend);
        return u;
    }

    @Test
    void aValidServedPromptIsPublishedWithEveryVersionItsHashLabelsAndUsage() {
        Prompt p = prompt(Map.of("production", 1, "staging", 2, "canary", 2), 2, "Hi {{name}}", "name", 1, "Hello", "");
        PromptStatus s = build(p, GW, Map.of(1, usage(10, "0.50")), T1);
        assertThat(s.getVersions()).extracting(PromptVersionStatus::getVersion).containsExactly(1, 2);
        PromptVersionStatus v1 = s.getVersions().get(0);
        PromptVersionStatus v2 = s.getVersions().get(1);
        assertThat(v1.getHash()).isEqualTo(PromptHash.of(p.getSpec().getVersions().get(1)));
        assertThat(v2.getHash()).isEqualTo(PromptHash.of(p.getSpec().getVersions().get(0))).isNotEqualTo(v1.getHash());
        assertThat(v1.getPublishedAt()).isEqualTo("2026-12-01T10:00:00Z");
        assertThat(v1.getLabels()).containsExactly("production");
        assertThat(v2.getLabels()).containsExactly("canary", "staging");
        assertThat(v1.getUsage().getTotalSpend()).isEqualTo("0.50");
        assertThat(v2.getUsage()).as("a version nobody used has no usage").isNull();
        assertThat(s.getLabels()).containsExactly(Map.entry("canary", 2), Map.entry("production", 1), Map.entry("staging", 2));
        assertThat(s.getLatestVersion()).isEqualTo(2);
        assertThat(s.getGateways()).containsExactly("tollgate/gw");
        assertThat(s.getObservedGeneration()).isEqualTo(1L);
        assertThat(ready(s).getStatus()).isEqualTo("True");
        assertThat(ready(s).getReason()).isEqualTo("Published");
        assertThat(ready(s).getMessage()).contains("versions 1, 2 published", "production -> 1", "tollgate/gw");
        assertThat(s.condition("Stalled").orElseThrow().getStatus()).isEqualTo("False");
    }

    @Test
    void publishedAtIsKeptAndANewVersionIsPublishedNow() {
        Prompt p = prompt(Map.of("production", 1), 1, "Hello", "");
        p.setStatus(build(p, GW, Map.of(), T1));
        Prompt next = prompt(Map.of("production", 2), 1, "Hello", "", 2, "Hello again", "");
        next.setStatus(p.getStatus());
        PromptStatus s = build(next, GW, Map.of(), T2);
        assertThat(s.getVersions()).extracting(PromptVersionStatus::getPublishedAt)
                .containsExactly("2026-12-01T10:00:00Z", "2026-12-02T10:00:00Z");
        assertThat(s.getVersions().get(0).getLabels()).as("production moved on").isNull();
        assertThat(s.getVersions().get(1).getLabels()).containsExactly("production");
        assertThat(ready(s).getReason()).isEqualTo("Published");
        assertThat(ready(s).getLastTransitionTime()).as("Ready did not flip").isEqualTo("2026-12-01T10:00:00Z");
    }

    @Test
    void aPublishedVersionEditedAfterTheFactIsVersionChangedAndKeepsItsPublishedHash() {
        Prompt p = prompt(Map.of(), 1, "Hello", "", 2, "Bye", "");
        p.setStatus(build(p, GW, Map.of(), T1));
        String published = p.getStatus().getVersions().get(1).getHash();
        Prompt edited = prompt(Map.of(), 1, "Hello", "", 2, "Bye now", "");
        edited.setStatus(p.getStatus());
        PromptStatus s = build(edited, GW, Map.of(), T2);
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("VersionChanged");
        assertThat(ready(s).getMessage()).contains("version 2", published, PromptHash.of(edited.getSpec().getVersions().get(1)));
        assertThat(s.getVersions().get(1).getHash()).as("the hash as published").isEqualTo(published);
        assertThat(s.condition("Stalled").orElseThrow().getStatus()).isEqualTo("True");
        // the edit reverted: Published again
        Prompt reverted = prompt(Map.of(), 1, "Hello", "", 2, "Bye", "");
        reverted.setStatus(s);
        assertThat(ready(build(reverted, GW, Map.of(), T2)).getReason()).isEqualTo("Published");
    }

    @Test
    void anInvalidTemplateComesBeforeEverythingElseAndCountsTheOtherProblems() {
        Prompt p = prompt(Map.of("production", 9), 1, "Hello {{who}}", "");
        PromptStatus s = build(p, List.of(), Map.of(), T1);
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("InvalidTemplate");
        assertThat(ready(s).getMessage()).contains("{{who}}", "(and 1 more problem)");
        assertThat(s.getLabels()).as("a label pointing nowhere is not shown").isNull();
        assertThat(s.getVersions()).hasSize(1);
    }

    @Test
    void noGatewayServingTheNamespaceIsNoGateway() {
        PromptStatus s = build(prompt(Map.of(), 1, "Hello", ""), List.of(), Map.of(), T1);
        assertThat(ready(s).getStatus()).isEqualTo("False");
        assertThat(ready(s).getReason()).isEqualTo("NoGateway");
        assertThat(ready(s).getMessage()).contains("team-a");
        assertThat(s.getGateways()).isNull();
    }

    @Test
    void keepFiguresCopiesEachVersionsUsageSoAFiguresOnlyChangeIsHeld() {
        Prompt p = prompt(Map.of(), 1, "Hello", "", 2, "Bye", "");
        PromptStatus old = build(p, GW, Map.of(1, usage(1, "0.01")), T1);
        PromptStatus next = build(p, GW, Map.of(1, usage(5, "0.05"), 2, usage(1, "0.02")), T1);
        PromptStatusBuilder.keepFigures(old, next);
        assertThat(next.getVersions().get(0).getUsage().getRequests()).isEqualTo(1);
        assertThat(next.getVersions().get(1).getUsage()).isNull();
        assertThat(StatusPatch.same(old, next)).isTrue();
    }
}
