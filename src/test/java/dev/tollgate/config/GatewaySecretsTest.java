package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class GatewaySecretsTest {

    @Test
    void toStringCountsButNeverPrintsHashesIdsCredentialsOrThePassword() {
        String hash = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        GatewaySecrets s = new GatewaySecrets(GatewaySecrets.SCHEMA,
                Map.of(hash, "team-a/ci", "0f0f", "team-b/web"),
                Map.of("ai/openai-creds/api-key", "sk-upstream-SECRET"),
                "redis-PASSWORD");
        String text = s.toString();
        assertThat(text).isEqualTo("GatewaySecrets[2 keys, 1 credentials]");
        assertThat(text).doesNotContain(hash.substring(0, 8), "team-a", "sk-upstream", "SECRET", "PASSWORD", "openai-creds");
    }

    @Test
    void stringConcatenationAndFormattingGoThroughToString() {
        GatewaySecrets s = new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of("x/y/z", "sk-upstream-SECRET"), "pw-SECRET");
        assertThat("rendered " + s).doesNotContain("SECRET");
        assertThat(String.format("%s", s)).doesNotContain("SECRET");
    }
}
