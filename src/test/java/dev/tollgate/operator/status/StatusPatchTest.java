package dev.tollgate.operator.status;

import static dev.tollgate.Fixtures.key;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.List;
import org.junit.jupiter.api.Test;

class StatusPatchTest {

    private static VirtualKeyStatus status(String prefix, String ltt) {
        VirtualKeyStatus s = new VirtualKeyStatus();
        s.setObservedGeneration(2L);
        s.setSecretName("ci-key");
        s.setKeyPrefix(prefix);
        Condition c = new Condition("Ready", "True", "KeyActive", "the key is active");
        c.setLastTransitionTime(ltt);
        s.setConditions(List.of(c));
        Usage u = new Usage();
        u.setRequests(5L);
        u.setTotalSpend("1.50");
        s.setUsage(u);
        return s;
    }

    @Test
    void equalContentInDistinctObjectsIsTheSame() {
        assertThat(StatusPatch.same(status("sk-tg-abcd…", "2025-01-01T00:00:00Z"), status("sk-tg-abcd…", "2025-01-01T00:00:00Z")))
                .isTrue();
    }

    @Test
    void anyDifferenceIncludingNestedOnesIsNotTheSame() {
        VirtualKeyStatus a = status("sk-tg-abcd…", "2025-01-01T00:00:00Z");
        assertThat(StatusPatch.same(a, status("sk-tg-wxyz…", "2025-01-01T00:00:00Z"))).isFalse();
        assertThat(StatusPatch.same(a, status("sk-tg-abcd…", "2025-01-01T00:00:01Z"))).isFalse();
        VirtualKeyStatus moreRequests = status("sk-tg-abcd…", "2025-01-01T00:00:00Z");
        moreRequests.getUsage().setRequests(6L);
        assertThat(StatusPatch.same(a, moreRequests)).isFalse();
    }

    @Test
    void nullIsOnlyTheSameAsNull() {
        assertThat(StatusPatch.same(null, null)).isTrue();
        assertThat(StatusPatch.same(null, new VirtualKeyStatus())).isFalse();
        assertThat(StatusPatch.same(new VirtualKeyStatus(), null)).isFalse();
    }

    @Test
    void unchangedStatusIsNotPatched() {
        VirtualKey vk = key("team", "ci");
        VirtualKeyStatus current = status("sk-tg-abcd…", "2025-01-01T00:00:00Z");
        vk.setStatus(current);
        UpdateControl<VirtualKey> control = StatusPatch.ifChanged(vk, status("sk-tg-abcd…", "2025-01-01T00:00:00Z"));
        assertThat(control.isNoUpdate()).isTrue();
        assertThat(vk.getStatus()).isSameAs(current);
    }

    @Test
    void changedStatusIsSetAndPatched() {
        VirtualKey vk = key("team", "ci");
        vk.setStatus(status("sk-tg-abcd…", "2025-01-01T00:00:00Z"));
        VirtualKeyStatus desired = status("sk-tg-abcd…", "2025-02-01T00:00:00Z");
        UpdateControl<VirtualKey> control = StatusPatch.ifChanged(vk, desired);
        assertThat(control.isPatchStatus()).isTrue();
        assertThat(control.getResource()).containsSame(vk);
        assertThat(vk.getStatus()).isSameAs(desired);
    }

    @Test
    void firstStatusIsPatched() {
        VirtualKey vk = key("team", "ci");
        assertThat(StatusPatch.ifChanged(vk, new VirtualKeyStatus()).isPatchStatus()).isTrue();
    }

    @Test
    void describeSaysWhatTheApiAnswered() {
        var e = new KubernetesClientException(new StatusBuilder().withCode(409)
                .withMessage("Operation cannot be fulfilled: the object has been modified").build());
        assertThat(StatusPatch.describe(e)).isEqualTo(
                "the Kubernetes API answered 409: Operation cannot be fulfilled: the object has been modified (the operator retries)");
    }

    @Test
    void describeNamesOtherExceptionsByKindAndMessage() {
        assertThat(StatusPatch.describe(new IllegalStateException("boom")))
                .isEqualTo("IllegalStateException: boom (the operator retries)");
    }

    @Test
    void describeKeepsConditionMessagesShort() {
        String d = StatusPatch.describe(new IllegalStateException("x".repeat(20_000)));
        assertThat(d).hasSizeLessThan(StatusPatch.MAX_MESSAGE + 100).startsWith("IllegalStateException: xxx")
                .endsWith("… (19023 more characters in the operator log) (the operator retries)");
    }

    /** Figures-only changes go through the status write budget; anything else is written at once. */
    @Test
    void underTheWriteBudgetFiguresWaitForATokenAndConditionChangesDoNot() {
        var budget = new dev.tollgate.operator.usage.StatusWriteBudget(1, System::nanoTime);
        java.util.function.BiConsumer<VirtualKeyStatus, VirtualKeyStatus> keep = (old, held) -> held.setUsage(old.getUsage());
        java.util.List<io.javaoperatorsdk.operator.processing.event.ResourceID> granted = new java.util.ArrayList<>();
        budget.onGrant("keys", granted::add);
        // spend the one token this budget holds
        budget.urgent("keys", new io.javaoperatorsdk.operator.processing.event.ResourceID("other", "team"));

        VirtualKey vk = key("team", "ci");
        vk.setStatus(status("sk-tg-abcd…", "2025-01-01T00:00:00Z"));
        VirtualKeyStatus moreRequests = status("sk-tg-abcd…", "2025-01-01T00:00:00Z");
        moreRequests.getUsage().setRequests(6L);
        UpdateControl<VirtualKey> held = StatusPatch.ifChanged(vk, moreRequests, budget, "keys", keep);
        assertThat(held.isPatchStatus()).as("figures only, no token: held").isFalse();
        assertThat(vk.getStatus().getUsage().getRequests()).isEqualTo(5L);
        assertThat(budget.backlog()).isEqualTo(1);

        VirtualKeyStatus flipped = status("sk-tg-abcd…", "2025-01-01T00:00:00Z");
        flipped.getUsage().setRequests(6L);
        flipped.setConditions(List.of(new Condition("Ready", "False", "Disabled", "x")));
        UpdateControl<VirtualKey> urgent = StatusPatch.ifChanged(vk, flipped, budget, "keys", keep);
        assertThat(urgent.isPatchStatus()).as("a condition changed: written at once, figures included").isTrue();
        assertThat(vk.getStatus().getUsage().getRequests()).isEqualTo(6L);
        assertThat(budget.backlog()).as("the urgent write took it out of the queue").isZero();
    }
}
