package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The exact per-partition index: nearest by cosine, ttl, max age, the entry bound, purge. */
class SemanticIndexTest {
    static final long T0 = 1_780_000_000_000L;

    static CachedAnswer answer(String text) {
        return new CachedAnswer(WireFormat.OPENAI, Operation.CHAT, text.getBytes(), null, 1, "ns/chat", T0);
    }

    static float[] unit(float... v) {
        return SemanticIndex.unit(v);
    }

    @Test
    void theNearestLiveEntryByCosine() {
        SemanticIndex index = new SemanticIndex(100);
        SemanticIndex.Shelf shelf = index.shelf("p", "ns", "chat");
        index.add(shelf, "a", unit(1, 0, 0), answer("a"), T0, T0 + 1000);
        index.add(shelf, "b", unit(1, 1, 0), answer("b"), T0, T0 + 1000);
        index.add(shelf, "c", unit(0, 0, 1, 0), answer("other dimension"), T0, T0 + 1000);
        SemanticIndex.Nearest n = index.nearest(shelf, unit(1, 0.9f, 0), T0, -1);
        assertThat(new String(n.entry().answer().body())).isEqualTo("b");
        assertThat(n.similarity()).isCloseTo(1.9 / Math.sqrt(2 * 1.81), org.assertj.core.data.Offset.offset(1e-6));
        assertThat(index.add(shelf, "a", unit(1, 0, 0), answer("again"), T0, T0 + 1000)).as("same id").isFalse();
        assertThat(index.nearest(index.shelf("q", "ns", "chat"), unit(1, 0, 0), T0, -1).entry()).isNull();
    }

    @Test
    void expiredEntriesGoAndMaxAgeFilters() {
        SemanticIndex index = new SemanticIndex(100);
        SemanticIndex.Shelf shelf = index.shelf("p", "ns", "chat");
        index.add(shelf, "old", unit(1, 0), answer("old"), T0, T0 + 1000);
        index.add(shelf, "new", unit(1, 0.1f), answer("new"), T0 + 500, T0 + 5000);
        assertThat(new String(index.nearest(shelf, unit(1, 0), T0 + 600, -1).entry().answer().body())).isEqualTo("old");
        assertThat(new String(index.nearest(shelf, unit(1, 0), T0 + 600, 200).entry().answer().body()))
                .as("max age 200 ms").isEqualTo("new");
        assertThat(index.nearest(shelf, unit(1, 0), T0 + 600, 50).entry()).isNull();
        assertThat(new String(index.nearest(shelf, unit(1, 0), T0 + 1000, -1).entry().answer().body())).isEqualTo("new");
        assertThat(index.size()).as("the expired one was removed").isEqualTo(1);
    }

    @Test
    void boundedByEntriesOldestFirst() {
        SemanticIndex index = new SemanticIndex(3);
        SemanticIndex.Shelf a = index.shelf("a", "ns", "chat");
        SemanticIndex.Shelf b = index.shelf("b", "ns", "chat");
        for (int i = 0; i < 5; i++) {
            index.add(i % 2 == 0 ? a : b, "e" + i, unit(1, i), answer("e" + i), T0 + i, T0 + 10_000);
        }
        assertThat(index.size()).isEqualTo(3);
        assertThat(a.entries).extracting(SemanticIndex.Entry::id).containsExactly("e2", "e4");
        assertThat(b.entries).extracting(SemanticIndex.Entry::id).containsExactly("e3");
    }

