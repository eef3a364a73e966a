package dev.tollgate.gateway.provider.cohere;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The pure translations of the Cohere family: chat request and answer, stream events, embed, rerank, errors. */
class CohereTranslationTest {

    static ObjectNode obj(String json) {
        return (ObjectNode) Json.parse(json.replace('\'', '"'));
    }

    static ObjectNode chat(String json, UnsupportedParams policy, List<String> dropped) {
        ParamPolicy p = new ParamPolicy(policy, "Cohere");
        ObjectNode out = CohereChat.request(obj(json), p, false);
        dropped.addAll(p.dropped());
        return out;
    }

    static ObjectNode chat(String json) {
        return chat(json, UnsupportedParams.REJECT, new ArrayList<>());
    }

    static final String USER = "'messages':[{'role':'user','content':'Hi'}]";

    // ---- request ----

    @Test
    void samplingParametersAreRenamedAsCohereNamesThem() {
        ObjectNode out = chat("{'model':'m'," + USER + ",'temperature':0.2,'top_p':0.9,'max_completion_tokens':50,"
                + "'stop':['END','STOP'],'seed':7,'frequency_penalty':0.1,'presence_penalty':0.3}");
        assertThat(out.path("temperature").decimalValue()).isEqualByComparingTo("0.2");
        assertThat(out.path("p").decimalValue()).isEqualByComparingTo("0.9");
        assertThat(out.has("top_p")).isFalse();
        assertThat(out.path("max_tokens").asInt()).isEqualTo(50);
        assertThat(out.path("stop_sequences").toString()).isEqualTo("[\"END\",\"STOP\"]");
        assertThat(out.path("seed").asInt()).isEqualTo(7);
        assertThat(out.path("frequency_penalty").decimalValue()).isEqualByComparingTo("0.1");
        assertThat(out.path("presence_penalty").decimalValue()).isEqualByComparingTo("0.3");
        assertThat(out.has("model")).isFalse(); // the adapter sets the upstream model
    }

    @Test
    void aSingleStopStringBecomesAList() {
        assertThat(chat("{" + USER + ",'stop':'END','max_tokens':9}").path("stop_sequences").toString())
                .isEqualTo("[\"END\"]");
    }

    @Test
    void rolesAreKeptAndDeveloperIsSystem() {
        ObjectNode out = chat("{'messages':[{'role':'developer','content':[{'type':'text','text':'Be '},"
                + "{'type':'text','text':'brief'}]},{'role':'user','content':'Hi'},{'role':'assistant','content':'Yo'}]}");
        JsonNode m = out.path("messages");
        assertThat(m.get(0).toString()).isEqualTo("{\"role\":\"system\",\"content\":\"Be brief\"}");
        assertThat(m.get(1).toString()).isEqualTo("{\"role\":\"user\",\"content\":\"Hi\"}");
        assertThat(m.get(2).toString()).isEqualTo("{\"role\":\"assistant\",\"content\":\"Yo\"}");
    }

    @Test
    void imagePartsAreCohereImageUrlBlocks() {
        ObjectNode out = chat("{'messages':[{'role':'user','content':[{'type':'text','text':'What is this?'},"
                + "{'type':'image_url','image_url':{'url':'data:image/png;base64,AAAA','detail':'low'}}]}]}");
        JsonNode content = out.path("messages").get(0).path("content");
        assertThat(content.get(0).toString()).isEqualTo("{\"type\":\"text\",\"text\":\"What is this?\"}");
        assertThat(content.get(1).toString()).isEqualTo(
                "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/png;base64,AAAA\",\"detail\":\"low\"}}");
    }

