package dev.tollgate.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
