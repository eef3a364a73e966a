package dev.tollgate.gateway.provider.replicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The pure translation between the hub's requests/answers and Replicate predictions. */
class ReplicateTranslatorTest {
    static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s.replace('\'', '"'));
    }

    /** Same JSON text (numbers compared as written: 100 and 100L, 0.7 as a double or a decimal, are the same). */
    static void same(JsonNode actual, String expected) {
        assertThat(Json.write(actual)).isEqualTo(Json.write(json(expected)));
    }

    static ParamPolicy reject() {
        return new ParamPolicy(UnsupportedParams.REJECT, ReplicateTranslator.API);
    }

    static ObjectNode chat(String model, String body) {
        return ReplicateTranslator.input(Operation.CHAT, json(body), ReplicateTranslator.model(model), reject());
    }

    // ---- model ids and URLs

    @Test
    void modelIds() {
        assertThat(ReplicateTranslator.model("meta/llama-2-70b-chat"))
                .isEqualTo(new ReplicateTranslator.ModelRef("meta", "llama-2-70b-chat", null));
        assertThat(ReplicateTranslator.model("replicate/stability-ai/stable-diffusion"))
                .isEqualTo(new ReplicateTranslator.ModelRef("stability-ai", "stable-diffusion", null));
        assertThat(ReplicateTranslator.model("stability-ai/stable-diffusion:db21e45d3f70").version()).isEqualTo("db21e45d3f70");
        for (String bad : List.of("llama", "a/b/c", "a/", "/b", "a/b:", "a/b:x y", "a/b?x=1", "../x")) {
            assertThatThrownBy(() -> ReplicateTranslator.model(bad)).as(bad).isInstanceOf(TranslationException.class);
        }
    }

    @Test
    void createUrlsAndBodies() {
        var byName = ReplicateTranslator.model("meta/llama-2-70b-chat");
        var pinned = ReplicateTranslator.model("meta/llama-2-70b-chat:abc123");
        assertThat(ReplicateTranslator.createUrl("https://api.replicate.com/v1/", byName))
                .isEqualTo("https://api.replicate.com/v1/models/meta/llama-2-70b-chat/predictions");
        assertThat(ReplicateTranslator.createUrl("https://api.replicate.com/v1", pinned))
                .isEqualTo("https://api.replicate.com/v1/predictions");
        ObjectNode input = json("{'prompt':'hi'}");
        assertThat(ReplicateTranslator.createBody(pinned, input, true))
                .isEqualTo(json("{'version':'abc123','input':{'prompt':'hi'},'stream':true}"));
        assertThat(ReplicateTranslator.createBody(byName, input, false)).isEqualTo(json("{'input':{'prompt':'hi'}}"));
    }

    // ---- chat

    @Test
    void llama2SingleTurnUsesTheModelsOwnFields() {
        ObjectNode in = chat("meta/llama-2-13b-chat", "{'messages':[{'role':'system','content':'Be brief.'},"
                + "{'role':'user','content':'Hi'}],'max_tokens':100,'temperature':0.7,'top_p':0.9,'seed':42,"
                + "'stop':'###','stream':true,'stream_options':{'include_usage':true},'user':'u1'}");
        same(in, "{'prompt':'Hi','system_prompt':'Be brief.','max_new_tokens':100,"
                + "'temperature':0.7,'top_p':0.9,'seed':42,'stop_sequences':'###'}");
    }

    @Test
    void llama2MultiTurnIsFormattedWithInstAndSysBlocks() {
        ObjectNode in = chat("meta/llama-2-70b-chat", "{'messages':[{'role':'system','content':'You are terse.'},"
                + "{'role':'user','content':'Hello'},{'role':'assistant','content':'Hi!'},"
                + "{'role':'user','content':[{'type':'text','text':'How are you?'}]}]}");
        assertThat(in.path("prompt").asText()).isEqualTo("[INST] <<SYS>>\nYou are terse.\n<</SYS>>\n\nHello [/INST] Hi! "
                + "</s><s>[INST] How are you? [/INST]");
        assertThat(in.path("prompt_template").asText()).isEqualTo("{prompt}");
        assertThat(in.has("system_prompt")).isFalse();
    }

    @Test
    void llama3UsesMaxTokensPenaltiesAndItsHeaderFormat() {
        ObjectNode in = chat("meta/meta-llama-3-8b-instruct", "{'messages':[{'role':'developer','content':'S'},"
                + "{'role':'user','content':'A'},{'role':'assistant','content':'B'},{'role':'user','content':'C'}],"
                + "'max_completion_tokens':50,'presence_penalty':0.5,'frequency_penalty':0.2,'temperature':0}");
        assertThat(in.path("prompt").asText()).isEqualTo("<|begin_of_text|>"
                + "<|start_header_id|>system<|end_header_id|>\n\nS<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nA<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nB<|eot_id|>"
                + "<|start_header_id|>user<|end_header_id|>\n\nC<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n");
        assertThat(in.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(in.has("max_new_tokens")).isFalse();
        assertThat(in.path("presence_penalty").asDouble()).isEqualTo(0.5);
        assertThat(in.path("frequency_penalty").asDouble()).isEqualTo(0.2);
        assertThat(in.path("temperature").asInt()).as("Llama 3 takes 0").isZero();
    }

    @Test
    void otherModelsGetPlainParagraphs() {
        ObjectNode multi = chat("mosaicml/mpt-7b-instruct", "{'messages':[{'role':'system','content':'S'},"
                + "{'role':'user','content':'A'},{'role':'assistant','content':'B'},{'role':'user','content':'C'}]}");
        assertThat(multi.path("prompt").asText()).isEqualTo("S\n\nUser: A\n\nAssistant: B\n\nUser: C\n\nAssistant:");
        assertThat(multi.has("prompt_template")).isFalse();
        assertThat(multi.has("system_prompt")).isFalse();
    }

    @Test
    void replicateOnlyInputsPassThrough() {
        ObjectNode in = chat("meta/llama-2-7b-chat", "{'messages':[{'role':'user','content':'x'}],'top_k':40,"
                + "'repetition_penalty':1.1,'min_new_tokens':5}");
        assertThat(in.path("top_k").asInt()).isEqualTo(40);
        assertThat(in.path("repetition_penalty").asDouble()).isEqualTo(1.1);
        assertThat(in.path("min_new_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void whatCannotBeExpressedIsRefusedOrDropped() {
        for (String param : List.of("'tools':[{'type':'function','function':{'name':'f'}}]", "'logit_bias':{'1':2}",
                "'logprobs':true", "'response_format':{'type':'json_object'}", "'n':2", "'presence_penalty':0.3")) {
            String body = "{'messages':[{'role':'user','content':'x'}]," + param + "}";
            assertThatThrownBy(() -> chat("meta/llama-2-7b-chat", body)).as(param)
                    .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.httpStatus()).isEqualTo(400));
        }
        ParamPolicy drop = new ParamPolicy(UnsupportedParams.DROP, ReplicateTranslator.API);
        ObjectNode in = ReplicateTranslator.input(Operation.CHAT, json("{'messages':[{'role':'user','content':'x'}],"
                + "'logit_bias':{'1':2},'n':3,'tools':[{'type':'function'}]}"),
                ReplicateTranslator.model("meta/llama-2-7b-chat"), drop);
        assertThat(drop.dropped()).containsExactlyInAnyOrder("logit_bias", "n", "tools");
        assertThat(in.has("logit_bias")).isFalse();
        // OpenAI's defaults ask for nothing: never an error
        chat("meta/llama-2-7b-chat", "{'messages':[{'role':'user','content':'x'}],'logprobs':false,'tools':[],"
                + "'n':1,'presence_penalty':0,'logit_bias':null}");
    }

    @Test
    void contentThatIsNotTextIsAlways400() {
        String image = "{'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:x'}}]}]}";
        String tool = "{'messages':[{'role':'user','content':'x'},{'role':'tool','tool_call_id':'c','content':'r'}]}";
        String toolCall = "{'messages':[{'role':'user','content':'x'},{'role':'assistant','tool_calls':[{'id':'c'}]}]}";
        for (String body : List.of(image, tool, toolCall, "{'messages':[]}", "{'messages':[{'role':'system','content':'s'}]}")) {
            ParamPolicy drop = new ParamPolicy(UnsupportedParams.DROP, ReplicateTranslator.API);
            assertThatThrownBy(() -> ReplicateTranslator.input(Operation.CHAT, json(body),
                    ReplicateTranslator.model("meta/llama-2-7b-chat"), drop)).as(body)
                    .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("messages"));
        }
    }

    @Test
    void aStopWithACommaCannotBeExpressed() {
        assertThatThrownBy(() -> chat("meta/llama-2-7b-chat", "{'messages':[{'role':'user','content':'x'}],"
                + "'stop':['a,b']}")).isInstanceOfSatisfying(TranslationException.class,
                e -> assertThat(e.param()).isEqualTo("stop"));
    }

    // ---- completions and images

    @Test
    void completions() {
        ObjectNode in = ReplicateTranslator.input(Operation.COMPLETIONS, json("{'prompt':['def f():'],'max_tokens':16,"
                + "'stop':['\\n\\n']}"), ReplicateTranslator.model("meta/llama-2-7b-chat"), reject());
        same(in, "{'prompt':'def f():','max_new_tokens':16,'stop_sequences':'\\n\\n'}");
        assertThatThrownBy(() -> ReplicateTranslator.input(Operation.COMPLETIONS, json("{'prompt':['a','b']}"),
                ReplicateTranslator.model("meta/llama-2-7b-chat"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("prompt"));
        assertThatThrownBy(() -> ReplicateTranslator.input(Operation.COMPLETIONS, json("{'prompt':'a','echo':true}"),
                ReplicateTranslator.model("meta/llama-2-7b-chat"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("echo"));
    }

    @Test
    void images() {
        ObjectNode in = ReplicateTranslator.input(Operation.IMAGES, json("{'model':'sd','prompt':'a cat','n':3,"
                + "'size':'1024x768','seed':7,'negative_prompt':'dogs','response_format':'b64_json'}"),
                ReplicateTranslator.model("stability-ai/stable-diffusion"), reject());
        same(in, "{'prompt':'a cat','negative_prompt':'dogs','width':1024,'height':768,'num_outputs':3,'seed':7}");
        for (String bad : List.of("{'prompt':''}", "{'prompt':'x','size':'big'}", "{'prompt':'x','size':'0x10'}",
                "{'prompt':'x','response_format':'png'}", "{'prompt':'x','quality':'hd'}")) {
            assertThatThrownBy(() -> ReplicateTranslator.input(Operation.IMAGES, json(bad),
                    ReplicateTranslator.model("stability-ai/stable-diffusion"), reject())).as(bad)
                    .isInstanceOf(TranslationException.class);
        }
        // OpenAI's defaults ask for nothing
        ReplicateTranslator.input(Operation.IMAGES, json("{'prompt':'x','quality':'standard','background':'auto',"
                + "'moderation':'auto','style':null}"), ReplicateTranslator.model("stability-ai/stable-diffusion"), reject());
        assertThatThrownBy(() -> ReplicateTranslator.input(Operation.EMBEDDINGS, json("{'input':'x'}"),
                ReplicateTranslator.model("a/b"), reject())).isInstanceOf(TranslationException.class);
    }

    // ---- answers

    @Test
    void chatAnswersJoinTheOutputAndCarryTokenCounts() {
        JsonNode p = json("{'id':'abc','status':'succeeded','output':['Hel','lo',' there'],"
                + "'metrics':{'predict_time':2.5,'input_token_count':11,'output_token_count':3}}");
        ObjectNode r = ReplicateTranslator.chatResponse(p, json("{'max_new_tokens':100}"), "meta/llama-2-70b-chat", 1700);
        assertThat(r.path("id").asText()).isEqualTo("chatcmpl-abc");
        assertThat(r.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hello there");
        assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        same(r.path("usage"), "{'prompt_tokens':11,'completion_tokens':3,'total_tokens':14,"
                + "'prompt_tokens_details':{'cached_tokens':0}}");
        assertThat(r.path("replicate").path("predict_time").asDouble()).isEqualTo(2.5);
        // at the token limit: length
        ObjectNode cut = ReplicateTranslator.chatResponse(p, json("{'max_new_tokens':3}"), "m", 0);
        assertThat(cut.path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
        // no token counts: no usage (the gateway counts)
        ObjectNode none = ReplicateTranslator.chatResponse(json("{'id':'x','output':'whole string'}"), null, "m", 0);
        assertThat(none.has("usage")).isFalse();
        assertThat(none.path("choices").get(0).path("message").path("content").asText()).isEqualTo("whole string");
    }

    @Test
    void imageAnswers() {
        JsonNode p = json("{'id':'i','output':['https://replicate.delivery/a.png','https://replicate.delivery/b.png']}");
        assertThat(ReplicateTranslator.imagesResponse(p, null, 5).path("data"))
                .isEqualTo(Json.parse("[{\"url\":\"https://replicate.delivery/a.png\"},{\"url\":\"https://replicate.delivery/b.png\"}]"));
        assertThat(ReplicateTranslator.imagesResponse(json("{'output':'https://replicate.delivery/one.png'}"), null, 5)
                .path("data")).hasSize(1);
        assertThat(ReplicateTranslator.imagesResponse(p, List.of("AAA"), 5).path("data").get(0).path("b64_json").asText())
                .isEqualTo("AAA");
    }

    // ---- errors

    @Test
    void httpErrors() {
        UpstreamException unauth = ReplicateTranslator.httpError(401, json("{'title':'Unauthenticated','detail':'You did "
                + "not pass a valid authentication token','status':401}"), null, "ns/m");
        assertThat(unauth.error().httpStatus()).isEqualTo(502);
        assertThat(unauth.error().code()).isEqualTo("upstream_auth_failed");
        UpstreamException throttled = ReplicateTranslator.httpError(429, json("{'detail':'Request was throttled.',"
                + "'status':429}"), "3", "ns/m");
        assertThat(throttled.error().httpStatus()).isEqualTo(429);
        assertThat(throttled.retryAfter()).isEqualTo("3");
        UpstreamException invalid = ReplicateTranslator.httpError(422, json("{'title':'Input validation failed',"
                + "'detail':'- input.width: must be a multiple of 8','status':422,'invalid_fields':[{'type':'x',"
                + "'field':'input.width','description':'must be a multiple of 8'}]}"), null, "ns/m");
        assertThat(invalid.error().httpStatus()).isEqualTo(400);
        assertThat(invalid.error().message()).contains("input.width");
        UpstreamException notFound = ReplicateTranslator.httpError(404, json("{'detail':'Not found.','status':404}"),
                null, "ns/m");
        assertThat(notFound.error().httpStatus()).isEqualTo(502);
        assertThat(notFound.error().code()).isEqualTo("upstream_not_found");
        assertThat(ReplicateTranslator.httpError(402, null, null, "ns/m").error().httpStatus()).isEqualTo(502);
        assertThat(ReplicateTranslator.httpError(500, null, null, "ns/m").error().httpStatus()).isEqualTo(502);
    }

    @Test
    void failedPredictions() {
        assertThat(ReplicateTranslator.failure("NSFW content detected. Try running it again, or try a different prompt."))
                .isEqualTo(ReplicateTranslator.Failure.BLOCKED);
        assertThat(ReplicateTranslator.failure("This model's maximum context length is 4096 tokens. However, you "
                + "requested 5000 tokens")).isEqualTo(ReplicateTranslator.Failure.CONTEXT_TOO_LONG);
        assertThat(ReplicateTranslator.failure("CUDA out of memory")).isEqualTo(ReplicateTranslator.Failure.FAILED);
        assertThat(ReplicateTranslator.failure(null)).isEqualTo(ReplicateTranslator.Failure.FAILED);
        UpstreamException tooLong = ReplicateTranslator.predictionError("failed", "This model's maximum context length "
                + "is 4096 tokens.", "ns/m");
        assertThat(tooLong.error().httpStatus()).isEqualTo(400);
        assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
        assertThat(tooLong.error().param()).isEqualTo("messages");
        UpstreamException canceled = ReplicateTranslator.predictionError("canceled", null, "ns/m");
        assertThat(canceled.error().httpStatus()).isEqualTo(502);
        assertThat(canceled.error().message()).contains("was canceled");
    }
}
