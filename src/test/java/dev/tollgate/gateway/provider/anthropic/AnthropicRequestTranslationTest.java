package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.TranslationException;
import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** OpenAI Chat Completions request to Anthropic Messages request. */
class AnthropicRequestTranslationTest {

    private static final TranslationOptions DROP = TranslationOptions.of(UnsupportedParams.DROP, 4096);
    private static final TranslationOptions REJECT = TranslationOptions.of(UnsupportedParams.REJECT, 4096);

    private static Translated translate(String openAiJson, TranslationOptions options) {
        return AnthropicTranslator.toAnthropicRequest(obj(openAiJson), options);
    }

    @Test
    void singleSystemMessageBecomesSystemString() {
        Translated t = translate("""
                {"model":"claude-sonnet-4-5","max_tokens":1024,
                 "messages":[{"role":"system","content":"You are a terse assistant."},
                             {"role":"user","content":"Hello, Claude"}]}
                """, REJECT);
        assertJson(t.body(), """
                {"model":"claude-sonnet-4-5","max_tokens":1024,
                 "system":"You are a terse assistant.",
                 "messages":[{"role":"user","content":[{"type":"text","text":"Hello, Claude"}]}]}
                """);
        assertThat(t.dropped()).isEmpty();
    }

    @Test
    void systemAndDeveloperMessagesAnywhereAreHoistedInOrderAsTextBlocks() {
        Translated t = translate("""
                {"model":"m","max_completion_tokens":200,
                 "messages":[{"role":"system","content":"Rule one."},
                             {"role":"developer","content":[{"type":"text","text":"Rule two."},
                                                            {"type":"text","text":"Rule three."}]},
                             {"role":"user","content":"Hi"},
                             {"role":"assistant","content":"Hello!"},
                             {"role":"system","content":"Late rule."},
                             {"role":"user","content":"Bye"}]}
                """, REJECT);
        assertJson(t.body().get("system"), """
                [{"type":"text","text":"Rule one."},{"type":"text","text":"Rule two."},
                 {"type":"text","text":"Rule three."},{"type":"text","text":"Late rule."}]
                """);
        assertJson(t.body().get("messages"), """
                [{"role":"user","content":[{"type":"text","text":"Hi"}]},
                 {"role":"assistant","content":[{"type":"text","text":"Hello!"}]},
                 {"role":"user","content":[{"type":"text","text":"Bye"}]}]
                """);
        assertThat(t.body().get("max_tokens").asInt()).isEqualTo(200);
    }

    @Test
    void multiTurnConversationWithParallelToolCallsAndResults() {
        Translated t = translate("""
                {"model":"claude-sonnet-4-5","max_tokens":1024,
                 "messages":[
                   {"role":"system","content":"You can look up the weather."},
                   {"role":"user","content":"What's the weather in Paris and in Tokyo?"},
                   {"role":"assistant","content":"Let me check both cities.","tool_calls":[
                     {"id":"call_paris","type":"function",
                      "function":{"name":"get_weather","arguments":"{\\"location\\": \\"Paris, France\\", \\"unit\\": \\"celsius\\"}"}},
                     {"id":"call_tokyo","type":"function",
                      "function":{"name":"get_weather","arguments":"{\\"location\\":\\"Tokyo, Japan\\",\\"unit\\":\\"celsius\\"}"}}]},
                   {"role":"tool","tool_call_id":"call_paris","content":"18 degrees, cloudy"},
                   {"role":"tool","tool_call_id":"call_tokyo","content":[{"type":"text","text":"24 degrees, "},{"type":"text","text":"sunny"}]},
                   {"role":"user","content":"Which one is warmer?"}],
                 "tools":[{"type":"function","function":{"name":"get_weather",
                   "description":"Get the current weather in a given location",
                   "parameters":{"type":"object","properties":{
                     "location":{"type":"string","description":"The city and country"},
                     "unit":{"type":"string","enum":["celsius","fahrenheit"]}},
                     "required":["location"]}}}],
                 "tool_choice":"auto"}
                """, REJECT);
        assertJson(t.body(), """
                {"model":"claude-sonnet-4-5","max_tokens":1024,
                 "system":"You can look up the weather.",
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"What's the weather in Paris and in Tokyo?"}]},
                   {"role":"assistant","content":[
                     {"type":"text","text":"Let me check both cities."},
                     {"type":"tool_use","id":"call_paris","name":"get_weather",
                      "input":{"location":"Paris, France","unit":"celsius"}},
                     {"type":"tool_use","id":"call_tokyo","name":"get_weather",
                      "input":{"location":"Tokyo, Japan","unit":"celsius"}}]},
                   {"role":"user","content":[
                     {"type":"tool_result","tool_use_id":"call_paris","content":"18 degrees, cloudy"},
                     {"type":"tool_result","tool_use_id":"call_tokyo",
                      "content":[{"type":"text","text":"24 degrees, "},{"type":"text","text":"sunny"}]},
                     {"type":"text","text":"Which one is warmer?"}]}],
                 "tools":[{"name":"get_weather","description":"Get the current weather in a given location",
                   "input_schema":{"type":"object","properties":{
                     "location":{"type":"string","description":"The city and country"},
                     "unit":{"type":"string","enum":["celsius","fahrenheit"]}},
                     "required":["location"]}}],
                 "tool_choice":{"type":"auto"}}
                """);
    }

