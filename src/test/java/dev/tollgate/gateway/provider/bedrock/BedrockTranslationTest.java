package dev.tollgate.gateway.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import software.amazon.eventstream.HeaderValue;
import software.amazon.eventstream.Message;

/** The pure parts of the Bedrock adapter: OpenAI ⇄ Converse, the event-stream decoder, errors, credentials. */
class BedrockTranslationTest {

    static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s.replace('\'', '"'));
    }

    static ObjectNode request(String body) {
        return BedrockConverse.request(json(body), new ParamPolicy(UnsupportedParams.REJECT, BedrockConverse.API));
    }

    @Test
    void systemMessagesBecomeTheSystemList() {
        ObjectNode out = request("{'messages':[{'role':'system','content':'A'},{'role':'developer','content':"
                + "[{'type':'text','text':'B'}]},{'role':'user','content':'hi'}]}");
        assertThat(out.path("system")).isEqualTo(Json.parse("[{\"text\":\"A\"},{\"text\":\"B\"}]"));
        assertThat(out.path("messages")).isEqualTo(Json.parse("[{\"role\":\"user\",\"content\":[{\"text\":\"hi\"}]}]"));
    }

    @Test
    void inferenceConfigAndTopK() {
        ObjectNode out = request("{'messages':[{'role':'user','content':'hi'}],'max_completion_tokens':64,"
                + "'temperature':0.3,'top_p':0.9,'stop':'###','top_k':5,'n':1,'user':'u1','stream':true,"
                + "'stream_options':{'include_usage':true}}");
        assertThat(out.path("inferenceConfig")).isEqualTo(Json.parse(
                "{\"maxTokens\":64,\"temperature\":0.3,\"topP\":0.9,\"stopSequences\":[\"###\"]}"));
        assertThat(out.path("additionalModelRequestFields")).isEqualTo(Json.parse("{\"top_k\":5}"));
        assertThat(out.has("stream")).isFalse();
        assertThat(out.has("user")).isFalse();
    }

    @Test
    void imagesFromDataUrlsAsBytes() {
        ObjectNode out = request("{'messages':[{'role':'user','content':[{'type':'text','text':'What?'},"
                + "{'type':'image_url','image_url':{'url':'data:image/jpg;base64,AAAA'}}]}]}");
        JsonNode image = out.path("messages").get(0).path("content").get(1).path("image");
        assertThat(image.path("format").asText()).isEqualTo("jpeg");
        assertThat(image.path("source").path("bytes").asText()).isEqualTo("AAAA");
        assertThatThrownBy(() -> request("{'messages':[{'role':'user','content':[{'type':'image_url','image_url':"
                + "{'url':'https://example.com/cat.png'}}]}]}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("messages[0].content[0].image_url.url");
                });
        assertThatThrownBy(() -> request("{'messages':[{'role':'user','content':[{'type':'image_url','image_url':"
                + "{'url':'data:image/tiff;base64,AAAA'}}]}]}")).hasMessageContaining("tiff");
    }

    @Test
    void toolsToolCallsAndToolResults() {
        ObjectNode out = request("{'messages':[{'role':'user','content':'weather?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'t1','type':'function','function':"
                + "{'name':'get_weather','arguments':'{\\\"city\\\":\\\"Paris\\\"}'}},{'id':'t2','type':'function',"
                + "'function':{'name':'get_time','arguments':''}}]},"
                + "{'role':'tool','tool_call_id':'t1','content':'18C'},{'role':'tool','tool_call_id':'t2','content':'noon'},"
                + "{'role':'user','content':'thanks'}],"
                + "'tools':[{'type':'function','function':{'name':'get_weather','description':'Weather',"
                + "'parameters':{'type':'object','properties':{'city':{'type':'string'}}}}},"
                + "{'type':'function','function':{'name':'get_time'}}],'tool_choice':'required'}");
        JsonNode messages = out.path("messages");
        assertThat(messages).hasSize(3);
        JsonNode assistant = messages.get(1);
        assertThat(assistant.path("role").asText()).isEqualTo("assistant");
        assertThat(assistant.path("content").get(0).path("toolUse")).isEqualTo(Json.parse(
                "{\"toolUseId\":\"t1\",\"name\":\"get_weather\",\"input\":{\"city\":\"Paris\"}}"));
        assertThat(assistant.path("content").get(1).path("toolUse").path("input")).isEqualTo(Json.object());
        JsonNode results = messages.get(2);
        assertThat(results.path("role").asText()).isEqualTo("user");
        assertThat(results.path("content")).hasSize(3); // two results and the user's text: one user turn
        assertThat(results.path("content").get(0).path("toolResult")).isEqualTo(Json.parse(
                "{\"toolUseId\":\"t1\",\"content\":[{\"text\":\"18C\"}]}"));
        assertThat(results.path("content").get(2).path("text").asText()).isEqualTo("thanks");
        JsonNode config = out.path("toolConfig");
        assertThat(config.path("tools").get(0).path("toolSpec")).isEqualTo(Json.parse("{\"name\":\"get_weather\","
                + "\"description\":\"Weather\",\"inputSchema\":{\"json\":{\"type\":\"object\",\"properties\":"
                + "{\"city\":{\"type\":\"string\"}}}}}"));
        assertThat(config.path("tools").get(1).path("toolSpec").path("inputSchema").path("json").path("type").asText())
                .isEqualTo("object");
        assertThat(config.path("toolChoice")).isEqualTo(Json.parse("{\"any\":{}}"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "\"auto\"|{\"auto\":{}}",
            "{'type':'function','function':{'name':'f'}}|{\"tool\":{\"name\":\"f\"}}"})
    void toolChoices(String choice, String expected) {
        ObjectNode out = request("{'messages':[{'role':'user','content':'x'}],'tools':[{'type':'function','function':"
                + "{'name':'f'}}],'tool_choice':" + choice + "}");
        assertThat(out.path("toolConfig").path("toolChoice")).isEqualTo(Json.parse(expected));
    }

    @Test
    void unsupportedParametersFollowThePolicy() {
        assertThatThrownBy(() -> request("{'messages':[{'role':'user','content':'x'}],'logit_bias':{'1':1}}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("logit_bias"));
        ParamPolicy drop = new ParamPolicy(UnsupportedParams.DROP, BedrockConverse.API);
        ObjectNode out = BedrockConverse.request(json("{'messages':[{'role':'user','content':'x'}],'seed':3,"
                + "'presence_penalty':0.1,'response_format':{'type':'text'}}"), drop);
        assertThat(drop.dropped()).containsExactly("seed", "presence_penalty");
        assertThat(out.has("seed")).isFalse();
        assertThatThrownBy(() -> request("{'messages':[{'role':'system','content':'only a system prompt'}]}"))
                .hasMessageContaining("user message");
        assertThatThrownBy(() -> request("{'messages':[{'role':'function','content':'x'}]}"))
                .isInstanceOf(TranslationException.class);
    }

    @Test
    void aConverseAnswer() {
        JsonNode body = Json.parse("""
                {"output":{"message":{"role":"assistant","content":[{"reasoningContent":{"reasoningText":{"text":"hm"}}},
                  {"text":"Let me check."},{"toolUse":{"toolUseId":"tooluse_1","name":"get_weather","input":{"city":"Paris"}}}]}},
                 "stopReason":"tool_use","usage":{"inputTokens":10,"outputTokens":5,"totalTokens":65,
                  "cacheReadInputTokens":40,"cacheWriteInputTokens":10},"metrics":{"latencyMs":12}}""");
        ObjectNode a = BedrockConverse.response(body, "chatcmpl-x", "m", 7);
        JsonNode msg = a.path("choices").get(0).path("message");
        assertThat(msg.path("content").asText()).isEqualTo("Let me check.");
        assertThat(msg.path("tool_calls").get(0).path("id").asText()).isEqualTo("tooluse_1");
        assertThat(Json.parse(msg.path("tool_calls").get(0).path("function").path("arguments").asText()))
                .isEqualTo(Json.parse("{\"city\":\"Paris\"}"));
        assertThat(a.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        JsonNode u = a.path("usage");
        assertThat(u.path("prompt_tokens").asInt()).isEqualTo(60); // 10 uncached + 40 read + 10 written
        assertThat(u.path("completion_tokens").asInt()).isEqualTo(5);
        assertThat(u.path("total_tokens").asInt()).isEqualTo(65);
        assertThat(u.path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(40);
    }

    @ParameterizedTest
    @CsvSource({"end_turn,stop", "stop_sequence,stop", "tool_use,tool_calls", "max_tokens,length",
            "model_context_window_exceeded,length", "guardrail_intervened,content_filter",
            "content_filtered,content_filter"})
    void stopReasons(String bedrock, String openAi) {
        assertThat(BedrockConverse.finishReason(bedrock)).isEqualTo(openAi);
    }

    // ---- the stream ----

    static Buffer frame(String kind, String typeHeader, String type, String payload) {
        Map<String, HeaderValue> h = new LinkedHashMap<>();
        h.put(typeHeader, HeaderValue.fromString(type));
        h.put(":content-type", HeaderValue.fromString("application/json"));
        h.put(":message-type", HeaderValue.fromString(kind));
        java.nio.ByteBuffer b = new Message(h, payload.getBytes(StandardCharsets.UTF_8)).toByteBuffer();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return Buffer.buffer(out);
    }

    static Buffer event(String type, String payload) {
        return frame("event", ":event-type", type, payload);
    }

    @Test
    void framesSplitAnywhereDecodeTheSame() {
        Buffer all = Buffer.buffer()
                .appendBuffer(event("messageStart", "{\"role\":\"assistant\"}"))
                .appendBuffer(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hel\"}}"))
                .appendBuffer(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"lo\"}}"))
                .appendBuffer(event("contentBlockStop", "{\"contentBlockIndex\":0}"))
                .appendBuffer(event("messageStop", "{\"stopReason\":\"max_tokens\"}"))
                .appendBuffer(event("metadata", "{\"usage\":{\"inputTokens\":3,\"outputTokens\":2,\"totalTokens\":5},"
                        + "\"metrics\":{\"latencyMs\":1}}"));
        for (int step : new int[] {1, 7, 64, all.length()}) {
            BedrockStream s = new BedrockStream("id", "m", 1, "ns/m");
            List<ObjectNode> out = new ArrayList<>();
            for (int i = 0; i < all.length(); i += step) {
                s.feed(all.slice(i, Math.min(all.length(), i + step)), out::add);
            }
            assertThat(s.end(out::add)).isTrue();
            assertThat(out).hasSize(5); // role, two texts, finish, usage
            assertThat(out.get(1).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
            assertThat(out.get(3).path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
            assertThat(out.get(4).path("usage").path("total_tokens").asInt()).isEqualTo(5);
            assertThat(s.usageSoFar().inputTokens()).isEqualTo(3);
        }
    }

    @Test
    void aStreamWithoutMessageStopWasCut() {
        BedrockStream s = new BedrockStream("id", "m", 1, "ns/m");
        List<ObjectNode> out = new ArrayList<>();
        s.feed(event("messageStart", "{\"role\":\"assistant\"}"), out::add);
        s.feed(event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}").slice(0, 20),
                out::add);
        assertThat(s.end(out::add)).isFalse();
    }

    @Test
    void aFlippedByteFailsItsChecksum() {
        byte[] bytes = event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}").getBytes();
        bytes[bytes.length - 8] ^= 1;
        BedrockStream s = new BedrockStream("id", "m", 1, "ns/m");
        assertThatThrownBy(() -> s.feed(Buffer.buffer(bytes), c -> { }))
                .isInstanceOfSatisfying(UpstreamException.class, e -> assertThat(e.error().message())
                        .contains("corrupt frame"));
        byte[] prelude = event("messageStart", "{\"role\":\"assistant\"}").getBytes();
        prelude[2] ^= 1; // the total length: the prelude's CRC no longer matches
        BedrockStream t = new BedrockStream("id", "m", 1, "ns/m");
        assertThatThrownBy(() -> t.feed(Buffer.buffer(prelude), c -> { })).isInstanceOf(UpstreamException.class);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "throttlingException|Too many tokens, please wait|429|",
            "validationException|Input is too long for requested model.|400|context_length_exceeded",
            "validationException|The model returned the following errors: prompt is too long: 200049 tokens > 200000 maximum|400|context_length_exceeded",
            "modelStreamErrorException|The model stream failed|502|upstream_error",
            "serviceUnavailableException|Try later|503|",
            "internalServerException|Oops|502|upstream_error"})
    void exceptionEvents(String type, String message, int status, String code) {
        BedrockStream s = new BedrockStream("id", "m", 1, "ns/m");
        Buffer b = frame("exception", ":exception-type", type, Json.write(Json.object().put("message", message)));
        assertThatThrownBy(() -> s.feed(b, c -> { })).isInstanceOfSatisfying(UpstreamException.class, e -> {
            assertThat(e.error().httpStatus()).isEqualTo(status);
            if (code != null) {
                assertThat(e.error().code()).isEqualTo(code);
            }
        });
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/|429|Rate exceeded|429|rate_limit_exceeded",
            "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/|400|Input is too long for requested model.|400|context_length_exceeded",
            "ValidationException|400|Malformed input request|400|",
            "AccessDeniedException|403|You don't have access to the model|502|upstream_auth_failed",
            "UnrecognizedClientException|403|The security token included in the request is invalid.|502|upstream_auth_failed",
            "ExpiredTokenException|400|The security token included in the request is expired|502|upstream_auth_failed",
            "ResourceNotFoundException|404|Model not found|502|upstream_not_found",
            "ModelTimeoutException|408|Timed out|504|",
            "ServiceUnavailableException|503|Unavailable|503|",
            "ModelErrorException|424|The model failed|502|upstream_error"})
    void httpErrors(String header, int status, String message, int expected, String code) {
        UpstreamException e = BedrockErrors.from(status, BedrockErrors.type(header, null), message, "7", "ns/m");
        assertThat(e.error().httpStatus()).isEqualTo(expected);
        if (code != null) {
            assertThat(e.error().code()).isEqualTo(code);
        }
        if (expected == 429) {
            assertThat(e.retryAfter()).isEqualTo("7");
        }
    }

    @Test
    void errorTypeFromTheBodyWhenTheHeaderIsMissing() {
        assertThat(BedrockErrors.type(null, Json.parse("{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\"}")))
                .isEqualTo("UnrecognizedClientException");
        assertThat(BedrockErrors.message(Json.parse("{\"Message\":\"x\"}"))).isEqualTo("x");
    }

    // ---- credentials ----

    @Test
    void secretValues() {
        BedrockAuth.Parsed keys = BedrockAuth.parse("{\"accessKeyId\":\"AKIA1\",\"secretAccessKey\":\"s\"}");
        assertThat(keys.keys().accessKeyId()).isEqualTo("AKIA1");
        assertThat(keys.bearer()).isNull();
        BedrockAuth.Parsed session = BedrockAuth.parse("{\"AccessKeyId\":\"ASIA1\",\"SecretAccessKey\":\"s\","
                + "\"SessionToken\":\"t\",\"Expiration\":\"2030-01-01T00:00:00Z\"}");
        assertThat(session.keys()).isInstanceOf(software.amazon.awssdk.identity.spi.AwsSessionCredentialsIdentity.class);
        BedrockAuth.Parsed apiKey = BedrockAuth.parse("  ABSKQmVkcm9ja0FQSUtleQ==  ");
        assertThat(apiKey.bearer()).isEqualTo("ABSKQmVkcm9ja0FQSUtleQ==");
        assertThat(apiKey.toString()).doesNotContain("ABSK");
        assertThat(keys.toString()).doesNotContain("AKIA1");
        assertThatThrownBy(() -> BedrockAuth.parse("{\"accessKeyId\":\"AKIA1\"}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageNotContaining("AKIA1");
    }

    @Test
    void usageMapsLikeAnthropics() {
        TokenUsage u = BedrockConverse.usage(Json.parse("{\"inputTokens\":1,\"outputTokens\":2,\"totalTokens\":3}"));
        assertThat(u.promptTokens()).isEqualTo(1);
        assertThat(BedrockConverse.usage(null)).isNull();
    }
}
