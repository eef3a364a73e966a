package dev.tollgate.gateway.provider.ollama;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link OllamaTranslator}, {@link OllamaStream} (and so the NDJSON framing) and {@link OllamaAdapter#root}. */
class OllamaTranslationTest {
    static JsonNode j(String s) {
        return Json.parse(s.replace('\'', '"'));
    }

    static ObjectNode chat(String body) {
        return OllamaTranslator.toChat(j(body), "llama3.2", false, UnsupportedParams.REJECT, new ArrayList<>());
    }

    @Test
    void imageUrlsThatAreNotDataUrlsAreRefused() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':[{'type':'image_url','image_url':"
                + "{'url':'https://example.com/cat.png'}}]}]}")).isInstanceOf(TranslationException.class)
                .hasMessageContaining("data URL");
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{}}]}]}"))
                .isInstanceOf(TranslationException.class);
    }

    @Test
    void toolArgumentsMustBeAnObject() {
        assertThat(OllamaTranslator.argumentsObject(j("'{\\'a\\':1}'".replace("\\'", "\\\"")))).isEqualTo(j("{'a':1}"));
        assertThat(OllamaTranslator.argumentsObject(Json.NODES.textNode(""))).isEqualTo(Json.object());
        assertThatThrownBy(() -> OllamaTranslator.argumentsObject(Json.NODES.textNode("[1,2]")))
                .isInstanceOf(TranslationException.class);
    }

    @Test
    void toolChoiceNoneSendsNoToolsAndAForcedChoiceIsRefused() {
        String tools = "'tools':[{'type':'function','function':{'name':'f','parameters':{'type':'object'},'strict':true}}]";
        assertThat(chat("{'messages':[]," + tools + ",'tool_choice':'none'}").has("tools")).isFalse();
        ObjectNode auto = chat("{'messages':[]," + tools + ",'tool_choice':'auto'}");
        assertThat(auto.path("tools").get(0).path("function").has("strict")).isFalse();
        assertThatThrownBy(() -> chat("{'messages':[]," + tools + ",'tool_choice':'required'}"))
                .isInstanceOf(TranslationException.class);
    }

    @Test
    void jsonSchemaBecomesFormat() {
        ObjectNode b = chat("{'messages':[],'response_format':{'type':'json_schema','json_schema':{'name':'x','schema':"
                + "{'type':'object','properties':{'age':{'type':'integer'}}}}}}");
        assertThat(b.path("format").path("properties").path("age").path("type").asText()).isEqualTo("integer");
        assertThat(chat("{'messages':[],'response_format':{'type':'text'}}").has("format")).isFalse();
    }

    @Test
    void optionsObjectIsMergedAndUnsupportedParamsFollowThePolicy() {
        ObjectNode b = chat("{'messages':[],'options':{'num_gpu':1},'presence_penalty':0.5,'n':1}");
        assertThat(b.path("options").path("num_gpu").asInt()).isEqualTo(1);
        assertThat(b.path("options").path("presence_penalty").asDouble()).isEqualTo(0.5);
        assertThatThrownBy(() -> chat("{'messages':[],'logit_bias':{'1':2}}")).isInstanceOf(TranslationException.class)
                .extracting(e -> ((TranslationException) e).param()).isEqualTo("logit_bias");
        List<String> dropped = new ArrayList<>();
        OllamaTranslator.toChat(j("{'messages':[{'role':'user','content':'x','name':'bob'}],'logit_bias':{'1':2},'n':3}"),
                "m", false, UnsupportedParams.DROP, dropped);
        assertThat(dropped).containsExactlyInAnyOrder("logit_bias", "n", "messages[].name");
    }

    @Test
    void defaultValuesPassSilently() {
        ObjectNode b = chat("{'messages':[],'n':1,'logprobs':false,'logit_bias':{}}");
        assertThat(b.has("n")).isFalse();
        assertThat(b.has("options")).isFalse();
    }

    @Test
    void answersWithoutCountsCarryNoUsage() {
        ObjectNode a = OllamaTranslator.fromChat(j("{'message':{'role':'assistant','content':'hi'},'done':true,"
                + "'done_reason':'length','eval_count':3}"), "chatcmpl-1", "m", 1);
        assertThat(a.has("usage")).isFalse();
        assertThat(a.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void embedInputMustBeText() {
        assertThatThrownBy(() -> OllamaTranslator.toEmbed(j("{'input':[[1,2,3]]}"), "m", UnsupportedParams.REJECT,
                new ArrayList<>())).isInstanceOf(TranslationException.class);
        assertThat(OllamaTranslator.toEmbed(j("{'input':'one'}"), "m", UnsupportedParams.REJECT, new ArrayList<>())
                .path("input").asText()).isEqualTo("one");
        assertThatThrownBy(() -> OllamaTranslator.toEmbed(j("{'input':'x','encoding_format':'base64'}"), "m",
                UnsupportedParams.REJECT, new ArrayList<>())).isInstanceOf(TranslationException.class);
    }

    @Test
    void errors() {
        ApiError ctx = OllamaTranslator.error(500, j("{'error':'input length exceeds the context length'}"), "input");
        assertThat(ctx.code()).isEqualTo("context_length_exceeded");
        assertThat(ctx.param()).isEqualTo("input");
        ApiError other = OllamaTranslator.error(404, j("{'error':'model \\'x\\' not found'}".replace("\\'", "'")), "messages");
        assertThat(other.httpStatus()).isEqualTo(404);
        assertThat(OllamaTranslator.error(502, null, "messages").message()).contains("502");
    }

    @Test
    void roots() {
        assertThat(OllamaAdapter.root(null)).isEqualTo("http://localhost:11434");
        assertThat(OllamaAdapter.root("http://ollama:11434/v1/")).isEqualTo("http://ollama:11434");
        assertThat(OllamaAdapter.root("http://ollama:11434/api")).isEqualTo("http://ollama:11434");
        assertThat(OllamaAdapter.root("https://gpu-box.internal/ollama")).isEqualTo("https://gpu-box.internal/ollama");
    }

    @Test
    void ndjsonLinesSplitAnywhereEvenInsideACharacter() {
        OllamaStream s = new OllamaStream(true, "chatcmpl-1", "m", 1, "ns/m");
        byte[] all = ("{\"message\":{\"role\":\"assistant\",\"content\":\"h\u00e9\"},\"done\":false}\n\n"
                + "{\"message\":{\"role\":\"assistant\",\"content\":\"\"},\"done\":true,\"done_reason\":\"stop\","
                + "\"prompt_eval_count\":5,\"eval_count\":2}").getBytes(StandardCharsets.UTF_8);
        List<ObjectNode> out = new ArrayList<>();
        int cut = new String(all, StandardCharsets.UTF_8).indexOf('\u00e9') + 1; // the middle of é's two bytes
        s.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, 0, cut)), out::add);
        s.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, cut, all.length)), out::add);
        assertThat(s.end(out::add)).as("the last line had no newline: still read").isTrue();
        assertThat(out.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("h\u00e9");
        assertThat(out.get(out.size() - 1).path("usage").path("total_tokens").asInt()).isEqualTo(7);
    }

    @Test
    void ndjsonWithoutDoneIsCutAndGarbageIsAnUpstreamFault() {
        OllamaStream s = new OllamaStream(true, "chatcmpl-1", "m", 1, "ns/m");
        s.feed(Buffer.buffer("{\"message\":{\"content\":\"a\"},\"done\":false}\n"), o -> { });
        assertThat(s.end(o -> { })).isFalse();
        OllamaStream g = new OllamaStream(true, "chatcmpl-1", "m", 1, "ns/m");
        assertThatThrownBy(() -> g.feed(Buffer.buffer("not json\n"), o -> { })).isInstanceOf(TranslationException.class);
        OllamaStream e = new OllamaStream(false, "cmpl-1", "m", 1, "ns/m");
        assertThatThrownBy(() -> e.feed(Buffer.buffer("{\"error\":\"boom\"}\n"), o -> { }))
                .isInstanceOf(UpstreamException.class);
    }
}
