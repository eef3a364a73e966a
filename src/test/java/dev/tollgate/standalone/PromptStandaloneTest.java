package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.TollgateConfig;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Standalone mode reads Prompt documents from its folder as the operator reads them from the cluster: validated
 * against the Prompt CRD's schema, rendered into the served config; a broken Prompt is left out and reported with its
 * file and line (standalone skips the CRD's CEL rules: the renderer checks them again), the rest is served.
 */
class PromptStandaloneTest {
    @TempDir
    Path folder;

    private StandaloneRunner runner(ConfigHolder holder) {
        TollgateConfig.Standalone standalone = (TollgateConfig.Standalone) Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {TollgateConfig.Standalone.class}, (p, m, args) ->
                        switch (m.getName()) {
                            case "dir" -> Optional.of(folder.toString());
                            case "stateDir" -> Optional.of(folder.resolve(".state").toString());
                            default -> throw new UnsupportedOperationException(m.getName());
                        });
        TollgateConfig config = (TollgateConfig) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {TollgateConfig.class}, (p, m, args) -> {
                    if (m.getName().equals("standalone")) {
                        return standalone;
                    }
                    throw new UnsupportedOperationException(m.getName());
                });
        return new StandaloneRunner(holder, config, null);
    }

    @Test
    void theFolderSPromptsAreServedAndABrokenOneIsReportedWithItsLine() throws Exception {
        Files.writeString(folder.resolve("all.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: g}
                spec: {}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: VirtualKey
                metadata: {name: app}
                spec: {}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Prompt
                metadata: {name: support}
                spec:
                  versions:
                    - version: 1
                      variables: [{name: customer}]
                      messages: [{role: system, content: 'Help {{customer}}.'}]
                  labels: {production: 1}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: Prompt
                metadata: {name: broken}
                spec:
                  versions:
                    - version: 1
                      messages: [{role: system, content: 'Help {{customer}}.'}]
                """);
        ConfigHolder holder = new ConfigHolder(new SimpleMeterRegistry());
        StandaloneRunner runner = runner(holder);
        runner.reload();

        assertThat(holder.current()).as("a config is served").isNotNull();
        assertThat(holder.current().config().prompts()).singleElement().satisfies(p -> {
            assertThat(p.id()).isEqualTo("default/support");
            assertThat(p.keys()).isNull(); // no spec.keys: every key of its namespace, named by the namespace
            assertThat(p.namespaces()).containsExactly("default");
            assertThat(p.allows("default/app")).isTrue();
            assertThat(p.labels()).containsEntry("production", 1);
            assertThat(p.versions()).extracting(GatewayConfig.PromptVersion::version).containsExactly(1);
        });
        assertThat(runner.lastErrors()).singleElement().satisfies(e -> assertThat(e)
                .contains("all.yaml:26").contains("uses {{customer}}, which spec.versions[0] (version 1).variables does not declare"));

        // a schema violation (a role the CRD does not know) stops the reload like any other: the last config stays
        Files.writeString(folder.resolve("all.yaml"), Files.readString(folder.resolve("all.yaml"))
                .replace("role: system, content: 'Help {{customer}}.'}]\n  labels", "role: robot, content: 'Help {{customer}}.'}]\n  labels"));
        runner.reload();
        assertThat(runner.lastErrors()).anySatisfy(e -> assertThat(e).contains("/spec/versions/0/messages/0/role"));
        assertThat(holder.current().config().prompts()).hasSize(1);
    }
}