    @Test
    void assistantToolCallWithNullContentAndEmptyArgumentsGivesOnlyToolUse() {
        Translated t = translate("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"user","content":"What time is it?"},
                  {"role":"assistant","content":null,"refusal":null,"annotations":[],
                   "tool_calls":[{"id":"call_1","type":"function","function":{"name":"now","arguments":""}}]},
                  {"role":"tool","tool_call_id":"call_1","content":"12:00"}],
                 "tools":[{"type":"function","function":{"name":"now"}}]}
                """, REJECT);
        assertJson(t.body().get("messages").get(1), """
                {"role":"assistant","content":[{"type":"tool_use","id":"call_1","name":"now","input":{}}]}
                """);
        // OpenAI: omitting 'parameters' defines a function with an empty parameter list.
        assertJson(t.body().get("tools"), """
                [{"name":"now","input_schema":{"type":"object","properties":{}}}]
                """);
        assertThat(t.body().has("tool_choice")).isFalse();
    }

    @Test
    void toolArgumentNumbersAreKeptExactly() {
        Translated t = translate("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"user","content":"Pay"},
                  {"role":"assistant","tool_calls":[{"id":"c","type":"function",
                    "function":{"name":"pay","arguments":"{\\"amount\\": 12345678901234567.10, \\"n\\": 3}"}}]}]}
                """, REJECT);
        var input = t.body().get("messages").get(1).get("content").get(0).get("input");
        assertThat(input.get("amount").decimalValue()).isEqualByComparingTo("12345678901234567.10");
        assertThat(input.get("amount").toString()).isEqualTo("12345678901234567.10");
        assertThat(input.get("n").asInt()).isEqualTo(3);
    }

    @Test
    void consecutiveUserMessagesAreMergedIntoOneTurn() {
        Translated t = translate("""
                {"model":"m","max_tokens":10,"messages":[
                  {"role":"user","content":"First part."},
                  {"role":"user","content":[{"type":"text","text":"Second part."}]},
                  {"role":"assistant","content":"OK"},
                  {"role":"assistant","content":"Really OK"}]}
                """, REJECT);
        assertJson(t.body().get("messages"), """
                [{"role":"user","content":[{"type":"text","text":"First part."},{"type":"text","text":"Second part."}]},
                 {"role":"assistant","content":[{"type":"text","text":"OK"},{"type":"text","text":"Really OK"}]}]
                """);
    }

    @Test
    void imagesAsDataUrlsAndHttpUrls() {
        Translated t = translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"text","text":"Compare these images."},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
                  {"type":"image_url","image_url":{"url":"https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg","detail":"auto"}}]}]}
                """, REJECT);
        assertJson(t.body().get("messages").get(0).get("content"), """
                [{"type":"text","text":"Compare these images."},
                 {"type":"image","source":{"type":"base64","media_type":"image/png",
                   "data":"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}},
                 {"type":"image","source":{"type":"url",
                   "url":"https://upload.wikimedia.org/wikipedia/commons/a/a7/Camponotus_flavomarginatus_ant.jpg"}}]
                """);
    }

    @Test
    void imageDetailIsAPolicyMatter() {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"https://example.com/a.jpg","detail":"high"}}]}]}
                """;
        assertThat(translate(req, DROP).dropped()).containsExactly("messages[0].content[0].image_url.detail");
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, REJECT));
        assertThat(e.param()).isEqualTo("messages[0].content[0].image_url.detail");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "data:image/bmp;base64,Qk0=              | image/bmp",
        "data:image/png;charset=utf-8,abc        | base64",
        "ftp://example.com/cat.png               | http(s)"})
    void untranslatableImagesAreRejectedEvenUnderDrop(String url, String messagePart) {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"image_url","image_url":{"url":"%s"}}]}]}
                """.formatted(url);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, DROP));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("messages[0].content[0].image_url.url");
        assertThat(e.getMessage()).contains(messagePart);
    }

    @Test
    void audioAndFileContentIsRejectedEvenUnderDrop() {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"text","text":"Transcribe"},
                  {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}}]}]}
                """;
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, DROP));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("messages[0].content[1]");
        assertThat(e.getMessage()).contains("input_audio");
    }

    @Test
    void stopAsStringOrArrayBecomesStopSequences() {
        assertJson(translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Count"}],"stop":"\\n\\nHuman:"}
                """, REJECT).body().get("stop_sequences"), """
                ["\\n\\nHuman:"]""");
        assertJson(translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Count"}],"stop":["END","STOP"]}
                """, REJECT).body().get("stop_sequences"), """
                ["END","STOP"]""");
    }

    @Test
    void maxTokensPrecedenceAndDefault() {
        assertThat(translate("""
                {"model":"m","max_tokens":100,"max_completion_tokens":300,"messages":[{"role":"user","content":"x"}]}
                """, REJECT).body().get("max_tokens").asInt()).isEqualTo(300);
        assertThat(translate("""
                {"model":"m","messages":[{"role":"user","content":"x"}]}
                """, TranslationOptions.of(UnsupportedParams.REJECT, 8192)).body().get("max_tokens").asInt())
                .isEqualTo(8192);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","messages":[{"role":"user","content":"x"}]}
                """, TranslationOptions.of(UnsupportedParams.DROP)));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("max_tokens");
    }

    @Test
    void samplingUserAndStreamAreMapped() {
        ObjectNode body = translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "temperature":0.7,"top_p":0.9,"user":"user-1234","stream":true,
                 "stream_options":{"include_usage":true}}
                """, REJECT).body();
        assertJson(body, """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text","text":"x"}]}],
                 "temperature":0.7,"top_p":0.9,"metadata":{"user_id":"user-1234"},"stream":true}
                """);
        assertThat(AnthropicTranslator.includeUsageRequested(obj("""
                {"stream":true,"stream_options":{"include_usage":true}}"""))).isTrue();
        assertThat(AnthropicTranslator.includeUsageRequested(obj("{\"stream\":true}"))).isFalse();
    }

    @Test
    void temperatureAboveAnthropicRangeFollowsThePolicy() {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],"temperature":1.5}
                """;
        Translated dropped = translate(req, DROP);
        assertThat(dropped.dropped()).containsExactly("temperature");
        assertThat(dropped.body().has("temperature")).isFalse();
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, REJECT));
        assertThat(e.param()).isEqualTo("temperature");
        assertThat(e.getMessage()).contains("between 0 and 1");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"auto\"                                                | {\"type\":\"auto\"}",
        "\"required\"                                            | {\"type\":\"any\"}",
        "\"none\"                                                | {\"type\":\"none\"}",
        "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}} | {\"type\":\"tool\",\"name\":\"get_weather\"}"})
    void toolChoiceMapping(String openAiChoice, String anthropicChoice) {
        ObjectNode body = translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{}}}}],
                 "tool_choice":%s}
                """.formatted(openAiChoice), REJECT).body();
        assertJson(body.get("tool_choice"), anthropicChoice);
    }

    @Test
    void parallelToolCallsFalseDisablesParallelToolUse() {
        String tools = """
                "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object","properties":{}}}}]""";
        assertJson(translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],%s,
                 "parallel_tool_calls":false}""".formatted(tools), REJECT).body().get("tool_choice"), """
                {"type":"auto","disable_parallel_tool_use":true}""");
        assertJson(translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],%s,
                 "tool_choice":"required","parallel_tool_calls":false}""".formatted(tools), REJECT)
                .body().get("tool_choice"), """
                {"type":"any","disable_parallel_tool_use":true}""");
        assertThat(translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],%s,
                 "parallel_tool_calls":true}""".formatted(tools), REJECT).body().has("tool_choice")).isFalse();
    }

    private static final String UNSUPPORTED = """
            {"model":"gpt-4o","max_tokens":50,"messages":[{"role":"user","name":"alice","content":"Hi"}],
             "n":2,"logprobs":true,"top_logprobs":3,"seed":42,"frequency_penalty":0.5,"presence_penalty":-0.2,
             "logit_bias":{"50256":-100},
             "response_format":{"type":"json_schema","json_schema":{"name":"answer","schema":{"type":"object"}}},
             "temperature":0.2}
            """;

    @Test
    void dropOmitsUnsupportedParametersAndReportsThemInOrder() {
        Translated t = translate(UNSUPPORTED, DROP);
        assertThat(t.dropped()).containsExactly("n", "logprobs", "top_logprobs", "seed", "frequency_penalty",
                "presence_penalty", "logit_bias", "response_format", "messages[0].name");
        assertJson(t.body(), """
                {"model":"gpt-4o","max_tokens":50,
                 "messages":[{"role":"user","content":[{"type":"text","text":"Hi"}]}],"temperature":0.2}
                """);
    }

    @Test
    void rejectFailsWith400NamingTheFirstUnsupportedParameter() {
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(UNSUPPORTED, REJECT));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("n");
        assertThat(e.getMessage()).contains("'n'").contains("set it to 1");
        assertJson(e.error().toOpenAiBody(), """
                {"error":{"message":"%s","type":"invalid_request_error","param":"n","code":null}}
                """.formatted(e.getMessage()));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "\"n\":3                                                | n",
        "\"logprobs\":true                                      | logprobs",
        "\"seed\":7                                             | seed",
        "\"frequency_penalty\":1                                | frequency_penalty",
        "\"presence_penalty\":0.4                               | presence_penalty",
        "\"logit_bias\":{\"1234\":5}                            | logit_bias",
        "\"response_format\":{\"type\":\"json_object\"}         | response_format",
        "\"reasoning_effort\":\"high\"                          | reasoning_effort",
        "\"some_future_param\":true                             | some_future_param"})
    void eachUnsupportedParameterIsRejectedByName(String field, String param) {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],%s}""".formatted(field);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, REJECT));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo(param);
        assertThat(translate(req, DROP).dropped()).containsExactly(param);
    }

    @Test
    void defaultValuedOpenAiParametersAreNotReported() {
        Translated t = translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "n":1,"logprobs":false,"top_logprobs":null,"seed":null,"frequency_penalty":0,"presence_penalty":0.0,
                 "logit_bias":{},"response_format":{"type":"text"},"store":false,"modalities":["text"]}
                """, REJECT);
        assertThat(t.dropped()).isEmpty();
        assertThat(t.body().has("n")).isFalse();
    }

    @Test
    void strictFunctionsFollowThePolicy() {
        String req = """
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "tools":[{"type":"function","function":{"name":"f","strict":true,
                   "parameters":{"type":"object","properties":{},"additionalProperties":false}}}]}
                """;
        Translated t = translate(req, DROP);
        assertThat(t.dropped()).containsExactly("tools[0].function.strict");
        assertJson(t.body().get("tools"), """
                [{"name":"f","input_schema":{"type":"object","properties":{},"additionalProperties":false}}]""");
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate(req, REJECT));
        assertThat(e.param()).isEqualTo("tools[0].function.strict");
    }

    @Test
    void malformedToolArgumentsAreA400OnThatPath() {
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","tool_calls":[{"id":"c","type":"function",
                    "function":{"name":"f","arguments":"{\\"a\\": "}}]}]}
                """, DROP));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void inputIsNotMutated() {
        ObjectNode req = obj(UNSUPPORTED);
        ObjectNode copy = req.deepCopy();
        AnthropicTranslator.toAnthropicRequest(req, DROP);
        assertThat(req).isEqualTo(copy);
    }

    @Test
    void emptyUserMessageIsRejectedRatherThanSkipped() {
        // Skipping it would leave the assistant message last, which Anthropic continues as a prefill.
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"Hi"},
                  {"role":"assistant","content":"Hello"},{"role":"user","content":""}]}
                """, DROP));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("messages[2].content");
    }

    @Test
    void onlySystemMessagesIsRejected() {
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"system","content":"Be nice."}]}
                """, DROP));
        assertThat(e.param()).isEqualTo("messages");
    }
}
