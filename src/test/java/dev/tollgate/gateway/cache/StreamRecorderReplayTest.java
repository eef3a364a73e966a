package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.SseParser;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Round trips through the stream format: a whole answer → {@link Replay} → SSE text → the project's
 * {@link SseParser} → {@link StreamRecorder} → the same answer; streams assembled from the shapes the providers
 * document (<a href="https://platform.openai.com/docs/api-reference/chat-streaming/streaming">OpenAI chunks</a>,
 * <a href="https://docs.anthropic.com/en/docs/build-with-claude/streaming">Anthropic events</a>); and streams that
 * were not whole (cut, errored, too big) assembled into nothing.
 */
class StreamRecorderReplayTest {

    static final String LONG = "The quick brown fox jumps over the lazy dog, and then it runs on through the field "
            + "— past the river 🦊🌊, the mill, and the 中文 sign — until the night falls and every word has been "
            + "said at least once more than it needed to be. \"Quoted\" \\ backslash\nnew line.";

    // ---- helpers shared with the other cache tests ----

    static ObjectNode json(String text) {
        return (ObjectNode) Json.parse(text);
    }

    /** The tree as it reads back from its JSON text (an int and a long of one value are different nodes). */
    static JsonNode norm(JsonNode node) {
        return Json.parse(Json.write(node));
    }

