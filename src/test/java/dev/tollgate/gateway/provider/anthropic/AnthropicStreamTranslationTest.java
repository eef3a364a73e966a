package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.TokenUsage;

import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.lines;
import static dev.tollgate.gateway.provider.anthropic.TestJson.node;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Streaming in both directions. */
class AnthropicStreamTranslationTest {

    /**
     * The data lines of an Anthropic stream with text and two tool calls, shaped like the documented streaming
     * example: a ping after the first block start, an empty first input_json_delta, cumulative usage.
     */
    static final String ANTHROPIC_TOOL_STREAM = """
            {"type":"message_start","message":{"id":"msg_014p7gG3wDgGV9EUtLvnow3U","type":"message","role":"assistant","model":"claude-sonnet-4-5-20250929","stop_sequence":null,"usage":{"input_tokens":472,"cache_creation_input_tokens":0,"cache_read_input_tokens":2000,"output_tokens":2},"content":[],"stop_reason":null}}
            {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
            {"type":"ping"}
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Okay, let's check"}}
            {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" the weather in both cities."}}
            {"type":"content_block_stop","index":0}
            {"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather","input":{}}}
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":""}}
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":" \\"San Francisc"}}
            {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"o, CA\\"}"}}
            {"type":"content_block_stop","index":1}
            {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_02Ab","name":"get_weather","input":{}}}
            {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\": \\"Tok"}}
            {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"yo\\", \\"unit\\": \\"celsius\\"}"}}
            {"type":"content_block_stop","index":2}
            {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":89}}
            {"type":"message_stop"}
            """;

