package dev.tollgate.gateway.cost;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

class TokenCounterTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TokenCounter cl100k = TokenCounter.of(EncodingType.CL100K_BASE);
    private final TokenCounter o200k = TokenCounter.of(EncodingType.O200K_BASE);

    private static JsonNode json(String s) throws Exception {
        return JSON.readTree(s);
    }

    @Test
    void aVocabularyLoadsOnceOnABackgroundThread() throws Exception {
        // p50k_base: a vocabulary the gateway never uses, so no other test has loaded it through load()
        EncodingType type = EncodingType.P50K_BASE;
        assertThat(TokenCounter.loaded(type)).isFalse();
        var load = TokenCounter.load(type);
        assertThat(TokenCounter.load(type)).as("started once").isSameAs(load);
        load.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(TokenCounter.loaded(type)).isTrue();
        assertThat(TokenCounter.of(type).countText("hello world")).isEqualTo(2);
    }

    @Test
    void knownCounts() {
        // "hello" and " world" are single tokens in both vocabularies.
        assertThat(cl100k.countText("hello world")).isEqualTo(2);
        assertThat(o200k.countText("hello world")).isEqualTo(2);
        // OpenAI's cookbook: cl100k_base encodes "tiktoken is great!" as [83, 1609, 5963, 374, 2294, 0].
        assertThat(cl100k.countText("tiktoken is great!")).isEqualTo(6);
        assertThat(cl100k.countText("")).isZero();
        assertThat(cl100k.countText(null)).isZero();
    }

    @Test
    void theTwoEncodingsAreReallyDifferent() {
        // o200k_base's larger vocabulary compresses non-English text better.
        String hindi = "नमस्ते दुनिया, आप कैसे हैं? यह एक परीक्षण वाक्य है जिसमें कई शब्द हैं।";
        assertThat(o200k.countText(hindi)).isLessThan(cl100k.countText(hindi));
        assertThat(o200k.encodingName()).isEqualTo("o200k_base");
        assertThat(cl100k.encodingName()).isEqualTo("cl100k_base");
    }

    @Test
    void specialTokenTextIsOrdinaryText() {
        assertThat(cl100k.countText("<|endoftext|>")).isGreaterThan(1);
    }

    @Test
    void encodingByModel() {
        assertThat(TokenCounter.encodingFor("gpt-4o")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("gpt-4o-mini-2024-07-18")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("gpt-4.1-nano")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("o3")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("o4-mini")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("ft:gpt-4o-mini:acme::abc")).isEqualTo(EncodingType.O200K_BASE);
        assertThat(TokenCounter.encodingFor("gpt-4")).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.encodingFor("gpt-3.5-turbo")).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.encodingFor("omni-moderation")).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.encodingFor("claude-sonnet-4-20250514")).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.encodingFor(null)).isEqualTo(EncodingType.CL100K_BASE);
        assertThat(TokenCounter.forModel("gpt-4o").encodingName()).isEqualTo("o200k_base");
    }

    @Test
    void promptFollowsOpenAisPerMessageRecipe() throws Exception {
        // 3 framing + "user" (1) + "hello world" (2), then 3 reply priming.
        assertThat(cl100k.countPrompt(json("{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}")))
                .isEqualTo(9);
        // Two messages: (3 + 1 + 2) + (3 + 1 + 2) + 3; "system" is one token too.
        assertThat(cl100k.countPrompt(json("{\"messages\":[{\"role\":\"system\",\"content\":\"hello world\"},"
                + "{\"role\":\"user\",\"content\":\"hello world\"}]}"))).isEqualTo(15);
    }

    @Test
    void nameCostsItsTokensPlusOne() throws Exception {
        long without = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}"));
        long with = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"name\":\"hello\",\"content\":\"hello world\"}]}"));
        assertThat(with - without).isEqualTo(1 + 1);
    }

    @Test
    void contentPartsCountTheirTextOnly() throws Exception {
        long plain = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}"));
        long parts = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"hello world\"},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}"));
        assertThat(parts).isEqualTo(plain);
    }

    @Test
    void toolsAndToolCallsAreCounted() throws Exception {
        String tool = "{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":{\"type\":\"object\"}}}";
        long base = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}"));
        long withTools = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}],\"tools\":["
                + tool + "]}"));
        assertThat(withTools - base).isEqualTo(cl100k.countText(json(tool).toString()));

        long call = cl100k.countPrompt(json("{\"messages\":[{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"c1\","
                + "\"type\":\"function\",\"function\":{\"name\":\"hello\",\"arguments\":\"hello world\"}}]}]}"));
        // 3 framing + "assistant" (1) + "hello" (1) + "hello world" (2) + 3 priming; a null content counts nothing.
        assertThat(call).isEqualTo(10);
    }

    @Test
    void noMessagesNoTokens() throws Exception {
        assertThat(cl100k.countPrompt(json("{}"))).isZero();
        assertThat(cl100k.countPrompt(null)).isZero();
    }

    /** The budget reserves a request's prompt by its body's size in bytes: that must never be less than its tokens. */
    @Test
    void aPromptNeverHasMoreTokensThanItsBodyHasBytes() throws Exception {
        for (String text : java.util.List.of("hi", "a b c d e f g h", "नमस्ते दुनिया, आप कैसे हैं?", "你好，世界。今天天气很好。",
                "🙂🙃🤖🚀 emoji 🧪", "x".repeat(5000), "1 2 3 4 5 6 7 8 9 0 ".repeat(200), "\n\n\t  \u00a0 ")) {
            String body = JSON.writeValueAsString(JSON.createObjectNode().put("model", "gpt-4o")
                    .set("messages", JSON.createArrayNode().add(JSON.createObjectNode().put("role", "user").put("content", text))));
            int bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
            for (TokenCounter c : java.util.List.of(cl100k, o200k)) {
                assertThat(c.countPrompt(json(body))).as(text).isLessThanOrEqualTo(bytes);
                assertThat(c.countText(text)).as(text).isLessThanOrEqualTo(text.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
            }
        }
    }
}
