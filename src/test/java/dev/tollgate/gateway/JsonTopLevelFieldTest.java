package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonTopLevelFieldTest {

    private static Json.TopLevel usage(String json) {
        return Json.topLevelField(json.getBytes(StandardCharsets.UTF_8), "usage");
    }

    @Test
    void findsTheTopLevelFieldWhereverItIs() {
        Json.TopLevel last = usage("{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}}],\"usage\":{\"prompt_tokens\":3}}");
        assertThat(last.object()).isTrue();
        assertThat(last.value().path("prompt_tokens").asLong()).isEqualTo(3);
        Json.TopLevel first = usage("{\n  \"usage\" : {\"prompt_tokens\" : 7},\n  \"id\" : \"y\"\n}");
        assertThat(first.value().path("prompt_tokens").asLong()).isEqualTo(7);
    }

    @Test
    void ignoresTheNameInsideStringsAndNestedObjects() {
        Json.TopLevel r = usage("{\"choices\":[{\"message\":{\"content\":\"\\\"usage\\\":{\\\"prompt_tokens\\\":9}\","
                + "\"usage\":{\"prompt_tokens\":8}}}],\"meta\":{\"usage\":1}}");
        assertThat(r.object()).isTrue();
        assertThat(r.value()).isNull();
    }

    @Test
    void readsABufferWhereverItsBytesSit() {
        String json = "{\"id\":\"x\",\"usage\":{\"prompt_tokens\":3}}";
        // bytes before and after the slice: read any of them and the text is not one object, or has another usage
        Buffer sliced = Buffer.buffer("{\"usage\":1}" + json + " {}").slice(11, 11 + json.length());
        Buffer roomy = Buffer.buffer(512).appendString(json);
        for (Buffer b : List.of(sliced, roomy, Buffer.buffer(json))) {
            Json.TopLevel r = Json.topLevelField(b, "usage");
            assertThat(r.object()).isTrue();
            assertThat(r.value().path("prompt_tokens").asLong()).isEqualTo(3);
        }
        assertThat(Json.topLevelField(Buffer.buffer(json + "x").slice(0, json.length() + 1), "usage").object()).isFalse();
    }

    @Test
    void saysWhenTheTextIsNotOneJsonObject() {
        assertThat(usage("[1,2]").object()).isFalse();
        assertThat(usage("{\"usage\":{\"a\":1}").object()).as("unterminated").isFalse();
        assertThat(usage("{\"usage\":{}} {}").object()).as("trailing content").isFalse();
        assertThat(usage("{\"a\":[1,}").object()).as("invalid inside a skipped value").isFalse();
        assertThat(usage("").object()).isFalse();
        assertThat(usage("{}").object()).isTrue();
        assertThat(usage("{}").value()).isNull();
    }
}
