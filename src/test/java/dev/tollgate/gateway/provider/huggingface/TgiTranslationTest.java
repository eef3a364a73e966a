package dev.tollgate.gateway.provider.huggingface;

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
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link TgiTranslator}, {@link TgiStream} and {@link HuggingFaceUrls}: pure functions. */
class TgiTranslationTest {
    static JsonNode j(String s) {
        return Json.parse(s.replace('\'', '"'));
    }

    static ObjectNode generate(String body, boolean stream) {
        return TgiTranslator.toGenerate(j(body), stream, UnsupportedParams.REJECT, new ArrayList<>());
    }

    @Test
    void greedyIsDoSampleFalseAndNoTemperature() {
        JsonNode p = generate("{'prompt':'x','temperature':0}", false).path("parameters");
        assertThat(p.path("do_sample").asBoolean(true)).isFalse();
        assertThat(p.has("temperature")).isFalse();
    }

    @Test
    void topPOutsideTgisOpenIntervalIsLeftOut() {
        assertThat(generate("{'prompt':'x','top_p':1.0}", false).path("parameters").has("top_p")).isFalse();
        assertThat(generate("{'prompt':'x','top_p':0.9}", false).path("parameters").path("top_p").asDouble()).isEqualTo(0.9);
    }

    @Test
    void stopAsArrayAndNativeKnobsPassThrough() {
        JsonNode p = generate("{'prompt':'x','stop':['a','b'],'repetition_penalty':1.1,'typical_p':0.5,'truncate':100,"
                + "'max_completion_tokens':12,'frequency_penalty':0.3,'n':1}", false).path("parameters");
        assertThat(p.path("stop")).hasSize(2);
        assertThat(p.path("repetition_penalty").asDouble()).isEqualTo(1.1);
        assertThat(p.path("typical_p").asDouble()).isEqualTo(0.5);
        assertThat(p.path("truncate").asInt()).isEqualTo(100);
        assertThat(p.path("max_new_tokens").asInt()).isEqualTo(12);
        assertThat(p.path("frequency_penalty").asDouble()).isEqualTo(0.3);
        assertThat(p.has("n")).isFalse();
    }

    @Test
    void aStreamAsksForNoDecoderInputDetails() {
        ObjectNode b = generate("{'prompt':'x','stream':true,'stream_options':{'include_usage':true}}", true);
        assertThat(b.path("stream").asBoolean()).isTrue();
        assertThat(b.path("parameters").path("details").asBoolean()).isTrue();
        assertThat(b.path("parameters").has("decoder_input_details")).isFalse();
        assertThat(b.path("parameters").has("stream_options")).isFalse();
    }

    @Test
    void promptsMustBeOneString() {
        assertThat(generate("{'prompt':['only one']}", false).path("inputs").asText()).isEqualTo("only one");
        assertThatThrownBy(() -> generate("{'prompt':['a','b']}", false)).isInstanceOf(TranslationException.class)
                .extracting(e -> ((TranslationException) e).param()).isEqualTo("prompt");
        assertThatThrownBy(() -> generate("{'prompt':[1,2,3]}", false)).isInstanceOf(TranslationException.class);
        assertThatThrownBy(() -> generate("{'max_tokens':3}", false)).isInstanceOf(TranslationException.class);
    }

    @Test
    void nAboveOneIsRefusedOrDropped() {
        assertThatThrownBy(() -> generate("{'prompt':'x','n':2}", false)).isInstanceOf(TranslationException.class)
                .extracting(e -> ((TranslationException) e).param()).isEqualTo("n");
        List<String> dropped = new ArrayList<>();
        TgiTranslator.toGenerate(j("{'prompt':'x','n':2,'presence_penalty':1}"), false, UnsupportedParams.DROP, dropped);
        assertThat(dropped).containsExactlyInAnyOrder("n", "presence_penalty");
    }

    @Test
    void defaultValuesPassSilently() {
        List<String> dropped = new ArrayList<>();
        ObjectNode b = TgiTranslator.toGenerate(j("{'prompt':'x','echo':false,'logprobs':0,'presence_penalty':0,"
                + "'logit_bias':{}}"), false, UnsupportedParams.REJECT, dropped);
        assertThat(dropped).isEmpty();
        assertThat(b.path("parameters").has("echo")).isFalse();
        assertThatThrownBy(() -> generate("{'prompt':'x','echo':true}", false)).isInstanceOf(TranslationException.class);
    }

    @Test
    void finishReasons() {
        assertThat(TgiTranslator.finishReason("length")).isEqualTo("length");
        assertThat(TgiTranslator.finishReason("eos_token")).isEqualTo("stop");
        assertThat(TgiTranslator.finishReason("stop_sequence")).isEqualTo("stop");
        assertThat(TgiTranslator.finishReason(null)).isEqualTo("stop");
    }

