package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.CacheFixtures.answer;
import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The Redis envelope of a stored answer: it round-trips, and anything else decodes to null, never an exception. */
class CachedAnswerTest {
    static final CachedAnswer A = answer("héllo 😀", 1_767_225_600_123L);

    static void assertSame(CachedAnswer got, CachedAnswer want) {
        assertThat(got).isNotNull();
        assertThat(got.dialect()).isEqualTo(want.dialect());
        assertThat(got.operation()).isEqualTo(want.operation());
        assertThat(got.body()).isEqualTo(want.body());
        assertThat(got.usage()).isEqualTo(want.usage());
        assertThat(got.costMicros()).isEqualTo(want.costMicros());
        assertThat(got.deploymentId()).isEqualTo(want.deploymentId());
        assertThat(got.storedAtMillis()).isEqualTo(want.storedAtMillis());
    }

    @Test
    void roundTrips() {
        assertSame(CachedAnswer.decode(A.encode()), A);
        CachedAnswer anthropic = new CachedAnswer(WireFormat.ANTHROPIC, Operation.EMBEDDINGS, new byte[0], null, -1,
                "", 0);
        assertSame(CachedAnswer.decode(anthropic.encode()), anthropic);
        byte[] binary = new byte[256];
        for (int i = 0; i < binary.length; i++) {
            binary[i] = (byte) i;
        }
        CachedAnswer raw = new CachedAnswer(WireFormat.OPENAI, Operation.COMPLETIONS, binary, null, Long.MAX_VALUE,
                "ns/dép", Long.MIN_VALUE);
        assertSame(CachedAnswer.decode(raw.encode()), raw);
    }

    @Test
    void itIsCompact() {
        assertThat(A.encode().length).isLessThan(A.body().length + 100);
    }

    @Test
    void anotherVersionOrGarbageIsNull() {
        byte[] e = A.encode();
        byte[] v2 = e.clone();
        v2[4] = 2;
        assertThat(CachedAnswer.decode(v2)).isNull();
        byte[] magic = e.clone();
        magic[0] = 'X';
        assertThat(CachedAnswer.decode(magic)).isNull();
        assertThat(CachedAnswer.decode(null)).isNull();
        assertThat(CachedAnswer.decode(new byte[0])).isNull();
        assertThat(CachedAnswer.decode("{\"id\":\"chatcmpl-1\"}".getBytes(StandardCharsets.UTF_8))).isNull();
        assertThat(CachedAnswer.decode(Arrays.copyOf(e, e.length - 1))).isNull();
        assertThat(CachedAnswer.decode(Arrays.copyOf(e, e.length + 1))).isNull();
        byte[] dialect = e.clone();
        dialect[6] = 'X'; // "OPENAI" -> "XPENAI": a dialect no release has
        assertThat(CachedAnswer.decode(dialect)).isNull();
    }

    @Property(tries = 1000)
    void damagedBytesNeverThrow(@ForAll("damaged") byte[] bytes) {
        CachedAnswer got = CachedAnswer.decode(bytes);
        if (got != null) { // a change inside the body, the numbers or the id still decodes: the lengths all agree
            assertThat(Arrays.copyOfRange(bytes, bytes.length - got.body().length, bytes.length)).isEqualTo(got.body());
            assertThat(got.body().length).isEqualTo(A.body().length);
        }
    }

    @Provide
    Arbitrary<byte[]> damaged() {
        byte[] valid = A.encode();
        Arbitrary<byte[]> flipped = Arbitraries.integers().between(0, valid.length - 1)
                .flatMap(at -> Arbitraries.bytes().map(v -> {
                    byte[] b = valid.clone();
                    b[at] = v;
                    return b;
                }));
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length)
                .map(n -> Arrays.copyOf(valid, n));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
        return Arbitraries.oneOf(flipped, truncated, random);
    }
}
