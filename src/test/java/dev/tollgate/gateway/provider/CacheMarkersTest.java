package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

/** Taking prompt-cache breakpoints out for providers that have no such field, without touching the client's body. */
class CacheMarkersTest {
    static final String MARKED = """
            {"model":"m","cache_control":{"type":"ephemeral"},
             "messages":[{"role":"system","content":[{"type":"text","text":"S","cache_control":{"type":"ephemeral"}}]},
               {"role":"user","content":"U","cache_control":{"type":"ephemeral"}}],
             "tools":[{"type":"function","function":{"name":"f","cache_control":{"type":"ephemeral"}},
               "cache_control":{"type":"ephemeral"}}]}""";

    @Test
    void aBodyWithoutMarkersGoesOnAsTheClientsOwnBytes() {
        Buffer raw = Buffer.buffer("{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"no breakpoints\"}]}");
        JsonBody body = JsonBody.parse(raw);
        assertThat(CacheMarkers.strippedBuffer(body)).isSameAs(raw);
        assertThat(body.spliced()).as("not even read as a tree").isTrue();
    }

    @Test
    void everyMarkerIsTakenOutOfACopy() {
        JsonBody body = JsonBody.parse(Buffer.buffer(MARKED));
        String sent = CacheMarkers.strippedBuffer(body).toString();
        assertThat(sent).doesNotContain("cache_control");
        assertThat(Json.parse(sent)).isEqualTo(Json.parse("""
                {"model":"m","messages":[{"role":"system","content":[{"type":"text","text":"S"}]},
                  {"role":"user","content":"U"}],"tools":[{"type":"function","function":{"name":"f"}}]}"""));
        assertThat(body.tree().toString()).as("the client's request, for a fallback that takes them")
                .contains("cache_control");
        assertThat(CacheMarkers.present(body.tree())).isTrue();
    }

    @Test
    void theFieldNameInsideAStringCostsAParseButChangesNothing() {
        String text = "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"what is \\\"cache_control\\\"?\"}]}";
        JsonBody body = JsonBody.parse(Buffer.buffer(text));
        assertThat(Json.parse(CacheMarkers.strippedBuffer(body).toString())).isEqualTo(Json.parse(text));
    }

    @Test
    void markersAreReadFromToolsAndTheirFunctions() {
        ObjectNode tool = (ObjectNode) Json.parse("{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"cache_control\":{\"type\":\"ephemeral\",\"ttl\":\"1h\"}}}");
        assertThat(CacheMarkers.of(tool)).isEqualTo(Json.parse("{\"type\":\"ephemeral\",\"ttl\":\"1h\"}"));
        assertThat(CacheMarkers.cachePoint(CacheMarkers.of(tool))).isEqualTo(Json.parse(
                "{\"cachePoint\":{\"type\":\"default\",\"ttl\":\"1h\"}}"));
        assertThat(CacheMarkers.of(Json.parse("{\"type\":\"text\",\"text\":\"x\"}"))).isNull();
    }
}
