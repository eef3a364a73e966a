package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.TranslationOptions;
import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.lines;
import static dev.tollgate.gateway.provider.anthropic.TestJson.normalized;
import static dev.tollgate.gateway.provider.anthropic.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** OpenAI -> Anthropic -> OpenAI (and the reverse) where the formats overlap. */
class AnthropicRoundTripTest {

    private static final TranslationOptions REJECT = TranslationOptions.of(UnsupportedParams.REJECT, 1024);

    @Test
    void openAiRequestSurvivesARoundTripThroughAnthropic() {
        ObjectNode original = obj("""
                {"model":"claude-sonnet-4-5","max_completion_tokens":512,
                 "messages":[
                   {"role":"system","content":"You are a travel agent."},
                   {"role":"user","content":[{"type":"text","text":"Plan a day in Paris, see photo"},
                     {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRhIAAABXRUJQVlA4"}}]},
                   {"role":"assistant","content":null,"tool_calls":[
                     {"id":"call_1","type":"function","function":{"name":"search","arguments":"{\\"q\\":\\"Louvre hours\\"}"}},
                     {"id":"call_2","type":"function","function":{"name":"search","arguments":"{\\"q\\":\\"Seine cruise\\",\\"limit\\":3}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"9:00-18:00"},
                   {"role":"tool","tool_call_id":"call_2","content":"Bateaux Mouches, 10:00"},
                   {"role":"assistant","content":"Morning at the Louvre, then a cruise."},
                   {"role":"user","content":"Great, thanks"}],
                 "stop":["THE END"],"temperature":0.3,"top_p":0.95,"user":"u-42",
                 "tools":[{"type":"function","function":{"name":"search","description":"Web search",
                   "parameters":{"type":"object","properties":{"q":{"type":"string"},"limit":{"type":"integer"}},
                   "required":["q"]}}}],
                 "tool_choice":{"type":"function","function":{"name":"search"}},
                 "parallel_tool_calls":false,
                 "stream":true}
                """);
        Translated toAnthropic = AnthropicTranslator.toAnthropicRequest(original, REJECT);
        Translated back = AnthropicTranslator.toOpenAiRequest(toAnthropic.body(), REJECT);
        assertThat(toAnthropic.dropped()).isEmpty();
        assertThat(back.dropped()).isEmpty();
        assertJson(back.body(), """
                {"model":"claude-sonnet-4-5","max_completion_tokens":512,
                 "messages":[
                   {"role":"system","content":"You are a travel agent."},
                   {"role":"user","content":[{"type":"text","text":"Plan a day in Paris, see photo"},
                     {"type":"image_url","image_url":{"url":"data:image/webp;base64,UklGRhIAAABXRUJQVlA4"}}]},
                   {"role":"assistant","content":null,"tool_calls":[
                     {"id":"call_1","type":"function","function":{"name":"search","arguments":"{\\"q\\":\\"Louvre hours\\"}"}},
                     {"id":"call_2","type":"function","function":{"name":"search","arguments":"{\\"q\\":\\"Seine cruise\\",\\"limit\\":3}"}}]},
                   {"role":"tool","tool_call_id":"call_1","content":"9:00-18:00"},
                   {"role":"tool","tool_call_id":"call_2","content":"Bateaux Mouches, 10:00"},
                   {"role":"assistant","content":"Morning at the Louvre, then a cruise."},
                   {"role":"user","content":"Great, thanks"}],
                 "stop":["THE END"],"temperature":0.3,"top_p":0.95,"user":"u-42",
                 "tools":[{"type":"function","function":{"name":"search","description":"Web search",
                   "parameters":{"type":"object","properties":{"q":{"type":"string"},"limit":{"type":"integer"}},
                   "required":["q"]}}}],
                 "tool_choice":{"type":"function","function":{"name":"search"}},
                 "parallel_tool_calls":false,
                 "stream":true,"stream_options":{"include_usage":true}}
                """);
    }

