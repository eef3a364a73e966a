package dev.tollgate.gateway.provider.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Gemini translation as pure functions: requests, answers, streams, errors, embeddings, URLs and call ids. */
class GeminiTranslationTest {
    static final String SIG = Base64.getEncoder().encodeToString(new byte[] {1, 2, 3, (byte) 0xff, 42, 7, 9});

    static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s.replace('\'', '"'));
    }

    static ObjectNode chat(String body) {
        return GeminiRequest.chat(json(body), "gemini-2.5-flash", UnsupportedParams.REJECT).body();
    }

    static Translated chatDrop(String body) {
        return GeminiRequest.chat(json(body), "gemini-2.5-flash", UnsupportedParams.DROP);
    }

    // ---------------------------------------------------------------------------------------------- requests

    @Test
    void systemAndDeveloperMessagesBecomeTheSystemInstructionAndRolesAreMapped() {
        ObjectNode g = chat("{'model':'m','messages':[{'role':'system','content':'Be brief.'},"
                + "{'role':'user','content':'Hi'},{'role':'assistant','content':'Hello'},"
                + "{'role':'developer','content':[{'type':'text','text':'Use French.'}]},{'role':'user','content':'Bye'}]}");
        assertThat(g.path("systemInstruction").path("parts")).hasSize(2);
        assertThat(g.path("systemInstruction").path("parts").get(1).path("text").asText()).isEqualTo("Use French.");
        assertThat(g.path("contents")).hasSize(3);
        assertThat(g.path("contents").findValuesAsText("role")).containsExactly("user", "model", "user");
        assertThat(g.path("contents").get(1).path("parts").get(0).path("text").asText()).isEqualTo("Hello");
        assertThat(g.has("generationConfig")).isFalse();
    }

    @Test
    void consecutiveTurnsOfOneRoleAreMerged() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':'one'},{'role':'user','content':[{'type':'text',"
                + "'text':'two'}]},{'role':'assistant','content':'a'},{'role':'assistant','content':'b'}]}");
        assertThat(g.path("contents")).hasSize(2);
        assertThat(g.path("contents").get(0).path("parts").findValuesAsText("text")).containsExactly("one", "two");
        assertThat(g.path("contents").get(1).path("parts").findValuesAsText("text")).containsExactly("a", "b");
    }

    @Test
    void toolRoundTripEchoesTheThoughtSignatureAndNamesTheResponses() {
        String id1 = ToolCallIds.of("resp1", 0, 0, "get_weather", null, SIG);
        String id2 = ToolCallIds.of("resp1", 0, 1, "get_time", null, null);
        ObjectNode g = chat("{'messages':[{'role':'user','content':'Weather and time?'},"
                + "{'role':'assistant','content':null,'tool_calls':["
                + "{'id':'" + id1 + "','type':'function','function':{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}},"
                + "{'id':'" + id2 + "','type':'function','function':{'name':'get_time','arguments':''}}]},"
                + "{'role':'tool','tool_call_id':'" + id1 + "','content':'{\\'temp\\':21}'},"
                + "{'role':'tool','tool_call_id':'" + id2 + "','content':'noon'},"
                + "{'role':'user','content':'Thanks'}]}");
        JsonNode contents = g.path("contents");
        assertThat(contents).hasSize(3);
        JsonNode model = contents.get(1);
        assertThat(model.path("role").asText()).isEqualTo("model");
        assertThat(model.path("parts").get(0).path("functionCall").path("name").asText()).isEqualTo("get_weather");
        assertThat(model.path("parts").get(0).path("functionCall").path("args").path("city").asText()).isEqualTo("Paris");
        assertThat(model.path("parts").get(0).path("thoughtSignature").asText()).isEqualTo(SIG);
        assertThat(model.path("parts").get(1).has("thoughtSignature")).isFalse();
        assertThat(model.path("parts").get(1).path("functionCall").path("args").isObject()).isTrue();
        JsonNode results = contents.get(2);
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("parts")).hasSize(3);
        assertThat(results.path("parts").get(0).path("functionResponse").path("name").asText()).isEqualTo("get_weather");
        assertThat(results.path("parts").get(0).path("functionResponse").path("response").path("temp").asInt())
                .isEqualTo(21);
        assertThat(results.path("parts").get(1).path("functionResponse").path("response").path("output").asText())
                .isEqualTo("noon");
        assertThat(results.path("parts").get(2).path("text").asText()).isEqualTo("Thanks");
    }

    @Test
    void callsWithoutSignatureGetThePlaceholderOnTheFirstCallOnly() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
                + "{'id':'call_abc','type':'function','function':{'name':'f','arguments':'{}'}},"
                + "{'id':'call_def','type':'function','function':{'name':'g','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'call_abc','content':'1'},{'role':'tool','tool_call_id':'call_def','content':'2'}]}");
        JsonNode parts = g.path("contents").get(1).path("parts");
        assertThat(parts.get(0).path("thoughtSignature").asText()).isEqualTo(GeminiRequest.SKIP_SIGNATURE);
        assertThat(parts.get(1).has("thoughtSignature")).isFalse();
    }

    @Test
    void googleExtraContentSignatureIsAccepted() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
                + "{'id':'x1','type':'function','function':{'name':'f','arguments':'{}'},"
                + "'extra_content':{'google':{'thought_signature':'abc='}}}]},"
                + "{'role':'tool','tool_call_id':'x1','content':'1'}]}");
        assertThat(g.path("contents").get(1).path("parts").get(0).path("thoughtSignature").asText()).isEqualTo("abc=");
    }

    @Test
    void geminiCallIdsComeBackOnCallAndResponse() {
        String id = ToolCallIds.of("r", 0, 0, "f", "fc-123", null);
        ObjectNode g = chat("{'messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
                + "{'id':'" + id + "','type':'function','function':{'name':'f','arguments':'{}'}}]},"
                + "{'role':'tool','tool_call_id':'" + id + "','content':'1'}]}");
        assertThat(g.path("contents").get(1).path("parts").get(0).path("functionCall").path("id").asText())
                .isEqualTo("fc-123");
        assertThat(g.path("contents").get(2).path("parts").get(0).path("functionResponse").path("id").asText())
                .isEqualTo("fc-123");
    }

    @Test
    void aToolResultWithoutItsCallIsA400() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':'q'},"
                + "{'role':'tool','tool_call_id':'call_zzz','content':'1'}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("messages[1].tool_call_id");
                });
    }

    @Test
    void argumentsThatAreNotAnObjectAreA400() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':'q'},{'role':'assistant','tool_calls':["
                + "{'id':'a','type':'function','function':{'name':'f','arguments':'[1]'}}]}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e ->
                        assertThat(e.param()).isEqualTo("messages[1].tool_calls[0].function.arguments"));
    }

    @Test
    void dataUrlImagesAreInlineAndHttpImagesA400() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':[{'type':'text','text':'What is this?'},"
                + "{'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo='}}]}]}");
        JsonNode inline = g.path("contents").get(0).path("parts").get(1).path("inlineData");
        assertThat(inline.path("mimeType").asText()).isEqualTo("image/png");
        assertThat(inline.path("data").asText()).isEqualTo("iVBORw0KGgo=");

        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':[{'type':'text','text':'x'},"
                + "{'type':'image_url','image_url':{'url':'https://example.com/cat.png'}}]}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("messages[0].content[1].image_url");
                    assertThat(e.getMessage()).contains("data URL");
                });
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':[{'type':'image_url','image_url':"
                + "{'url':'data:image/png,notbase64'}}]}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e ->
                        assertThat(e.param()).isEqualTo("messages[0].content[0].image_url"));
    }

    @Test
    void audioAndInlineFilesAreInlineData() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':[{'type':'input_audio','input_audio':{'data':'AAA=',"
                + "'format':'wav'}},{'type':'file','file':{'file_data':'data:application/pdf;base64,JVBE','filename':'a.pdf'}}]}]}");
        JsonNode parts = g.path("contents").get(0).path("parts");
        assertThat(parts.get(0).path("inlineData").path("mimeType").asText()).isEqualTo("audio/wav");
        assertThat(parts.get(1).path("inlineData").path("mimeType").asText()).isEqualTo("application/pdf");
        assertThat(parts.get(1).path("inlineData").path("data").asText()).isEqualTo("JVBE");
    }

    @Test
    void samplingParametersGoToTheGenerationConfig() {
        ObjectNode c = (ObjectNode) chat("{'messages':[{'role':'user','content':'q'}],'temperature':1.5,'top_p':0.9,"
                + "'max_tokens':100,'max_completion_tokens':200,'stop':['END','STOP'],'n':2,'seed':7,"
                + "'presence_penalty':0.5,'frequency_penalty':-0.5,'stream':true,'stream_options':{'include_usage':true}}")
                .path("generationConfig");
        assertThat(c.path("temperature").decimalValue()).isEqualByComparingTo("1.5");
        assertThat(c.path("topP").decimalValue()).isEqualByComparingTo("0.9");
        assertThat(c.path("maxOutputTokens").asInt()).isEqualTo(200);
        assertThat(c.path("stopSequences").get(1).asText()).isEqualTo("STOP");
        assertThat(c.path("candidateCount").asInt()).isEqualTo(2);
        assertThat(c.path("seed").asLong()).isEqualTo(7);
        assertThat(c.path("presencePenalty").decimalValue()).isEqualByComparingTo("0.5");
        assertThat(c.path("frequencyPenalty").decimalValue()).isEqualByComparingTo("-0.5");

        ObjectNode one = (ObjectNode) chat("{'messages':[{'role':'user','content':'q'}],'stop':'END','max_tokens':5,'n':1}")
                .path("generationConfig");
        assertThat(one.path("stopSequences").get(0).asText()).isEqualTo("END");
        assertThat(one.path("maxOutputTokens").asInt()).isEqualTo(5);
        assertThat(one.has("candidateCount")).isFalse();
    }

    @Test
    void responseFormatsBecomeJsonMimeTypeAndSchema() {
        JsonNode plain = chat("{'messages':[{'role':'user','content':'q'}],'response_format':{'type':'json_object'}}")
                .path("generationConfig");
        assertThat(plain.path("responseMimeType").asText()).isEqualTo("application/json");
        assertThat(plain.has("responseJsonSchema")).isFalse();

        JsonNode schema = chat("{'messages':[{'role':'user','content':'q'}],'response_format':{'type':'json_schema',"
                + "'json_schema':{'name':'person','strict':true,'schema':{'$schema':'http://json-schema.org/draft-07/schema#',"
                + "'type':'object','properties':{'name':{'type':'string','minLength':1,'default':'x'},"
                + "'kind':{'const':'human'},'pet':{'$ref':'#/definitions/Pet'},'pattern':{'type':'string'}},"
                + "'required':['name'],'additionalProperties':false,"
                + "'definitions':{'Pet':{'type':'object','properties':{'n':{'type':'integer','maximum':3}}}}}}}}")
                .path("generationConfig");
        assertThat(schema.path("responseMimeType").asText()).isEqualTo("application/json");
        JsonNode s = schema.path("responseJsonSchema");
        assertThat(s.has("$schema")).isFalse();
        assertThat(s.path("properties").path("name").has("minLength")).isFalse();
        assertThat(s.path("properties").path("name").has("default")).isFalse();
        assertThat(s.path("properties").path("name").path("type").asText()).isEqualTo("string");
        assertThat(s.path("properties").path("kind").path("enum").get(0).asText()).isEqualTo("human");
        assertThat(s.path("properties").has("pattern")).as("a property named like a keyword stays").isTrue();
        assertThat(s.path("properties").path("pet").path("$ref").asText()).isEqualTo("#/$defs/Pet");
        assertThat(s.path("$defs").path("Pet").path("properties").path("n").path("maximum").asInt()).isEqualTo(3);
        assertThat(s.path("additionalProperties").asBoolean(true)).isFalse();
        assertThat(s.path("required").get(0).asText()).isEqualTo("name");
    }

    @ParameterizedTest
    @CsvSource({"gemini-2.5-flash,low,thinkingBudget,1024", "gemini-2.5-pro,medium,thinkingBudget,8192",
            "gemini-2.5-flash,high,thinkingBudget,24576", "gemini-2.0-flash,none,thinkingBudget,0",
            "gemini-3-pro-preview,high,thinkingLevel,high", "gemini-3-flash-preview,minimal,thinkingLevel,minimal",
            "models/gemini-3-flash,low,thinkingLevel,low"})
    void reasoningEffortBecomesTheThinkingConfig(String model, String effort, String field, String value) {
        JsonNode tc = GeminiRequest.chat(json("{'messages':[{'role':'user','content':'q'}],'reasoning_effort':'" + effort
                + "'}"), model, UnsupportedParams.REJECT).body().path("generationConfig").path("thinkingConfig");
        assertThat(tc.path(field).asText()).isEqualTo(value);
        assertThat(tc.size()).isEqualTo(1);
    }

    @Test
    void toolsAndToolChoice() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':'q'}],'tools':[{'type':'function','function':"
                + "{'name':'get_weather','description':'Weather','parameters':{'type':'object','properties':"
                + "{'city':{'type':'string','examples':['Paris']}},'required':['city']}}},"
                + "{'type':'function','function':{'name':'ping','parameters':{}}}],'tool_choice':'required'}");
        JsonNode decls = g.path("tools").get(0).path("functionDeclarations");
        assertThat(decls).hasSize(2);
        assertThat(decls.get(0).path("description").asText()).isEqualTo("Weather");
        assertThat(decls.get(0).path("parametersJsonSchema").path("required").get(0).asText()).isEqualTo("city");
        assertThat(decls.get(0).path("parametersJsonSchema").path("properties").path("city").has("examples")).isFalse();
        assertThat(decls.get(1).has("parametersJsonSchema")).isFalse();
        assertThat(g.path("toolConfig").path("functionCallingConfig").path("mode").asText()).isEqualTo("ANY");

        for (String[] c : new String[][] {{"'auto'", "AUTO"}, {"'none'", "NONE"}}) {
            assertThat(chat("{'messages':[{'role':'user','content':'q'}],'tool_choice':" + c[0] + "}")
                    .path("toolConfig").path("functionCallingConfig").path("mode").asText()).isEqualTo(c[1]);
        }
        JsonNode named = chat("{'messages':[{'role':'user','content':'q'}],'tool_choice':{'type':'function',"
                + "'function':{'name':'get_weather'}}}").path("toolConfig").path("functionCallingConfig");
        assertThat(named.path("mode").asText()).isEqualTo("ANY");
        assertThat(named.path("allowedFunctionNames").get(0).asText()).isEqualTo("get_weather");
    }

    @Test
    void unsupportedParametersFollowThePolicy() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':'q'}],'logprobs':true}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("logprobs");
                });
        Translated t = chatDrop("{'messages':[{'role':'user','content':'q','name':'ann'}],'logprobs':true,'user':'u1',"
                + "'parallel_tool_calls':false,'logit_bias':{'1':2},'tools':[{'type':'function','function':{'name':'f',"
                + "'strict':true}}]}");
        assertThat(t.dropped()).contains("logprobs", "user", "logit_bias", "parallel_tool_calls", "messages[0].name",
                "tools[0].function.strict");
        assertThat(t.body().has("logprobs")).isFalse();
        // defaults that change nothing are not unsupported
        assertThat(chatDrop("{'messages':[{'role':'user','content':'q'}],'logprobs':false,'parallel_tool_calls':true,"
                + "'modalities':['text']}").dropped()).isEmpty();
    }

    @Test
    void emptyTextIsLeftOutAsGeminiRefusesEmptyTextParts() {
        ObjectNode g = chat("{'messages':[{'role':'user','content':''},{'role':'user','content':[{'type':'text',"
                + "'text':''},{'type':'text','text':'hi'}]},{'role':'assistant','content':''},{'role':'user','content':'x'}]}");
        assertThat(g.path("contents")).hasSize(1);
        assertThat(g.path("contents").get(0).path("parts").findValuesAsText("text")).containsExactly("hi", "x");
    }

    @Test
    void badMessagesAre400s() {
        assertThatThrownBy(() -> chat("{'messages':[]}")).isInstanceOfSatisfying(TranslationException.class,
                e -> assertThat(e.param()).isEqualTo("messages"));
        assertThatThrownBy(() -> chat("{'messages':[{'role':'system','content':'only system'}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("messages"));
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':'q'},{'role':'assistant','content':null,"
                + "'function_call':{'name':'f','arguments':'{}'}}]}"))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("messages[1].function_call"));
        assertThatThrownBy(() -> chat("{'messages':[{'role':'function','content':'x'}]}"))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("messages[0].role"));
    }

    // ---------------------------------------------------------------------------------------------- answers

    @Test
    void answerWithTextToolCallsThoughtsAndUsage() {
        ObjectNode r = GeminiResponse.chat(json("{'candidates':[{'content':{'role':'model','parts':["
                + "{'text':'thinking...','thought':true},{'text':'Let me '},{'text':'check.'},"
                + "{'functionCall':{'name':'get_weather','args':{'city':'Paris'}},'thoughtSignature':'" + SIG + "'}]},"
                + "'finishReason':'STOP','index':0}],'usageMetadata':{'promptTokenCount':100,'candidatesTokenCount':20,"
                + "'thoughtsTokenCount':30,'cachedContentTokenCount':40,'totalTokenCount':150},"
                + "'modelVersion':'gemini-2.5-flash','responseId':'abc'}"), "fallback", 1700000000L);
        assertThat(r.path("id").asText()).isEqualTo("chatcmpl-abc");
        assertThat(r.path("model").asText()).isEqualTo("gemini-2.5-flash");
        assertThat(r.path("created").asLong()).isEqualTo(1700000000L);
        JsonNode choice = r.path("choices").get(0);
        assertThat(choice.path("message").path("content").asText()).isEqualTo("Let me check.");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode call = choice.path("message").path("tool_calls").get(0);
        assertThat(call.path("function").path("name").asText()).isEqualTo("get_weather");
        assertThat(Json.parse(call.path("function").path("arguments").asText()).path("city").asText()).isEqualTo("Paris");
        assertThat(ToolCallIds.read(call.path("id").asText()).signature()).isEqualTo(SIG);
        JsonNode usage = r.path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(100);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(50);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(150);
        assertThat(usage.path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(40);
        assertThat(usage.path("completion_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(30);
        TokenUsage metered = GeminiResponse.tokenUsage(json("{'promptTokenCount':100,'candidatesTokenCount':20,"
                + "'thoughtsTokenCount':30,'cachedContentTokenCount':40}"));
        assertThat(metered).isEqualTo(new TokenUsage(60, 50, 0, 40));
    }

    @Test
    void sameAnswerGivesTheSameToolCallIds() {
        String body = "{'candidates':[{'content':{'parts':[{'functionCall':{'name':'f','args':{}}},"
                + "{'functionCall':{'name':'f','args':{}}}]},'finishReason':'STOP'}],'responseId':'r9'}";
        JsonNode a = GeminiResponse.chat(json(body), "m", 1).path("choices").get(0).path("message").path("tool_calls");
        JsonNode b = GeminiResponse.chat(json(body), "m", 2).path("choices").get(0).path("message").path("tool_calls");
        assertThat(a.get(0).path("id")).isEqualTo(b.get(0).path("id"));
        assertThat(a.get(0).path("id")).isNotEqualTo(a.get(1).path("id"));
        assertThat(a.get(0).path("id").asText()).matches("call_[0-9a-f]{24}");
    }

    @ParameterizedTest
    @CsvSource({"STOP,stop", "MAX_TOKENS,length", "SAFETY,content_filter", "RECITATION,content_filter",
            "BLOCKLIST,content_filter", "PROHIBITED_CONTENT,content_filter", "SPII,content_filter",
            "OTHER,stop", "MALFORMED_FUNCTION_CALL,stop"})
    void finishReasons(String gemini, String openAi) {
        ObjectNode r = GeminiResponse.chat(json("{'candidates':[{'finishReason':'" + gemini + "','index':0}]}"), "m", 1);
        assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo(openAi);
        assertThat(r.path("choices").get(0).path("message").path("content").isNull()).isTrue();
    }

    @Test
    void aBlockedPromptIsAnEmptyContentFilteredAnswer() {
        ObjectNode r = GeminiResponse.chat(json("{'promptFeedback':{'blockReason':'SAFETY'},'usageMetadata':"
                + "{'promptTokenCount':8,'totalTokenCount':8}}"), "m", 1);
        assertThat(r.path("choices")).hasSize(1);
        assertThat(r.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
        assertThat(r.path("choices").get(0).path("message").path("content").asText()).isEmpty();
        assertThat(r.path("usage").path("prompt_tokens").asLong()).isEqualTo(8);
        assertThatThrownBy(() -> GeminiResponse.chat(json("{'usageMetadata':{}}"), "m", 1))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.httpStatus()).isEqualTo(502));
    }

    @Test
    void severalCandidatesAreSeveralChoices() {
        ObjectNode r = GeminiResponse.chat(json("{'candidates':[{'content':{'parts':[{'text':'a'}]},'finishReason':'STOP',"
                + "'index':0},{'content':{'parts':[{'text':'b'}]},'finishReason':'MAX_TOKENS','index':1}]}"), "m", 1);
        assertThat(r.path("choices").findValuesAsText("content")).containsExactly("a", "b");
        assertThat(r.path("choices").get(1).path("finish_reason").asText()).isEqualTo("length");
        assertThat(r.path("choices").get(1).path("index").asInt()).isEqualTo(1);
    }

    // ---------------------------------------------------------------------------------------------- streams

    @Test
    void streamEmitsRoleTextToolCallsFinishAndUsage() {
        GeminiStream s = new GeminiStream("m", 5);
        List<ObjectNode> out = new ArrayList<>();
        out.addAll(s.onEvent(json("{'candidates':[{'content':{'role':'model','parts':[{'text':'Hel'}]},'index':0}],"
                + "'usageMetadata':{'promptTokenCount':9,'totalTokenCount':9},'responseId':'r1','modelVersion':'gm'}")));
        assertThat(s.complete()).isFalse();
        assertThat(s.usageSoFar().promptTokens()).isEqualTo(9);
        out.addAll(s.onEvent(json("{'candidates':[{'content':{'role':'model','parts':[{'text':'x','thought':true},"
                + "{'text':'lo'}]},'index':0}],'responseId':'r1'}")));
        out.addAll(s.onEvent(json("{'candidates':[{'content':{'role':'model','parts':[{'functionCall':{'name':'f',"
                + "'args':{'a':1}},'thoughtSignature':'" + SIG + "'}]},'finishReason':'STOP','index':0}],"
                + "'usageMetadata':{'promptTokenCount':9,'candidatesTokenCount':4,'thoughtsTokenCount':2,"
                + "'totalTokenCount':15},'responseId':'r1'}")));
        assertThat(s.complete()).isTrue();
        out.addAll(s.finish());

        assertThat(out).hasSize(6);
        assertThat(out.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(out.get(0).path("id").asText()).isEqualTo("chatcmpl-r1");
        assertThat(out.get(0).path("model").asText()).isEqualTo("gm");
        assertThat(out.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
        assertThat(out.get(2).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("lo");
        JsonNode tc = out.get(3).path("choices").get(0).path("delta").path("tool_calls").get(0);
        assertThat(tc.path("index").asInt()).isZero();
        assertThat(tc.path("function").path("name").asText()).isEqualTo("f");
        assertThat(tc.path("function").path("arguments").asText()).isEqualTo("{\"a\":1}");
        assertThat(ToolCallIds.read(tc.path("id").asText()).signature()).isEqualTo(SIG);
        assertThat(out.get(4).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(out.get(5).path("choices")).isEmpty();
        assertThat(out.get(5).path("usage").path("completion_tokens").asLong()).isEqualTo(6);
        assertThat(out.get(5).path("usage").path("total_tokens").asLong()).isEqualTo(15);
        assertThat(s.usageSoFar()).isEqualTo(new TokenUsage(9, 6, 0, 0));
    }

    @Test
    void streamOfABlockedPromptIsCompleteAndContentFiltered() {
        GeminiStream s = new GeminiStream("m", 5);
        List<ObjectNode> out = new ArrayList<>(s.onEvent(json("{'promptFeedback':{'blockReason':'PROHIBITED_CONTENT'},"
                + "'usageMetadata':{'promptTokenCount':3,'totalTokenCount':3}}")));
        assertThat(s.complete()).isTrue();
        out.addAll(s.finish());
        assertThat(out).hasSize(3);
        assertThat(out.get(1).path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }

    @Test
    void streamWithoutFinishReasonIsNotComplete() {
        GeminiStream s = new GeminiStream("m", 5);
        s.onEvent(json("{'candidates':[{'content':{'parts':[{'text':'a'}]},'index':0},"
                + "{'content':{'parts':[{'text':'b'}]},'index':1}]}"));
        s.onEvent(json("{'candidates':[{'finishReason':'STOP','index':0}]}"));
        assertThat(s.complete()).as("candidate 1 has not finished").isFalse();
        s.onEvent(json("{'candidates':[{'finishReason':'SAFETY','index':1}]}"));
        assertThat(s.complete()).isTrue();
    }

    // ---------------------------------------------------------------------------------------------- errors

    @Test
    void rateLimitRetryDelayBecomesRetryAfter() {
        JsonNode body = json("{'error':{'code':429,'message':'Quota exceeded','status':'RESOURCE_EXHAUSTED','details':["
                + "{'@type':'type.googleapis.com/google.rpc.QuotaFailure','violations':[]},"
                + "{'@type':'type.googleapis.com/google.rpc.RetryInfo','retryDelay':'29.2s'}]}}");
        UpstreamException e = GeminiErrors.from(429, body, null, "ns/g");
        assertThat(e.error().httpStatus()).isEqualTo(429);
        assertThat(e.retryAfter()).isEqualTo("30");
        assertThat(e.error().message()).isEqualTo("Quota exceeded");
        assertThat(GeminiErrors.from(429, body, "5", "ns/g").retryAfter()).as("a header wins").isEqualTo("5");
        assertThat(GeminiErrors.seconds("30s")).isEqualTo("30");
        assertThat(GeminiErrors.seconds("0.001s")).isEqualTo("1");
        assertThat(GeminiErrors.seconds("soon")).isNull();
    }

    @Test
    void inputTokenCountErrorIsContextLengthExceeded() {
        UpstreamException e = GeminiErrors.from(400, Json.parse(("[{'error':{'code':400,'message':'The input token count "
                + "(1200293) exceeds the maximum number of tokens allowed (1048576).','status':'INVALID_ARGUMENT'}}]")
                .replace('\'', '"')),
                null, "ns/g");
        assertThat(e.error().httpStatus()).isEqualTo(400);
        assertThat(e.error().code()).isEqualTo("context_length_exceeded");
        assertThat(e.error().param()).isEqualTo("messages");
        UpstreamException other = GeminiErrors.from(400, json("{'error':{'code':400,'message':'Bad field',"
                + "'status':'INVALID_ARGUMENT'}}"), null, "ns/g");
        assertThat(other.error().httpStatus()).isEqualTo(400);
        assertThat(other.error().code()).isNull();
    }

    @Test
    void badKeysAreUpstreamAuthErrorsAndOverloadIs503() {
        UpstreamException key = GeminiErrors.from(400, json("{'error':{'code':400,'message':'API key not valid. Please "
                + "pass a valid API key.','status':'INVALID_ARGUMENT','details':[{'@type':"
                + "'type.googleapis.com/google.rpc.ErrorInfo','reason':'API_KEY_INVALID','domain':'googleapis.com'}]}}"),
                null, "ns/g");
        assertThat(key.error().httpStatus()).isEqualTo(502);
        assertThat(key.error().code()).isEqualTo("upstream_auth_failed");
        assertThat(GeminiErrors.from(403, json("{'error':{'code':403,'message':'denied','status':'PERMISSION_DENIED'}}"),
                null, "ns/g").error().httpStatus()).isEqualTo(502);
        UpstreamException busy = GeminiErrors.from(503, json("{'error':{'code':503,'message':'The model is overloaded.',"
                + "'status':'UNAVAILABLE'}}"), null, "ns/g");
        assertThat(busy.error().httpStatus()).isEqualTo(503);
        assertThat(busy.error().openAiType()).isEqualTo("overloaded_error");
        assertThat(GeminiErrors.from(500, null, null, "ns/g").error().httpStatus()).isEqualTo(502);
        assertThat(GeminiErrors.from(0, json("{'error':{'code':500,'message':'boom','status':'INTERNAL'}}"), null,
                "ns/g").error().httpStatus()).as("an in-stream error").isEqualTo(502);
    }

    // ---------------------------------------------------------------------------------------------- embeddings

    @Test
    void embeddingRequests() {
        Translated one = GeminiRequest.embeddings(json("{'model':'e','input':'hello','dimensions':64,"
                + "'encoding_format':'float'}"), "text-embedding-004", UnsupportedParams.REJECT);
        assertThat(one.body().path("content").path("parts").get(0).path("text").asText()).isEqualTo("hello");
        assertThat(one.body().path("outputDimensionality").asInt()).isEqualTo(64);
        assertThat(one.body().path("model").asText()).isEqualTo("models/text-embedding-004");
        assertThat(GeminiRequest.singleEmbedding(json("{'input':'x'}"))).isTrue();

        Translated many = GeminiRequest.embeddings(json("{'model':'e','input':['a','b']}"), "models/gemini-embedding-001",
                UnsupportedParams.REJECT);
        assertThat(many.body().path("requests")).hasSize(2);
        assertThat(many.body().path("requests").get(1).path("model").asText()).isEqualTo("models/gemini-embedding-001");
        assertThat(many.body().path("requests").get(1).path("content").path("parts").get(0).path("text").asText())
                .isEqualTo("b");
        assertThat(GeminiRequest.singleEmbedding(json("{'input':['x']}"))).isFalse();

        assertThatThrownBy(() -> GeminiRequest.embeddings(json("{'input':[[1,2,3]]}"), "e", UnsupportedParams.REJECT))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("input[0]"));
        assertThatThrownBy(() -> GeminiRequest.embeddings(json("{'input':'x','user':'u'}"), "e", UnsupportedParams.REJECT))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("user"));
    }

    @Test
    void embeddingAnswersAsAnOpenAiList() {
        ObjectNode list = GeminiResponse.embeddings(json("{'embeddings':[{'values':[0.5,-1]},{'values':[0.25,2]}]}"),
                "e", false);
        assertThat(list.path("object").asText()).isEqualTo("list");
        assertThat(list.path("data")).hasSize(2);
        assertThat(list.path("data").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(list.path("data").get(1).path("embedding").get(0).asDouble()).isEqualTo(0.25);
        assertThat(list.has("usage")).as("Gemini reports no usage for embeddings").isFalse();

        ObjectNode b64 = GeminiResponse.embeddings(json("{'embedding':{'values':[0.5,-1]}}"), "e", true);
        ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode(b64.path("data").get(0).path("embedding").asText()))
                .order(ByteOrder.LITTLE_ENDIAN);
        assertThat(bytes.getFloat()).isEqualTo(0.5f);
        assertThat(bytes.getFloat()).isEqualTo(-1f);
    }

    // ---------------------------------------------------------------------------------------------- URLs and ids

    static Call call(String apiBase, String apiVersion, String upstream) {
        GatewayConfig.Model m = new GatewayConfig.Model("ns/g", "gemini-pro", "gemini", upstream, apiBase, apiVersion,
                null, null, null, null, null, 1, 30_000, null, null, "reject", null);
        return new Call(m, "key", Operation.CHAT, JsonBody.of(Json.object()), new Cancellation());
    }

    @Test
    void aiStudioUrls() {
        assertThat(GeminiAdapter.aiStudioUrl(call(null, null, "gemini-2.5-flash"), "generateContent", false))
                .isEqualTo("https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent");
        assertThat(GeminiAdapter.aiStudioUrl(call("http://h:1/", null, "models/gemini-2.5-flash"),
                "streamGenerateContent", true)).isEqualTo("http://h:1/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse");
        assertThat(GeminiAdapter.aiStudioUrl(call("http://h:1", "v1", "e"), "embedContent", false))
                .isEqualTo("http://h:1/v1/models/e:embedContent");
        assertThat(GeminiAdapter.aiStudioUrl(call("http://h:1/v1beta", "v1", "e"), "batchEmbedContents", false))
                .isEqualTo("http://h:1/v1beta/models/e:batchEmbedContents");
    }

    @Test
    void otherUrlsAndAuthenticatorsCanBeGiven() {
        List<String> asked = new ArrayList<>();
        dev.tollgate.gateway.provider.Authenticator bearer = (c, r) -> {
            r.headers().set("authorization", "Bearer token");
            return io.vertx.core.Future.succeededFuture();
        };
        GeminiAdapter vertex = new GeminiAdapter((c, method, sse) -> {
            asked.add(method + " " + sse);
            return "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google"
                    + "/models/" + c.model().upstreamModel() + ":" + method + (sse ? "?alt=sse" : "");
        }, bearer, java.time.Clock.systemUTC());
        Call chat = new Call(call(null, null, "gemini-2.5-pro").model(), null, Operation.CHAT,
                JsonBody.of(json("{'messages':[{'role':'user','content':'hi'}]}")), new Cancellation());
        assertThat(vertex.request(chat, true).url()).endsWith("/models/gemini-2.5-pro:streamGenerateContent?alt=sse");
        assertThat(vertex.request(chat, false).url()).endsWith("/models/gemini-2.5-pro:generateContent");
        Call embed = new Call(chat.model(), null, Operation.EMBEDDINGS, JsonBody.of(json("{'input':['a']}")),
                new Cancellation());
        assertThat(vertex.request(embed, false).url()).endsWith(":batchEmbedContents");
        assertThat(asked).containsExactly("streamGenerateContent true", "generateContent false",
                "batchEmbedContents false");
        assertThat(vertex.authenticator()).isSameAs(bearer);
        assertThat(vertex.supports(Operation.EMBEDDINGS)).isTrue();
        assertThat(vertex.supports(Operation.COMPLETIONS)).isFalse();
        assertThat(vertex.streams(Operation.EMBEDDINGS)).isFalse();
    }

    @Test
    void toolCallIdsCarrySignaturesAndGeminiIds() {
        String plain = ToolCallIds.of("r", 0, 0, "f", null, null);
        assertThat(plain).matches("call_[0-9a-f]{24}");
        assertThat(ToolCallIds.read(plain)).isEqualTo(ToolCallIds.Carried.NONE);

        String signed = ToolCallIds.of("r", 0, 0, "f", "id-1", SIG);
        assertThat(signed).matches("call_[0-9a-f]{24}_[A-Za-z0-9_-]+");
        assertThat(ToolCallIds.read(signed)).isEqualTo(new ToolCallIds.Carried("id-1", SIG));
        assertThat(signed).startsWith(plain);

        String odd = ToolCallIds.of("r", 0, 0, "f", null, "not base64!");
        assertThat(ToolCallIds.read(odd).signature()).isEqualTo("not base64!");
        String skip = ToolCallIds.of("r", 0, 0, "f", null, GeminiRequest.SKIP_SIGNATURE);
        assertThat(ToolCallIds.read(skip).signature()).isEqualTo(GeminiRequest.SKIP_SIGNATURE);

        for (String foreign : new String[] {"call_abc", "toolu_01A09q90qw90lq917835lq9", "call_0123456789abcdef01234567_!!",
                "call_0123456789abcdef01234567_AA", null, ""}) {
            assertThat(ToolCallIds.read(foreign)).as(String.valueOf(foreign)).isEqualTo(ToolCallIds.Carried.NONE);
        }
    }
}