    private static List<ObjectNode> feedAnthropic(AnthropicToOpenAiStream stream, String events) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode event : lines(events)) {
            out.addAll(stream.onEvent(event));
        }
        return out;
    }

    private static List<ObjectNode> feedOpenAi(OpenAiToAnthropicStream stream, String chunks) {
        List<ObjectNode> out = new ArrayList<>();
        for (JsonNode chunk : lines(chunks)) {
            out.addAll(stream.onChunk(chunk));
        }
        return out;
    }

    // ------------------------------------------------------------------------------------ Anthropic -> OpenAI

    @Test
    void anthropicToolStreamBecomesOpenAiChunks() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(true, 1700000000L);
        List<ObjectNode> chunks = feedAnthropic(stream, ANTHROPIC_TOOL_STREAM);
        chunks.addAll(stream.finish());

        String head = "\"id\":\"msg_014p7gG3wDgGV9EUtLvnow3U\",\"object\":\"chat.completion.chunk\","
                + "\"created\":1700000000,\"model\":\"claude-sonnet-4-5-20250929\"";
        List<String> expected = List.of(
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Okay, let's check\"},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"content\":\" the weather in both cities.\"},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"{\\\"location\\\":\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\" \\\"San Francisc\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":\"o, CA\\\"}\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
                        + "\"id\":\"toolu_02Ab\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
                        + "\"function\":{\"arguments\":\"{\\\"location\\\": \\\"Tok\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":1,"
                        + "\"function\":{\"arguments\":\"yo\\\", \\\"unit\\\": \\\"celsius\\\"}\"}}]},"
                        + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
                "{" + head + ",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                        + "\"finish_reason\":\"tool_calls\"}],\"usage\":null}",
                "{" + head + ",\"choices\":[],\"usage\":{\"prompt_tokens\":2472,\"completion_tokens\":89,"
                        + "\"total_tokens\":2561,\"prompt_tokens_details\":{\"cached_tokens\":2000,"
                        + "\"cache_write_tokens\":0}}}");
        assertThat(chunks).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertJson(chunks.get(i), expected.get(i));
        }

        // What an OpenAI client accumulates: text, and per tool index id + name + concatenated arguments.
        assertThat(reassembleOpenAi(chunks)).isEqualTo(List.of(
                "text:Okay, let's check the weather in both cities.",
                "tool0:toolu_01T1x1fJ34qAmk2tNTrN7Up6:get_weather:{\"location\":\"San Francisco, CA\"}",
                "tool1:toolu_02Ab:get_weather:{\"location\":\"Tokyo\",\"unit\":\"celsius\"}"));
        assertThat(stream.isComplete()).isTrue();
        assertThat(stream.usage()).contains(new TokenUsage(472, 89, 0, 2000));
    }

    @Test
    void withoutIncludeUsageThereIsNoUsageChunkButUsageIsStillMetered() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(false, 1L);
        List<ObjectNode> chunks = feedAnthropic(stream, ANTHROPIC_TOOL_STREAM);
        assertThat(chunks).hasSize(11);
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.has("usage")).isFalse();
            assertThat(c.get("choices")).hasSize(1);
        });
        assertThat(chunks.get(10).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(stream.usage()).contains(new TokenUsage(472, 89, 0, 2000));
    }

    @Test
    void cumulativeUsageInMessageDeltaReplacesEarlierCounts() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(true, 1L);
        List<ObjectNode> chunks = feedAnthropic(stream, """
                {"type":"message_start","message":{"model":"claude-haiku-4-5-20251001","id":"msg_01K2JbSUMYhez5RHoK9ZCj9U","type":"message","role":"assistant","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":849,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":10}}}
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Hello"}}
                {"type":"content_block_stop","index":0}
                {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},"usage":{"input_tokens":849,"cache_creation_input_tokens":100,"cache_read_input_tokens":0,"output_tokens":47}}
                {"type":"message_stop"}
                """);
        assertThat(chunks.get(2).at("/choices/0/finish_reason").asText()).isEqualTo("length");
        assertJson(chunks.get(3).get("usage"), """
                {"prompt_tokens":949,"completion_tokens":47,"total_tokens":996,
                 "prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":100}}""");
    }

    @Test
    void thinkingBlocksAndUnknownEventsProduceNothing() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(false, 1L);
        List<ObjectNode> chunks = feedAnthropic(stream, """
                {"type":"message_start","message":{"id":"msg_t","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}
                {"type":"content_block_start","index":0,"content_block":{"type":"thinking","thinking":""}}
                {"type":"content_block_delta","index":0,"delta":{"type":"thinking_delta","thinking":"Let me think"}}
                {"type":"content_block_delta","index":0,"delta":{"type":"signature_delta","signature":"EqQBCgIYAhIM"}}
                {"type":"content_block_stop","index":0}
                {"type":"some_future_event","payload":1}
                {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}
                {"type":"content_block_delta","index":1,"delta":{"type":"text_delta","text":"42"}}
                {"type":"content_block_stop","index":1}
                {"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":20}}
                {"type":"message_stop"}
                """);
        assertThat(chunks).hasSize(3);
        assertThat(chunks.get(1).at("/choices/0/delta/content").asText()).isEqualTo("42");
        assertThat(chunks.get(2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    }

    @Test
    void midStreamErrorEventSurfacesAsTypedErrorNotAsAFinish() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(true, 1L);
        List<ObjectNode> chunks = feedAnthropic(stream, """
                {"type":"message_start","message":{"id":"msg_e","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"output_tokens":1}}}
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Once upon"}}
                """);
        assertThat(chunks).hasSize(2);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> stream.onEvent(node("""
                {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""")));
        assertThat(e.httpStatus()).isEqualTo(529);
        assertThat(e.error().anthropicType()).isEqualTo("overloaded_error");
        assertJson(e.error().toOpenAiBody(), """
                {"error":{"message":"Overloaded","type":"overloaded_error","param":null,"code":null}}""");
        assertThat(stream.isComplete()).isFalse();
        assertThat(catchThrowableOfType(TranslationException.class, stream::finish).httpStatus()).isEqualTo(502);
    }

    @Test
    void anthropicStreamCutBeforeMessageStopIsAnError() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(false, 1L);
        String cut = ANTHROPIC_TOOL_STREAM.substring(0, ANTHROPIC_TOOL_STREAM.indexOf("{\"type\":\"content_block_stop\",\"index\":1}"));
        List<ObjectNode> chunks = feedAnthropic(stream, cut);
        assertThat(chunks).hasSize(7).allSatisfy(c -> assertThat(c.at("/choices/0/finish_reason").isNull()).isTrue());
        TranslationException e = catchThrowableOfType(TranslationException.class, stream::finish);
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.getMessage()).contains("message_stop");
        assertJson(e.error().toOpenAiBody(), """
                {"error":{"message":"%s","type":"server_error","param":null,"code":null}}""".formatted(e.getMessage()));
    }

    @Test
    void anthropicStreamCutAfterMessageDeltaIsStillAnError() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(true, 1L);
        String cut = ANTHROPIC_TOOL_STREAM.substring(0, ANTHROPIC_TOOL_STREAM.indexOf("{\"type\":\"message_stop\"}"));
        feedAnthropic(stream, cut);
        assertThat(catchThrowableOfType(TranslationException.class, stream::finish).httpStatus()).isEqualTo(502);
    }

    @Test
    void argumentFragmentsForABlockThatWasNeverStartedAreAProtocolError() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(false, 1L);
        feedAnthropic(stream, """
                {"type":"message_start","message":{"id":"msg_p","type":"message","role":"assistant","model":"claude","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":5,"output_tokens":1}}}
                """);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> stream.onEvent(node("""
                {"type":"content_block_delta","index":3,"delta":{"type":"input_json_delta","partial_json":"{"}}""")));
        assertThat(e.httpStatus()).isEqualTo(502);
    }

    @Test
    void contentBeforeMessageStartIsAProtocolError() {
        AnthropicToOpenAiStream stream = new AnthropicToOpenAiStream(false, 1L);
        assertThat(catchThrowableOfType(TranslationException.class, () -> stream.onEvent(node("""
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"x"}}"""))).httpStatus())
                .isEqualTo(502);
    }

    // ------------------------------------------------------------------------------------ OpenAI -> Anthropic

    /** An OpenAI stream (data lines, [DONE] excluded) with text, then two tool calls with argument fragments. */
    static final String OPENAI_TOOL_STREAM = """
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","system_fingerprint":"fp_44709d6fcb","choices":[{"index":0,"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":"Checking"},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"content":" both."},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","type":"function","function":{"name":"get_weather","arguments":""}}]},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"{\\"location\\":"}}]},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"\\"Paris, France\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"call_ZjX","type":"function","function":{"name":"get_time","arguments":"{\\"tz\\""}}]},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"function":{"arguments":": \\"CET\\"}"}}]},"logprobs":null,"finish_reason":null}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[{"index":0,"delta":{},"logprobs":null,"finish_reason":"tool_calls"}],"usage":null}
            {"id":"chatcmpl-123","object":"chat.completion.chunk","created":1694268190,"model":"gpt-4o-mini","choices":[],"usage":{"prompt_tokens":120,"completion_tokens":45,"total_tokens":165,"prompt_tokens_details":{"cached_tokens":100,"audio_tokens":0},"completion_tokens_details":{"reasoning_tokens":0}}}
            """;

    @Test
    void openAiToolStreamBecomesTheAnthropicEventSequence() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        List<ObjectNode> events = feedOpenAi(stream, OPENAI_TOOL_STREAM);
        events.addAll(stream.finish()); // data: [DONE]

        List<String> expected = List.of(
                """
                {"type":"message_start","message":{"id":"chatcmpl-123","type":"message","role":"assistant",
                 "model":"gpt-4o-mini","content":[],"stop_reason":null,"stop_sequence":null,
                 "usage":{"input_tokens":0,"output_tokens":0}}}""",
                """
                {"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""",
                """
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Checking"}}""",
                """
                {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" both."}}""",
                """
                {"type":"content_block_stop","index":0}""",
                """
                {"type":"content_block_start","index":1,"content_block":{"type":"tool_use",
                 "id":"call_DdmO9pD3xa9XTPNJ32zg2hcA","name":"get_weather","input":{}}}""",
                """
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\\"location\\":"}}""",
                """
                {"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"\\"Paris, France\\"}"}}""",
                """
                {"type":"content_block_stop","index":1}""",
                """
                {"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"call_ZjX",
                 "name":"get_time","input":{}}}""",
                """
                {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\\"tz\\""}}""",
                """
                {"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":": \\"CET\\"}"}}""",
                """
                {"type":"content_block_stop","index":2}""",
                """
                {"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},
                 "usage":{"input_tokens":20,"cache_creation_input_tokens":0,"cache_read_input_tokens":100,
                          "output_tokens":45}}""",
                """
                {"type":"message_stop"}""");
        assertThat(events).hasSize(expected.size());
        for (int i = 0; i < expected.size(); i++) {
            assertJson(events.get(i), expected.get(i));
        }
        assertThat(reassembleAnthropic(events)).isEqualTo(List.of(
                "text:Checking both.",
                "tool:call_DdmO9pD3xa9XTPNJ32zg2hcA:get_weather:{\"location\":\"Paris, France\"}",
                "tool:call_ZjX:get_time:{\"tz\":\"CET\"}"));
        assertThat(stream.usage()).contains(new TokenUsage(20, 45, 0, 100));
        assertThat(stream.isComplete()).isTrue();
    }

    @Test
    void openAiStreamWithoutFinishReasonIsAnErrorNotAMessageStop() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        String cut = OPENAI_TOOL_STREAM.substring(0, OPENAI_TOOL_STREAM.indexOf("{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\",\"choices\":[{\"index\":0,\"delta\":{},"));
        List<ObjectNode> events = feedOpenAi(stream, cut);
        assertThat(events).extracting(e -> e.get("type").asText()).doesNotContain("message_delta", "message_stop");
        TranslationException e = catchThrowableOfType(TranslationException.class, stream::finish);
        assertThat(e.httpStatus()).isEqualTo(502);
        assertThat(e.getMessage()).contains("finish_reason");
        assertJson(e.error().toAnthropicBody(), """
                {"type":"error","error":{"type":"api_error","message":"%s"}}""".formatted(e.getMessage()));
        assertThat(stream.isComplete()).isFalse();
    }

    @Test
    void openAiStreamWithoutUsageChunkClosesAtDoneWithZeroUsage() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        List<ObjectNode> events = feedOpenAi(stream, """
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"llama3","choices":[{"index":0,"delta":{"role":"assistant","content":"Hi"},"finish_reason":null}]}
                {"id":"c1","object":"chat.completion.chunk","created":1,"model":"llama3","choices":[{"index":0,"delta":{},"finish_reason":"length"}]}
                """);
        assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("message_start",
                "content_block_start", "content_block_delta", "content_block_stop");
        List<ObjectNode> end = stream.finish();
        assertJson(end.get(0), """
                {"type":"message_delta","delta":{"stop_reason":"max_tokens","stop_sequence":null},
                 "usage":{"input_tokens":0,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":0}}""");
        assertJson(end.get(1), "{\"type\":\"message_stop\"}");
        assertThat(stream.usage()).isEmpty();
        assertThat(stream.finish()).isEmpty();
    }

    @Test
    void usageInTheFinishChunkClosesImmediately() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        List<ObjectNode> events = feedOpenAi(stream, """
                {"id":"c2","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Done"},"finish_reason":"stop"}],"usage":{"prompt_tokens":7,"completion_tokens":2,"total_tokens":9}}
                """);
        assertThat(events).extracting(e -> e.get("type").asText()).containsExactly("message_start",
                "content_block_start", "content_block_delta", "content_block_stop", "message_delta", "message_stop");
        assertThat(events.get(4).at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(events.get(4).at("/usage/output_tokens").asInt()).isEqualTo(2);
        assertThat(stream.finish()).isEmpty();
    }

    @Test
    void openAiErrorObjectInTheStreamIsATypedError() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        feedOpenAi(stream, """
                {"id":"c3","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"Hel"},"finish_reason":null}]}
                """);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> stream.onChunk(node("""
                {"error":{"message":"The server had an error while processing your request.","type":"server_error","param":null,"code":null}}""")));
        assertThat(e.httpStatus()).isEqualTo(500);
        assertJson(e.error().toAnthropicBody(), """
                {"type":"error","error":{"type":"api_error","message":"The server had an error while processing your request."}}""");
    }

    @Test
    void interleavedToolCallFragmentsAreRejectedRatherThanMisplaced() {
        OpenAiToAnthropicStream stream = new OpenAiToAnthropicStream();
        feedOpenAi(stream, """
                {"id":"c4","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"a","type":"function","function":{"name":"f","arguments":"{"}}]},"finish_reason":null}]}
                {"id":"c4","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":1,"id":"b","type":"function","function":{"name":"g","arguments":"{}"}}]},"finish_reason":null}]}
                """);
        TranslationException e = catchThrowableOfType(TranslationException.class, () -> stream.onChunk(node("""
                {"id":"c4","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"function":{"arguments":"}"}}]},"finish_reason":null}]}""")));
        assertThat(e.httpStatus()).isEqualTo(502);
    }

    // ------------------------------------------------------------------------------------------- helpers

    /** Accumulates OpenAI chunks the way an OpenAI client does. */
    static List<String> reassembleOpenAi(List<ObjectNode> chunks) {
        StringBuilder text = new StringBuilder();
        List<String[]> tools = new ArrayList<>();
        for (ObjectNode chunk : chunks) {
            for (JsonNode choice : chunk.get("choices")) {
                JsonNode delta = choice.get("delta");
                if (delta.hasNonNull("content")) {
                    text.append(delta.get("content").asText());
                }
                if (delta.has("tool_calls")) {
                    for (JsonNode call : delta.get("tool_calls")) {
                        int idx = call.get("index").asInt();
                        while (tools.size() <= idx) {
                            tools.add(new String[] {"", "", ""});
                        }
                        String[] t = tools.get(idx);
                        if (call.has("id")) {
                            t[0] = call.get("id").asText();
                        }
                        if (call.path("function").has("name")) {
                            t[1] = call.get("function").get("name").asText();
                        }
                        t[2] += call.path("function").path("arguments").asText("");
                    }
                }
            }
        }
        List<String> out = new ArrayList<>();
        out.add("text:" + text);
        for (int i = 0; i < tools.size(); i++) {
            String[] t = tools.get(i);
            out.add("tool" + i + ":" + t[0] + ":" + t[1] + ":" + TestJson.node(t[2]));
        }
        return out;
    }

    /** Accumulates Anthropic events the way an Anthropic client does, by content block index. */
    static List<String> reassembleAnthropic(List<ObjectNode> events) {
        List<StringBuilder> blocks = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        for (ObjectNode event : events) {
            switch (event.get("type").asText()) {
                case "content_block_start" -> {
                    assertThat(event.get("index").asInt()).isEqualTo(blocks.size());
                    JsonNode block = event.get("content_block");
                    prefixes.add(block.get("type").asText().equals("text") ? "text:"
                            : "tool:" + block.get("id").asText() + ":" + block.get("name").asText() + ":");
                    blocks.add(new StringBuilder());
                }
                case "content_block_delta" -> {
                    JsonNode delta = event.get("delta");
                    blocks.get(event.get("index").asInt()).append(delta.has("text")
                            ? delta.get("text").asText() : delta.get("partial_json").asText());
                }
                default -> {
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String body = blocks.get(i).toString();
            out.add(prefixes.get(i) + (prefixes.get(i).startsWith("tool") ? TestJson.node(body).toString() : body));
        }
        return out;
    }
}
