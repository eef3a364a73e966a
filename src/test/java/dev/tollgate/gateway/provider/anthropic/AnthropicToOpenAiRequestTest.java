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

/** Anthropic Messages request (our /v1/messages) to OpenAI Chat Completions request. */
class AnthropicToOpenAiRequestTest {

    private static final TranslationOptions DROP = TranslationOptions.of(UnsupportedParams.DROP);
    private static final TranslationOptions REJECT = TranslationOptions.of(UnsupportedParams.REJECT);

    private static Translated translate(String anthropicJson, TranslationOptions options) {
        return AnthropicTranslator.toOpenAiRequest(obj(anthropicJson), options);
    }

    @Test
    void fullConversationWithSystemToolsImagesAndStreaming() {
        Translated t = translate("""
                {"model":"gpt-4o","max_tokens":1024,
                 "system":[{"type":"text","text":"You are a weather bot."},{"type":"text","text":"Be brief."}],
                 "messages":[
                   {"role":"user","content":[
                     {"type":"image","source":{"type":"base64","media_type":"image/jpeg","data":"/9j/4AAQSkZJRg=="}},
                     {"type":"image","source":{"type":"url","url":"https://example.com/sky.png"}},
                     {"type":"text","text":"Where was this taken, and what's the weather there?"}]},
                   {"role":"assistant","content":[
                     {"type":"text","text":"That is San Francisco. "},
                     {"type":"text","text":"Checking the weather."},
                     {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather",
                      "input":{"location":"San Francisco, CA","unit":"celsius"}},
                     {"type":"tool_use","id":"toolu_01B","name":"get_time","input":{"timezone":"America/Los_Angeles"}}]},
                   {"role":"user","content":[
                     {"type":"tool_result","tool_use_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"},
                     {"type":"tool_result","tool_use_id":"toolu_01B",
                      "content":[{"type":"text","text":"09:30"},{"type":"text","text":" PST"}]},
                     {"type":"text","text":"Thanks! Anything else?"}]},
                   {"role":"assistant","content":"Nothing else."},
                   {"role":"user","content":"Bye"}],
                 "stop_sequences":["\\n\\nHuman:"],
                 "temperature":0.5,"top_p":0.9,
                 "metadata":{"user_id":"13803d75-b4b5-4c3e-b2a2-6f21399b021b"},
                 "tools":[{"name":"get_weather","description":"Get the current weather in a given location",
                           "input_schema":{"type":"object","properties":{"location":{"type":"string"},
                             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}},
                          {"name":"get_time","input_schema":{"type":"object","properties":{"timezone":{"type":"string"}}}}],
                 "tool_choice":{"type":"any","disable_parallel_tool_use":true},
                 "stream":true}
                """, REJECT);
        assertThat(t.dropped()).isEmpty();
        assertJson(t.body(), """
                {"model":"gpt-4o",
                 "messages":[
                   {"role":"system","content":[{"type":"text","text":"You are a weather bot."},
                                               {"type":"text","text":"Be brief."}]},
                   {"role":"user","content":[
                     {"type":"image_url","image_url":{"url":"data:image/jpeg;base64,/9j/4AAQSkZJRg=="}},
                     {"type":"image_url","image_url":{"url":"https://example.com/sky.png"}},
                     {"type":"text","text":"Where was this taken, and what's the weather there?"}]},
                   {"role":"assistant","content":"That is San Francisco. Checking the weather.","tool_calls":[
                     {"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather",
                      "arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}},
                     {"id":"toolu_01B","type":"function","function":{"name":"get_time",
                      "arguments":"{\\"timezone\\":\\"America/Los_Angeles\\"}"}}]},
                   {"role":"tool","tool_call_id":"toolu_01A09q90qw90lq917835lq9","content":"15 degrees"},
                   {"role":"tool","tool_call_id":"toolu_01B",
                    "content":[{"type":"text","text":"09:30"},{"type":"text","text":" PST"}]},
                   {"role":"user","content":"Thanks! Anything else?"},
                   {"role":"assistant","content":"Nothing else."},
                   {"role":"user","content":"Bye"}],
                 "max_completion_tokens":1024,
                 "stop":["\\n\\nHuman:"],
                 "temperature":0.5,"top_p":0.9,
                 "tools":[{"type":"function","function":{"name":"get_weather",
                            "description":"Get the current weather in a given location",
                            "parameters":{"type":"object","properties":{"location":{"type":"string"},
                              "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["location"]}}},
                          {"type":"function","function":{"name":"get_time",
                            "parameters":{"type":"object","properties":{"timezone":{"type":"string"}}}}}],
                 "tool_choice":"required",
                 "parallel_tool_calls":false,
                 "user":"13803d75-b4b5-4c3e-b2a2-6f21399b021b",
                 "stream":true,
                 "stream_options":{"include_usage":true}}
                """);
    }

