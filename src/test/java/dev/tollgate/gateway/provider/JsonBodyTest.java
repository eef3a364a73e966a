package dev.tollgate.gateway.provider;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.buffer.Buffer;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class JsonBodyTest {

    private static JsonBody read(String json) {
        return JsonBody.read(Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)));
    }

    private static String sent(JsonBody body) {
        return body.toBuffer().toString(StandardCharsets.UTF_8);
    }

    @Test
    void anythingButOneJsonObjectIsRefused() {
        for (String bad : List.of("", "[]", "\"x\"", "42", "{", "{\"a\":1", "{\"a\":1}}", "{\"a\":1} {}", "{\"a\":}",
                "{\"a\":[1,}", "{a:1}", "{\"a\":\"unterminated}")) {
            assertThat(read(bad)).as(bad).isNull();
        }
        assertThat(JsonBody.read(null)).isNull();
    }

    @Test
    void withoutEditsTheClientsBytesGoOnAsTheyAre() {
        Buffer in = Buffer.buffer("{ \"model\" : \"m\",\n \"messages\":[{\"role\":\"user\",\"content\":\"hi\"}], \"x\":1.50 }");
        JsonBody body = JsonBody.read(in);
        assertThat(body.toBuffer()).isSameAs(in);
        body.set("model", Json.NODES.textNode("m")); // the same value: still no edit
        assertThat(body.toBuffer()).isSameAs(in);
        assertThat(body.spliced()).isTrue();
    }

    @Test
    void theModelIsSplicedIntoTheClientsBytesAndNothingElseChanges() {
        String in = "{\"messages\":[{\"role\":\"user\",\"content\":\"say \\\"hi\\\" \\u00e9\"}],  \"model\" :\t\"gpt-4o\" ,"
                + "\"temperature\":0.70}";
        JsonBody body = read(in);
        body.set("model", Json.NODES.textNode("gpt-4o-2024-08-06"));
        assertThat(sent(body)).isEqualTo(in.replace("\"gpt-4o\"", "\"gpt-4o-2024-08-06\""));
        assertThat(body.path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
        assertThat(body.spliced()).isTrue();
    }

    @Test
    void aNameThatNeedsEscapingIsWrittenAsJson() {
        JsonBody body = read("{\"model\":\"a\"}");
        body.set("model", Json.NODES.textNode("we\"ird\\ñame"));
        assertThat(Json.parse(sent(body)).path("model").asText()).isEqualTo("we\"ird\\ñame");
    }

    @Test
    void everyKindOfValueIsReplacedWhole() {
        // each field's value replaced by a marker: the result must parse and hold exactly the markers
        String in = "{\"s\":\"a\\\"}b\",\"i\":-12,\"f\":1e-3,\"t\":true,\"nl\":null,\"o\":{\"k\":[1,{\"z\":\"}\"}]},"
                + "\"a\":[\"]\",2],\"u\":\"\u00fc\u4e2d\",\"last\":0}";
        for (String field : List.of("s", "i", "f", "t", "nl", "o", "a", "u", "last")) {
            JsonBody body = read(in);
            body.set(field, Json.NODES.textNode("X"));
            ObjectNode expected = (ObjectNode) Json.parse(in);
            expected.put(field, "X");
            JsonNode out = Json.parse(sent(body));
            assertThat(out).as(field).isEqualTo(expected);
            assertThat(body.spliced()).isTrue();
        }
    }

    @Test
    void keptFieldsOfEveryTypeAreReadAsJacksonReadsThemAndReplacedWhole() {
        String in = "{\"model\":\"m\\u00e9\",\"stream\":null,\"n\":1.50,\"max_tokens\":123456789012345678901234567890,"
                + "\"max_completion_tokens\":false,\"stream_options\":{\"include_usage\":true,\"x\":[1,\"}\"]}}";
        ObjectNode expected = (ObjectNode) Json.parse(in);
        for (String field : List.of("model", "stream", "n", "max_tokens", "max_completion_tokens", "stream_options")) {
            JsonBody body = read(in);
            assertThat(body.get(field)).as(field).isEqualTo(expected.get(field));
            body.set(field, Json.NODES.numberNode(7));
            assertThat(Json.parse(sent(body))).as(field).isEqualTo(expected.deepCopy().put(field, 7));
            assertThat(body.spliced()).isTrue();
        }
    }

    @Test
    void severalEditsAtOnceReplaceAndAdd() {
        String in = "{\"max_tokens\":5,\"model\":\"a\",\"stream\":true}";
        JsonBody body = read(in);
        body.set("stream_options", Json.object().put("include_usage", true));
        body.set("model", Json.NODES.textNode("b"));
        body.set("max_completion_tokens", Json.NODES.numberNode(4096L));
        body.set("max_tokens", Json.NODES.numberNode(7));
        ObjectNode expected = (ObjectNode) Json.parse(in);
        expected.put("model", "b").put("max_tokens", 7).put("max_completion_tokens", 4096)
                .putObject("stream_options").put("include_usage", true);
        assertThat(Json.parse(sent(body))).isEqualTo(expected);
        assertThat(body.path("max_completion_tokens").asLong()).isEqualTo(4096);
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
    }

    @Test
    void fieldsAreAddedToAnEmptyObject() {
        for (String in : List.of("{}", " { \n } ")) {
            JsonBody body = read(in);
            body.set("model", Json.NODES.textNode("b"));
            body.set("n", Json.NODES.numberNode(2));
            assertThat(Json.parse(sent(body))).as(in).isEqualTo(Json.object().put("model", "b").put("n", 2));
        }
    }

    @Test
    void addedFieldsOfEveryKindAreWrittenAsJson() {
        JsonBody body = read("{\"model\":\"a\"}");
        body.set("we\"ird\\ñame", Json.NODES.numberNode(new BigInteger("123456789012345678901234567890")));
        body.set("neg", Json.NODES.numberNode(-5));
        body.set("dec", Json.NODES.numberNode(new BigDecimal("1.50")));
        body.set("obj", Json.object().put("k", "v"));
        body.set("s", Json.NODES.textNode("x\ny"));
        ObjectNode expected = Json.object().put("model", "a");
        expected.put("we\"ird\\ñame", new BigInteger("123456789012345678901234567890")).put("neg", -5)
                .put("dec", new BigDecimal("1.50")).put("s", "x\ny").putObject("obj").put("k", "v");
        assertThat(Json.parse(sent(body))).isEqualTo(expected);
        assertThat(sent(body)).contains("\"dec\":1.50"); // exactly as given, never through double
    }

    @Test
    void aBodyInABufferWithRoomToSpareOrAtAnOffsetReadsTheSame() {
        String in = "{\"model\":\"a\",\"messages\":[],\"n\":2}";
        Buffer roomy = Buffer.buffer(1024).appendString(in);
        Buffer sliced = Buffer.buffer("{\"x\":1}" + in + "{}").slice(7, 7 + in.length());
        for (Buffer b : List.of(roomy, sliced, Buffer.buffer(in))) {
            JsonBody body = JsonBody.read(b);
            assertThat(body).isNotNull();
            assertThat(body.get("n").asInt()).isEqualTo(2);
            body.set("model", Json.NODES.textNode("bb"));
            assertThat(sent(body)).isEqualTo(in.replace("\"a\"", "\"bb\""));
        }
    }

    @Test
    void aBufferThatIsExactlyTheBodyIsReadWithoutACopy() {
        String in = "{\"model\":\"a\"}";
        Buffer exact = Buffer.buffer(in.getBytes(StandardCharsets.UTF_8));
        assertThat(Json.exactArray(exact)).isSameAs(Json.exactArray(exact)).hasSize(in.length());
        Buffer roomy = Buffer.buffer(64).appendString(in);
        assertThat(Json.exactArray(roomy)).isNotSameAs(Json.exactArray(roomy))
                .isEqualTo(in.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aDuplicatedFieldIsReadAsATreeSoTheUpstreamSeesOneModel() {
        JsonBody body = read("{\"model\":\"allowed\",\"x\":1,\"model\":\"other\"}");
        assertThat(body.path("model").asText()).isEqualTo("other"); // the last one wins, as in every other path
        assertThat(body.spliced()).isFalse();
        body.set("model", Json.NODES.textNode("upstream"));
        String out = sent(body);
        assertThat(out).isEqualTo("{\"model\":\"upstream\",\"x\":1}");
    }

    @Test
    void theTreeCarriesTheEditsAndThenIsTheBody() {
        JsonBody body = read("{\"model\":\"a\",\"messages\":[],\"user\":\"u1\"}");
        body.set("model", Json.NODES.textNode("b"));
        body.set("metadata", Json.object().put("k", "v"));
        assertThat(body.path("user").asText()).isEqualTo("u1"); // not kept from the streaming pass: read as a tree
        assertThat(body.spliced()).isFalse();
        ObjectNode tree = body.tree();
        assertThat(tree.path("model").asText()).isEqualTo("b");
        assertThat(tree.path("metadata").path("k").asText()).isEqualTo("v");
        tree.put("temperature", 1);
        body.set("n", Json.NODES.numberNode(3));
        assertThat(Json.parse(sent(body))).isEqualTo(tree);
        assertThat(tree.path("n").asInt()).isEqualTo(3);
    }

    @Test
    void presenceAndKeptValuesWithoutATree() {
        JsonBody body = read("{\"model\":\"a\",\"stream\":true,\"n\":2,\"tools\":[]}");
        assertThat(body.has("tools")).isTrue();
        assertThat(body.has("user")).isFalse();
        assertThat(body.get("user")).isNull();
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("n").asLong()).isEqualTo(2);
        assertThat(body.path("max_tokens").isMissingNode()).isTrue();
        assertThat(body.spliced()).isTrue();
    }

    @Test
    void aUtf16BodyIsReadAsATreeAndSentAsUtf8() {
        String in = "{\"model\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":\"héllo\"}]}";
        JsonBody body = JsonBody.read(Buffer.buffer(in.getBytes(StandardCharsets.UTF_16BE)));
        assertThat(body).isNotNull();
        body.set("model", Json.NODES.textNode("b"));
        assertThat(body.spliced()).isFalse();
        assertThat(Json.parse(sent(body))).isEqualTo(((ObjectNode) Json.parse(in)).put("model", "b"));
    }

    @Test
    void aBodyBuiltAsATreeIsWrittenOnce() {
        ObjectNode tree = Json.object().put("model", "m");
        JsonBody body = JsonBody.of(tree);
        assertThat(body.tree()).isSameAs(tree);
        assertThat(Json.parse(sent(body))).isEqualTo(tree);
    }
}
