package dev.tollgate.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** A temp folder of manifests for a test profile, and the configuration that serves it in standalone mode. */
final class StandaloneFolder {
    private StandaloneFolder() {}

    /** A new temp folder holding {@code all.yaml} with the given manifests. */
    static Path create(String prefix, String manifests) {
        try {
            Path folder = Files.createTempDirectory(prefix);
            Files.writeString(folder.resolve("all.yaml"), manifests);
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Config overrides serving {@code folder} in standalone mode, plus {@code extra} key/value pairs. */
    static Map<String, String> serve(Path folder, String... extra) {
        Map<String, String> config = new HashMap<>(Map.of("tollgate.mode", "standalone",
                "tollgate.standalone.dir", folder.toString()));
        for (int i = 0; i + 1 < extra.length; i += 2) {
            config.put(extra[i], extra[i + 1]);
        }
        return config;
    }

    /**
     * The restart tests' manifests: a mock model whose every request costs exactly 0.009 (4 output tokens at 2,250
     * micro-USD, input free), and two keys with a 0.10 daily budget each: {@code k} on budget {@code b}, and a second
     * key and budget both named {@code other}.
     */
    static String twoBudgetedKeys(String key, String other, String otherKey) {
        return """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: g}
                spec: {}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                stringData: {k: %1$s, %2$s: %3$s}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: b}
                spec: {limit: "0.10", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Budget
                metadata: {name: %2$s}
                spec: {limit: "0.10", period: daily}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: k}
                spec: {existingSecret: {name: keys, key: k}, budgetRefs: [b]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: %2$s}
                spec: {existingSecret: {name: keys, key: %2$s}, budgetRefs: [%2$s]}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LlmModel
                metadata: {name: m}
                spec: {modelName: m, provider: mock, model: m, mock: {outputTokens: 4},
                       pricing: {inputPerMillion: "0", outputPerMillion: "2250"}}
                """.formatted(key, other, otherKey);
    }
}
