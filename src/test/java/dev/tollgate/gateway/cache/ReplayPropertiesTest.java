package dev.tollgate.gateway.cache;

import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.norm;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.recordAnthropic;
import static dev.tollgate.gateway.cache.StreamRecorderReplayTest.recordOpenAi;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Replay and StreamRecorder are inverses on arbitrary answers (jqwik): any chat.completion, text_completion or
 * Anthropic message replayed as a stream, parsed by the gateway's SseParser in buffers of any size, assembles back
 * into the same answer; the same stream cut anywhere before its end assembles into nothing.
 */
class ReplayPropertiesTest {

    @Property(tries = 200)
    void chatCompletionsRoundTrip(@ForAll("chatAnswers") ObjectNode answer, @ForAll @IntRange(min = 1, max = 97) int step,
            @ForAll boolean includeUsage) {
        List<String> events = Replay.openAi(answer, Operation.CHAT, includeUsage);
        ObjectNode expected = (ObjectNode) norm(answer);
        if (!includeUsage) {
            expected.remove("usage");
        }
        assertThat(recordOpenAi(events, Operation.CHAT, step).complete(null)).isEqualTo(expected);
    }

    @Property(tries = 100)
    void textCompletionsRoundTrip(@ForAll("textAnswers") ObjectNode answer, @ForAll @IntRange(min = 1, max = 97) int step) {
        List<String> events = Replay.openAi(answer, Operation.COMPLETIONS, true);
        assertThat(recordOpenAi(events, Operation.COMPLETIONS, step).complete(null)).isEqualTo(norm(answer));
    }

    @Property(tries = 200)
    void anthropicMessagesRoundTrip(@ForAll("messages") ObjectNode message, @ForAll @IntRange(min = 1, max = 97) int step) {
        assertThat(recordAnthropic(Replay.anthropic(message), step).complete(null)).isEqualTo(norm(message));
    }

    @Property(tries = 100)
    void cutStreamsAreNeverWhole(@ForAll("chatAnswers") ObjectNode answer, @ForAll("messages") ObjectNode message,
            @ForAll @IntRange(min = 0, max = 10_000) int cutSeed) {
        List<String> chat = Replay.openAi(answer, Operation.CHAT, cutSeed % 2 == 0);
        int cut = cutSeed % chat.size();
        assertThat(recordOpenAi(chat.subList(0, cut), Operation.CHAT, 64).complete(null)).isNull();

        List<String> anthropic = Replay.anthropic(message);
        int cutAt = cutSeed % anthropic.size();
        assertThat(recordAnthropic(anthropic.subList(0, cutAt), 64).complete(null)).isNull();
    }

    // ---- generators ----

    /** Text of code points a model writes: letters, spaces, new lines, quotes, backslashes, accents, CJK, emoji. */
    static Arbitrary<String> texts() {
        return Arbitraries.of("a", "b", "z", "Q", " ", " ", "\n", "\t", "\"", "\\", "/", "{", "é", "中", "😀", "🦊", ".",
                "word ", "lorem ipsum ").list().ofMaxSize(80).map(l -> String.join("", l));
    }

    static Arbitrary<String> ids(String prefix) {
        return Arbitraries.strings().alpha().numeric().ofMinLength(4).ofMaxLength(24).map(s -> prefix + s);
    }

    @Provide
    Arbitrary<ObjectNode> chatAnswers() {
        Arbitrary<ObjectNode> choice = Combinators.combine(
                texts().injectNull(0.2), texts().injectNull(0.85), toolCalls(),
                Arbitraries.of("stop", "length", "tool_calls", "content_filter")).as((content, refusal, calls, finish) -> {
                    ObjectNode c = Json.object();
                    ObjectNode m = c.putObject("message");
                    m.put("role", "assistant");
                    m.put("content", content);
                    m.put("refusal", refusal);
                    if (!calls.isEmpty()) {
                        m.set("tool_calls", calls);
                    }
                    c.putNull("logprobs");
                    c.put("finish_reason", finish);
                    return c;
                });
        return Combinators.combine(ids("chatcmpl-"), Arbitraries.longs().between(1_600_000_000L, 1_900_000_000L),
                Arbitraries.of("gpt-4o", "gpt-4o-mini", "o3"), choice.list().ofMinSize(1).ofMaxSize(3), usage(),
                Arbitraries.of("fp_1", "fp_44709d6fcb").injectNull(0.5)).as((id, created, model, choices, usage, fp) -> {
                    ObjectNode a = Json.object();
                    a.put("id", id);
                    a.put("object", "chat.completion");
                    a.put("created", created);
                    a.put("model", model);
                    ArrayNode list = a.putArray("choices");
                    for (int i = 0; i < choices.size(); i++) {
                        ObjectNode c = Json.object();
                        c.put("index", i); // index first, as the recorder writes it (order does not count for equals)
                        c.setAll(choices.get(i));
                        list.add(c);
                    }
                    a.set("usage", usage);
                    if (fp != null) {
                        a.put("system_fingerprint", fp);
                    }
                    return a;
                });
    }

