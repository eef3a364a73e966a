package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * The client body reader under arbitrary input (jqwik, run by surefire next to Jupiter): whatever the bytes, it either
 * reads one JSON object or says why not with {@link JsonBody.Invalid} (the gateway's 400) — never another exception
 * (the gateway's 500), and its message never repeats the body.
 */
class JsonBodyPropertiesTest {
    static final String VALID = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"secret-ish text\"}],"
            + "\"max_tokens\":8,\"stream\":false}";

    @Property(tries = 500)
    void anyBytesAreReadOrRefusedWithAReason(@ForAll("bodies") byte[] body) {
        try {
            JsonBody read = JsonBody.parse(Buffer.buffer(body));
            assertThat(read.toBuffer().length()).isPositive();
        } catch (JsonBody.Invalid e) {
            assertThat(e.getMessage()).startsWith("the request body").doesNotContain("secret-ish");
        }
    }

    @Property(tries = 50)
    void nestingBeyondTheLimitIsRefusedAsSuch(@ForAll @IntRange(min = 257, max = 200_000) int depth) {
        String deep = "{\"model\":\"m\",\"x\":" + "[".repeat(depth) + "]".repeat(depth) + "}";
        assertThatThrownBy(() -> JsonBody.parse(Buffer.buffer(deep))).isInstanceOf(JsonBody.Invalid.class)
                .hasMessageContaining("nesting depth");
    }

    @Property(tries = 50)
    void numbersLongerThanTheLimitAreRefusedAsSuch(@ForAll @IntRange(min = 65, max = 5_000) int digits) {
        String huge = "{\"model\":\"m\",\"max_tokens\":1" + "0".repeat(digits - 1) + "}";
        assertThatThrownBy(() -> JsonBody.parse(Buffer.buffer(huge))).isInstanceOf(JsonBody.Invalid.class)
                .hasMessageContaining("Number value length");
    }

    @Provide
    Arbitrary<byte[]> bodies() {
        byte[] valid = VALID.getBytes(StandardCharsets.UTF_8);
        Arbitrary<byte[]> damaged = Arbitraries.integers().between(0, valid.length - 1).list().ofMinSize(1).ofMaxSize(4)
                .flatMap(at -> Arbitraries.bytes().list().ofSize(at.size()).map(bytes -> {
                    byte[] out = valid.clone();
                    for (int i = 0; i < at.size(); i++) {
                        out[at.get(i)] = bytes.get(i);
                    }
                    return out;
                }));
        Arbitrary<byte[]> truncated = Arbitraries.integers().between(0, valid.length)
                .map(n -> java.util.Arrays.copyOf(valid, n));
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(200);
        return Arbitraries.oneOf(damaged, truncated, random);
    }
}
