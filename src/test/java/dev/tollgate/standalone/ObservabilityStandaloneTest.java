package dev.tollgate.standalone;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.TollgateConfig;
import dev.tollgate.config.ConfigCodec;
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
 * Standalone mode reads spec.observability and LogSink documents from its folder as the operator reads them from the
 * cluster: StandaloneRunner's own load (schema check, strict binding, Secrets of the folder) into the served config and
 * secrets; a broken LogSink is left out and reported with its file and line, the rest is served.
 */
class ObservabilityStandaloneTest {
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
    void theFolderSObservabilityAndLogSinksAreServed() throws Exception {
        Files.writeString(folder.resolve("all.yaml"), """
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: GatewayDeployment
                metadata: {name: g}
                spec:
                  observability:
                    tracing: {endpoint: 'http://localhost:4318', sampling: "0.5"}
                    sinks:
                      - name: lunary
                        type: lunary
                        credentials: {apiKey: {name: sinks, key: lunary}}
                    alerts: {hangingRequest: 2m}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: sinks, labels: {llm.tollgate.dev/secret: credentials}}
                stringData: {lunary: lunary-standalone-key, hook: Bearer hook-standalone-token}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LogSink
                metadata: {name: audit}
                spec:
                  type: webhook
                  url: http://localhost:9999/calls
                  credentials: {authorization: {name: sinks, key: hook}}
                ---
                apiVersion: llm.tollgate.dev/v1alpha1
                kind: LogSink
                metadata: {name: broken}
                spec:
                  type: webhook
                  url: http://localhost:9999/broken
                  logContent: true
                  redact: ['[unclosed']
                """);
        java.util.concurrent.atomic.AtomicReference<dev.tollgate.config.GatewaySecrets> served =
                new java.util.concurrent.atomic.AtomicReference<>();
        ConfigHolder holder = new ConfigHolder(new SimpleMeterRegistry()) {
            @Override
            public void update(GatewayConfig config, dev.tollgate.config.GatewaySecrets secrets, String version,
                    String source) {
                served.set(secrets); // the Snapshot hands out credentials one by one only
                super.update(config, secrets, version, source);
            }
        };
        StandaloneRunner runner = runner(holder);
        runner.reload();

        assertThat(holder.current()).as("a config is served").isNotNull();
        GatewayConfig.Observability o = holder.current().config().observability();
        assertThat(o.tracing().endpoint()).isEqualTo("http://localhost:4318");
        assertThat(o.tracing().sampleRatio()).isEqualTo(0.5);
        assertThat(o.requests()).isEqualTo(new GatewayConfig.RequestAlerts(null, 120_000L));
        assertThat(o.sinks()).extracting(s -> s.id() + " " + s.namespace())
                .containsExactly("default/audit default", "default/g/lunary null");
        assertThat(served.get().credentials())
                .containsEntry("sink:default/audit:authorization", "Bearer hook-standalone-token")
                .containsEntry("sink:default/g/lunary:apiKey", "lunary-standalone-key");
        assertThat(ConfigCodec.toJson(holder.current().config())).doesNotContain("standalone-key", "standalone-token");
        assertThat(runner.lastErrors()).singleElement().satisfies(e -> assertThat(e)
                .contains("all.yaml:").contains("spec.redact[0] is not a valid regular expression"));
    }
}
