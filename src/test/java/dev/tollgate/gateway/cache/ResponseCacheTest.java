package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.CacheFixtures.answer;
import static dev.tollgate.gateway.cache.CacheFixtures.partition;
import static dev.tollgate.gateway.cache.CacheFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.Snapshot;
import io.vertx.core.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The exact cache in one replica's memory (no Redis): ttl on a moved clock, age, size bound, isolation, purge. */
class ResponseCacheTest {
    static final Snapshot LOCAL = snapshot(null, 1 << 20, "gpt", "claude");
    static final String KEY = "0".repeat(64);

    final CacheFixtures.Clock clock = new CacheFixtures.Clock();
    final ResponseCache cache = new ResponseCache(null, null, null, clock, clock, 100);

    static <T> T get(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(5, TimeUnit.SECONDS);
    }

    @Test
    void anEntryIsServedUntilItsTtl() throws Exception {
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("hi", clock.millis);
        assertThat(cache.put(LOCAL, p, KEY, a, 10_000, 1 << 20)).isTrue();
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isSameAs(a);
        clock.advance(9_999);
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isSameAs(a);
        clock.advance(1);
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isNull();
        assertThat(cache.entries()).isZero();
        assertThat(cache.bytes()).isZero();
    }

    @Test
    void eachEntryHasItsOwnTtl() throws Exception {
        Partition p = partition("team-a", "gpt");
        cache.put(LOCAL, p, "short", answer("s", clock.millis), 1_000, 1 << 20);
        cache.put(LOCAL, p, "long", answer("l", clock.millis), 60_000, 1 << 20);
        clock.advance(1_000);
        assertThat(get(cache.get(LOCAL, p, "short", -1))).isNull();
        assertThat(get(cache.get(LOCAL, p, "long", -1))).isNotNull();
        // a read does not extend it
        clock.advance(59_000);
        assertThat(get(cache.get(LOCAL, p, "long", -1))).isNull();
    }

    @Test
    void maxAgeFiltersByWhenTheAnswerWasStored() throws Exception {
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("hi", clock.millis - 5_000); // made five seconds ago
        cache.put(LOCAL, p, KEY, a, 60_000, 1 << 20);
        assertThat(get(cache.get(LOCAL, p, KEY, 5_000))).isSameAs(a);
        assertThat(get(cache.get(LOCAL, p, KEY, 4_999))).isNull();
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isSameAs(a);
        // filtered, not dropped: a request without max-age still gets it
        assertThat(cache.entries()).isEqualTo(1);
    }

    @Test
    void tooLargeOrTimelessAnswersAreNotStored() throws Exception {
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("hi", clock.millis);
        assertThat(cache.put(LOCAL, p, KEY, a, 60_000, a.body().length - 1)).isFalse();
        assertThat(cache.put(LOCAL, p, KEY, a, 0, 1 << 20)).isFalse();
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isNull();
        assertThat(cache.put(LOCAL, p, KEY, a, 60_000, a.body().length)).isTrue();
        assertThat(get(cache.get(LOCAL, p, KEY, -1))).isSameAs(a);
    }

    @Test
    void anotherPartitionNeverSeesTheEntry() throws Exception {
        cache.put(LOCAL, partition("team-a", "gpt"), KEY, answer("a's", clock.millis), 60_000, 1 << 20);
        assertThat(get(cache.get(LOCAL, partition("team-b", "gpt"), KEY, -1))).isNull();
        assertThat(get(cache.get(LOCAL, partition("team-a", "claude"), KEY, -1))).isNull();
        assertThat(get(cache.get(LOCAL, partition("team-a", "gpt"), KEY, -1))).isNotNull();
    }

