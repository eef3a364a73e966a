package dev.tollgate.config;

import static dev.tollgate.Fixtures.gateway;
import static dev.tollgate.Fixtures.meta;
import static dev.tollgate.Fixtures.model;
import static dev.tollgate.Fixtures.openAi;
import static dev.tollgate.Fixtures.secret;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.ObservabilitySpec;
import dev.tollgate.api.v1alpha1.Selection;
import dev.tollgate.api.v1alpha1.SinkSpec;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The observability part of the renderer: spec.observability of the GatewayDeployment and the teams' LogSinks into
 * GatewayConfig.observability, their credentials into GatewaySecrets.credentials.
 */
class RendererObservabilityTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final GatewayDeployment gw = gateway("platform", "gw");
    private final List<LlmModel> models = new ArrayList<>();
    private final List<LogSink> sinks = new ArrayList<>();
    private final Map<String, Secret> secrets = new HashMap<>();
    private final Map<String, Map<String, String>> nsLabels = new HashMap<>();

    private RenderResult render() {
        return Renderer.render(new RenderInput(gw, models, List.of(), List.of(),
                ns -> nsLabels.getOrDefault(ns, Map.of()),
                (ns, name) -> Optional.ofNullable(secrets.get(ns + "/" + name)), sinks));
    }

    private void observability(String yaml) throws Exception {
        gw.getSpec().setObservability(YAML.readValue(yaml, ObservabilitySpec.class));
    }

    private LogSink logSink(String ns, String name, String specYaml) throws Exception {
        LogSink s = new LogSink();
        s.setMetadata(meta(ns, name));
        s.setSpec(YAML.readValue(specYaml, SinkSpec.class));
        sinks.add(s);
        return s;
    }

    private void secret(String ns, String name, Map<String, String> values) {
        secrets.put(ns + "/" + name, dev.tollgate.Fixtures.secret(ns, name, values));
    }

    /** Every namespace labelled team=true is served (keys and so LogSinks). */
    private void serveTeams() {
        Selection keys = new Selection();
        keys.setNamespaceSelector(new LabelSelectorBuilder().addToMatchLabels("team", "true").build());
        gw.getSpec().setKeys(keys);
    }

    @Test
    void nothingDeclaredRendersByteIdenticalToBefore() throws Exception {
        LlmModel a = model("ns", "a", "mock-gpt", "mock");
        LlmModel b = model("ns", "b", "mock-gpt", "mock");
        b.getSpec().setWeight(3);
        b.getSpec().setContextWindow(8192);
        GatewayDeployment plain = gateway("ns", "gw");
        RenderResult r = Renderer.render(new RenderInput(plain, List.of(b, a), List.of(), List.of(),
                ns -> Map.of(), (ns, name) -> Optional.empty(), List.of()));
        assertThat(r.config().observability()).isNull();
        assertThat(ConfigCodec.toJson(r.config())).isEqualTo(RendererCanonicalTest.GOLDEN_JSON);
        assertThat(r.configHash()).isEqualTo(RendererCanonicalTest.GOLDEN_HASH);

        // an empty spec.observability, alerts without request thresholds, and a LogSink in a namespace the gateway
        // does not serve declare nothing the gateway renders
        plain.getSpec().setObservability(YAML.readValue("{sinks: [], alerts: {budgets: true}}", ObservabilitySpec.class));
        LogSink elsewhere = new LogSink();
        elsewhere.setMetadata(meta("other", "s"));
        elsewhere.setSpec(YAML.readValue("{type: webhook, url: 'http://hook'}", SinkSpec.class));
        r = Renderer.render(new RenderInput(plain, List.of(b, a), List.of(), List.of(),
                ns -> Map.of(), (ns, name) -> Optional.empty(), List.of(elsewhere)));
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).isEmpty();
        assertThat(r.config().observability()).isNull();
        assertThat(ConfigCodec.toJson(r.config())).isEqualTo(RendererCanonicalTest.GOLDEN_JSON);
    }

    @Test
    void tracingWithDefaultsAndSecretHeaders() throws Exception {
        secret("platform", "otel", Map.of("token", "Bearer s3cret-otel"));
        observability("""
                tracing:
                  endpoint: http://otel-collector.monitoring:4318
                  headers: {x-tenant: platform}
                  secretHeaders:
                    authorization: {name: otel, key: token}
                """);
        RenderResult r = render();
        assertThat(r.warnings()).isEmpty();
        GatewayConfig.Tracing t = r.config().observability().tracing();
        assertThat(t).isEqualTo(new GatewayConfig.Tracing("http://otel-collector.monitoring:4318", 1.0,
                GatewayConfig.Tracing.DEFAULT_SERVICE_NAME, Map.of("x-tenant", "platform"),
                Map.of("authorization", "tracing:platform/gw:authorization"), true, 60_000));
        assertThat(r.secrets().credentials()).containsEntry("tracing:platform/gw:authorization", "Bearer s3cret-otel");
        assertThat(ConfigCodec.toJson(r.config())).doesNotContain("s3cret");

        observability("""
                tracing: {endpoint: 'https://otlp.example.com', sampling: "0.25", serviceName: llm-edge, metrics: false,
                          metricsInterval: 15s}
                alerts: {slowRequest: 30s, hangingRequest: 5m}
                """);
        r = render();
        assertThat(r.config().observability().tracing()).isEqualTo(new GatewayConfig.Tracing("https://otlp.example.com",
                0.25, "llm-edge", Map.of(), Map.of(), false, 15_000));
        assertThat(r.config().observability().requests()).isEqualTo(new GatewayConfig.RequestAlerts(30_000L, 300_000L));
        assertThat(r.config().observability().sinks()).isEmpty();
    }

    @Test
    void anUnreadableDailyReportZoneOrAnUnknownEventIsAWarningOnTheGateway() throws Exception {
        observability("""
                alerts:
                  slowRequest: 10s
                  dailyReport: {at: "09:00", timeZone: PST}
                  channels:
                    - {name: ops, type: slack, url: {name: slack, key: url}, events: [BudgetExceeded, BudgetExeeded]}
                """);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).extracting(p -> p.reason()).containsOnly(Observabilities.INVALID_OBSERVABILITY);
        assertThat(r.warnings()).extracting(p -> p.message()).anySatisfy(m -> assertThat(m)
                .contains("spec.observability.alerts.dailyReport.timeZone 'PST' is not a time zone")
                .contains("the daily spend report is skipped"))
                .anySatisfy(m -> assertThat(m).contains("spec.observability.alerts.channels[ops].events: BudgetExeeded is not an event"));
        assertThat(r.warnings()).hasSize(2);
        assertThat(r.config().observability().requests()).as("the rest is rendered")
                .isEqualTo(new GatewayConfig.RequestAlerts(10_000L, null));
        observability("""
                alerts:
                  dailyReport: {at: "09:00", timeZone: America/Los_Angeles}
                  channels:
                    - {name: ops, type: slack, url: {name: slack, key: url}, events: [DailySpendReport]}
                """);
        assertThat(render().warnings()).isEmpty();
    }

    @Test
    void aMissingTracingSecretLeavesTracingOutWithAWarningOnTheGateway() throws Exception {
        observability("""
                tracing:
                  endpoint: http://otel:4318
                  secretHeaders: {authorization: {name: otel, key: token}}
                alerts: {slowRequest: 10s}
                """);
        RenderResult r = render();
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo("GatewayDeployment");
            assertThat(p.reason()).isEqualTo(Observabilities.SECRET_NOT_FOUND);
            assertThat(p.message()).contains("spec.observability.tracing.secretHeaders.authorization",
                    "Secret platform/otel was not found");
        });
        assertThat(r.config().observability().tracing()).isNull();
        assertThat(r.config().observability().requests()).isEqualTo(new GatewayConfig.RequestAlerts(10_000L, null));
        assertThat(r.secrets().credentials()).isEmpty();
    }

    @Test
    void platformAndTeamSinksWithIdsNamespacesCredentialsAndDefaults() throws Exception {
        serveTeams();
        nsLabels.put("team-a", Map.of("team", "true"));
        nsLabels.put("team-b", Map.of("team", "true"));
        models.add(openAi("platform", "gpt", "openai"));
        secret("platform", "openai", Map.of("api-key", "sk-provider-key"));
        secret("platform", "langfuse", Map.of("public", "pk-lf-1", "secret", "sk-lf-1"));
        secret("team-a", "hook", Map.of("auth", "Bearer team-a-hook-token"));
        observability("""
                sinks:
                  - name: langfuse
                    type: langfuse
                    credentials:
                      publicKey: {name: langfuse, key: public}
                      secretKey: {name: langfuse, key: secret}
                """);
        logSink("team-a", "audit", """
                type: webhook
                url: https://hooks.team-a.example/calls
                credentials: {authorization: {name: hook, key: auth}}
                headers: {x-team: a}
                logContent: true
                redact: ['sk-[A-Za-z0-9]+', '\\d{16}']
                queueSize: 50
                batchSize: 10
                flushInterval: 250ms
                maxRetries: 0
                """);
        logSink("team-b", "helicone", "{type: helicone, credentials: {apiKey: {name: h, key: k}}}"); // no Secret
        logSink("unserved", "s", "{type: webhook, url: 'http://x'}");
        RenderResult r = render();

        List<GatewayConfig.Sink> out = r.config().observability().sinks();
        assertThat(out).extracting(GatewayConfig.Sink::id).containsExactly("platform/gw/langfuse", "team-a/audit");
        assertThat(out.get(0)).isEqualTo(new GatewayConfig.Sink("platform/gw/langfuse", "langfuse", null, null,
                Map.of("publicKey", "sink:platform/gw/langfuse:publicKey", "secretKey", "sink:platform/gw/langfuse:secretKey"),
                Map.of(), false, List.of(), GatewayConfig.Sink.DEFAULT_QUEUE_SIZE, GatewayConfig.Sink.DEFAULT_BATCH_SIZE,
                GatewayConfig.Sink.DEFAULT_FLUSH_INTERVAL_MILLIS, GatewayConfig.Sink.DEFAULT_MAX_RETRIES));
        assertThat(out.get(1)).isEqualTo(new GatewayConfig.Sink("team-a/audit", "webhook",
                "https://hooks.team-a.example/calls", "team-a", Map.of("authorization", "sink:team-a/audit:authorization"),
                Map.of("x-team", "a"), true, List.of("sk-[A-Za-z0-9]+", "\\d{16}"), 50, 10, 250, 0));
        // the provider key survives next to the sinks' credentials (and the other way round)
        assertThat(r.secrets().credentials()).containsOnly(
                Map.entry("platform/openai/api-key", "sk-provider-key"),
                Map.entry("sink:platform/gw/langfuse:publicKey", "pk-lf-1"),
                Map.entry("sink:platform/gw/langfuse:secretKey", "sk-lf-1"),
                Map.entry("sink:team-a/audit:authorization", "Bearer team-a-hook-token"));
        // the broken team sink is left out, on its own, with a problem on the LogSink (not on the gateway)
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo("LogSink");
            assertThat(p.id()).isEqualTo("team-b/helicone");
            assertThat(p.reason()).isEqualTo(Observabilities.SECRET_NOT_FOUND);
            assertThat(p.message()).contains("spec.credentials.apiKey", "Secret team-b/h was not found");
        });
        assertThat(r.warnings()).isEmpty();
        String json = ConfigCodec.toJson(r.config());
        for (String secretValue : List.of("sk-provider-key", "pk-lf-1", "sk-lf-1", "team-a-hook-token")) {
            assertThat(json).doesNotContain(secretValue);
            r.problems().forEach(p -> assertThat(p.message()).doesNotContain(secretValue));
        }
    }

    @Test
    void aRefusedModelDoesNotTakeTheSinksCredentialsWithIt() throws Exception {
        // LlmModel b joins a's group from another namespace: refused (ModelNameTaken), its credential dropped
        LlmModel taken = openAi("other", "gpt", "openai");
        models.add(openAi("platform", "gpt", "openai"));
        models.add(taken);
        gw.getSpec().setModels(new Selection());
        gw.getSpec().getModels().setNamespaceSelector(new io.fabric8.kubernetes.api.model.LabelSelector());
        secret("platform", "openai", Map.of("api-key", "sk-a"));
        secret("other", "openai", Map.of("api-key", "sk-b"));
        secret("platform", "lunary", Map.of("k", "lunary-key"));
        observability("{sinks: [{name: lunary, type: lunary, credentials: {apiKey: {name: lunary, key: k}}}]}");
        RenderResult r = render();
        assertThat(r.problems()).extracting(Problem::reason).containsExactly("ModelNameTaken");
        assertThat(r.secrets().credentials()).containsOnlyKeys("platform/openai/api-key", "sink:platform/gw/lunary:apiKey");
    }

    @Test
    void eachBrokenSinkIsLeftOutAloneWithItsReason() throws Exception {
        secret("platform", "s", Map.of("k", "v"));
        observability("""
                sinks:
                  - {name: ok, type: webhook, url: 'http://ok'}
                  - {name: nourl, type: webhook}
                  - {name: nolf, type: langfuse, credentials: {publicKey: {name: s, key: k}}}
                  - {name: badre, type: webhook, url: 'http://x', redact: ['(unclosed']}
                  - {name: ok, type: webhook, url: 'http://again'}
                  - {type: webhook, url: 'http://anonymous'}
                  - {name: nokey, type: traceloop, credentials: {apiKey: {name: s, key: missing}}}
                  - {name: badtype, type: datadog}
                """);
        RenderResult r = render();
        assertThat(r.config().observability().sinks()).extracting(GatewayConfig.Sink::url).containsExactly("http://ok");
        assertThat(r.problems()).isEmpty();
        assertThat(r.warnings()).allSatisfy(p -> assertThat(p.kind()).isEqualTo("GatewayDeployment"));
        assertThat(r.warnings()).extracting(Problem::reason).containsExactly(
                Observabilities.INVALID_SINK, Observabilities.INVALID_SINK, Observabilities.INVALID_REDACT_PATTERN,
                Observabilities.INVALID_SINK, Observabilities.INVALID_SINK, Observabilities.SECRET_NOT_FOUND,
                Observabilities.INVALID_SINK);
        assertThat(r.warnings().get(0).message()).contains("sinks[nourl].url is required for a webhook");
        assertThat(r.warnings().get(1).message()).contains("sinks[nolf].credentials needs publicKey and secretKey");
        assertThat(r.warnings().get(2).message()).contains("sinks[badre].redact[0] is not a valid regular expression");
        assertThat(r.warnings().get(3).message()).contains("sinks[ok]: another sink has the same name");
        assertThat(r.warnings().get(4).message()).contains("sinks[5] has no name");
        assertThat(r.warnings().get(5).message()).contains("Secret platform/s has no key 'missing'");
        assertThat(r.warnings().get(6).message()).contains("type 'datadog' is not known");
        assertThat(r.secrets().credentials()).isEmpty();
    }

    @Test
    void headerValuesWithLineBreaksAreRefusedWithoutTheirValue() throws Exception {
        secret("platform", "s", Map.of("crlf", "Bearer tok-51c9\r\nx-injected: 1", "ok", "Bearer fine"));
        secret("platform", "otel", Map.of("token", "Bearer otel-77a1\nx: y"));
        observability("""
                tracing:
                  endpoint: http://otel:4318
                  secretHeaders: {authorization: {name: otel, key: token}}
                sinks:
                  - {name: ok, type: webhook, url: 'http://ok', credentials: {authorization: {name: s, key: ok}}}
                  - {name: cred, type: webhook, url: 'http://c', credentials: {authorization: {name: s, key: crlf}}}
                  - {name: plain, type: webhook, url: 'http://p', headers: {x-note: "a\\r\\nb"}}
                  - {name: nul, type: webhook, url: 'http://n', headers: {x-note: "a\\u0000b"}}
                """);
        RenderResult r = render();
        assertThat(r.config().observability().tracing()).isNull();
        assertThat(r.config().observability().sinks()).extracting(GatewayConfig.Sink::url).containsExactly("http://ok");
        assertThat(r.warnings()).hasSize(4).allSatisfy(p -> {
            assertThat(p.reason()).isEqualTo(Observabilities.INVALID_SINK);
            assertThat(p.message()).contains("control character").doesNotContain("tok-51c9")
                    .doesNotContain("otel-77a1").doesNotContain("x-injected");
        });
        assertThat(r.warnings()).extracting(Problem::message).anySatisfy(m -> assertThat(m)
                .contains("tracing.secretHeaders.authorization")).anySatisfy(m -> assertThat(m)
                .contains("sinks[cred].credentials.authorization")).anySatisfy(m -> assertThat(m)
                .contains("sinks[plain].headers.x-note")).anySatisfy(m -> assertThat(m)
                .contains("sinks[nul].headers.x-note"));
        assertThat(r.secrets().credentials().values()).containsExactly("Bearer fine");
    }

    @Test
    void aTeamSinkWithABadRedactPatternIsAProblemOnItsLogSinkOnly() throws Exception {
        logSink("platform", "good", "{type: webhook, url: 'http://good'}");
        logSink("platform", "bad", "{type: webhook, url: 'http://bad', logContent: true, redact: ['[a-']}");
        RenderResult r = render();
        assertThat(r.config().observability().sinks()).extracting(GatewayConfig.Sink::id).containsExactly("platform/good");
        assertThat(r.problems()).singleElement().satisfies(p -> {
            assertThat(p.kind()).isEqualTo(Observabilities.LOG_SINK);
            assertThat(p.id()).isEqualTo("platform/bad");
            assertThat(p.reason()).isEqualTo(Observabilities.INVALID_REDACT_PATTERN);
            assertThat(p.message()).startsWith("spec.redact[0]");
        });
    }

    @Test
    void logSinksFollowTheKeysNamespaceSelection() throws Exception {
        logSink("platform", "own", "{type: webhook, url: 'http://own'}");
        logSink("team-a", "a", "{type: webhook, url: 'http://a'}");
        assertThat(render().config().observability().sinks()).extracting(GatewayConfig.Sink::id)
                .containsExactly("platform/own"); // no namespaceSelector: the gateway's own namespace only
        serveTeams();
        nsLabels.put("team-a", Map.of("team", "true"));
        assertThat(render().config().observability().sinks()).extracting(GatewayConfig.Sink::id)
                .containsExactly("team-a/a");
    }

    @Test
    void renderingIsDeterministic() throws Exception {
        serveTeams();
        nsLabels.put("b", Map.of("team", "true"));
        nsLabels.put("a", Map.of("team", "true"));
        logSink("b", "z", "{type: webhook, url: 'http://z', headers: {b: '1', a: '2'}}");
        logSink("a", "y", "{type: webhook, url: 'http://y'}");
        observability("{sinks: [{name: zz, type: webhook, url: 'http://p'}, {name: aa, type: webhook, url: 'http://q'}]}");
        RenderResult first = render();
        java.util.Collections.reverse(sinks);
        RenderResult second = render();
        assertThat(first.config().observability().sinks()).extracting(GatewayConfig.Sink::id)
                .containsExactly("a/y", "b/z", "platform/gw/aa", "platform/gw/zz");
        assertThat(ConfigCodec.toJson(second.config())).isEqualTo(ConfigCodec.toJson(first.config()));
        assertThat(second.configHash()).isEqualTo(first.configHash());
    }
}
