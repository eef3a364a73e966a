package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.CacheFixtures.cache;
import static dev.tollgate.gateway.cache.CacheFixtures.key;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Who shares cache entries under each scope, and ids that never confuse two partitions. */
class PartitionTest {
    static final CacheControls EXPERIMENT = new CacheControls(false, false, null, null, "exp");

    @Test
    void scopeNamespaceSharesWithinTheKeysNamespace() {
        GatewayConfig.Cache c = new GatewayConfig.Cache(new GatewayConfig.Exact(1000, 1000), null, null, "p1");
        Partition p = Partition.of(c, key("team-a/alice"), "gpt", CacheControls.NONE);
        assertThat(p).isEqualTo(new Partition("team-a", "ns:team-a", "gpt", "p1", null));
        assertThat(Partition.of(c, key("team-a/bob"), "gpt", CacheControls.NONE).id()).isEqualTo(p.id());
        assertThat(Partition.of(c, key("team-b/alice"), "gpt", CacheControls.NONE).id()).isNotEqualTo(p.id());
    }

    @Test
    void scopeKeyKeepsEachKeyApart() {
        Partition alice = Partition.of(cache("key"), key("team-a/alice"), "gpt", CacheControls.NONE);
        assertThat(alice).isEqualTo(new Partition("team-a", "key:team-a/alice", "gpt", null, null));
        assertThat(Partition.of(cache("key"), key("team-a/bob"), "gpt", CacheControls.NONE).id())
                .isNotEqualTo(alice.id());
    }

    @Test
    void scopeGatewaySharesWithEveryKeyAndBelongsToNoNamespace() {
        Partition a = Partition.of(cache("gateway"), key("team-a/alice"), "gpt", CacheControls.NONE);
        assertThat(a).isEqualTo(new Partition("", "gateway", "gpt", null, null));
        assertThat(Partition.of(cache("gateway"), key("team-b/bob"), "gpt", CacheControls.NONE).id()).isEqualTo(a.id());
        assertThat(Partition.of(cache("gateway"), null, "gpt", CacheControls.NONE)).isEqualTo(a);
    }

    @Test
    void theClientsNamespaceDividesOnlyItsOwnTenant() {
        Partition plain = Partition.of(cache("namespace"), key("team-a/alice"), "gpt", CacheControls.NONE);
        Partition exp = Partition.of(cache("namespace"), key("team-a/alice"), "gpt", EXPERIMENT);
        Partition otherTenant = Partition.of(cache("namespace"), key("team-b/alice"), "gpt", EXPERIMENT);
        assertThat(exp.tenant()).isEqualTo("ns:team-a");
        assertThat(exp.clientNamespace()).isEqualTo("exp");
        assertThat(exp.id()).isNotEqualTo(plain.id()).isNotEqualTo(otherTenant.id());
        // a client namespace spelled like another tenant still lives in its own tenant
        Partition spoof = Partition.of(cache("namespace"), key("team-a/alice"), "gpt",
                new CacheControls(false, false, null, null, "ns:team-b"));
        assertThat(spoof.tenant()).isEqualTo("ns:team-a");
        assertThat(spoof.id()).isNotEqualTo(
                Partition.of(cache("namespace"), key("team-b/x"), "gpt", CacheControls.NONE).id());
    }

    @Test
    void groupsAndPurgeTokensSeparate() {
        Partition gpt = Partition.of(cache("namespace"), key("team-a/alice"), "gpt", CacheControls.NONE);
        assertThat(Partition.of(cache("namespace"), key("team-a/alice"), "claude", CacheControls.NONE).id())
                .isNotEqualTo(gpt.id());
        GatewayConfig.Cache purged = new GatewayConfig.Cache(new GatewayConfig.Exact(1000, 1000), null, null, "2");
        assertThat(Partition.of(purged, key("team-a/alice"), "gpt", CacheControls.NONE).id()).isNotEqualTo(gpt.id());
    }

    @Test
    void aScopedCacheNeedsTheKey() {
        assertThatThrownBy(() -> Partition.of(cache("namespace"), null, "gpt", CacheControls.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void idsOfLookalikePartitionsDiffer() {
        assertThat(new Partition("a:b", "c", "g", null, null).id())
                .isNotEqualTo(new Partition("a", "b:c", "g", null, null).id());
        assertThat(new Partition("", "gateway", "g", null, null).id())
                .isNotEqualTo(new Partition("", "gateway", "g", "", null).id());
        assertThat(new Partition("1:x", "t", "g", null, null).id())
                .isNotEqualTo(new Partition("1", ":xt", "g", null, null).id());
    }

    /** Ids are equal exactly when the partitions are: whatever separators or digits the components hold. */
    @Property(tries = 2000)
    void idsAreEqualExactlyWhenPartitionsAre(@ForAll("partitions") Partition a, @ForAll("partitions") Partition b) {
        assertThat(a.id().equals(b.id())).isEqualTo(a.equals(b));
    }

    @Provide
    Arbitrary<Partition> partitions() {
        Arbitrary<String> part = Arbitraries.strings().withChars("ab1:-|/").ofMaxLength(4);
        Arbitrary<String> nullable = part.injectNull(0.2);
        return Combinators.combine(part, part, part, nullable, nullable).as(Partition::new);
    }
}
