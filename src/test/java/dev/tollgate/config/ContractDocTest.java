package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The examples in docs/gateway-config.md parse with the strict reader (an unknown field fails, though the gateway
 * itself skips them), so they stay true and name no field the code does not have.
 */
class ContractDocTest {
    @Test
    void documentedExamplesAreValidDocuments() throws Exception {
        String doc = Files.readString(Path.of("docs/gateway-config.md"));
        List<String> blocks = new ArrayList<>();
        Matcher m = Pattern.compile("```json\\n(.*?)```", Pattern.DOTALL).matcher(doc);
        while (m.find()) {
            blocks.add(m.group(1));
        }
        assertThat(blocks).hasSize(3);
        GatewayConfig config = ConfigCodec.readConfigStrict(blocks.get(0));
        assertThat(config.models()).hasSize(2);
        assertThat(config.budgets().get(0).limitMicros()).isEqualTo(Money.parseMicros("250.00"));
        GatewaySecrets secrets = ConfigCodec.readSecretsStrict(blocks.get(1));
        assertThat(secrets.keys()).containsValue("team-search/search-app");
        assertThat(secrets.keys().keySet()).allSatisfy(h -> assertThat(h).matches("[0-9a-f]{64}"));
        SpendSeed seed = SpendSeed.read(blocks.get(2));
        assertThat(seed.budgets().get(0).spentByOthers("0b7c4bd2-6c1e-4b59-9d6e-5d0f1f0c2a11")).isEqualTo(9_000);
    }
}
