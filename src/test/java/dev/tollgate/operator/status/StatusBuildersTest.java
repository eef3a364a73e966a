package dev.tollgate.operator.status;

import static dev.tollgate.Fixtures.budget;
import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.model;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.BudgetStatus;
import dev.tollgate.api.v1alpha1.Condition;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.GatewayDeploymentStatus;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelStatus;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.StatusBase;
import dev.tollgate.api.v1alpha1.Usage;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeyStatus;
import dev.tollgate.config.BudgetPeriods;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.config.PriceCatalogue;
import dev.tollgate.config.Problem;
import dev.tollgate.config.RenderResult;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentCondition;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class StatusBuildersTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String NOW_TEXT = "2025-06-01T12:00:00Z";

    private static Condition condition(StatusBase s, String type) {
        return s.condition(type).orElseThrow(() -> new AssertionError("no " + type + " condition in " + s.getConditions()));
    }

    private static void assertCondition(StatusBase s, String type, String status, String reason) {
        Condition c = condition(s, type);
        assertThat(c.getStatus()).as(c.toString()).isEqualTo(status);
        assertThat(c.getReason()).as(c.toString()).isEqualTo(reason);
    }

    private static Usage usage(long requests) {
        Usage u = new Usage();
        u.setRequests(requests);
        return u;
    }

    @Nested
    class Gateway {
        private final GatewayDeployment gw = gateway("tollgate", "gw");

        Gateway() {
            gw.getMetadata().setGeneration(3L);
            gw.getSpec().setReplicas(2);
        }

        private RenderResult render(int models, int keys, int budgets, Problem... problems) {
            GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "tollgate/gw", new GatewayConfig.Settings(4000, 10_000, null),
                    Collections.nCopies(models, null), Collections.nCopies(keys, null), Collections.nCopies(budgets, null));
            return new RenderResult(config, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null),
                    "0123456789abcdef", "fedcba9876543210", List.of(problems));
        }

        private Deployment deployment(long generation, Long observed, Integer ready, Integer updated, DeploymentCondition... conditions) {
            return new DeploymentBuilder().withNewMetadata().withNamespace("tollgate").withName("gw").withGeneration(generation)
                    .endMetadata().withNewStatus().withObservedGeneration(observed).withReadyReplicas(ready)
                    .withUpdatedReplicas(updated).withConditions(conditions).endStatus().build();
        }

        private DeploymentCondition deploymentCondition(String type, String status, String reason, String message) {
            return new DeploymentConditionBuilder().withType(type).withStatus(status).withReason(reason).withMessage(message).build();
        }

        @Test
        void beforeTheDeploymentExistsTheGatewayIsProgressing() {
            GatewayDeploymentStatus s = StatusBuilders.gateway(gw, render(0, 0, 0), null, NOW);
            assertCondition(s, "Ready", "False", "PodsNotReady");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("0/2 gateway pods ready: waiting for the Deployment to roll out");
            assertCondition(s, "Degraded", "False", "RollingOut");
            assertCondition(s, "Progressing", "True", "RollingOut");
            assertThat(s.getReadyReplicas()).isZero();
        }

        @Test
        void aGatewayWhoseRoutingDefaultsNameAnUnservedGroupIsReadyWithRoutingResolvedFalse() {
            Problem unknown = new Problem("GatewayDeployment", "tollgate", "gw", "UnknownFallback",
                    "spec.routing.fallbacks names 'gpt-5', a model group this gateway does not serve");
            RenderResult r = render(1, 1, 0);
            r = new RenderResult(r.config(), r.secrets(), r.configHash(), r.settingsHash(), List.of(), List.of(unknown,
                    new Problem("LlmModel", "tollgate", "m", "RoutingConflict", "not the gateway's")));
            GatewayDeploymentStatus s = StatusBuilders.gateway(gw, r, deployment(5, 5L, 2, 2), NOW);
            assertCondition(s, "Ready", "True", "AllReplicasReady");
            assertCondition(s, "RoutingResolved", "False", "UnknownFallback");
            assertThat(condition(s, "RoutingResolved").getMessage()).contains("'gpt-5'").doesNotContain("not the gateway's");
        }

        @Test
        void rolloutInProgress() {
            GatewayDeploymentStatus s = StatusBuilders.gateway(gw, render(1, 1, 0), deployment(5, 5L, 1, 2), NOW);
            assertCondition(s, "Ready", "False", "PodsNotReady");
            assertCondition(s, "Progressing", "True", "RollingOut");
            assertThat(condition(s, "Progressing").getMessage()).isEqualTo("1/2 gateway pods ready");
            assertCondition(s, "Reconciling", "True", "RollingOut");
            assertCondition(s, "Stalled", "False", "RollingOut");
            assertThat(s.getReadyReplicas()).isEqualTo(1);
        }

        @Test
        void podsReadyButNotYetUpdatedIsStillRollingOut() {
            StatusBase s = StatusBuilders.gateway(gw, render(1, 1, 0), deployment(5, 5L, 2, 1), NOW);
            assertCondition(s, "Ready", "False", "PodsNotReady");
        }

        @Test
        void statusOfAnOlderDeploymentGenerationIsNotTrusted() {
            // the Deployment controller has not seen generation 6 yet: its counts describe generation 5
            StatusBase s = StatusBuilders.gateway(gw, render(1, 1, 0), deployment(6, 5L, 2, 2), NOW);
            assertCondition(s, "Ready", "False", "PodsNotReady");
            assertCondition(s, "Progressing", "True", "RollingOut");
        }

        @Test
        void allReplicasReadyAndUpdated() {
            GatewayDeploymentStatus s = StatusBuilders.gateway(gw, render(3, 5, 2), deployment(5, 5L, 2, 2), NOW);
            assertCondition(s, "Ready", "True", "AllReplicasReady");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("2/2 gateway pods ready, serving 3 models and 5 keys");
            assertCondition(s, "Degraded", "False", "AllReplicasReady");
            assertCondition(s, "Progressing", "False", "RolloutComplete");
            assertThat(s.getReadyReplicas()).isEqualTo(2);
            assertThat(s.getModels()).isEqualTo(3);
            assertThat(s.getKeys()).isEqualTo(5);
            assertThat(s.getBudgets()).isEqualTo(2);
            assertThat(s.getConfigHash()).isEqualTo("0123456789abcdef");
            assertThat(s.getEndpoint()).isEqualTo("http://gw.tollgate.svc:4000/v1");
            assertThat(s.getObservedGeneration()).isEqualTo(3L);
            assertThat(s.getConditions()).allSatisfy(c -> {
                assertThat(c.getObservedGeneration()).isEqualTo(3L);
                assertThat(c.getLastTransitionTime()).isEqualTo(NOW_TEXT);
            });
        }

        @Test
        void moreReadyThanDesiredDuringAScaleDownCountsAsReady() {
            StatusBase s = StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 3, 3), NOW);
            assertCondition(s, "Ready", "True", "AllReplicasReady");
        }

        @Test
        void scaledToZeroIsReadyWithoutPods() {
            gw.getSpec().setReplicas(0);
            StatusBase s = StatusBuilders.gateway(gw, render(1, 1, 0), deployment(5, 5L, null, null), NOW);
            assertCondition(s, "Ready", "True", "ScaledToZero");
            assertCondition(s, "Degraded", "False", "ScaledToZero");
            assertCondition(s, "Progressing", "False", "ScaledToZero");
            assertCondition(StatusBuilders.gateway(gw, render(0, 0, 0), null, NOW), "Ready", "True", "ScaledToZero");
        }

        @Test
        void progressDeadlineExceededIsDegraded() {
            Deployment d = deployment(5, 5L, 0, 2, deploymentCondition("Available", "False", "MinimumReplicasUnavailable", "x"),
                    deploymentCondition("Progressing", "False", "ProgressDeadlineExceeded",
                            "ReplicaSet \"gw-7d9\" has timed out progressing."));
            StatusBase s = StatusBuilders.gateway(gw, render(1, 1, 0), d, NOW);
            assertCondition(s, "Ready", "False", "ProgressDeadlineExceeded");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("Deployment gw: ReplicaSet \"gw-7d9\" has timed out progressing.");
            assertCondition(s, "Degraded", "True", "ProgressDeadlineExceeded");
            assertCondition(s, "Stalled", "True", "ProgressDeadlineExceeded");
            assertCondition(s, "Progressing", "False", "ProgressDeadlineExceeded");
        }

        @Test
        void replicaFailureWithoutAReasonIsDeploymentFailed() {
            Deployment d = deployment(5, 5L, 0, 0, deploymentCondition("ReplicaFailure", "True", null, "pods \"gw-1\" is forbidden"));
            StatusBase s = StatusBuilders.gateway(gw, render(0, 0, 0), d, NOW);
            assertCondition(s, "Ready", "False", "DeploymentFailed");
            assertCondition(s, "Degraded", "True", "DeploymentFailed");
        }

        @Test
        void healthyDeploymentConditionsAreNotFailures() {
            Deployment d = deployment(5, 5L, 2, 2, deploymentCondition("Progressing", "True", "NewReplicaSetAvailable", "ok"),
                    deploymentCondition("ReplicaFailure", "False", "Ok", "ok"));
            assertCondition(StatusBuilders.gateway(gw, render(0, 0, 0), d, NOW), "Ready", "True", "AllReplicasReady");
        }

        @Test
        void gatewayLevelRenderProblemMakesItDegradedEvenWithPodsReady() {
            Problem redis = new Problem("GatewayDeployment", "tollgate", "gw", "RedisSecretNotFound",
                    "Secret tollgate/redis with key 'password' (redis.passwordSecretRef) was not found");
            Deployment failing = deployment(5, 5L, 2, 2, deploymentCondition("Progressing", "False", "ProgressDeadlineExceeded", "x"));
            StatusBase s = StatusBuilders.gateway(gw, render(1, 1, 0, redis), failing, NOW);
            assertCondition(s, "Ready", "False", "RedisSecretNotFound");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo(redis.message());
            assertCondition(s, "Degraded", "True", "RedisSecretNotFound");
            assertCondition(s, "Stalled", "True", "RedisSecretNotFound");
            assertCondition(s, "Reconciling", "False", "RedisSecretNotFound");
            assertCondition(s, "Progressing", "False", "RedisSecretNotFound");
        }

        @Test
        void problemsOfServedResourcesDoNotMakeTheGatewayUnready() {
            Problem keyProblem = new Problem("VirtualKey", "team", "ci", "BudgetNotFound", "m");
            Problem modelProblem = new Problem("LlmModel", "tollgate", "gpt", "CredentialsNotFound", "m");
            StatusBase s = StatusBuilders.gateway(gw, render(0, 0, 0, keyProblem, modelProblem), deployment(5, 5L, 2, 2), NOW);
            assertCondition(s, "Ready", "True", "AllReplicasReady");
        }

        @Test
        void transitionTimesMoveOnlyForConditionsThatFlipped() {
            gw.setStatus(StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 1, 2), Instant.parse("2025-06-01T11:00:00Z")));
            GatewayDeploymentStatus s = StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 2, 2), NOW);
            assertThat(s.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getLastTransitionTime)
                    .containsExactly(
                            tuple("Ready", "True", NOW_TEXT),
                            tuple("Degraded", "False", "2025-06-01T11:00:00Z"),
                            tuple("Progressing", "False", NOW_TEXT),
                            tuple("Stalled", "False", "2025-06-01T11:00:00Z"),
                            tuple("Reconciling", "False", NOW_TEXT),
                            tuple("ExactLimits", "False", "2025-06-01T11:00:00Z"));
        }

        @Test
        void limitsAreExactWithOneReplicaOrWithRedisOnly() {
            gw.getSpec().setReplicas(1);
            assertCondition(StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 1, 1), NOW), "ExactLimits", "True", "SingleReplica");
            gw.getSpec().setReplicas(3);
            StatusBase approximate = StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 3, 3), NOW);
            assertCondition(approximate, "ExactLimits", "False", "NoSharedStore");
            assertThat(approximate.condition("ExactLimits").orElseThrow().getMessage()).contains("up to 3x").contains("spec.redis")
                    .contains("budgets are synced every 10s");
            assertThat(((GatewayDeploymentStatus) approximate).getBudgetMode()).isEqualTo("SyncedEvery 10s");
            gw.getSpec().setUsageSyncInterval("30s");
            assertThat(StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 3, 3), NOW).getBudgetMode())
                    .isEqualTo("SyncedEvery 30s");
            dev.tollgate.api.v1alpha1.RedisSpec redis = new dev.tollgate.api.v1alpha1.RedisSpec();
            redis.setUrl("redis://redis:6379");
            gw.getSpec().setRedis(redis);
            assertCondition(StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 3, 3), NOW), "ExactLimits", "True", "SharedStore");
            assertThat(StatusBuilders.gateway(gw, render(0, 0, 0), deployment(5, 5L, 3, 3), NOW).getBudgetMode()).isEqualTo("Exact");
        }

        @Test
        void collectedUsageIsKept() {
            GatewayDeploymentStatus old = new GatewayDeploymentStatus();
            old.setUsage(usage(42));
            gw.setStatus(old);
            assertThat(StatusBuilders.gateway(gw, render(0, 0, 0), null, NOW).getUsage().getRequests()).isEqualTo(42L);
        }

        @Test
        void endpointUsesTheConfiguredPort() {
            gw.getSpec().setPort(8080);
            assertThat(StatusBuilders.gateway(gw, render(0, 0, 0), null, NOW).getEndpoint()).isEqualTo("http://gw.tollgate.svc:8080/v1");
        }
    }

    @Nested
    class Key {
        private final VirtualKey vk = key("team", "ci");

        Key() {
            vk.getMetadata().setGeneration(2L);
        }

        @Test
        void activeKeyWithoutExpiry() {
            VirtualKeyStatus s = StatusBuilders.virtualKey(vk, Optional.empty(), "sk-tg-abcd…", NOW);
            assertThat(s.getConditions()).extracting(Condition::getType, Condition::getStatus, Condition::getReason, Condition::getMessage)
                    .containsExactly(
                            tuple("Ready", "True", "KeyActive", "the key is active"),
                            tuple("Stalled", "False", "KeyActive", "not stalled"),
                            tuple("Reconciling", "False", "KeyActive", "up to date"),
                            tuple("Expired", "False", "NotExpired", "the key does not expire"),
                            tuple("Disabled", "False", "Enabled", "spec.disabled is false"),
                            tuple("BudgetExceeded", "False", "WithinBudget", "no Budget binding this key is exhausted"),
                            tuple("NearBudget", "False", "BelowThreshold", "no Budget binding this key is near its limit"),
                            tuple("RateLimited", "False", "WithinLimits",
                                    "no request was refused for this key's rate limits in the last minute"));
            assertThat(s.getSecretName()).isEqualTo("ci-key");
            assertThat(s.getKeyPrefix()).isEqualTo("sk-tg-abcd…");
            assertThat(s.getObservedGeneration()).isEqualTo(2L);
            assertThat(s.getConditions()).allSatisfy(c -> assertThat(c.getObservedGeneration()).isEqualTo(2L));
        }

        @Test
        void keyIsActiveUntilItsExpiryAndExpiredFromThatInstantOn() {
            vk.getSpec().setExpiresAt("2025-06-01T12:00:00Z");
            StatusBase before = StatusBuilders.virtualKey(vk, Optional.empty(), null, NOW.minusMillis(1));
            assertCondition(before, "Ready", "True", "KeyActive");
            assertThat(condition(before, "Ready").getMessage()).startsWith("the key is active until 2025-06-01T12:00");
            assertCondition(before, "Expired", "False", "NotExpired");

            StatusBase at = StatusBuilders.virtualKey(vk, Optional.empty(), null, NOW);
            // expired on purpose is the state its owner asked for: Ready (kstatus, kubectl wait), Expired says why
            assertCondition(at, "Ready", "True", "Expired");
            assertCondition(at, "Stalled", "False", "Expired");
            assertThat(condition(at, "Ready").getMessage()).contains("set a later spec.expiresAt");
            assertCondition(at, "Expired", "True", "Expired");
            assertCondition(at, "Disabled", "False", "Enabled");
        }

        @Test
        void expiryWithAnOffsetIsComparedAsAnInstant() {
            vk.getSpec().setExpiresAt("2025-06-01T14:00:00+02:00"); // 12:00Z
            assertCondition(StatusBuilders.virtualKey(vk, Optional.empty(), null, Instant.parse("2025-06-01T11:59:59Z")),
                    "Expired", "False", "NotExpired");
            assertCondition(StatusBuilders.virtualKey(vk, Optional.empty(), null, Instant.parse("2025-06-01T12:00:01Z")),
                    "Expired", "True", "Expired");
        }

        @Test
        void disabledKey() {
            vk.getSpec().setDisabled(true);
            StatusBase s = StatusBuilders.virtualKey(vk, Optional.empty(), "sk-tg-abcd…", NOW);
            assertCondition(s, "Ready", "True", "Disabled");
            assertCondition(s, "Reconciling", "False", "Disabled");
            assertThat(condition(s, "Ready").getMessage()).contains("refused (401)");
            assertCondition(s, "Disabled", "True", "Disabled");
            assertCondition(s, "Expired", "False", "NotExpired");
        }

        @Test
        void disabledAndExpiredReportsBothWithDisabledAsTheReason() {
            vk.getSpec().setDisabled(true);
            vk.getSpec().setExpiresAt("2025-01-01T00:00:00Z");
            StatusBase s = StatusBuilders.virtualKey(vk, Optional.empty(), null, NOW);
            assertCondition(s, "Ready", "True", "Disabled");
            assertCondition(s, "Expired", "True", "Expired");
            assertCondition(s, "Disabled", "True", "Disabled");
        }

        @Test
        void problemComesFirst() {
            vk.getSpec().setDisabled(true);
            Problem p = new Problem("VirtualKey", "team", "ci", "DuplicateKey", "the key value is the same as that of VirtualKey team/old");
            StatusBase s = StatusBuilders.virtualKey(vk, Optional.of(p), null, NOW);
            assertCondition(s, "Ready", "False", "DuplicateKey");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo(p.message());
            assertCondition(s, "Stalled", "True", "DuplicateKey");
            assertCondition(s, "Reconciling", "False", "DuplicateKey");
            assertCondition(s, "Disabled", "True", "Disabled");
        }

        @Test
        void unreadableExpiryIsAProblem() {
            vk.getSpec().setExpiresAt("tomorrow");
            StatusBase s = StatusBuilders.virtualKey(vk, Optional.empty(), "sk-tg-abcd…", NOW);
            assertCondition(s, "Ready", "False", "InvalidSpec");
            assertThat(condition(s, "Ready").getMessage()).contains("'tomorrow'");
        }

        @Test
        void keyProblemWinsOverAnUnreadableExpiry() {
            vk.getSpec().setExpiresAt("tomorrow");
            Problem p = new Problem("VirtualKey", "team", "ci", "KeySecretNotFound", "m");
            assertCondition(StatusBuilders.virtualKey(vk, Optional.of(p), null, NOW), "Ready", "False", "KeySecretNotFound");
        }

        @Test
        void secretNameFollowsTheSpecAndUsageIsKept() {
            vk.getSpec().setSecretName("custom");
            VirtualKeyStatus old = new VirtualKeyStatus();
            old.setUsage(usage(7));
            vk.setStatus(old);
            VirtualKeyStatus s = StatusBuilders.virtualKey(vk, Optional.empty(), null, NOW);
            assertThat(s.getSecretName()).isEqualTo("custom");
            assertThat(s.getKeyPrefix()).isNull();
            assertThat(s.getUsage().getRequests()).isEqualTo(7L);
        }

        @Test
        void expiringKeepsTheReadyTransitionAtTheFlip() {
            vk.getSpec().setExpiresAt("2025-06-01T12:00:00Z");
            vk.setStatus(StatusBuilders.virtualKey(vk, Optional.empty(), null, Instant.parse("2025-06-01T10:00:00Z")));
            VirtualKeyStatus s = StatusBuilders.virtualKey(vk, Optional.empty(), null, Instant.parse("2025-06-01T12:00:00.050Z"));
            assertThat(condition(s, "Expired").getLastTransitionTime()).isEqualTo("2025-06-01T12:00:00Z");
            assertThat(condition(s, "Ready").getLastTransitionTime()).as("Ready stays True: no flip").isEqualTo("2025-06-01T10:00:00Z");
            assertThat(condition(s, "Disabled").getLastTransitionTime()).isEqualTo("2025-06-01T10:00:00Z");
        }
    }

    /** Ready means served: the gateways' verdict (RenderedGateways.Admission) decides, in kstatus' terms. */
    @Nested
    class Admission {
        private final VirtualKey vk = key("team", "ci");
        private final dev.tollgate.operator.RenderedGateways.Admission served =
                new dev.tollgate.operator.RenderedGateways.Admission(List.of("tollgate/gw"), Optional.empty(), true);
        private final dev.tollgate.operator.RenderedGateways.Admission nobody =
                new dev.tollgate.operator.RenderedGateways.Admission(List.of(), Optional.empty(), true);
        private final dev.tollgate.operator.RenderedGateways.Admission notYet =
                new dev.tollgate.operator.RenderedGateways.Admission(List.of(), Optional.empty(), false);

        Admission() {
            vk.getMetadata().setGeneration(2L);
        }

        private VirtualKeyStatus keyStatus(dev.tollgate.operator.RenderedGateways.Admission a) {
            return StatusBuilders.virtualKey(vk, Optional.empty(), null, null, List.of(), 0, a, NOW);
        }

        @Test
        void aServedKeyIsReadyAndNamesItsGateways() {
            VirtualKeyStatus s = keyStatus(served);
            assertCondition(s, "Ready", "True", "KeyActive");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("the key is active (served by tollgate/gw)");
            assertCondition(s, "Stalled", "False", "KeyActive");
            assertCondition(s, "Reconciling", "False", "KeyActive");
        }

        @Test
        void aKeyNoGatewayAdmitsIsStalledAsNotAdmitted() {
            VirtualKeyStatus s = keyStatus(nobody);
            assertCondition(s, "Ready", "False", "NotAdmitted");
            assertCondition(s, "Stalled", "True", "NotAdmitted");
            assertThat(condition(s, "Ready").getMessage()).contains("namespace team").contains("spec.keys").contains("401");
        }

        @Test
        void aProblemAGatewaysRenderFoundLandsOnTheKey() {
            Problem missing = new Problem("VirtualKey", "team", "ci", "BudgetNotFound",
                    "gateway tollgate/gw: budgetRefs names Budget team/gone, which does not exist");
            VirtualKeyStatus s = keyStatus(new dev.tollgate.operator.RenderedGateways.Admission(List.of(), Optional.of(missing), true));
            assertCondition(s, "Ready", "False", "BudgetNotFound");
            assertCondition(s, "Stalled", "True", "BudgetNotFound");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo(missing.message());
        }

        @Test
        void untilTheGatewaysRenderedANewGenerationTheKeyIsReconciling() {
            VirtualKeyStatus s = keyStatus(notYet);
            assertCondition(s, "Ready", "False", "WaitingForGateway");
            assertCondition(s, "Reconciling", "True", "WaitingForGateway");
            assertCondition(s, "Stalled", "False", "WaitingForGateway");
        }

        @Test
        void afterAnOperatorRestartAStatusOfTheSameGenerationStandsUntilTheGatewaysRendered() {
            vk.setStatus(keyStatus(served));
            VirtualKeyStatus s = keyStatus(notYet);
            assertCondition(s, "Ready", "True", "KeyActive");
            assertThat(condition(s, "Ready").getMessage()).contains("served by tollgate/gw");
            assertCondition(s, "Reconciling", "False", "KeyActive");

            vk.getMetadata().setGeneration(3L); // a spec change: the old verdict says nothing about it
            assertCondition(keyStatus(notYet), "Reconciling", "True", "WaitingForGateway");
        }

        @Test
        void disabledButNotAdmittedIsStalledNotReady() {
            vk.getSpec().setDisabled(true);
            assertCondition(keyStatus(nobody), "Ready", "False", "NotAdmitted");
            assertCondition(keyStatus(served), "Ready", "True", "Disabled");
        }

        @Test
        void aModelNoGatewayServesIsNotAdmittedAndAServedOneNamesItsGateways() {
            LlmModel m = model("team", "gpt", "gpt-4o", "openai");
            LlmModelStatus unserved = StatusBuilders.model(m, Optional.empty(), List.of(), null, nobody, NOW);
            assertCondition(unserved, "Ready", "False", "NotAdmitted");
            assertCondition(unserved, "Stalled", "True", "NotAdmitted");
            LlmModelStatus ok = StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null, served, NOW);
            assertCondition(ok, "Ready", "True", "Served");
            assertThat(condition(ok, "Ready").getMessage()).isEqualTo("served by tollgate/gw");
        }

        @Test
        void aServedModelWhoseRoutingIsNotQuiteAsDeclaredIsReadyWithRoutingResolvedFalse() {
            LlmModel m = model("team", "gpt", "gpt-4o", "openai");
            Problem conflict = new Problem("LlmModel", "team", "gpt", "RoutingConflict",
                    "gateway tollgate/gw: spec.routing differs from that of LlmModel team/old");
            Problem unknown = new Problem("LlmModel", "team", "gpt", "UnknownFallback",
                    "gateway tollgate/gw: spec.routing.fallbacks names 'gpt-5'");
            LlmModelStatus s = StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null,
                    new dev.tollgate.operator.RenderedGateways.Admission(List.of("tollgate/gw"), Optional.empty(), true,
                            List.of(conflict, unknown)), NOW);
            assertCondition(s, "Ready", "True", "Served");
            assertCondition(s, "RoutingResolved", "False", "RoutingConflict");
            assertThat(condition(s, "RoutingResolved").getMessage()).contains("team/old").contains("'gpt-5'");
            // once fixed, the condition is gone
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null, served, NOW)
                    .getConditions()).noneMatch(c -> c.getType().equals("RoutingResolved"));
        }

        /** Cache warnings are their own condition: routing ones stay in RoutingResolved, Ready stays True. */
        @Test
        void aServedModelWhoseCacheIsNotQuiteAsDeclaredIsReadyWithCacheResolvedFalse() {
            LlmModel m = model("team", "gpt", "gpt-4o", "openai");
            Problem cache = new Problem("LlmModel", "team", "gpt", "UnknownEmbeddingModel",
                    "gateway tollgate/gw: spec.cache.semantic.embeddingModel names 'embed'");
            Problem routing = new Problem("LlmModel", "team", "gpt", "UnknownFallback",
                    "gateway tollgate/gw: spec.routing.fallbacks names 'gpt-5'");
            LlmModelStatus s = StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null,
                    new dev.tollgate.operator.RenderedGateways.Admission(List.of("tollgate/gw"), Optional.empty(), true,
                            List.of(cache, routing)), NOW);
            assertCondition(s, "Ready", "True", "Served");
            assertCondition(s, "CacheResolved", "False", "UnknownEmbeddingModel");
            assertThat(condition(s, "CacheResolved").getMessage()).contains("'embed'").doesNotContain("gpt-5");
            assertCondition(s, "RoutingResolved", "False", "UnknownFallback");
            assertThat(condition(s, "RoutingResolved").getMessage()).doesNotContain("embed");
            // a cache warning alone makes no RoutingResolved condition, and once fixed CacheResolved is gone
            LlmModelStatus only = StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null,
                    new dev.tollgate.operator.RenderedGateways.Admission(List.of("tollgate/gw"), Optional.empty(), true,
                            List.of(cache)), NOW);
            assertThat(only.getConditions()).noneMatch(c -> c.getType().equals("RoutingResolved"));
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw"), null, served, NOW)
                    .getConditions()).noneMatch(c -> c.getType().equals("CacheResolved"));
        }

        @Test
        void aModelOfAnUnservedProviderIsStalled() {
            LlmModel m = model("team", "claude", "claude-sonnet-4-20250514", "anthropic");
            // every registry provider is served since issue 18: a gateway version without anthropic's adapter
            Problem p = dev.tollgate.config.Checks.provider(m, x -> x != dev.tollgate.config.Provider.ANTHROPIC)
                    .problem();
            LlmModelStatus s = StatusBuilders.model(m, Optional.of(p), List.of(), null, nobody, NOW);
            assertCondition(s, "Ready", "False", "ProviderNotSupported");
            assertCondition(s, "Stalled", "True", "ProviderNotSupported");
        }

        @Test
        void aBudgetNoGatewayEnforcesIsNotAdmitted() {
            Budget b = budget("team", "monthly", "100.00", "monthly");
            BudgetStatus s = StatusBuilders.budget(b, Optional.empty(), null, 0, null, nobody, NOW);
            assertCondition(s, "Ready", "False", "NotAdmitted");
            assertThat(condition(s, "Ready").getMessage()).contains("BudgetNotFound");
            assertCondition(StatusBuilders.budget(b, Optional.empty(), null, 0, null, served, NOW), "Ready", "True", "BudgetActive");
        }
    }

    @Nested
    class Model {
        private final LlmModel m = model("ai", "gpt", "gpt-4o", "openai");

        @Test
        void problemMakesItUnready() {
            Problem p = new Problem("LlmModel", "ai", "gpt", "CredentialsNotFound", "Secret ai/x was not found");
            LlmModelStatus s = StatusBuilders.model(m, Optional.of(p), List.of("tollgate/gw"), NOW);
            assertCondition(s, "Ready", "False", "CredentialsNotFound");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("Secret ai/x was not found");
        }

        @Test
        void validButUnservedModelIsReadyAndSaysSo() {
            LlmModelStatus s = StatusBuilders.model(m, Optional.empty(), List.of(), NOW);
            assertCondition(s, "Ready", "True", "NotServed");
            assertThat(s.getGateways()).isEmpty();
        }

        @Test
        void servedModelNamesItsGateways() {
            m.getMetadata().setGeneration(4L);
            LlmModelStatus s = StatusBuilders.model(m, Optional.empty(), List.of("tollgate/gw", "team/gw2"), NOW);
            assertCondition(s, "Ready", "True", "Served");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("served by tollgate/gw, team/gw2");
            assertThat(s.getGateways()).containsExactly("tollgate/gw", "team/gw2");
            assertThat(s.getObservedGeneration()).isEqualTo(4L);
        }

        @Test
        void pricingSourceIsSpecThenCatalogueVersionThenNull() {
            // gpt-4o from openai is in the bundled catalogue.
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of(), NOW).getPricingSource())
                    .isEqualTo("catalogue/" + PriceCatalogue.bundled().version());
            m.getSpec().setPricing(new Pricing("1", "2"));
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of(), NOW).getPricingSource()).isEqualTo("spec");
            m.getSpec().setPricing(null);
            m.getSpec().setModel("my-finetune");
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of(), NOW).getPricingSource()).isNull();
            m.getSpec().setPricing(new Pricing("1.2.3", "2"));
            assertThat(StatusBuilders.model(m, Optional.empty(), List.of(), NOW).getPricingSource()).isNull();
        }
    }

    @Nested
    class BudgetStatuses {
        private final Budget b = budget("team", "monthly", "25.00", "monthly");

        @Test
        void activeBudgetShowsItsPeriodAndCoverage() {
            var window = new BudgetPeriods.Window(Instant.parse("2025-06-01T00:00:00Z"), Instant.parse("2025-07-01T00:00:00Z"));
            BudgetStatus s = StatusBuilders.budget(b, Optional.empty(), window, 3, NOW);
            assertCondition(s, "Ready", "True", "BudgetActive");
            assertThat(condition(s, "Ready").getMessage()).isEqualTo("limit 25.00 USD per monthly over 3 keys");
            assertThat(s.getKeysCovered()).isEqualTo(3);
            assertThat(s.getPeriodStart()).isEqualTo("2025-06-01T00:00:00Z");
            assertThat(s.getResetsAt()).isEqualTo("2025-07-01T00:00:00Z");
        }

        @Test
        void aTagBudgetSaysWhichTagsItCovers() {
            var window = new BudgetPeriods.Window(Instant.parse("2025-06-01T00:00:00Z"), Instant.parse("2025-07-01T00:00:00Z"));
            b.getSpec().setTags(List.of("feature:search", "env-prod"));
            BudgetStatus s = StatusBuilders.budget(b, Optional.empty(), window, 0, NOW);
            assertThat(condition(s, "Ready").getMessage())
                    .isEqualTo("limit 25.00 USD per monthly over 0 keys and requests tagged env-prod, feature:search");
        }

        @Test
        void invalidBudgetHasNoPeriod() {
            Problem p = new Problem("Budget", "team", "monthly", "InvalidTimeZone", "timeZone 'Mars/Base' is not an IANA time zone");
            BudgetStatus s = StatusBuilders.budget(b, Optional.of(p), null, 0, NOW);
            assertCondition(s, "Ready", "False", "InvalidTimeZone");
            assertThat(s.getPeriodStart()).isNull();
            assertThat(s.getResetsAt()).isNull();
        }

        @Test
        void spendComesFromTheMergedUsageOfThePeriod() {
            dev.tollgate.api.v1alpha1.Usage usage = new dev.tollgate.api.v1alpha1.Usage();
            usage.setPeriodSpend("12.34");
            BudgetStatus s = StatusBuilders.budget(b, Optional.empty(), null, 1, usage, NOW);
            assertThat(s.getSpend()).isEqualTo("12.34");
            assertThat(s.getRemaining()).isEqualTo(dev.tollgate.config.Money.format(
                    dev.tollgate.config.Money.parseMicros(b.getSpec().getLimit()) - 12_340_000));
            assertThat(s.getUsage()).isSameAs(usage);
            // the usage kept in status is carried over when none is given
            b.setStatus(s);
            assertThat(StatusBuilders.budget(b, Optional.empty(), null, 1, NOW).getSpend()).isEqualTo("12.34");
        }
    }
}