    @Test
    void anthropicRequestSurvivesARoundTripThroughOpenAi() {
        ObjectNode original = obj("""
                {"model":"gpt-4.1","max_tokens":300,"system":"Be concise.",
                 "messages":[
                   {"role":"user","content":[{"type":"text","text":"Weather in Oslo?"}]},
                   {"role":"assistant","content":[{"type":"text","text":"Looking it up."},
                     {"type":"tool_use","id":"toolu_9","name":"weather","input":{"city":"Oslo","days":[1,2]}}]},
                   {"role":"user","content":[{"type":"tool_result","tool_use_id":"toolu_9","content":"-3 C, snow"}]}],
                 "tools":[{"name":"weather","description":"Forecast","input_schema":{"type":"object",
                   "properties":{"city":{"type":"string"},"days":{"type":"array","items":{"type":"integer"}}}}}],
                 "tool_choice":{"type":"auto"},"stop_sequences":["###"],"temperature":1}
                """);
        Translated toOpenAi = AnthropicTranslator.toOpenAiRequest(original, REJECT);
        Translated back = AnthropicTranslator.toAnthropicRequest(toOpenAi.body(), REJECT);
        assertThat(normalized(back.body())).isEqualTo(normalized(original));
    }

    @Test
    void anthropicResponseSurvivesARoundTripThroughOpenAi() {
        ObjectNode original = obj("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-opus-4-1",
                 "content":[{"type":"text","text":"Calling the tool."},
                   {"type":"tool_use","id":"toolu_1","name":"lookup","input":{"sku":"A-1","qty":2,"price":"19.99"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":30,"cache_creation_input_tokens":5,"cache_read_input_tokens":700,
                          "output_tokens":40}}
                """);
        ObjectNode openAi = AnthropicTranslator.toOpenAiResponse(original, 1L);
        ObjectNode back = AnthropicTranslator.toAnthropicResponse(openAi);
        assertThat(normalized(back)).isEqualTo(normalized(original));
    }

    @Test
    void openAiResponseSurvivesARoundTripThroughAnthropic() {
        ObjectNode original = obj("""
                {"id":"chatcmpl-9","object":"chat.completion","created":1700000000,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Here you go.","refusal":null},
                   "logprobs":null,"finish_reason":"length"}],
                 "usage":{"prompt_tokens":100,"completion_tokens":20,"total_tokens":120,
                   "prompt_tokens_details":{"cached_tokens":80,"cache_write_tokens":0}}}
                """);
        ObjectNode back = AnthropicTranslator.toOpenAiResponse(AnthropicTranslator.toAnthropicResponse(original),
                1700000000L);
        assertThat(normalized(back)).isEqualTo(normalized(original));
    }

    @Test
    void anthropicStreamSurvivesARoundTripThroughOpenAiChunks() {
        AnthropicToOpenAiStream toOpenAi = new AnthropicToOpenAiStream(true, 1L);
        OpenAiToAnthropicStream toAnthropic = new OpenAiToAnthropicStream();
        List<ObjectNode> anthropicEvents = new ArrayList<>();
        for (JsonNode event : lines(AnthropicStreamTranslationTest.ANTHROPIC_TOOL_STREAM)) {
            for (ObjectNode chunk : toOpenAi.onEvent(event)) {
                anthropicEvents.addAll(toAnthropic.onChunk(chunk));
            }
        }
        toOpenAi.finish();
        anthropicEvents.addAll(toAnthropic.finish());

        assertThat(AnthropicStreamTranslationTest.reassembleAnthropic(anthropicEvents)).containsExactly(
                "text:Okay, let's check the weather in both cities.",
                "tool:toolu_01T1x1fJ34qAmk2tNTrN7Up6:get_weather:{\"location\":\"San Francisco, CA\"}",
                "tool:toolu_02Ab:get_weather:{\"location\":\"Tokyo\",\"unit\":\"celsius\"}");
        ObjectNode messageDelta = anthropicEvents.get(anthropicEvents.size() - 2);
        assertJson(messageDelta, """
                {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
                 "usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,
                          "output_tokens":89}}""");
        assertThat(toAnthropic.usage()).isEqualTo(toOpenAi.usage());
    }
}