    static Arbitrary<ArrayNode> toolCalls() {
        Arbitrary<ObjectNode> call = Combinators.combine(ids("call_"), Arbitraries.of("get_weather", "search", "f"),
                texts()).as((id, name, args) -> {
                    ObjectNode c = Json.object();
                    c.put("id", id);
                    c.put("type", "function");
                    ObjectNode f = c.putObject("function");
                    f.put("name", name);
                    f.put("arguments", args);
                    return c;
                });
        return call.list().ofMaxSize(3).map(l -> {
            ArrayNode a = Json.array();
            l.forEach(a::add);
            return a;
        });
    }

    static Arbitrary<ObjectNode> usage() {
        return Combinators.combine(Arbitraries.integers().between(0, 100_000), Arbitraries.integers().between(0, 5000),
                Arbitraries.integers().between(0, 1000)).as((prompt, completion, cached) -> {
                    ObjectNode u = Json.object();
                    u.put("prompt_tokens", prompt + cached);
                    u.put("completion_tokens", completion);
                    u.put("total_tokens", prompt + cached + completion);
                    if (cached > 500) {
                        u.putObject("prompt_tokens_details").put("cached_tokens", cached);
                    }
                    return u;
                });
    }

    @Provide
    Arbitrary<ObjectNode> textAnswers() {
        Arbitrary<ObjectNode> choice = Combinators.combine(texts(), Arbitraries.of("stop", "length"))
                .as((text, finish) -> {
                    ObjectNode c = Json.object();
                    c.put("text", text);
                    c.putNull("logprobs");
                    c.put("finish_reason", finish);
                    return c;
                });
        return Combinators.combine(ids("cmpl-"), choice.list().ofMinSize(1).ofMaxSize(3), usage())
                .as((id, choices, usage) -> {
                    ObjectNode a = Json.object();
                    a.put("id", id);
                    a.put("object", "text_completion");
                    a.put("created", 1_700_000_000L);
                    a.put("model", "gpt-3.5-turbo-instruct");
                    ArrayNode list = a.putArray("choices");
                    for (int i = 0; i < choices.size(); i++) {
                        ObjectNode c = choices.get(i).deepCopy();
                        c.put("index", i);
                        list.add(c);
                    }
                    a.set("usage", usage);
                    return a;
                });
    }

    @Provide
    Arbitrary<ObjectNode> messages() {
        Arbitrary<ObjectNode> text = texts().map(t -> {
            ObjectNode b = Json.object();
            b.put("type", "text");
            b.put("text", t);
            return b;
        });
        Arbitrary<ObjectNode> thinking = Combinators.combine(texts(), Arbitraries.strings().alpha().ofMaxLength(120))
                .as((t, sig) -> {
                    ObjectNode b = Json.object();
                    b.put("type", "thinking");
                    b.put("thinking", t);
                    b.put("signature", sig);
                    return b;
                });
        Arbitrary<ObjectNode> input = Arbitraries.maps(Arbitraries.of("city", "q", "n", "list", "deep"),
                Arbitraries.oneOf(texts(), Arbitraries.integers().between(-5, 1_000_000))).ofMaxSize(4).map(m -> {
                    ObjectNode o = Json.object();
                    m.forEach((k, v) -> {
                        if (v instanceof Integer) {
                            o.put(k, (Integer) v);
                        } else {
                            o.put(k, (String) v);
                        }
                    });
                    return o;
                });
        Arbitrary<ObjectNode> toolUse = Combinators.combine(ids("toolu_"), Arbitraries.of("get_weather", "search"),
                input).as((id, name, in) -> {
                    ObjectNode b = Json.object();
                    b.put("type", "tool_use");
                    b.put("id", id);
                    b.put("name", name);
                    b.set("input", in);
                    return b;
                });
        Arbitrary<ObjectNode> block = Arbitraries.oneOf(text, thinking, toolUse);
        return Combinators.combine(ids("msg_"), block.list().ofMaxSize(5),
                Arbitraries.of("end_turn", "max_tokens", "tool_use", "stop_sequence"),
                Arbitraries.integers().between(0, 100_000), Arbitraries.integers().between(0, 4000),
                Arbitraries.integers().between(0, 2000)).as((id, blocks, stop, in, out, cached) -> {
                    ObjectNode m = Json.object();
                    m.put("id", id);
                    m.put("type", "message");
                    m.put("role", "assistant");
                    m.put("model", "claude-sonnet-4-5");
                    ArrayNode content = m.putArray("content");
                    blocks.forEach(content::add);
                    m.put("stop_reason", stop);
                    if ("stop_sequence".equals(stop)) {
                        m.put("stop_sequence", "\n\nHuman:");
                    } else {
                        m.putNull("stop_sequence");
                    }
                    ObjectNode u = m.putObject("usage");
                    u.put("input_tokens", in);
                    u.put("cache_creation_input_tokens", 0);
                    u.put("cache_read_input_tokens", cached);
                    u.put("output_tokens", out);
                    return m;
                });
    }
}
