package dev.tollgate.operator.status;

import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelStatus;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import dev.tollgate.operator.usage.StatusWriteBudget;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The cache figures are usage figures: the status builders carry them into the VirtualKey's and LlmModel's status as
 * merged, and a change of them alone waits for the status write budget like any other figure.
 */
class CacheFiguresStatusTest {
    static final Instant NOW = Instant.parse("2026-12-05T08:00:00Z");

    static Usage usage(long requests, long hits) {
        Usage u = new Usage();
        u.setRequests(requests);
        u.setTotalSpend("0.10");
        u.setCacheHits(hits);
        u.setSemanticCacheHits(1L);
        u.setCacheSavedSpend("0.0125");
        u.setCachedInputTokens(300L);
        u.setCacheWriteTokens(40L);
        return u;
    }

    @Test
    void theBuildersCarryTheCacheFiguresIntoStatus() {
        VirtualKey vk = key("team", "k");
        VirtualKeyStatus ks = StatusBuilders.virtualKey(vk, Optional.empty(), null, usage(6, 4), NOW);
        assertThat(ks.getUsage().getCacheHits()).isEqualTo(4);
        var json = Serialization.jsonMapper().valueToTree(ks).path("usage");
        assertThat(json.path("cacheHits").asLong()).isEqualTo(4);
        assertThat(json.path("semanticCacheHits").asLong()).isEqualTo(1);
        assertThat(json.path("cacheSavedSpend").asText()).isEqualTo("0.0125");
        assertThat(json.path("cachedInputTokens").asLong()).isEqualTo(300);
        assertThat(json.path("cacheWriteTokens").asLong()).isEqualTo(40);

        LlmModel m = model("team", "m", "m", "mock");
        LlmModelStatus ms = StatusBuilders.model(m, Optional.empty(), List.of("team/gw"), usage(6, 4), NOW);
        assertThat(ms.getUsage().getCacheSavedSpend()).isEqualTo("0.0125");
        assertThat(ms.getUsage().getCachedInputTokens()).isEqualTo(300);

        Usage none = new Usage();
        none.setRequests(1L);
        assertThat(Serialization.jsonMapper().valueToTree(StatusBuilders.virtualKey(vk, Optional.empty(), null, none, NOW))
                .path("usage").toString()).as("no cache figures: none shown").doesNotContain("ache");
    }

    @Test
    void aHitAloneIsAFigureThatWaitsForTheStatusWriteBudget() {
        AtomicLong nanos = new AtomicLong();
        StatusWriteBudget budget = new StatusWriteBudget(1, nanos::get);
        LlmModel m = model("team", "m", "m", "mock");
        m.setStatus(StatusBuilders.model(m, Optional.empty(), List.of("team/gw"), usage(6, 4), NOW));
        budget.urgent("models", ResourceID.fromResource(m)); // spends the burst

        LlmModelStatus oneMoreHit = StatusBuilders.model(m, Optional.empty(), List.of("team/gw"), usage(7, 5), NOW);
        UpdateControl<LlmModel> held = StatusPatch.ifChanged(m, oneMoreHit, budget, "models", StatusBuilders::keepModelFigures);
        assertThat(held.isNoUpdate()).as("figures only: held").isTrue();
        assertThat(m.getStatus().getUsage().getCacheHits()).isEqualTo(4);
        assertThat(budget.backlog()).isEqualTo(1);

        // the budget refills and its ticker hands this model a token: its controller then writes the figures
        java.util.Set<ResourceID> granted = java.util.concurrent.ConcurrentHashMap.newKeySet();
        budget.onGrant("models", granted::add);
        nanos.addAndGet(2_000_000_000L);
        budget.start(20);
        try {
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> granted.contains(ResourceID.fromResource(m)));
        } finally {
            budget.stop();
        }
        UpdateControl<LlmModel> written = StatusPatch.ifChanged(m,
                StatusBuilders.model(m, Optional.empty(), List.of("team/gw"), usage(7, 5), NOW), budget, "models",
                StatusBuilders::keepModelFigures);
        assertThat(written.isPatchStatus()).isTrue();
        assertThat(m.getStatus().getUsage().getCacheHits()).isEqualTo(5);
    }
}
