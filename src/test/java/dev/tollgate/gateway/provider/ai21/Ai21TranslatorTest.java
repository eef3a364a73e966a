package dev.tollgate.gateway.provider.ai21;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import org.junit.jupiter.api.Test;

class Ai21TranslatorTest {
    static JsonNode json(String s) {
        return Json.parse(s.replace('\'', '"'));
    }

    @Test
    void jurassicIsRecognisedByItsPrefix() {
        assertThat(Ai21Translator.isJurassic("j2-grande-instruct")).isTrue();
        assertThat(Ai21Translator.isJurassic("jamba-1.5-mini")).isFalse();
        assertThat(Ai21Translator.isJurassic("jamba-large")).isFalse();
    }

    @Test
    void jambaKeepsAllowedFieldsAndRejectsOthers() {
        ObjectNode out = Ai21Translator.toJamba(json("{'model':'x','messages':[{'role':'user','content':'hi'}],"
                + "'n':2,'top_p':0.9,'stop':['END'],'response_format':{'type':'json_object'},'documents':[{'content':"
                + "'d'}],'stream_options':{'include_usage':true},'frequency_penalty':0,'tool_choice':'auto'}"),
                "jamba-mini", false, UnsupportedParams.REJECT).body();
        assertThat(out.path("model").asText()).isEqualTo("jamba-mini");
        assertThat(out.path("n").asInt()).isEqualTo(2);
        assertThat(out.path("documents")).hasSize(1);
        assertThat(out.path("response_format").path("type").asText()).isEqualTo("json_object");
        assertThat(out.has("stream_options")).isFalse();
        assertThat(out.has("frequency_penalty")).as("a default value asks for nothing").isFalse();
        assertThat(out.has("tool_choice")).isFalse();
        assertThat(out.path("stream").asBoolean()).isFalse();

        assertThatThrownBy(() -> Ai21Translator.toJamba(json("{'messages':[{'role':'user','content':'hi'}],"
                + "'seed':4}"), "jamba-mini", false, UnsupportedParams.REJECT))
                .isInstanceOf(TranslationException.class).hasMessageContaining("seed");
        Ai21Translator.Request dropped = Ai21Translator.toJamba(json("{'messages':[{'role':'user','content':'hi'}],"
                + "'seed':4,'logprobs':true}"), "jamba-mini", true, UnsupportedParams.DROP);
        assertThat(dropped.dropped()).containsExactlyInAnyOrder("seed", "logprobs");
        assertThat(dropped.body().has("seed")).isFalse();
        assertThat(dropped.body().path("stream").asBoolean()).isTrue();
    }

    @Test
    void jambaRefusesImages() {
        assertThatThrownBy(() -> Ai21Translator.toJamba(json("{'messages':[{'role':'user','content':[{'type':"
                + "'image_url','image_url':{'url':'data:x'}}]}]}"), "jamba-mini", false, UnsupportedParams.DROP))
                .isInstanceOf(TranslationException.class).hasMessageContaining("image_url");
    }

    @Test
    void jambaAnswerIsNormalised() {
        ObjectNode out = Ai21Translator.fromJamba(json("{'id':'chat-1','choices':[{'index':0,'message':{'role':"
                + "'assistant','content':'x'},'finish_reason':'length'}],'usage':{'prompt_tokens':4,"
                + "'completion_tokens':2}}"), "jamba-mini", 99);
        assertThat(out.path("model").asText()).isEqualTo("jamba-mini");
        assertThat(out.path("created").asLong()).isEqualTo(99);
        assertThat(out.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
        assertThat(out.path("usage").path("total_tokens").asInt()).isEqualTo(6);
        assertThat(out.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isZero();
    }

    @Test
    void jurassicFlattening() {
        assertThat(Ai21Translator.flatten(json("[{'role':'user','content':'Just this'}]"))).isEqualTo("Just this");
        assertThat(Ai21Translator.flatten(json("[{'role':'system','content':'S1'},{'role':'developer','content':"
                + "'S2'},{'role':'user','content':'Q'}]"))).isEqualTo("S1\n\nS2\n\nQ");
        assertThat(Ai21Translator.flatten(json("[{'role':'user','content':'A'},{'role':'assistant','content':'B'}]")))
                .isEqualTo("User: A\n\nAssistant: B");
        assertThatThrownBy(() -> Ai21Translator.flatten(json("[{'role':'tool','tool_call_id':'1','content':'r'}]")))
                .isInstanceOf(TranslationException.class);
    }

    @Test
    void jurassicRequest() {
        ObjectNode out = Ai21Translator.toJurassic(Operation.COMPLETIONS, json("{'prompt':['P'],'n':3,'max_tokens':"
                + "8,'temperature':0.1,'top_p':0.5,'stop':'x','presence_penalty':0.3}"), UnsupportedParams.REJECT).body();
        assertThat(out.path("prompt").asText()).isEqualTo("P");
        assertThat(out.path("numResults").asInt()).isEqualTo(3);
        assertThat(out.path("maxTokens").asInt()).isEqualTo(8);
        assertThat(out.path("topP").asDouble()).isEqualTo(0.5);
        assertThat(out.path("stopSequences").get(0).asText()).isEqualTo("x");
        assertThat(out.path("presencePenalty").path("scale").asDouble()).isEqualTo(0.3);
        assertThatThrownBy(() -> Ai21Translator.toJurassic(Operation.COMPLETIONS, json("{'prompt':'P','tools':[1]}"),
                UnsupportedParams.REJECT)).hasMessageContaining("tools");
        assertThatThrownBy(() -> Ai21Translator.toJurassic(Operation.COMPLETIONS, json("{'prompt':['a','b']}"),
                UnsupportedParams.REJECT)).hasMessageContaining("prompt");
        assertThatThrownBy(() -> Ai21Translator.toJurassic(Operation.EMBEDDINGS, json("{'input':'a'}"),
                UnsupportedParams.REJECT)).isInstanceOf(TranslationException.class);
    }

    @Test
    void jurassicAnswerUsageFromTokenArrays() {
        ObjectNode out = Ai21Translator.fromJurassic(Operation.CHAT, json("{'id':'1','prompt':{'text':'p','tokens':"
                + "[{},{},{}]},'completions':[{'data':{'text':'a','tokens':[{},{}]},'finishReason':{'reason':'length'}},"
                + "{'data':{'text':'b','tokens':[{}]},'finishReason':{'reason':'endoftext'}}]}"), "id", "j2-mid", 5);
        assertThat(out.path("choices")).hasSize(2);
        assertThat(out.path("choices").get(0).path("message").path("content").asText()).isEqualTo("a");
        assertThat(out.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
        assertThat(out.path("choices").get(1).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(out.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(out.path("usage").path("completion_tokens").asInt()).isEqualTo(3);
        assertThat(out.path("usage").path("total_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void errorsDetail() {
        assertThat(Ai21Adapter.detail(json("{'detail':'Too many requests'}"))).isEqualTo("Too many requests");
        assertThat(Ai21Adapter.detail(json("{'detail':[{'msg':'field required'},{'msg':'bad'}]}")))
                .isEqualTo("field required; bad");
        assertThat(Ai21Adapter.detail(null)).isNull();
        assertThat(Ai21Adapter.contextTooLong("Prompt length exceeds the model's maximum context length")).isTrue();
        assertThat(Ai21Adapter.contextTooLong("Too many requests")).isFalse();
    }
}
