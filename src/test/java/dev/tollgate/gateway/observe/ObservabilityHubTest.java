package dev.tollgate.gateway.observe;

import static org.assertj.core.api.Assertions.assertThat;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.ConfigHolder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The observer follows the config: none when nothing is declared (the request path then does nothing), rebuilt only
 * when the observability or a credential it uses changes — an unrelated reload (a new key) keeps its queues.
 */
class ObservabilityHubTest {
    final Vertx vertx = Vertx.vertx();
    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final ConfigHolder holder = new ConfigHolder(registry);

    @AfterEach
    void close() {
        vertx.close();
    }

    static GatewayConfig.Sink webhook(String id) {
        return new GatewayConfig.Sink(id, GatewayConfig.Sink.WEBHOOK, "http://127.0.0.1:9/hook", null,
                Map.of("authorization", "sink:" + id + ":authorization"), Map.of(), false, List.of(), 10, 5, 1_000, 0);
    }

    void serve(GatewayConfig.Observability obs, List<GatewayConfig.Key> keys, String token, String version) {
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 10_000, null),
                List.of(), keys, List.of(), null, null, null, obs);
        holder.update(config, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of("sink:ns/gw/a:authorization", token),
                null), version, "test");
    }

    @Test
    void theObserverFollowsTheConfig() {
        ObservabilityHub hub = new ObservabilityHub(holder, vertx, registry);
        assertThat(hub.observer()).as("before any config").isNull();

        serve(null, List.of(), "t1", "v1");
        assertThat(hub.observer()).as("nothing declared").isNull();

        GatewayConfig.Observability obs = new GatewayConfig.Observability(null, List.of(webhook("ns/gw/a")), null);
        serve(obs, List.of(), "t1", "v2");
        Observer first = hub.observer();
        assertThat(first).isNotNull();

        GatewayConfig.Key key = new GatewayConfig.Key("ns/k", List.of(), List.of(), null, null, null, null, false, Map.of());
        serve(obs, List.of(key), "t1", "v3");
        assertThat(hub.observer()).as("a reload that changes no sink keeps the observer").isSameAs(first);

        serve(obs, List.of(key), "t2", "v4");
        assertThat(hub.observer()).as("a rotated sink credential rebuilds it").isNotNull().isNotSameAs(first);

        serve(new GatewayConfig.Observability(null, List.of(), null), List.of(key), "t2", "v5");
        assertThat(hub.observer()).as("no tracing and no sink").isNull();
    }

    @Test
    void tracingRunsAsAnOtlpSinkWithItsSecretHeadersAsCredentials() {
        GatewayConfig.Tracing t = new GatewayConfig.Tracing("http://collector:4318", 0.5, "svc", Map.of("x-plain", "1"),
                Map.of("authorization", "ref"), true, 60_000);
        GatewayConfig.Sink s = ObservabilityHub.tracingSink(t);
        assertThat(s.id()).isEqualTo(ObservabilityHub.TRACING_SINK_ID);
        assertThat(s.type()).isEqualTo(GatewayConfig.Sink.OTLP);
        assertThat(s.url()).isEqualTo("http://collector:4318");
        assertThat(s.namespace()).isNull();
        assertThat(s.credentials()).isEqualTo(Map.of("authorization", "ref"));
        assertThat(s.headers()).isEqualTo(Map.of("x-plain", "1"));
        assertThat(s.logContent()).isFalse();
    }
}