    /**
     * A flood of unique stores of 256 KiB answers under a 4 MiB byte bound (and a far larger entry bound): the bytes
     * held never pass the bound, the oldest entries go first, and the count of bytes is the entries' weights exactly
     * (nothing leaks when entries leave by eviction, expiry or purge).
     */
    @Test
    void boundedByBytesOldestFirst() {
        long maxBytes = 4L << 20;
        SemanticIndex index = new SemanticIndex(10_000, maxBytes);
        String big = "x".repeat(256 * 1024);
        Random random = new Random(7);
        SemanticIndex.Shelf[] shelves = {index.shelf("a", "ns", "chat"), index.shelf("b", "ns", "chat")};
        for (int i = 0; i < 200; i++) {
            float[] v = new float[64];
            for (int d = 0; d < v.length; d++) {
                v[d] = (float) random.nextGaussian();
            }
            assertThat(index.add(shelves[i % 2], "e" + i, unit(v), answer(big + i), T0 + i, T0 + 10_000)).isTrue();
            assertThat(index.bytes()).as("after store %d", i).isLessThanOrEqualTo(maxBytes);
        }
        long oneEntry = 256 * 1024 + 3 + 128 + 2 * "ns/chat".length() + 4 * 64 + SemanticIndex.Entry.OVERHEAD + 2 * 4;
        assertThat(index.size()).as("as many 256 KiB entries as fit in 4 MiB").isEqualTo(maxBytes / oneEntry);
        assertThat(index.bytes()).isEqualTo(sum(shelves)).isGreaterThan(maxBytes - oneEntry);
        assertThat(shelves[0].entries).extracting(SemanticIndex.Entry::id).last().isEqualTo("e198");
        assertThat(shelves[1].entries).extracting(SemanticIndex.Entry::id).last().isEqualTo("e199");
        assertThat(shelves[0].entries).extracting(SemanticIndex.Entry::id).doesNotContain("e0", "e100");

        // expiry and purge give their bytes back
        index.nearest(shelves[0], shelves[0].entries[0].vector, T0 + 10_000, -1);
        assertThat(shelves[0].entries).isEmpty();
        assertThat(index.bytes()).isEqualTo(sum(shelves));
        index.purge(null, null);
        assertThat(index.bytes()).isZero();
        assertThat(index.size()).isZero();

        // a lower bound (a new config) applies at the next store
        SemanticIndex.Shelf c = index.shelf("c", "ns", "chat");
        for (int i = 0; i < 4; i++) {
            index.add(c, "c" + i, unit(1, i), answer(big), T0, T0 + 10_000);
        }
        index.maxBytes(2 * oneEntry);
        index.add(c, "c4", unit(1, 4), answer(big), T0, T0 + 10_000);
        assertThat(c.entries).extracting(SemanticIndex.Entry::id).containsExactly("c3", "c4");
        assertThat(index.bytes()).isEqualTo(sum(new SemanticIndex.Shelf[] {c})).isLessThanOrEqualTo(2 * oneEntry);
    }

    static long sum(SemanticIndex.Shelf[] shelves) {
        long total = 0;
        for (SemanticIndex.Shelf s : shelves) {
            for (SemanticIndex.Entry e : s.entries) {
                total += e.weight();
            }
        }
        return total;
    }

    @Test
    void purgeByNamespaceAndGroup() {
        SemanticIndex index = new SemanticIndex(100);
        index.add(index.shelf("1", "team-a", "chat"), "x", unit(1, 0), answer("x"), T0, T0 + 1000);
        index.add(index.shelf("2", "team-a", "other"), "y", unit(1, 0), answer("y"), T0, T0 + 1000);
        index.add(index.shelf("3", "team-b", "chat"), "z", unit(1, 0), answer("z"), T0, T0 + 1000);
        index.add(index.shelf("4", "", "chat"), "w", unit(1, 0), answer("w"), T0, T0 + 1000);
        assertThat(index.purge("team-a", "chat")).isEqualTo(1);
        assertThat(index.purge(null, "chat")).isEqualTo(2);
        assertThat(index.purge("team-a", null)).isEqualTo(1);
        assertThat(index.size()).isZero();
        assertThat(index.purge(null, null)).isZero();
    }

    /**
     * What an exact scan costs at OpenAI text-embedding-3-small's 1,536 dimensions (printed for the javadoc's
     * figures; the assertion is that the scan finds the planted nearest entry, not a time).
     */
    @Test
    void scanCost() {
        int dims = 1536;
        Random r = new Random(42);
        for (int n : new int[] {100, 1_000, 10_000}) {
            SemanticIndex index = new SemanticIndex(n + 1);
            SemanticIndex.Shelf shelf = index.shelf("p", "ns", "chat");
            float[] target = null;
            for (int i = 0; i < n; i++) {
                float[] v = new float[dims];
                for (int d = 0; d < dims; d++) {
                    v[d] = (float) r.nextGaussian();
                }
                v = SemanticIndex.unit(v);
                if (i == n / 2) {
                    target = v;
                }
                index.add(shelf, "e" + i, v, answer("e" + i), T0, T0 + 10_000);
            }
            float[] query = target.clone();
            query[0] += 0.01f;
            query = SemanticIndex.unit(query);
            long warmUntil = System.nanoTime() + 500_000_000L; // half a second of warm-up (the JIT)
            while (System.nanoTime() < warmUntil) {
                index.nearest(shelf, query, T0, -1);
            }
            int rounds = 50;
            // CPU time of this thread: what a scan costs, not how long a busy machine kept the thread waiting
            java.lang.management.ThreadMXBean cpu = java.lang.management.ManagementFactory.getThreadMXBean();
            long start = cpu.getCurrentThreadCpuTime();
            SemanticIndex.Nearest found = null;
            for (int i = 0; i < rounds; i++) {
                found = index.nearest(shelf, query, T0, -1);
            }
            long micros = (cpu.getCurrentThreadCpuTime() - start) / rounds / 1000;
            System.out.printf("semantic scan: %d entries x %d dims: %d us of CPU%n", n, dims, micros);
            assertThat(found.entry().id()).isEqualTo("e" + n / 2);
        }
    }
}