    @Test
    void usageFromPrefillOrInputLengthElseNone() {
        assertThat(TgiTranslator.usage(j("{'generated_tokens':4,'prefill':[{},{},{}]}")).path("prompt_tokens").asInt())
                .isEqualTo(3);
        assertThat(TgiTranslator.usage(j("{'generated_tokens':4,'input_length':9}")).path("total_tokens").asInt())
                .isEqualTo(13);
        assertThat(TgiTranslator.usage(j("{'generated_tokens':4,'prefill':[]}"))).as("prompt unknown: the gateway counts")
                .isNull();
        assertThat(TgiTranslator.usage(j("{'finish_reason':'length'}"))).isNull();
        assertThat(TgiTranslator.fromGenerate(j("{'generated_text':'hi'}"), "cmpl-1", "m", 1).has("usage")).isFalse();
    }

    @Test
    void errors() {
        ApiError ctx = TgiTranslator.error(422, j("{'error':'Input validation error: `inputs` tokens + `max_new_tokens` "
                + "must be <= 2048. Given: 2000 `inputs` tokens and 100 `max_new_tokens`','error_type':'validation'}"),
                "prompt");
        assertThat(ctx.httpStatus()).isEqualTo(400);
        assertThat(ctx.code()).isEqualTo("context_length_exceeded");
        assertThat(ctx.param()).isEqualTo("prompt");
        ApiError older = TgiTranslator.error(422, j("{'error':'Input validation error: `inputs` must have less than 1024 "
                + "tokens. Given: 1500','error_type':'validation'}"), "prompt");
        assertThat(older.code()).isEqualTo("context_length_exceeded");
        ApiError temp = TgiTranslator.error(422, j("{'error':'Input validation error: `temperature` must be strictly "
                + "positive','error_type':'validation'}"), "prompt");
        assertThat(temp.httpStatus()).isEqualTo(400);
        assertThat(temp.code()).isEqualTo("validation");
        assertThat(TgiTranslator.error(0, j("{'error':'Model is overloaded','error_type':'overloaded'}"), "prompt")
                .httpStatus()).isEqualTo(429);
        assertThat(TgiTranslator.error(400, j("{'error':{'message':'openai shape'}}"), "prompt")).isNull();
    }

    @Test
    void theStreamDecoderFramesTokensAndRequiresTheDetails() {
        TgiStream s = new TgiStream("cmpl-1", "m", 1, "ns/m");
        List<ObjectNode> out = new ArrayList<>();
        s.feed(Buffer.buffer("data:{\"index\":1,\"token\":{\"id\":1,\"text\":\"He\",\"logprob\":-1,\"special\":false},"
                + "\"generated_text\":null,\"details\":null}\n\ndata:{\"index\":2,\"token\":{\"id\":2,\"te"), out::add);
        assertThat(s.end(new ArrayList<>()::add)).as("no details yet: cut").isFalse();
        s.feed(Buffer.buffer("xt\":\"llo\",\"logprob\":-1,\"special\":false},\"generated_text\":null,\"details\":null}"
                + "\n\ndata:{\"index\":3,\"token\":{\"id\":2,\"text\":\"</s>\",\"logprob\":0,\"special\":true},"
                + "\"generated_text\":\"Hello\",\"details\":{\"finish_reason\":\"eos_token\",\"generated_tokens\":3,"
                + "\"seed\":null,\"input_length\":4}}\n\n"), out::add);
        assertThat(s.end(out::add)).isTrue();
        assertThat(out).hasSize(4);
        assertThat(out.get(0).path("choices").get(0).path("text").asText()).isEqualTo("He");
        assertThat(out.get(1).path("choices").get(0).path("text").asText()).isEqualTo("llo");
        assertThat(out.get(2).path("choices").get(0).path("text").asText()).isEmpty();
        assertThat(out.get(2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(out.get(3).path("usage").path("prompt_tokens").asInt()).isEqualTo(4);
        assertThat(s.usageSoFar().outputTokens()).isEqualTo(3);
    }

    @Test
    void anErrorEventThrows() {
        TgiStream s = new TgiStream("cmpl-1", "m", 1, "ns/m");
        assertThatThrownBy(() -> s.feed(Buffer.buffer("data:{\"error\":\"Request failed during generation: Server error: "
                + "CUDA OOM\",\"error_type\":\"generation\"}\n\n"), o -> { }))
                .isInstanceOf(UpstreamException.class).hasMessageContaining("CUDA OOM");
    }

    @Test
    void urls() {
        assertThat(HuggingFaceUrls.router("https://router.huggingface.co/v1")).isTrue();
        assertThat(HuggingFaceUrls.router("https://Router.HuggingFace.co/together/v1")).isTrue();
        assertThat(HuggingFaceUrls.router(null)).isTrue();
        assertThat(HuggingFaceUrls.router("https://xyz.us-east-1.aws.endpoints.huggingface.cloud")).isFalse();
        assertThat(HuggingFaceUrls.router("http://tgi-starcoder:8080")).isFalse();
        assertThat(HuggingFaceUrls.routerBase("https://router.huggingface.co/")).isEqualTo("https://router.huggingface.co/v1");
        assertThat(HuggingFaceUrls.routerBase("https://router.huggingface.co/v1/")).isEqualTo("https://router.huggingface.co/v1");
        assertThat(HuggingFaceUrls.tgiRoot("http://tgi:8080/v1/")).isEqualTo("http://tgi:8080");
        assertThat(HuggingFaceUrls.tgiRoot("http://tgi:8080")).isEqualTo("http://tgi:8080");
    }
}
