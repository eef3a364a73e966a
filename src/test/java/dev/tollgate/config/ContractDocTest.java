package dev.tollgate.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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
        assertThat(config.models().get(0).tier()).isEqualTo(1);
        GatewayConfig.Routing routing = config.routing().get("gpt-4o");
        assertThat(routing.retries().retriesFor(GatewayConfig.Retries.SERVER_ERROR)).isEqualTo(1);
        assertThat(routing.retries().retriesFor(GatewayConfig.Retries.TIMEOUT)).isEqualTo(3);
        assertThat(GatewayConfig.Routing.STRATEGIES).contains(routing.strategy());
        GatewayConfig.Observability observability = config.observability();
        assertThat(observability.tracing().sampleRatio()).isEqualTo(0.25);
        assertThat(observability.sinks()).extracting(GatewayConfig.Sink::id).isSorted();
        assertThat(observability.sinks()).allSatisfy(s -> assertThat(s.credentials().values())
                .allSatisfy(ref -> assertThat(ref).isEqualTo("sink:" + s.id() + ":"
                        + s.credentials().entrySet().stream().filter(e -> e.getValue().equals(ref)).findFirst()
                                .orElseThrow().getKey())));
        GatewaySecrets secrets = ConfigCodec.readSecretsStrict(blocks.get(1));
        observability.sinks().forEach(s -> assertThat(secrets.credentials()).containsKeys(
                s.credentials().values().toArray(String[]::new)));
        assertThat(secrets.credentials()).containsKeys(observability.tracing().secretHeaders().values().toArray(String[]::new));
        assertThat(secrets.keys()).containsValue("team-search/search-app");
        assertThat(secrets.keys().keySet()).allSatisfy(h -> assertThat(h).matches("[0-9a-f]{64}"));
        SpendSeed seed = SpendSeed.read(blocks.get(2));
        assertThat(seed.budgets().get(0).spentByOthers("0b7c4bd2-6c1e-4b59-9d6e-5d0f1f0c2a11")).isEqualTo(9_000);
    }

    /**
     * The other direction: every field the renderer can write (each component of the contract's records, at every
     * depth) is named in docs/gateway-config.md, as a JSON key of an example, or in backticks by name or path. A
     * field added to the contract without documentation fails here, although gateways read past it.
     */
    @Test
    void everyFieldTheWriterCanWriteIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("docs/gateway-config.md"));
        Set<String> fields = new TreeSet<>();
        components(GatewayConfig.class, "", fields);
        components(GatewaySecrets.class, "", fields);
        assertThat(fields).isNotEmpty().allSatisfy(path -> {
            String name = path.substring(path.lastIndexOf('.') + 1).replace("[]", "").replace("{}", "");
            assertThat(doc).as("docs/gateway-config.md names %s", path)
                    .containsAnyOf("\"" + name + "\"", "`" + name + "`", "`" + path + "`");
        });
    }

    /**
     * The same for the usage report ("The usage report"): every component of its records, at every depth, including
     * the values of its maps (a deployment's health), is named there.
     */
    @Test
    void everyUsageReportFieldIsDocumented() throws Exception {
        String doc = Files.readString(Path.of("docs/gateway-config.md"));
        String section = doc.substring(doc.indexOf("## The usage report"), doc.indexOf("## The spend seed"));
        Set<String> fields = new TreeSet<>();
        components(UsageReport.class, "", fields, true);
        assertThat(fields).contains("health.state", "health.coolingDownUntil", "health.ttftMillis", "keys.budgets")
                .allSatisfy(path -> {
                    String name = path.substring(path.lastIndexOf('.') + 1).replace("[]", "");
                    assertThat(section).as("docs/gateway-config.md, The usage report, names %s", path)
                            .containsAnyOf("\"" + name + "\"", "`" + name + "`", "`" + path + "`", "." + name + "`",
                                    "`" + name + ".");
                });
    }

    /** Every component, the record values of maps included (routing by model name). */
    private static void components(Class<?> record, String prefix, Set<String> into) {
        components(record, prefix, into, true);
    }

    /** @param maps also the components of a map's record values (the usage report's sections) */
    private static void components(Class<?> record, String prefix, Set<String> into, boolean maps) {
        for (RecordComponent c : record.getRecordComponents()) {
            String path = prefix + c.getName();
            into.add(path);
            Type t = c.getGenericType();
            if (t instanceof ParameterizedType p && p.getRawType() == List.class
                    && p.getActualTypeArguments()[0] instanceof Class<?> element && element.isRecord()) {
                components(element, path + "[].", into, maps);
            } else if (maps && t instanceof ParameterizedType p && p.getRawType() == java.util.Map.class
                    && p.getActualTypeArguments()[1] instanceof Class<?> value && value.isRecord() && value != UsageReport.class) {
                components(value, path + ".", into, maps);
            } else if (c.getType().isRecord()) {
                components(c.getType(), path + ".", into, maps);
            }
        }
    }
}
