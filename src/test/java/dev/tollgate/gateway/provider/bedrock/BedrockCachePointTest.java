package dev.tollgate.gateway.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.UnsupportedParams;
import org.junit.jupiter.api.Test;

/**
 * Prompt-cache breakpoints as Converse's {@code cachePoint} blocks
 * (https://docs.aws.amazon.com/bedrock/latest/userguide/prompt-caching.html,
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CachePointBlock.html): a block of its own
 * after what is cached, in {@code system}, in a message's {@code content} and in {@code toolConfig.tools}.
 */
class BedrockCachePointTest {
    static ObjectNode request(String body) {
        ParamPolicy policy = new ParamPolicy(UnsupportedParams.REJECT, BedrockConverse.API);
        ObjectNode out = BedrockConverse.request((ObjectNode) Json.parse(body), policy);
        assertThat(policy.dropped()).isEmpty();
        return out;
    }

    @Test
    void everyMarkerBecomesACachePointAfterWhatItMarks() {
        ObjectNode out = request("""
                {"messages":[
                   {"role":"system","content":[{"type":"text","text":"Rules."},
                     {"type":"text","text":"Manual.","cache_control":{"type":"ephemeral","ttl":"1h"}},
                     {"type":"text","text":"Today is Monday."}]},
                   {"role":"user","content":[{"type":"text","text":"Doc.","cache_control":{"type":"ephemeral"}},
                     {"type":"text","text":"Question?"}]},
                   {"role":"assistant","content":"Answer.","cache_control":{"type":"ephemeral"}},
                   {"role":"user","content":"More?"}],
                 "tools":[{"type":"function","function":{"name":"a"},"cache_control":{"type":"ephemeral"}},
                          {"type":"function","function":{"name":"b"}}]}
                """);
        assertThat(out.get("system")).isEqualTo(Json.parse("""
                [{"text":"Rules."},{"text":"Manual."},{"cachePoint":{"type":"default","ttl":"1h"}},
                 {"text":"Today is Monday."}]"""));
        assertThat(out.get("messages")).isEqualTo(Json.parse("""
                [{"role":"user","content":[{"text":"Doc."},{"cachePoint":{"type":"default"}},{"text":"Question?"}]},
                 {"role":"assistant","content":[{"text":"Answer."},{"cachePoint":{"type":"default"}}]},
                 {"role":"user","content":[{"text":"More?"}]}]"""));
        assertThat(out.path("toolConfig").get("tools")).isEqualTo(Json.parse("""
                [{"toolSpec":{"name":"a","inputSchema":{"json":{"type":"object","properties":{}}}}},
                 {"cachePoint":{"type":"default"}},
                 {"toolSpec":{"name":"b","inputSchema":{"json":{"type":"object","properties":{}}}}}]"""));
    }

    @Test
    void automaticCachingMarksTheEndOfTheLastTurnOnce() {
        ObjectNode out = request("""
                {"cache_control":{"type":"ephemeral"},
                 "messages":[{"role":"user","content":"Check."},
                   {"role":"assistant","content":null,"tool_calls":[{"id":"t1","type":"function",
                     "function":{"name":"check","arguments":"{}"}}]},
                   {"role":"tool","tool_call_id":"t1","content":"ok","cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(out.path("messages").get(2)).isEqualTo(Json.parse("""
                {"role":"user","content":[{"toolResult":{"toolUseId":"t1","content":[{"text":"ok"}]}},
                  {"cachePoint":{"type":"default"}}]}"""));
    }

    @Test
    void onlyClaudeAndNovaGetCachePoints() {
        assertThat(BedrockConverse.caches("us.anthropic.claude-sonnet-4-20250514-v1:0")).isTrue();
        assertThat(BedrockConverse.caches("amazon.nova-pro-v1:0")).isTrue();
        assertThat(BedrockConverse.caches("meta.llama3-3-70b-instruct-v1:0")).isFalse();
        assertThat(BedrockConverse.caches("mistral.mistral-large-2407-v1:0")).isFalse();
    }
}