    @Test
    void audioInputIsRefusedWhateverThePolicy() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':"
                + "{'data':'AAAA','format':'wav'}}]}]}", UnsupportedParams.DROP, new ArrayList<>()))
                .isInstanceOf(TranslationException.class)
                .satisfies(e -> assertThat(((TranslationException) e).param()).isEqualTo("messages[0].content[0]"));
    }

    @Test
    void toolTurnsKeepTheirIdsAndTheToolOutputIsATextBlock() {
        ObjectNode out = chat("{'messages':[{'role':'user','content':'Weather?'},{'role':'assistant','content':null,"
                + "'tool_calls':[{'id':'call_1','type':'function','function':{'name':'get_weather','arguments':"
                + "'{\\'city\\':\\'Paris\\'}'}}]},{'role':'tool','tool_call_id':'call_1','content':'18C, sunny'}]}");
        JsonNode assistant = out.path("messages").get(1);
        assertThat(assistant.has("content")).isFalse();
        assertThat(assistant.path("tool_calls").get(0).path("id").asText()).isEqualTo("call_1");
        assertThat(assistant.path("tool_calls").get(0).path("function").path("name").asText()).isEqualTo("get_weather");
        JsonNode tool = out.path("messages").get(2);
        assertThat(tool.path("role").asText()).isEqualTo("tool");
        assertThat(tool.path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(tool.path("content").toString()).isEqualTo("[{\"type\":\"text\",\"text\":\"18C, sunny\"}]");
    }

    @Test
    void toolsKeepTheirSchemaAndAFunctionWithoutParametersGetsAnEmptyObject() {
        ObjectNode out = chat("{" + USER + ",'tools':[{'type':'function','function':{'name':'a','description':'d',"
                + "'parameters':{'type':'object','properties':{'x':{'type':'string'}}},'strict':true}},"
                + "{'type':'function','function':{'name':'b'}}]}");
        assertThat(out.path("tools").get(0).path("function").path("parameters").path("properties").has("x")).isTrue();
        assertThat(out.path("tools").get(0).path("function").path("description").asText()).isEqualTo("d");
        assertThat(out.path("tools").get(1).path("function").path("parameters").toString())
                .isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(out.path("strict_tools").asBoolean()).isTrue();
    }

    @ParameterizedTest(name = "tool_choice {0} -> {1}")
    @CsvSource({"'\"required\"', REQUIRED", "'\"none\"', NONE", "'\"auto\"', ''",
            "'{\"type\":\"function\",\"function\":{\"name\":\"a\"}}', REQUIRED"})
    void toolChoice(String choice, String expected) {
        ObjectNode out = chat("{" + USER + ",'tools':[{'type':'function','function':{'name':'a'}}],'tool_choice':"
                + choice.replace('"', '\'') + "}");
        assertThat(out.path("tool_choice").asText("")).isEqualTo(expected == null ? "" : expected);
    }

    @Test
    void aNamedFunctionAmongSeveralCannotBeForced() {
        String req = "{" + USER + ",'tools':[{'type':'function','function':{'name':'a'}},{'type':'function',"
                + "'function':{'name':'b'}}],'tool_choice':{'type':'function','function':{'name':'b'}}}";
        assertThatThrownBy(() -> chat(req)).isInstanceOf(TranslationException.class)
                .satisfies(e -> assertThat(((TranslationException) e).param()).isEqualTo("tool_choice"));
        List<String> dropped = new ArrayList<>();
        assertThat(chat(req, UnsupportedParams.DROP, dropped).has("tool_choice")).isFalse();
        assertThat(dropped).containsExactly("tool_choice");
    }

    @Test
    void responseFormats() {
        assertThat(chat("{" + USER + ",'response_format':{'type':'json_object'}}").path("response_format").toString())
                .isEqualTo("{\"type\":\"json_object\"}");
        assertThat(chat("{" + USER + ",'response_format':{'type':'json_schema','json_schema':{'name':'p','schema':"
                + "{'type':'object','required':['name']}}}}").path("response_format").toString())
                .isEqualTo("{\"type\":\"json_object\",\"json_schema\":{\"type\":\"object\",\"required\":[\"name\"]}}");
        assertThat(chat("{" + USER + ",'response_format':{'type':'text'}}").has("response_format")).isFalse();
    }

    @Test
    void unsupportedParametersFollowThePolicy() {
        String req = "{" + USER + ",'n':2,'logprobs':true,'logit_bias':{'1':2},'user':'u1','name_unknown':1}";
        assertThatThrownBy(() -> chat(req)).isInstanceOf(TranslationException.class)
                .satisfies(e -> assertThat(((TranslationException) e).param()).isEqualTo("n"));
        List<String> dropped = new ArrayList<>();
        ObjectNode out = chat(req, UnsupportedParams.DROP, dropped);
        assertThat(dropped).containsExactly("n", "logprobs", "logit_bias", "name_unknown");
        assertThat(out.has("n")).isFalse();
        assertThat(out.has("user")).isFalse(); // about the caller: nothing to tell Cohere, nothing dropped
    }

    @Test
    void defaultValuesNeedNoTranslation() {
        List<String> dropped = new ArrayList<>();
        chat("{" + USER + ",'n':1,'logprobs':false,'parallel_tool_calls':true,'stream_options':{'include_usage':true}}",
                UnsupportedParams.REJECT, dropped);
        assertThat(dropped).isEmpty();
    }

    @Test
    void aParticipantNameIsDroppedUnderDrop() {
        List<String> dropped = new ArrayList<>();
        chat("{'messages':[{'role':'user','content':'Hi','name':'ann'}]}", UnsupportedParams.DROP, dropped);
        assertThat(dropped).containsExactly("messages[0].name");
    }

    // ---- answer ----

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"COMPLETE, stop", "STOP_SEQUENCE, stop", "MAX_TOKENS, length", "TIMEOUT, length",
            "TOOL_CALL, tool_calls", "ERROR_TOXIC, content_filter"})
    void finishReasons(String cohere, String openAi) {
        assertThat(CohereChat.finishReason(cohere)).isEqualTo(openAi);
    }

    @Test
    void anErrorFinishIsNotAFinish() {
        assertThat(CohereChat.finishReason("ERROR")).isNull();
        assertThatThrownBy(() -> CohereChat.response(obj("{'id':'x','finish_reason':'ERROR','message':{'role':"
                + "'assistant'}}"), "m", 1, "ns/m")).isInstanceOf(UpstreamException.class)
                .satisfies(e -> assertThat(((UpstreamException) e).error().httpStatus()).isEqualTo(502));
    }

    /** The documented answer with tools: tool_plan, tool_calls, no text. */
    @Test
    void theDocumentedToolAnswerDropsThePlan() {
        ObjectNode answer = CohereChat.response(obj("{'id':'4f0f','finish_reason':'TOOL_CALL','message':{'role':"
                + "'assistant','tool_plan':'I will first find the sales summary','tool_calls':[{'id':"
                + "'query_daily_sales_report_4d6zqe8ehbhj','type':'function','function':{'name':"
                + "'query_daily_sales_report','arguments':'{\\'day\\':\\'2023-09-29\\'}'}}]},'usage':{'billed_units':"
                + "{'input_tokens':127,'output_tokens':74},'tokens':{'input_tokens':1457,'output_tokens':74}}}"),
                "command-a-03-2025", 1700000000L, "ns/m");
        JsonNode m = answer.path("choices").get(0).path("message");
        assertThat(m.path("content").isNull()).isTrue();
        assertThat(answer.toString()).doesNotContain("I will first find");
        assertThat(m.path("tool_calls").get(0).path("id").asText()).isEqualTo("query_daily_sales_report_4d6zqe8ehbhj");
        assertThat(answer.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(answer.path("usage").path("prompt_tokens").asLong()).isEqualTo(127);
        assertThat(answer.path("usage").path("completion_tokens").asLong()).isEqualTo(74);
        assertThat(answer.path("created").asLong()).isEqualTo(1700000000L);
        assertThat(answer.path("model").asText()).isEqualTo("command-a-03-2025");
    }

    @Test
    void textPartsAreJoinedThinkingAndCitationsAreNot() {
        ObjectNode answer = CohereChat.response(obj("{'id':'i','finish_reason':'COMPLETE','message':{'role':'assistant',"
                + "'content':[{'type':'thinking','thinking':'hmm'},{'type':'text','text':'Paris '},{'type':'text','text':"
                + "'is the capital.'}],'citations':[{'start':0,'end':5,'text':'Paris','sources':[]}]}}"), "m", 1, "ns/m");
        assertThat(answer.path("choices").get(0).path("message").path("content").asText())
                .isEqualTo("Paris is the capital.");
        assertThat(answer.toString()).doesNotContain("hmm").doesNotContain("citations");
        assertThat(answer.has("usage")).isFalse();
    }

    @Test
    void usageFallsBackToCountedTokensWithoutBilledUnits() {
        assertThat(CohereChat.usage(obj("{'tokens':{'input_tokens':71,'output_tokens':26}}")).promptTokens())
                .isEqualTo(71);
        assertThat(CohereChat.usage(obj("{'billed_units':{'input_tokens':5,'output_tokens':26},'tokens':"
                + "{'input_tokens':71,'output_tokens':26}}")).promptTokens()).isEqualTo(5);
        assertThat(CohereChat.usage(null)).isNull();
    }

    // ---- stream ----

    static List<ObjectNode> decode(CohereStream d, String sse) {
        List<ObjectNode> out = new ArrayList<>();
        d.feed(Buffer.buffer(sse), out::add);
        return out;
    }

    static String ev(String type, String data) {
        return "event: " + type + "\ndata: " + data.replace('\'', '"') + "\n\n";
    }

    /** The documented stream of https://docs.cohere.com/reference/chat-stream, shortened. */
    @Test
    void theDocumentedStreamBecomesHubChunks() {
        CohereStream d = new CohereStream("command-a-03-2025", 5, "ns/m");
        List<ObjectNode> out = decode(d,
                ev("message-start", "{'type':'message-start','id':'29f14a5a','delta':{'message':{'role':'assistant'}}}")
                + ev("content-start", "{'type':'content-start','index':0,'delta':{'message':{'content':{'type':'text',"
                        + "'text':''}}}}")
                + ev("content-delta", "{'type':'content-delta','index':0,'delta':{'message':{'content':{'text':'LL'}}}}")
                + ev("content-delta", "{'type':'content-delta','index':0,'delta':{'message':{'content':{'text':'Ms'}}}}")
                + ev("citation-start", "{'type':'citation-start','index':0,'delta':{'message':{'citations':{'start':0,"
                        + "'end':4,'text':'LLMs'}}}}")
                + ev("citation-end", "{'type':'citation-end','index':0}")
                + ev("content-end", "{'type':'content-end','index':0}"));
        assertThat(d.usageSoFar()).isNull();
        assertThat(d.end(x -> { })).as("no message-end yet: cut").isFalse();
        List<ObjectNode> rest = decode(d, ev("message-end", "{'type':'message-end','delta':{'finish_reason':'COMPLETE',"
                + "'usage':{'billed_units':{'input_tokens':5,'output_tokens':26},'tokens':{'input_tokens':71,"
                + "'output_tokens':26}}}}"));
        out.addAll(rest);
        assertThat(out.get(0).path("id").asText()).isEqualTo("chatcmpl-29f14a5a");
        assertThat(out.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(out.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("LL");
        assertThat(out.get(2).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Ms");
        assertThat(out.get(3).path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(out.get(4).path("choices")).isEmpty();
        assertThat(out.get(4).path("usage").path("prompt_tokens").asLong()).isEqualTo(5);
        assertThat(out).hasSize(5);
        assertThat(d.usageSoFar().outputTokens()).isEqualTo(26);
        assertThat(d.end(x -> { })).isTrue();
    }

    @Test
    void toolPlanDeltasAreNotContent() {
        CohereStream d = new CohereStream("m", 5, "ns/m");
        List<ObjectNode> out = decode(d,
                ev("message-start", "{'type':'message-start','id':'a','delta':{'message':{'role':'assistant'}}}")
                + ev("tool-plan-delta", "{'type':'tool-plan-delta','delta':{'message':{'tool_plan':'I will'}}}")
                + ev("tool-call-start", "{'type':'tool-call-start','index':0,'delta':{'message':{'tool_calls':{'id':"
                        + "'q_1','type':'function','function':{'name':'q','arguments':''}}}}}")
                + ev("tool-call-delta", "{'type':'tool-call-delta','index':0,'delta':{'message':{'tool_calls':"
                        + "{'function':{'arguments':'{}'}}}}}")
                + ev("tool-call-end", "{'type':'tool-call-end','index':0}")
                + ev("message-end", "{'type':'message-end','delta':{'finish_reason':'TOOL_CALL'}}"));
        assertThat(out.toString()).doesNotContain("I will");
        assertThat(out.get(1).path("choices").get(0).path("delta").path("tool_calls").get(0).path("id").asText())
                .isEqualTo("q_1");
        assertThat(out.get(2).path("choices").get(0).path("delta").path("tool_calls").get(0).path("function")
                .path("arguments").asText()).isEqualTo("{}");
        assertThat(out.get(3).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(out).hasSize(4); // no usage in this message-end: no usage chunk
    }

    @Test
    void aMessageEndWithErrorFailsTheStream() {
        CohereStream d = new CohereStream("m", 5, "ns/m");
        assertThatThrownBy(() -> decode(d, ev("message-end", "{'type':'message-end','delta':{'finish_reason':'ERROR',"
                + "'error':'model overloaded'}}"))).isInstanceOf(UpstreamException.class).hasMessageContaining(
                        "model overloaded");
    }

    // ---- embed, rerank ----

    @Test
    void embedRequestAndAnswer() {
        ParamPolicy p = new ParamPolicy(UnsupportedParams.REJECT, "Cohere");
        ObjectNode req = CohereEmbed.request(obj("{'model':'e','input':'hello','encoding_format':'float','user':'u'}"), p);
        assertThat(req.toString()).isEqualTo("{\"texts\":[\"hello\"],\"input_type\":\"search_document\","
                + "\"embedding_types\":[\"float\"]}");
        assertThatThrownBy(() -> CohereEmbed.request(obj("{'input':[[1,2,3]]}"), p))
                .isInstanceOf(TranslationException.class);
        ObjectNode answer = CohereEmbed.response(obj("{'id':'x','embeddings':{'float':[[0.5,-1.0]]},'meta':"
                + "{'billed_units':{'input_tokens':2}}}"), "embed-v4.0", false);
        assertThat(answer.path("data").get(0).path("embedding").toString()).isEqualTo("[0.5,-1.0]");
        assertThat(answer.path("usage").path("total_tokens").asLong()).isEqualTo(2);
        ObjectNode b64 = CohereEmbed.response(obj("{'embeddings':{'float':[[0.5,-1.0]]}}"), "e", true);
        // float32 little-endian: 0.5 = 00 00 00 3F, -1.0 = 00 00 80 BF
        assertThat(b64.path("data").get(0).path("embedding").asText()).isEqualTo("AAAAPwAAgL8=");
    }

    @Test
    void rerankRequestTakesTextsAndTheAnswerServesReturnDocuments() {
        ParamPolicy p = new ParamPolicy(UnsupportedParams.REJECT, "Cohere");
        ObjectNode req = obj("{'model':'r','query':'q','documents':['a',{'text':'b'}],'top_n':1,'return_documents':true,"
                + "'max_tokens_per_doc':512}");
        assertThat(CohereRerank.request(req, p).toString()).isEqualTo("{\"query\":\"q\",\"documents\":[\"a\",\"b\"],"
                + "\"top_n\":1,\"max_tokens_per_doc\":512}");
        ObjectNode answer = CohereRerank.response(obj("{'id':'07734bd2','results':[{'index':1,'relevance_score':"
                + "0.999071}],'meta':{'api_version':{'version':'2'},'billed_units':{'search_units':1}}}"), req);
        assertThat(answer.toString()).isEqualTo("{\"id\":\"07734bd2\",\"results\":[{\"index\":1,\"relevance_score\":"
                + "0.999071,\"document\":{\"text\":\"b\"}}],\"meta\":{\"billed_units\":{\"search_units\":1}}}");
    }

    // ---- errors ----

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "too many tokens: size limit exceeded by 11326 tokens. Try using shorter or fewer inputs, or setting prompt_truncation='AUTO'.| context_length_exceeded| messages",
        "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4292. Try using a shorter prompt, or enabling prompt truncating.| context_length_exceeded| messages",
        "too many tokens: multi-hop prompt is too long even after truncation| context_length_exceeded| messages",
        "too many tokens: max tokens must be less than or equal to 4096, the maximum output for this model - received 8192.| | max_tokens",
        "invalid request: temperature must be between 0 and 1.0 inclusive.| | ",
    })
    void badRequestWordings(String message, String code, String param) {
        UpstreamException e = CohereErrors.from(400, obj("{'id':'x'}").put("message", message), null, "ns/m");
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo(code);
        assertThat(e.error().param()).isEqualTo(param);
        assertThat(e.error().message()).contains(message);
    }

    @Test
    void statuses() {
        assertThat(CohereErrors.from(401, obj("{'message':'invalid api token'}"), null, "ns/m").error().httpStatus())
                .isEqualTo(502);
        UpstreamException limited = CohereErrors.from(429, obj("{'message':'Please wait and try again later'}"), "3",
                "ns/m");
        assertThat(limited.error().httpStatus()).isEqualTo(429);
        assertThat(limited.retryAfter()).isEqualTo("3");
        assertThat(CohereErrors.from(503, null, null, "ns/m").error().httpStatus()).isEqualTo(503);
        assertThat(CohereErrors.from(500, obj("{}"), null, "ns/m").error().httpStatus()).isEqualTo(502);
        UpstreamException denied = CohereErrors.from(498, obj("{'message':'blocked'}"), null, "ns/m");
        assertThat(denied.error().httpStatus()).isEqualTo(400);
        assertThat(denied.error().code()).isEqualTo("content_filter");
    }

    @Test
    void urls() {
        assertThat(CohereAdapter.url("https://api.cohere.com", "/v2/chat")).isEqualTo("https://api.cohere.com/v2/chat");
        assertThat(CohereAdapter.url("https://api.cohere.com/", "/v2/chat")).isEqualTo("https://api.cohere.com/v2/chat");
        assertThat(CohereAdapter.url("https://proxy.example/cohere/v2", "/v2/embed"))
                .isEqualTo("https://proxy.example/cohere/v2/embed");
        assertThat(CohereAdapter.url(null, "/v2/rerank")).isEqualTo("https://api.cohere.com/v2/rerank");
    }
}