    /** The events' SSE text parsed back with the gateway's own parser, fed in buffers of {@code step} bytes. */
    static List<SseParser.Event> parse(List<String> events, int step) {
        List<SseParser.Event> out = new ArrayList<>();
        SseParser parser = new SseParser(out::add);
        byte[] all = String.join("", events).getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < all.length; i += step) {
            parser.feed(Buffer.buffer(java.util.Arrays.copyOfRange(all, i, Math.min(all.length, i + step))));
        }
        assertThat(parser.idle()).isTrue();
        return out;
    }

    static StreamRecorder recordOpenAi(List<String> events, Operation operation, int step) {
        StreamRecorder recorder = new StreamRecorder(WireFormat.OPENAI, operation);
        for (SseParser.Event e : parse(events, step)) {
            if ("[DONE]".equals(e.data())) {
                recorder.openAiDone();
            } else {
                recorder.openAi(Json.parse(e.data()));
            }
        }
        return recorder;
    }

    static StreamRecorder recordAnthropic(List<String> events, int step) {
        StreamRecorder recorder = new StreamRecorder(WireFormat.ANTHROPIC, Operation.CHAT);
        for (SseParser.Event e : parse(events, step)) {
            JsonNode data = Json.parse(e.data());
            assertThat(e.event()).isEqualTo(data.path("type").asText());
            recorder.anthropic(e.event(), data);
        }
        return recorder;
    }

    static ObjectNode roundTripOpenAi(ObjectNode answer, Operation operation) {
        return recordOpenAi(Replay.openAi(answer, operation, true), operation, 7).complete(null);
    }

    static ObjectNode roundTripAnthropic(ObjectNode message) {
        return recordAnthropic(Replay.anthropic(message), 5).complete(null);
    }

    static ObjectNode textAnswer() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-abc123","object":"chat.completion","created":1733400000,"model":"gpt-4o-2024-08-06",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"","refusal":null},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":120,"completion_tokens":60,"total_tokens":180,
                          "prompt_tokens_details":{"cached_tokens":100,"audio_tokens":0},
                          "completion_tokens_details":{"reasoning_tokens":0}},
                 "system_fingerprint":"fp_44709d6fcb","service_tier":"default"}""");
        ((ObjectNode) answer.get("choices").get(0).get("message")).put("content", LONG);
        return answer;
    }

    static ObjectNode toolAnswer() {
        return json("""
                {"id":"chatcmpl-tools","object":"chat.completion","created":1733400001,"model":"gpt-4o-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,
                   "tool_calls":[
                     {"id":"call_weather","type":"function","function":{"name":"get_weather",
                      "arguments":"{\\"city\\":\\"Paris\\",\\"unit\\":\\"celsius\\",\\"days\\":[1,2,3],\\"note\\":\\"a long note that needs more than one piece to go out in a stream\\"}"}},
                     {"id":"call_time","type":"function","function":{"name":"get_time","arguments":"{}"}}]},
                   "logprobs":null,"finish_reason":"tool_calls"}],
                 "usage":{"prompt_tokens":80,"completion_tokens":30,"total_tokens":110}}""");
    }

    static ObjectNode anthropicMessage() {
        ObjectNode message = json("""
                {"id":"msg_01XFDUDYJgAACzvnptvVoYEL","type":"message","role":"assistant","model":"claude-sonnet-4-5",
                 "content":[
                   {"type":"thinking","thinking":"Let me think about the weather in Paris step by step, considering the season and what the user wants.","signature":"EqQBCgIYAhIM1gbcDa9GJwZA2b3hGgxBdjrkzLoky3dl1pkiMOYds"},
                   {"type":"redacted_thinking","data":"EmwKAhgBEgy3va3pzix/LafPsn4aDFIT2Xlxh0L5L8rLVyIwxtE3rAFBa8cr3qpP"},
                   {"type":"text","text":""},
                   {"type":"text","text":"The weather in Paris","citations":[{"type":"char_location","cited_text":"Paris is sunny","document_index":0,"document_title":"Forecast","start_char_index":0,"end_char_index":14}]},
                   {"type":"tool_use","id":"toolu_01A09q90qw90lq917835lq9","name":"get_weather","input":{"city":"Paris","unit":"celsius","days":[1,2,3],"nested":{"deep":true,"n":1.5}}},
                   {"type":"tool_use","id":"toolu_02","name":"get_time","input":{}}],
                 "stop_reason":"tool_use","stop_sequence":null,
                 "usage":{"input_tokens":25,"cache_creation_input_tokens":10,"cache_read_input_tokens":2000,"output_tokens":95,"service_tier":"standard"}}""");
        ((ObjectNode) message.get("content").get(2)).put("text", LONG);
        return message;
    }

    // ---- OpenAI chat ----

    @Test
    void textRoundTripsWithTheEnvelopeOnEveryChunk() {
        ObjectNode answer = textAnswer();
        List<String> events = Replay.openAi(answer, Operation.CHAT, true);

        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
        List<SseParser.Event> parsed = parse(events, 1);
        assertThat(parsed.get(parsed.size() - 1).data()).isEqualTo("[DONE]");
        List<JsonNode> chunks = parsed.subList(0, parsed.size() - 1).stream().map(e -> Json.parse(e.data())).toList();
        assertThat(chunks).allSatisfy(c -> {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo("chatcmpl-abc123");
            assertThat(c.path("created").asLong()).isEqualTo(1733400000L);
            assertThat(c.path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
            assertThat(c.path("system_fingerprint").asText()).isEqualTo("fp_44709d6fcb");
        });
        assertThat(chunks.get(0).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        // a few pieces, not one per character: role, content pieces, finish, usage
        int contentChunks = chunks.size() - 3;
        assertThat(contentChunks).isBetween(LONG.length() / Replay.PIECE, LONG.length() / 40 + 1);
        assertThat(chunks.get(chunks.size() - 2).at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = chunks.get(chunks.size() - 1);
        assertThat(usage.path("choices")).isEmpty();
        assertThat(usage.path("usage")).isEqualTo(answer.get("usage"));
        assertThat(chunks.subList(0, chunks.size() - 1)).allSatisfy(c -> assertThat(c.has("usage")).isFalse());
    }

    @Test
    void withoutIncludeUsageThereIsNoUsageChunkAndTheAnswerHasNoUsage() {
        ObjectNode answer = textAnswer();
        List<String> events = Replay.openAi(answer, Operation.CHAT, false);
        assertThat(parse(events, 64)).noneMatch(e -> e.data().contains("\"usage\""));

        ObjectNode back = recordOpenAi(events, Operation.CHAT, 64).complete(null);
        ObjectNode expected = answer.deepCopy();
        expected.remove("usage");
        assertThat(back).isEqualTo(expected);
    }

    @Test
    void usageGivenToCompleteSetsTheCountsAndKeepsTheStreamsDetails() {
        List<String> events = Replay.openAi(textAnswer(), Operation.CHAT, true);
        ObjectNode back = recordOpenAi(events, Operation.CHAT, 64).complete(new TokenUsage(10, 60, 5, 100));
        assertThat(norm(back.get("usage"))).isEqualTo(json("""
                {"prompt_tokens":115,"completion_tokens":60,"total_tokens":175,
                 "prompt_tokens_details":{"cached_tokens":100,"cache_write_tokens":5,"audio_tokens":0},
                 "completion_tokens_details":{"reasoning_tokens":0}}"""));

        ObjectNode bare = recordOpenAi(Replay.openAi(textAnswer(), Operation.CHAT, false), Operation.CHAT, 64)
                .complete(new TokenUsage(7, 3, 0, 0));
        assertThat(norm(bare.get("usage"))).isEqualTo(norm(new TokenUsage(7, 3, 0, 0).toOpenAi()));
    }

    @Test
    void toolCallsRoundTripWithArgumentsInPieces() {
        ObjectNode answer = toolAnswer();
        List<String> events = Replay.openAi(answer, Operation.CHAT, true);
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);

        List<JsonNode> calls = parse(events, 13).stream().filter(e -> !"[DONE]".equals(e.data()))
                .map(e -> Json.parse(e.data()).at("/choices/0/delta/tool_calls/0")).filter(JsonNode::isObject)
                .toList();
        // the head of each call carries id, type and name; the arguments follow in pieces
        assertThat(calls.get(0).path("id").asText()).isEqualTo("call_weather");
        assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
        assertThat(calls.stream().filter(c -> c.path("index").asInt() == 0 && !c.has("id")).count()).isGreaterThan(1);
        assertThat(calls.stream().filter(c -> c.path("index").asInt() == 1).findFirst().orElseThrow()
                .path("id").asText()).isEqualTo("call_time");
    }

    @Test
    void severalChoicesRoundTrip() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-n3","object":"chat.completion","created":1733400002,"model":"gpt-4o",
                 "choices":[
                   {"index":0,"message":{"role":"assistant","content":"First answer.","refusal":null},"logprobs":null,"finish_reason":"stop"},
                   {"index":1,"message":{"role":"assistant","content":"Second, longer answer that takes a few more words than the first one did, to be cut.","refusal":null},"logprobs":null,"finish_reason":"length"},
                   {"index":2,"message":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":"content_filter"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":40,"total_tokens":45},
                 "system_fingerprint":null}""");
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
    }

    @Test
    void refusalRoundTrips() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-no","object":"chat.completion","created":1733400003,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,
                   "refusal":"I'm sorry, I can't help with that request, and I would rather explain why at some length."},
                   "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":20,"total_tokens":29}}""");
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
    }

    @Test
    void logprobsRoundTripAndTravelWithTheirTokens() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-lp","object":"chat.completion","created":1733400004,"model":"gpt-4o",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello world","refusal":null},
                   "logprobs":{"content":[
                     {"token":"Hello","logprob":-0.31725305,"bytes":[72,101,108,108,111],"top_logprobs":[{"token":"Hello","logprob":-0.31725305,"bytes":[72,101,108,108,111]}]},
                     {"token":" world","logprob":-1.2E-7,"bytes":[32,119,111,114,108,100],"top_logprobs":[]}],
                     "refusal":null},
                   "finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}""");
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
        List<JsonNode> withText = parse(Replay.openAi(answer, Operation.CHAT, false), 64).stream()
                .filter(e -> !"[DONE]".equals(e.data())).map(e -> Json.parse(e.data()).at("/choices/0"))
                .filter(c -> !c.at("/delta/content").asText("").isEmpty()).toList();
        assertThat(withText).allSatisfy(c -> assertThat(c.at("/logprobs/content")).isNotEmpty());

        // tokens that do not spell the content: all on the first chunk, still the same answer
        ObjectNode odd = answer.deepCopy();
        ((ObjectNode) odd.at("/choices/0/message")).put("content", "Something else entirely");
        assertThat(roundTripOpenAi(odd, Operation.CHAT)).isEqualTo(odd);
    }

    @Test
    void legacyFunctionCallRoundTrips() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-fn","object":"chat.completion","created":1733400005,"model":"gpt-3.5-turbo-0613",
                 "choices":[{"index":0,"message":{"role":"assistant","content":null,"refusal":null,
                   "function_call":{"name":"get_current_weather","arguments":"{\\n  \\"location\\": \\"Boston, MA\\"\\n}"}},
                   "logprobs":null,"finish_reason":"function_call"}],
                 "usage":{"prompt_tokens":82,"completion_tokens":18,"total_tokens":100}}""");
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
    }

    @Test
    void assemblesAStreamShapedAsOpenAiSendsIt() {
        // the documented example's shape: role first, content pieces, finish, usage chunk, obfuscation fields
        String[] chunks = {
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\","
                + "\"content\":\"\",\"refusal\":null},\"logprobs\":null,\"finish_reason\":null}],\"usage\":null,"
                + "\"obfuscation\":\"abc\"}",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hello\"},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"!\"},"
                + "\"logprobs\":null,\"finish_reason\":null}],\"usage\":null}",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[{\"index\":0,\"delta\":{},\"logprobs\":null,"
                + "\"finish_reason\":\"stop\"}],\"usage\":null}",
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1694268190,\"model\":\"gpt-4o-mini\","
                + "\"system_fingerprint\":\"fp_44709d6fcb\",\"choices\":[],\"usage\":{\"prompt_tokens\":9,"
                + "\"completion_tokens\":2,\"total_tokens\":11}}"};
        StreamRecorder recorder = new StreamRecorder(WireFormat.OPENAI, Operation.CHAT);
        for (String c : chunks) {
            recorder.openAi(Json.parse(c));
        }
        recorder.openAiDone();
        assertThat(recorder.complete(null)).isEqualTo(json("""
                {"id":"chatcmpl-1","object":"chat.completion","created":1694268190,"model":"gpt-4o-mini",
                 "choices":[{"index":0,"message":{"role":"assistant","content":"Hello!","refusal":null},
                             "logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11},
                 "system_fingerprint":"fp_44709d6fcb"}"""));
    }

    @Test
    void interleavedChoicesAndToolCallsAreSortedByIndex() {
        StreamRecorder recorder = new StreamRecorder(WireFormat.OPENAI, Operation.CHAT);
        String head = "{\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[";
        recorder.openAi(Json.parse(head + "{\"index\":1,\"delta\":{\"role\":\"assistant\",\"content\":\"B\"}},"
                + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"tool_calls\":[{\"index\":1,\"id\":\"call_2\","
                + "\"type\":\"function\",\"function\":{\"name\":\"two\",\"arguments\":\"\"}}]}}]}"));
        recorder.openAi(Json.parse(head + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"call_1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"one\",\"arguments\":\"{\\\"a\\\"\"}}]}}]}"));
        recorder.openAi(Json.parse(head + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                + "\"function\":{\"arguments\":\":1}\"}},{\"index\":1,\"function\":{\"arguments\":\"{}\"}}]},"
                + "\"finish_reason\":\"tool_calls\"},{\"index\":1,\"delta\":{\"content\":\"b\"},\"finish_reason\":\"stop\"}]}"));
        recorder.openAiDone();
        ObjectNode answer = recorder.complete(null);
        assertThat(answer.at("/choices/0/index").asInt()).isZero();
        assertThat(answer.at("/choices/0/message/tool_calls/0/id").asText()).isEqualTo("call_1");
        assertThat(answer.at("/choices/0/message/tool_calls/0/function/arguments").asText()).isEqualTo("{\"a\":1}");
        assertThat(answer.at("/choices/0/message/tool_calls/1/function/name").asText()).isEqualTo("two");
        assertThat(answer.at("/choices/0/message/tool_calls/1/function/arguments").asText()).isEqualTo("{}");
        assertThat(answer.at("/choices/0/message/content").isNull()).isTrue();
        assertThat(answer.at("/choices/1/message/content").asText()).isEqualTo("Bb");
        assertThat(answer.has("usage")).isFalse();
    }

    @Test
    void fieldsOpenAiDoesNotNameAreKeptAsAccumulatorsKeepThem() {
        // an OpenAI-compatible provider's reasoning_content (DeepSeek, vLLM) streams before the content
        StreamRecorder recorder = new StreamRecorder(WireFormat.OPENAI, Operation.CHAT);
        String head = "{\"id\":\"r\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"deepseek-reasoner\","
                + "\"choices\":[{\"index\":0,";
        recorder.openAi(Json.parse(head + "\"delta\":{\"role\":\"assistant\",\"content\":null,\"reasoning_content\":\"\"}}]}"));
        recorder.openAi(Json.parse(head + "\"delta\":{\"content\":null,\"reasoning_content\":\"Think \"}}]}"));
        recorder.openAi(Json.parse(head + "\"delta\":{\"content\":null,\"reasoning_content\":\"hard.\"}}]}"));
        recorder.openAi(Json.parse(head + "\"delta\":{\"content\":\"42\",\"reasoning_content\":null}}]}"));
        recorder.openAi(Json.parse(head + "\"delta\":{\"audio\":{\"id\":\"audio_1\",\"transcript\":\"for\"}}}]}"));
        recorder.openAi(Json.parse(head + "\"delta\":{\"audio\":{\"transcript\":\"ty-two\"}},"
                + "\"finish_reason\":\"stop\"}]}"));
        recorder.openAiDone();
        ObjectNode answer = recorder.complete(null);
        assertThat(answer.at("/choices/0/message")).isEqualTo(json("""
                {"role":"assistant","content":"42","refusal":null,"reasoning_content":"Think hard.",
                 "audio":{"id":"audio_1","transcript":"forty-two"}}"""));
        assertThat(roundTripOpenAi(answer, Operation.CHAT)).isEqualTo(answer);
        List<String> deltas = parse(Replay.openAi(answer, Operation.CHAT, false), 64).stream()
                .filter(e -> !"[DONE]".equals(e.data())).map(e -> Json.parse(e.data()).at("/choices/0/delta"))
                .map(d -> d.fieldNames().hasNext() ? d.fieldNames().next() : "").toList();
        assertThat(deltas.indexOf("reasoning_content")).isLessThan(deltas.lastIndexOf("content"));
    }

    // ---- OpenAI legacy completions ----

    @Test
    void textCompletionRoundTrips() {
        ObjectNode answer = json("""
                {"id":"cmpl-7iA7iJjj8V2zOkCGvWF2hAkDWBQZe","object":"text_completion","created":1690759702,
                 "model":"gpt-3.5-turbo-instruct",
                 "choices":[{"text":"This is indeed a test, and a test that is long enough to need more than one piece.","index":0,
                   "logprobs":{"tokens":["This"," is"],"token_logprobs":[-0.1,-0.2],"top_logprobs":[{"This":-0.1},{" is":-0.2}],"text_offset":[0,4]},
                   "finish_reason":"length"},
                  {"text":"","index":1,"logprobs":null,"finish_reason":"stop"}],
                 "usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12},
                 "system_fingerprint":"fp_1"}""");
        assertThat(roundTripOpenAi(answer, Operation.COMPLETIONS)).isEqualTo(answer);
        assertThat(parse(Replay.openAi(answer, Operation.COMPLETIONS, false), 9).stream()
                .filter(e -> !"[DONE]".equals(e.data())).map(e -> Json.parse(e.data()).path("object").asText()))
                .containsOnly("text_completion");
    }

    // ---- Anthropic ----

    @Test
    void anthropicMessageRoundTrips() {
        ObjectNode message = anthropicMessage();
        assertThat(roundTripAnthropic(message)).isEqualTo(message);

        List<SseParser.Event> events = parse(Replay.anthropic(message), 3);
        assertThat(events.get(0).event()).isEqualTo("message_start");
        JsonNode start = Json.parse(events.get(0).data()).path("message");
        assertThat(start.path("content")).isEmpty();
        assertThat(start.path("stop_reason").isNull()).isTrue();
        assertThat(start.path("usage")).isEqualTo(json("""
                {"input_tokens":25,"cache_creation_input_tokens":10,"cache_read_input_tokens":2000,"output_tokens":1,
                 "service_tier":"standard"}"""));
        List<String> names = events.stream().map(SseParser.Event::event).toList();
        assertThat(names.subList(names.size() - 2, names.size())).containsExactly("message_delta", "message_stop");
        JsonNode delta = Json.parse(events.get(events.size() - 2).data());
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("tool_use");
        assertThat(delta.path("usage")).isEqualTo(message.get("usage"));
        List<String> deltaTypes = events.stream().filter(e -> "content_block_delta".equals(e.event()))
                .map(e -> Json.parse(e.data()).at("/delta/type").asText()).distinct().toList();
        assertThat(deltaTypes).containsExactlyInAnyOrder("thinking_delta", "signature_delta", "text_delta",
                "citations_delta", "input_json_delta");
        long textDeltas = events.stream().filter(e -> e.data().contains("\"text_delta\"")).count();
        assertThat(textDeltas).isLessThan(LONG.length() / 20);
    }

    @Test
    void assemblesAnAnthropicStreamAsTheDocsShowIt() {
        String[][] events = {
            {"message_start", "{\"type\":\"message_start\",\"message\":{\"id\":\"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY\","
                + "\"type\":\"message\",\"role\":\"assistant\",\"content\":[],\"model\":\"claude-opus-4\",\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":472,\"output_tokens\":2}}}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":0,\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"},
            {"ping", "{\"type\":\"ping\"}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\"Okay\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":\", let's\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":0}"},
            {"content_block_start", "{\"type\":\"content_block_start\",\"index\":1,\"content_block\":{\"type\":\"tool_use\","
                + "\"id\":\"toolu_01T1x1fJ34qAmk2tNTrN7Up6\",\"name\":\"get_weather\",\"input\":{}}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"location\\\":\"}}"},
            {"content_block_delta", "{\"type\":\"content_block_delta\",\"index\":1,\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\" \\\"San Francisco, CA\\\"}\"}}"},
            {"content_block_stop", "{\"type\":\"content_block_stop\",\"index\":1}"},
            {"message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\",\"stop_sequence\":null},"
                + "\"usage\":{\"output_tokens\":89}}"},
            {"message_stop", "{\"type\":\"message_stop\"}"}};
        StreamRecorder recorder = new StreamRecorder(WireFormat.ANTHROPIC, Operation.CHAT);
        for (String[] e : events) {
            recorder.anthropic(e[0], Json.parse(e[1]));
        }
        assertThat(recorder.complete(null)).isEqualTo(json("""
                {"id":"msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY","type":"message","role":"assistant","model":"claude-opus-4",
                 "content":[{"type":"text","text":"Okay, let's"},
                            {"type":"tool_use","id":"toolu_01T1x1fJ34qAmk2tNTrN7Up6","name":"get_weather",
                             "input":{"location":"San Francisco, CA"}}],
                 "stop_reason":"tool_use","stop_sequence":null,"usage":{"input_tokens":472,"output_tokens":89}}"""));

        StreamRecorder counted = new StreamRecorder(WireFormat.ANTHROPIC, Operation.CHAT);
        for (String[] e : events) {
            counted.anthropic(e[0], Json.parse(e[1]));
        }
        assertThat(norm(counted.complete(new TokenUsage(400, 90, 0, 72)).get("usage"))).isEqualTo(json("""
                {"input_tokens":400,"output_tokens":90,"cache_creation_input_tokens":0,"cache_read_input_tokens":72}"""));
    }

    // ---- streams that were not whole ----

    @Test
    void cutOpenAiStreamsAreNotWhole() {
        for (ObjectNode answer : List.of(textAnswer(), toolAnswer())) {
            List<String> events = Replay.openAi(answer, Operation.CHAT, false);
            // every prefix, down to one that lacks only [DONE]
            for (int n = 0; n < events.size(); n++) {
                assertThat(recordOpenAi(events.subList(0, n), Operation.CHAT, 64).complete(null))
                        .as("first %d events", n).isNull();
            }
        }
        // one choice of two finished
        ObjectNode two = textAnswer();
        ObjectNode second = ((ObjectNode) two.at("/choices/0")).deepCopy();
        second.put("index", 1);
        ((com.fasterxml.jackson.databind.node.ArrayNode) two.get("choices")).add(second);
        List<String> events = new ArrayList<>(Replay.openAi(two, Operation.CHAT, false));
        events.remove(events.size() - 2); // choice 1's finish chunk
        assertThat(recordOpenAi(events, Operation.CHAT, 64).complete(null)).isNull();
    }

    @Test
    void aStreamThatStopsAfterEveryChoiceItStartedFinishedIsNotWholeWithoutDone() {
        // choice 0 of two, whole, then nothing: a recorder cannot know n, but the missing [DONE] says it was cut
        ObjectNode one = textAnswer();
        List<String> events = Replay.openAi(one, Operation.CHAT, false);
        StreamRecorder recorder = recordOpenAi(events.subList(0, events.size() - 1), Operation.CHAT, 64);
        assertThat(recorder.complete(null)).isNull();
        recorder.openAiDone();
        assertThat(recorder.complete(null)).isEqualTo(withoutUsage(one));
    }

    @Test
    void severalChoicesAreInterleavedAndAllStartBeforeAnyFinishes() {
        ObjectNode answer = json("""
                {"id":"chatcmpl-n2","object":"chat.completion","created":1,"model":"gpt-4o",
                 "choices":[
                   {"index":0,"message":{"role":"assistant","content":"a b c d e f g h i j k l m n o p q r s t u v w x y z a b c d e f g h i j k l m n o p q r s t u v w x y z","refusal":null},"logprobs":null,"finish_reason":"stop"},
                   {"index":1,"message":{"role":"assistant","content":"short","refusal":null},"logprobs":null,"finish_reason":"stop"}]}""");
        List<JsonNode> chunks = parse(Replay.openAi(answer, Operation.CHAT, false), 64).stream()
                .filter(e -> !"[DONE]".equals(e.data())).map(e -> Json.parse(e.data())).toList();
        List<Integer> indexes = chunks.stream().map(c -> c.at("/choices/0/index").asInt()).toList();
        assertThat(indexes.subList(0, 4)).containsExactly(0, 1, 0, 1); // roles, then content in turn
        int firstFinish = 0;
        while (!chunks.get(firstFinish).at("/choices/0/finish_reason").isTextual()) {
            firstFinish++;
        }
        assertThat(firstFinish).isEqualTo(chunks.size() - 2);
    }

    static ObjectNode withoutUsage(ObjectNode answer) {
        ObjectNode copy = answer.deepCopy();
        copy.remove("usage");
        return copy;
    }

    @Test
    void anErrorInAnOpenAiStreamMakesItNotWhole() {
        List<String> events = new ArrayList<>(Replay.openAi(textAnswer(), Operation.CHAT, true));
        events.add(2, "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\","
                + "\"param\":null,\"code\":null}}\n\n");
        assertThat(recordOpenAi(events, Operation.CHAT, 64).complete(null)).isNull();
    }

    @Test
    void cutAnthropicStreamsAreNotWhole() {
        List<String> events = Replay.anthropic(anthropicMessage());
        for (int n = 0; n < events.size(); n++) {
            assertThat(recordAnthropic(events.subList(0, n), 64).complete(null)).as("first %d events", n).isNull();
        }
        assertThat(recordAnthropic(events, 64).complete(null)).isNotNull();
    }

    @Test
    void anErrorOrAnUnknownDeltaInAnAnthropicStreamMakesItNotWhole() {
        List<String> events = new ArrayList<>(Replay.anthropic(anthropicMessage()));
        List<String> errored = new ArrayList<>(events);
        errored.add(3, "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\","
                + "\"message\":\"Overloaded\"}}\n\n");
        assertThat(recordAnthropic(errored, 64).complete(null)).isNull();

        List<String> unknown = new ArrayList<>(events);
        unknown.add(2, "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"hologram_delta\",\"hologram\":\"?\"}}\n\n");
        assertThat(recordAnthropic(unknown, 64).complete(null)).isNull();

        // an event type Anthropic may add later is ignored, as its versioning policy asks
        List<String> later = new ArrayList<>(events);
        later.add(1, "event: future_event\ndata: {\"type\":\"future_event\"}\n\n");
        assertThat(recordAnthropic(later, 64).complete(null)).isEqualTo(anthropicMessage());
    }

    @Test
    void toolInputThatIsNotJsonMakesItNotWhole() {
        StreamRecorder recorder = new StreamRecorder(WireFormat.ANTHROPIC, Operation.CHAT);
        recorder.anthropic("message_start", json("{\"type\":\"message_start\",\"message\":{\"id\":\"m\",\"type\":"
                + "\"message\",\"role\":\"assistant\",\"model\":\"c\",\"content\":[],\"usage\":{\"input_tokens\":1}}}"));
        recorder.anthropic("content_block_start", json("{\"type\":\"content_block_start\",\"index\":0,"
                + "\"content_block\":{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"f\",\"input\":{}}}"));
        recorder.anthropic("content_block_delta", json("{\"type\":\"content_block_delta\",\"index\":0,"
                + "\"delta\":{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"a\\\":\"}}"));
        recorder.anthropic("content_block_stop", json("{\"type\":\"content_block_stop\",\"index\":0}"));
        recorder.anthropic("message_delta", json("{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"tool_use\"}}"));
        recorder.anthropic("message_stop", json("{\"type\":\"message_stop\"}"));
        assertThat(recorder.complete(null)).isNull();
    }

    @Test
    void aStreamPastTheLimitIsNotKept() {
        int size = Json.writeBytes(textAnswer()).length;
        List<String> events = Replay.openAi(textAnswer(), Operation.CHAT, true);
        StreamRecorder small = new StreamRecorder(WireFormat.OPENAI, Operation.CHAT).limit(LONG.length() / 2);
        StreamRecorder large = new StreamRecorder(WireFormat.OPENAI, Operation.CHAT).limit(size);
        for (SseParser.Event e : parse(events, 64)) {
            if ("[DONE]".equals(e.data())) {
                small.openAiDone();
                large.openAiDone();
            } else {
                small.openAi(Json.parse(e.data()));
                large.openAi(Json.parse(e.data()));
            }
        }
        assertThat(small.complete(null)).isNull();
        assertThat(large.complete(null)).isEqualTo(textAnswer());

        List<String> anthropic = Replay.anthropic(anthropicMessage());
        StreamRecorder tight = new StreamRecorder(WireFormat.ANTHROPIC, Operation.CHAT).limit(100);
        for (SseParser.Event e : parse(anthropic, 64)) {
            tight.anthropic(e.event(), Json.parse(e.data()));
        }
        assertThat(tight.complete(null)).isNull();
    }

    @Test
    void piecesNeverSplitASurrogatePairAndJoinToTheText() {
        String emoji = "😀".repeat(100);
        List<String> pieces = Replay.pieces(emoji);
        assertThat(String.join("", pieces)).isEqualTo(emoji);
        assertThat(pieces).allSatisfy(p -> {
            assertThat(Character.isLowSurrogate(p.charAt(0))).isFalse();
            assertThat(Character.isHighSurrogate(p.charAt(p.length() - 1))).isFalse();
        });
        assertThat(Replay.pieces("")).isEmpty();
        assertThat(Replay.pieces("short")).containsExactly("short");
    }
}
