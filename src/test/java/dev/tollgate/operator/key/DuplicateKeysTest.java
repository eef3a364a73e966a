package dev.tollgate.operator.key;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.key;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.config.Keys;
import dev.tollgate.config.RenderInput;
import dev.tollgate.config.RenderResult;
import dev.tollgate.config.Renderer;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class DuplicateKeysTest {
    private static final String H1 = Keys.sha256Hex("first value");
    private static final String H2 = Keys.sha256Hex("second value");
    private static final String T1 = "2025-01-01T00:00:00Z";
    private static final String T2 = "2025-02-01T00:00:00Z";
    private static final String T3 = "2025-03-01T00:00:00Z";
    private static final ResourceID A = new ResourceID("a", "team");
    private static final ResourceID B = new ResourceID("b", "team");
    private static final ResourceID C = new ResourceID("c", "team");

    private final DuplicateKeys duplicates = new DuplicateKeys();
    /** Stands in for the informer cache: which VirtualKeys still exist. */
    private final Set<ResourceID> live = new HashSet<>();

    private DuplicateKeys.Outcome register(ResourceID id, String hash, String createdAt) {
        live.add(id);
        return duplicates.register(id, hash, createdAt, live::contains);
    }

    @Test
    void entriesOfDeletedKeysDoNotAccumulate() {
        for (int i = 0; i < 100; i++) {
            register(new ResourceID("gone-" + i, "team"), Keys.sha256Hex("gone " + i), T1);
        }
        live.clear(); // all deleted, each under its own hash: no later call looks at those hashes
        for (int i = 0; i < 300; i++) {
            register(new ResourceID("k-" + i, "team"), Keys.sha256Hex("value " + i), T2);
        }
        assertThat(duplicates.size()).isEqualTo(300);
    }

    @Test
    void loneKeyKeepsItsValueAndAffectsNoOne() {
        DuplicateKeys.Outcome o = register(A, H1, T1);
        assertThat(o.keptBy()).isEmpty();
        assertThat(o.affected()).isEmpty();
    }

    @Test
    void keysWithDifferentValuesDoNotInteract() {
        register(A, H1, T1);
        DuplicateKeys.Outcome o = register(B, H2, T2);
        assertThat(o.keptBy()).isEmpty();
        assertThat(o.affected()).isEmpty();
    }

    @Test
    void newerDuplicateIsRefusedInFavourOfTheOlder() {
        register(A, H1, T1);
        DuplicateKeys.Outcome o = register(B, H1, T2);
        assertThat(o.keptBy()).contains(A);
        assertThat(o.affected()).containsExactly(A);
    }

    @Test
    void olderKeyReconciledLaterTakesOverAndTheNewerIsRechecked() {
        assertThat(register(B, H1, T2).keptBy()).isEmpty();
        DuplicateKeys.Outcome older = register(A, H1, T1);
        assertThat(older.keptBy()).isEmpty();
        assertThat(older.affected()).containsExactly(B);
        // B's recheck now finds it is the duplicate
        assertThat(register(B, H1, T2).keptBy()).contains(A);
    }

    @Test
    void reconcilingAgainWithoutChangeAffectsNoOne() {
        register(A, H1, T1);
        register(B, H1, T2);
        DuplicateKeys.Outcome a = register(A, H1, T1);
        DuplicateKeys.Outcome b = register(B, H1, T2);
        assertThat(a.keptBy()).isEmpty();
        assertThat(a.affected()).isEmpty();
        assertThat(b.keptBy()).contains(A);
        assertThat(b.affected()).isEmpty();
    }

    @Test
    void keyChangingItsValueReleasesTheOldOneAndJoinsTheNew() {
        register(A, H1, T2);
        register(B, H1, T3);   // B is A's duplicate
        register(C, H2, T1);   // C, the oldest, holds H2
        DuplicateKeys.Outcome o = register(A, H2, T2);
        assertThat(o.keptBy()).contains(C);
        assertThat(o.affected()).containsExactlyInAnyOrder(B, C);
        assertThat(register(B, H1, T3).keptBy()).as("B now holds H1 alone").isEmpty();
    }

    @Test
    void keyLosingItsValueReleasesIt() {
        register(A, H1, T1);
        register(B, H1, T2);
        DuplicateKeys.Outcome o = register(A, null, T1); // e.g. its Secret was deleted
        assertThat(o.keptBy()).isEmpty();
        assertThat(o.affected()).containsExactly(B);
        assertThat(register(B, H1, T2).keptBy()).isEmpty();
    }

    @Test
    void keyWithoutAValueThatNeverHadOneAffectsNoOne() {
        register(A, H1, T1);
        DuplicateKeys.Outcome o = register(B, null, T2);
        assertThat(o.keptBy()).isEmpty();
        assertThat(o.affected()).isEmpty();
    }

    @Test
    void deletedKeysAreForgottenAtTheNextRegistration() {
        register(A, H1, T1);
        register(B, H1, T2);
        live.remove(A); // deleted: no register call for it
        DuplicateKeys.Outcome o = register(B, H1, T2);
        assertThat(o.keptBy()).isEmpty();
        assertThat(o.affected()).doesNotContain(A);

        // and a newcomer with the value now meets B, not the deleted A
        assertThat(register(C, H1, T3).keptBy()).contains(B);
    }

    @Test
    void sameCreationTimeFallsBackToNamespaceThenNameLikeTheRenderer() {
        ResourceID teamAZeta = new ResourceID("zeta", "team-a");
        ResourceID teamBAlpha = new ResourceID("alpha", "team-b");
        register(teamAZeta, H1, T1);
        assertThat(register(teamBAlpha, H1, T1).keptBy()).contains(teamAZeta);
        assertThat(register(teamAZeta, H1, T1).keptBy()).isEmpty();
    }

    @Test
    void keyWithoutCreationTimeLosesToADatedOneLikeTheRenderer() {
        register(B, H1, T2);
        assertThat(register(A, H1, null).keptBy()).contains(B);
        assertThat(register(B, H1, T2).keptBy()).isEmpty();
    }

    /** The renderer decides which key a gateway serves; the key's status must name the same winner. */
    @Test
    void agreesWithTheRendererOnTheWinner() {
        String value = "sk-tg-shared-0123456789abcdefghijklmnopqrstuvwxyz";
        String[][] keys = {
                {"team-b", "alpha", T1}, {"team-a", "zeta", T1}, {"team-a", "zulu", T1}, {"team-c", "aaa", T2},
                {"team-a", "undated", null}, {"team-0", "late", T3},
        };
        Map<String, Secret> secrets = new HashMap<>();
        List<VirtualKey> vks = new ArrayList<>();
        for (String[] k : keys) {
            VirtualKey vk = key(k[0], k[1]);
            vk.getMetadata().setCreationTimestamp(k[2]);
            vks.add(vk);
            secrets.put(k[0] + "/" + k[1] + "-key", secret(k[0], k[1] + "-key", Map.of("key", value)));
        }
        GatewayDeployment gw = gateway("tollgate", "gw");
        Selection everywhere = new Selection();
        everywhere.setNamespaceSelector(new LabelSelector());
        gw.getSpec().setKeys(everywhere);
        RenderResult r = Renderer.render(new RenderInput(gw, List.of(), vks, List.of(), ns -> Map.of(),
                (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name))));
        assertThat(r.config().keys()).hasSize(1);
        String served = r.config().keys().get(0).id();

        Random random = new Random(7);
        for (int round = 0; round < 10; round++) {
            DuplicateKeys fresh = new DuplicateKeys();
            List<VirtualKey> order = new ArrayList<>(vks);
            Collections.shuffle(order, random);
            Set<ResourceID> all = new HashSet<>();
            order.forEach(vk -> all.add(ResourceID.fromResource(vk)));
            order.forEach(vk -> fresh.register(ResourceID.fromResource(vk), Keys.sha256Hex(value),
                    vk.getMetadata().getCreationTimestamp(), all::contains));
            // once everyone has been registered, a recheck of any key names the same winner
            for (VirtualKey vk : order) {
                var o = fresh.register(ResourceID.fromResource(vk), Keys.sha256Hex(value),
                        vk.getMetadata().getCreationTimestamp(), all::contains);
                String id = vk.getMetadata().getNamespace() + "/" + vk.getMetadata().getName();
                String winner = o.keptBy().map(w -> w.getNamespace().orElseThrow() + "/" + w.getName()).orElse(id);
                assertThat(winner).as("%s in order %s", id, order.stream().map(v -> v.getMetadata().getName()).toList())
                        .isEqualTo(served);
            }
        }
    }
}
