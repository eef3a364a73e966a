package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.TokenUsage;

import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Non-streaming responses both ways, finish reasons and usage. */
class AnthropicResponseTranslationTest {

    private static final long CREATED = 1741570283L;

    @Test
    void anthropicTextMessageToChatCompletion() {
        ObjectNode out = AnthropicTranslator.toOpenAiResponse(obj("""
                {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","type":"message","role":"assistant",
                 "model":"claude-sonnet-4-5-20250929",
                 "content":[{"type":"text","text":"Hi! My name is Claude."}],
                 "stop_reason":"end_turn","stop_sequence":null,
                 "usage":{"input_tokens":2095,"output_tokens":503}}
                """), CREATED);
        assertJson(out, """
                {"id":"msg_013Zva2CMHLNnXjNJJKqJ2EF","object":"chat.completion","created":1741570283,
                 "model":"claude-sonnet-4-5-20250929",
                 "choices":[{"index":0,
                   "message":{"role":"assistant","content":"Hi! My name is Claude.","refusal":null},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":2095,"completion_tokens":503,"total_tokens":2598}}
                """);
    }

    @Test
    void anthropicParallelToolUseToToolCallsWithCacheUsage() {
        ObjectNode out = AnthropicTranslator.toOpenAiResponse(obj("""
                {"id":"msg_01Aq9w938a90dw8q","type":"message","role":"assistant","model":"claude-opus-4-1",
                 "content":[
                   {"type":"thinking","thinking":"The user wants two cities.","signature":"EqQBCgIYAhIM"},
                   {"type":"text","text":"I'll check both cities."},
                   {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather",
                    "input":{"location":"San Francisco, CA","unit":"celsius"}},
                   {"type":"tool_use","id":"toolu_01B","name":"get_weather","input":{"location":"New York, NY"}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":50,"cache_creation_input_tokens":1000,"cache_read_input_tokens":3000,
                          "output_tokens":120,"service_tier":"standard"}}
                """), CREATED);
        assertJson(out.get("choices").get(0), """
                {"index":0,
                 "message":{"role":"assistant","content":"I'll check both cities.","refusal":null,
                   "tool_calls":[
                     {"id":"toolu_01A09q90qw90lq917835lq9","type":"function","function":{"name":"get_weather",
                      "arguments":"{\\"location\\":\\"San Francisco, CA\\",\\"unit\\":\\"celsius\\"}"}},
                     {"id":"toolu_01B","type":"function","function":{"name":"get_weather",
                      "arguments":"{\\"location\\":\\"New York, NY\\"}"}}]},
                 "logprobs":null,"finish_reason":"tool_calls"}
                """);
        // Anthropic's input_tokens excludes cached input; OpenAI's prompt_tokens includes it.
        assertJson(out.get("usage"), """
                {"prompt_tokens":4050,"completion_tokens":120,"total_tokens":4170,
                 "prompt_tokens_details":{"cached_tokens":3000,"cache_write_tokens":1000}}
                """);
    }