    @Test
    void stringSystemAndLegacyMaxTokensField() {
        ObjectNode body = translate("""
                {"model":"mistral-large","max_tokens":256,"system":"Answer in French.",
                 "messages":[{"role":"user","content":"Hello"}]}
                """, TranslationOptions.of(UnsupportedParams.REJECT).withLegacyMaxTokensField()).body();
        assertJson(body, """
                {"model":"mistral-large",
                 "messages":[{"role":"system","content":"Answer in French."},{"role":"user","content":"Hello"}],
                 "max_tokens":256}
                """);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"type\":\"auto\"}                          | \"auto\"",
        "{\"type\":\"any\"}                           | \"required\"",
        "{\"type\":\"none\"}                          | \"none\"",
        "{\"type\":\"tool\",\"name\":\"get_weather\"} | {\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}"})
    void toolChoiceMapping(String anthropicChoice, String openAiChoice) {
        ObjectNode body = translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"}],
                 "tools":[{"name":"get_weather","input_schema":{"type":"object","properties":{}}}],
                 "tool_choice":%s}
                """.formatted(anthropicChoice), REJECT).body();
        assertJson(body.get("tool_choice"), openAiChoice);
        assertThat(body.has("parallel_tool_calls")).isFalse();
    }

    private static final String ANTHROPIC_ONLY = """
            {"model":"m","max_tokens":100,"top_k":40,
             "thinking":{"type":"enabled","budget_tokens":2048},
             "system":[{"type":"text","text":"Long, cacheable instructions.","cache_control":{"type":"ephemeral"}}],
             "messages":[
               {"role":"user","content":"Run the check"},
               {"role":"assistant","content":[
                 {"type":"thinking","thinking":"Let me call the tool.","signature":"EqQBCgIYAhIM"},
                 {"type":"tool_use","id":"toolu_1","name":"check","input":{}}]},
               {"role":"user","content":[
                 {"type":"tool_result","tool_use_id":"toolu_1","content":"disk full","is_error":true}]}],
             "tools":[{"name":"check","input_schema":{"type":"object","properties":{}}},
                      {"type":"web_search_20250305","name":"web_search","max_uses":5}]}
            """;

    @Test
    void dropReportsAnthropicOnlyFeaturesInAnthropicVocabulary() {
        Translated t = translate(ANTHROPIC_ONLY, DROP);
        assertThat(t.dropped()).as("the prompt-cache breakpoint is carried, not dropped").containsExactly("top_k",
                "thinking", "messages[1].content[0]", "messages[2].content[0].is_error", "tools[1]");
        assertJson(t.body(), """
                {"model":"m",
                 "messages":[
                   {"role":"system","content":[{"type":"text","text":"Long, cacheable instructions.",
                     "cache_control":{"type":"ephemeral"}}]},
                   {"role":"user","content":"Run the check"},
                   {"role":"assistant","content":null,"tool_calls":[
                     {"id":"toolu_1","type":"function","function":{"name":"check","arguments":"{}"}}]},
                   {"role":"tool","tool_call_id":"toolu_1","content":"disk full"}],
                 "max_completion_tokens":100,
                 "tools":[{"type":"function","function":{"name":"check",
                   "parameters":{"type":"object","properties":{}}}}]}
                """);
    }

    @Test
    void rejectNamesTheFirstAnthropicOnlyParameter() {
        TranslationException e = catchThrowableOfType(TranslationException.class,
                () -> translate(ANTHROPIC_ONLY, REJECT));
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("top_k");
        assertJson(e.error().toAnthropicBody(), """
                {"type":"error","error":{"type":"invalid_request_error","message":"%s"}}
                """.formatted(e.getMessage()));
    }

    @Test
    void malformedBlocksAreA400() {
        TranslationException noText = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[{"type":"text"}]}]}
                """, DROP));
        assertThat(noText.param()).isEqualTo("messages[0].content[0].text");
        TranslationException noId = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":"x"},
                  {"role":"assistant","content":[{"type":"tool_use","name":"f","input":{}}]}]}
                """, DROP));
        assertThat(noId.param()).isEqualTo("messages[1].content[0]");
    }

    @Test
    void documentsAndImagesInToolResultsAreRejectedEvenUnderDrop() {
        TranslationException doc = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"JVBERi0x"}},
                  {"type":"text","text":"Summarize"}]}]}
                """, DROP));
        assertThat(doc.httpStatus()).isEqualTo(400);
        assertThat(doc.param()).isEqualTo("messages[0].content[0]");

        TranslationException img = catchThrowableOfType(TranslationException.class, () -> translate("""
                {"model":"m","max_tokens":10,"messages":[{"role":"user","content":[
                  {"type":"tool_result","tool_use_id":"t","content":[
                    {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}]}
                """, DROP));
        assertThat(img.param()).isEqualTo("messages[0].content[0].content[0]");
    }
}