    @Test
    void aFloodOfUniqueEntriesStaysUnderMaxBytes() {
        long maxBytes = 256 * 1024;
        Snapshot small = snapshot(null, maxBytes, "gpt");
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("x".repeat(900), clock.millis);
        long stored = 0;
        for (int i = 0; i < 20_000; i++) {
            cache.put(small, p, Integer.toString(i), a, 60_000, 1 << 20);
            stored += a.weight();
            assertThat(cache.bytes()).isLessThanOrEqualTo(maxBytes);
        }
        assertThat(stored).isGreaterThan(50 * maxBytes);
        assertThat(cache.entries()).isLessThanOrEqualTo(maxBytes / a.weight()).isGreaterThan(0);
        assertThat(cache.bytes()).isGreaterThan(maxBytes / 2);
    }

    @Test
    void theBoundFollowsTheConfig() {
        Partition p = partition("team-a", "gpt");
        CachedAnswer a = answer("x".repeat(900), clock.millis);
        Snapshot big = snapshot(null, 1 << 20, "gpt");
        for (int i = 0; i < 2_000; i++) {
            cache.put(big, p, Integer.toString(i), a, 60_000, 1 << 20);
        }
        assertThat(cache.bytes()).isGreaterThan(512 * 1024).isLessThanOrEqualTo(1 << 20);
        Snapshot shrunk = snapshot(null, 64 * 1024, "gpt");
        cache.put(shrunk, p, "one more", a, 60_000, 1 << 20);
        assertThat(cache.bytes()).isLessThanOrEqualTo(64 * 1024);
    }

    @Test
    void purgeByNamespaceGroupOrAll() throws Exception {
        Partition aGpt = partition("team-a", "gpt");
        Partition aClaude = partition("team-a", "claude");
        Partition bGpt = partition("team-b", "gpt");
        Partition gw = Partition.of(CacheFixtures.cache("gateway"), null, "gpt", CacheControls.NONE);
        for (Partition p : new Partition[] {aGpt, aClaude, bGpt, gw}) {
            cache.put(LOCAL, p, "1", answer("1", clock.millis), 60_000, 1 << 20);
            cache.put(LOCAL, p, "2", answer("2", clock.millis), 60_000, 1 << 20);
        }
        assertThat(get(cache.purge(LOCAL, "team-a", "gpt"))).isEqualTo(2);
        assertThat(get(cache.get(LOCAL, aGpt, "1", -1))).isNull();
        assertThat(get(cache.get(LOCAL, aClaude, "1", -1))).isNotNull();
        assertThat(get(cache.purge(LOCAL, null, "gpt"))).isEqualTo(4); // team-b's and the gateway-wide ones
        assertThat(get(cache.get(LOCAL, bGpt, "1", -1))).isNull();
        assertThat(get(cache.get(LOCAL, gw, "1", -1))).isNull();
        assertThat(get(cache.get(LOCAL, aClaude, "2", -1))).isNotNull();
        assertThat(get(cache.purge(LOCAL, "team-b", null))).isZero();
        assertThat(get(cache.purge(LOCAL, null, null))).isEqualTo(2);
        assertThat(cache.entries()).isZero();
        // a new answer after the purge is stored and served as before
        cache.put(LOCAL, aGpt, "1", answer("new", clock.millis), 60_000, 1 << 20);
        assertThat(get(cache.get(LOCAL, aGpt, "1", -1))).isNotNull();
    }

    @Test
    void groupTokensKeepGlobCharactersAndCaseApart() {
        assertThat(ResponseCache.tokenOf("gpt-4o")).isEqualTo("gpt-4o");
        assertThat(ResponseCache.tokenOf("team-a")).isEqualTo("team-a");
        assertThat(ResponseCache.tokenOf("")).isEqualTo("~");
        assertThat(ResponseCache.tokenOf("gpt-4o*")).matches("~[0-9a-f]{24}");
        assertThat(ResponseCache.tokenOf("openai/gpt:4")).matches("~[0-9a-f]{24}")
                .isNotEqualTo(ResponseCache.tokenOf("openai/gpt:5"));
        assertThat(ResponseCache.globEscape("tollgate:n[s]/g*w?\\:")).isEqualTo("tollgate:n\\[s\\]/g\\*w\\?\\\\:");
    }
}