    @Test
    void anthropicToolOnlyResponseHasNullContent() {
        ObjectNode out = AnthropicTranslator.toOpenAiResponse(obj("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude-haiku-4-5",
                 "content":[{"type":"tool_use","id":"toolu_1","name":"now","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":10,"output_tokens":5}}
                """), CREATED);
        assertThat(out.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(out.at("/choices/0/message/tool_calls/0/function/arguments").asText()).isEqualTo("{}");
    }

    @Test
    void anthropicErrorBodyGivenAsResponseBecomesATypedError() {
        TranslationException e = catchThrowableOfType(TranslationException.class,
                () -> AnthropicTranslator.toOpenAiResponse(obj("""
                        {"type":"error","error":{"type":"rate_limit_error","message":"Number of request tokens has exceeded your per-minute rate limit"}}
                        """), CREATED));
        assertThat(e.httpStatus()).isEqualTo(429);
        assertThat(e.error().anthropicType()).isEqualTo("rate_limit_error");
    }

    @Test
    void openAiCompletionWithToolCallsToAnthropicMessage() {
        ObjectNode out = AnthropicTranslator.toAnthropicResponse(obj("""
                {"id":"chatcmpl-abc123","object":"chat.completion","created":1699896916,"model":"gpt-4o-mini",
                 "choices":[{"index":0,
                   "message":{"role":"assistant","content":null,"refusal":null,"annotations":[],
                     "tool_calls":[
                       {"id":"call_abc123","type":"function",
                        "function":{"name":"get_current_weather","arguments":"{\\n\\"location\\": \\"Boston, MA\\"\\n}"}},
                       {"id":"call_def456","type":"function",
                        "function":{"name":"get_current_weather","arguments":"{\\"location\\": \\"Paris\\", \\"days\\": 2.50}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":82,"completion_tokens":17,"total_tokens":99,
                   "prompt_tokens_details":{"cached_tokens":64,"audio_tokens":0},
                   "completion_tokens_details":{"reasoning_tokens":0,"audio_tokens":0,
                     "accepted_prediction_tokens":0,"rejected_prediction_tokens":0}}}
                """));
        assertJson(out, """
                {"id":"chatcmpl-abc123","type":"message","role":"assistant","model":"gpt-4o-mini",
                 "content":[
                   {"type":"tool_use","id":"call_abc123","name":"get_current_weather","input":{"location":"Boston, MA"}},
                   {"type":"tool_use","id":"call_def456","name":"get_current_weather",
                    "input":{"location":"Paris","days":2.5}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":18,"cache_creation_input_tokens":0,"cache_read_input_tokens":64,
                          "output_tokens":17}}
                """);
        assertThat(out.at("/content/1/input/days").toString()).isEqualTo("2.50");
    }

    @Test
    void openAiTextCompletionToAnthropicMessage() {
        ObjectNode out = AnthropicTranslator.toAnthropicResponse(obj("""
                {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","object":"chat.completion","created":1741570283,
                 "model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"The image shows a wooden boardwalk.",
                   "refusal":null,"annotations":[]},"logprobs":null,"finish_reason":"length"}],
                 "usage":{"prompt_tokens":1117,"completion_tokens":46,"total_tokens":1163,
                   "prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0}}}
                """));
        assertJson(out, """
                {"id":"chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG","type":"message","role":"assistant",
                 "model":"gpt-4o-2024-08-06",
                 "content":[{"type":"text","text":"The image shows a wooden boardwalk."}],
                 "stop_reason":"max_tokens","stop_sequence":null,
                 "usage":{"input_tokens":1117,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,
                          "output_tokens":46}}
                """);
    }

    @Test
    void openAiRefusalBecomesTextWithRefusalStopReason() {
        ObjectNode out = AnthropicTranslator.toAnthropicResponse(obj("""
                {"id":"chatcmpl-r","object":"chat.completion","created":1,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,
                   "refusal":"I'm sorry, I can't help with that."},"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":10,"completion_tokens":9,"total_tokens":19}}
                """));
        assertJson(out.get("content"), """
                [{"type":"text","text":"I'm sorry, I can't help with that."}]""");
        assertThat(out.get("stop_reason").asText()).isEqualTo("refusal");
    }

    @Test
    void openAiToolArgumentsThatAreNotAnObjectAreABadGateway() {
        TranslationException e = catchThrowableOfType(TranslationException.class,
                () -> AnthropicTranslator.toAnthropicResponse(obj("""
                        {"id":"x","object":"chat.completion","created":1,"model":"m",
                         "choices":[{"index":0,"message":{"role":"assistant","content":null,"tool_calls":[
                           {"id":"c","type":"function","function":{"name":"f","arguments":"{\\"a\\": tru"}}]},
                           "finish_reason":"tool_calls"}]}
                        """)));
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.error().anthropicType()).isEqualTo("api_error");
    }

    @Test
    void openAiResponseWithoutChoicesOrFinishReasonIsABadGateway() {
        assertThat(catchThrowableOfType(TranslationException.class, () -> AnthropicTranslator.toAnthropicResponse(
                obj("{\"id\":\"x\",\"object\":\"chat.completion\",\"choices\":[]}"))).httpStatus()).isEqualTo(502);
        assertThat(catchThrowableOfType(TranslationException.class, () -> AnthropicTranslator.toAnthropicResponse(
                obj("""
                        {"id":"x","object":"chat.completion","choices":[{"index":0,
                          "message":{"role":"assistant","content":"partial"},"finish_reason":null}]}
                        """))).httpStatus()).isEqualTo(502);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "end_turn, stop",
        "stop_sequence, stop",
        "max_tokens, length",
        "model_context_window_exceeded, length",
        "tool_use, tool_calls",
        "refusal, content_filter",
        "pause_turn, stop"})
    void stopReasonToFinishReason(String stopReason, String finishReason) {
        assertThat(FinishReasons.toOpenAi(stopReason)).isEqualTo(finishReason);
        ObjectNode out = AnthropicTranslator.toOpenAiResponse(obj("""
                {"id":"msg_1","type":"message","role":"assistant","model":"claude",
                 "content":[{"type":"text","text":"x"}],"stop_reason":"%s","stop_sequence":null,
                 "usage":{"input_tokens":1,"output_tokens":1}}
                """.formatted(stopReason)), CREATED);
        assertThat(out.at("/choices/0/finish_reason").asText()).isEqualTo(finishReason);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "stop, end_turn",
        "length, max_tokens",
        "tool_calls, tool_use",
        "function_call, tool_use",
        "content_filter, refusal"})
    void finishReasonToStopReason(String finishReason, String stopReason) {
        assertThat(FinishReasons.toAnthropic(finishReason)).isEqualTo(stopReason);
    }

    @Test
    void nullReasonsStayNull() {
        assertThat(FinishReasons.toOpenAi(null)).isNull();
        assertThat(FinishReasons.toAnthropic(null)).isNull();
    }

    @Test
    void usageConversionIsExactBothWays() {
        TokenUsage usage = TokenUsage.fromAnthropic(obj("""
                {"input_tokens":12,"cache_creation_input_tokens":100,"cache_read_input_tokens":900,"output_tokens":30}
                """));
        assertThat(usage.promptTokens()).isEqualTo(1012);
        assertThat(usage.totalTokens()).isEqualTo(1042);
        assertThat(TokenUsage.fromOpenAi(usage.toOpenAi())).isEqualTo(usage);
        assertThat(TokenUsage.fromAnthropic(usage.toAnthropic())).isEqualTo(usage);
        assertJson(new TokenUsage(5, 7, 0, 0).toOpenAi(), """
                {"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}""");
    }
}
