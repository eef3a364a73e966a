package dev.tollgate.gateway.provider.anthropic;

import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.CacheMarkers;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.TranslationOptions;
import dev.tollgate.gateway.provider.UnsupportedParams;
import org.junit.jupiter.api.Test;

/**
 * Anthropic's prompt-cache breakpoints ({@code cache_control}, https://docs.anthropic.com/en/docs/build-with-claude/
 * prompt-caching) through the hub both ways, in LiteLLM's OpenAI form (https://docs.litellm.ai/docs/completion/
 * prompt_caching): on parts, messages and tools; nothing is reported as dropped, under the strictest policy.
 */
class CacheMarkersTranslationTest {
    static final TranslationOptions REJECT = new TranslationOptions(UnsupportedParams.REJECT, 1024, false);

    /** Every place Anthropic takes a breakpoint, with a 1-hour one among them. */
    static final String ANTHROPIC = """
            {"model":"claude","max_tokens":100,
             "cache_control":{"type":"ephemeral"},
             "system":[{"type":"text","text":"Rules."},
                       {"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
             "messages":[
               {"role":"user","content":[
                 {"type":"text","text":"Look:"},
                 {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"},
                  "cache_control":{"type":"ephemeral"}}]},
               {"role":"assistant","content":[
                 {"type":"text","text":"Checking.","cache_control":{"type":"ephemeral"}},
                 {"type":"tool_use","id":"toolu_1","name":"check","input":{},"cache_control":{"type":"ephemeral"}}]},
               {"role":"user","content":[
                 {"type":"tool_result","tool_use_id":"toolu_1","content":"ok","cache_control":{"type":"ephemeral"}},
                 {"type":"text","text":"Go on.","cache_control":{"type":"ephemeral"}}]}],
             "tools":[{"name":"check","input_schema":{"type":"object","properties":{}},
                       "cache_control":{"type":"ephemeral"}}]}
            """;

    @Test
    void anthropicBreakpointsBecomeLiteLlmsOpenAiForm() {
        Translated t = AnthropicTranslator.toOpenAiRequest(obj(ANTHROPIC), REJECT);
        assertThat(t.dropped()).isEmpty();
        assertJson(t.body(), """
                {"model":"claude",
                 "messages":[
                   {"role":"system","content":[{"type":"text","text":"Rules."},
                     {"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral","ttl":"1h"}}]},
                   {"role":"user","content":[{"type":"text","text":"Look:"},
                     {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA"},
                      "cache_control":{"type":"ephemeral"}}]},
                   {"role":"assistant","cache_control":{"type":"ephemeral"},
                    "content":[{"type":"text","text":"Checking.","cache_control":{"type":"ephemeral"}}],
                    "tool_calls":[{"id":"toolu_1","type":"function","function":{"name":"check","arguments":"{}"}}]},
                   {"role":"tool","tool_call_id":"toolu_1","cache_control":{"type":"ephemeral"},"content":"ok"},
                   {"role":"user","content":[{"type":"text","text":"Go on.","cache_control":{"type":"ephemeral"}}]}],
                 "max_completion_tokens":100,
                 "tools":[{"type":"function","function":{"name":"check","parameters":{"type":"object","properties":{}}},
                   "cache_control":{"type":"ephemeral"}}],
                 "cache_control":{"type":"ephemeral"}}
                """);
    }

    @Test
    void theyComeBackToAnthropicWhereTheyWere() {
        ObjectNode hub = AnthropicTranslator.toOpenAiRequest(obj(ANTHROPIC), REJECT).body();
        Translated back = AnthropicTranslator.toAnthropicRequest(hub, REJECT);
        assertThat(back.dropped()).isEmpty();
        assertJson(back.body(), """
                {"model":"claude","max_tokens":100,
                 "system":[{"type":"text","text":"Rules."},
                           {"type":"text","text":"A long manual.","cache_control":{"type":"ephemeral","ttl":"1h"}}],
                 "messages":[
                   {"role":"user","content":[
                     {"type":"text","text":"Look:"},
                     {"type":"image","source":{"type":"base64","media_type":"image/png","data":"AAAA"},
                      "cache_control":{"type":"ephemeral"}}]},
                   {"role":"assistant","content":[
                     {"type":"text","text":"Checking.","cache_control":{"type":"ephemeral"}},
                     {"type":"tool_use","id":"toolu_1","name":"check","input":{},"cache_control":{"type":"ephemeral"}}]},
                   {"role":"user","content":[
                     {"type":"tool_result","tool_use_id":"toolu_1","content":"ok","cache_control":{"type":"ephemeral"}},
                     {"type":"text","text":"Go on.","cache_control":{"type":"ephemeral"}}]}],
                 "tools":[{"name":"check","input_schema":{"type":"object","properties":{}},
                           "cache_control":{"type":"ephemeral"}}],
                 "cache_control":{"type":"ephemeral"}}
                """);
    }

    @Test
    void messageAndFunctionLevelMarkersOfOpenAiClientsLandOnTheLastBlockAndTheTool() {
        ObjectNode openAi = obj("""
                {"model":"claude","max_tokens":10,
                 "messages":[
                   {"role":"system","content":"A long system prompt.","cache_control":{"type":"ephemeral"}},
                   {"role":"user","content":"A long document.","cache_control":{"type":"ephemeral","ttl":"5m"}},
                   {"role":"user","content":"And a question."}],
                 "tools":[{"type":"function","function":{"name":"f","cache_control":{"type":"ephemeral"}}}]}
                """);
        Translated t = AnthropicTranslator.toAnthropicRequest(openAi, REJECT);
        assertThat(t.dropped()).isEmpty();
        assertJson(t.body(), """
                {"model":"claude","max_tokens":10,
                 "system":[{"type":"text","text":"A long system prompt.","cache_control":{"type":"ephemeral"}}],
                 "messages":[{"role":"user","content":[
                   {"type":"text","text":"A long document.","cache_control":{"type":"ephemeral","ttl":"5m"}},
                   {"type":"text","text":"And a question."}]}],
                 "tools":[{"name":"f","input_schema":{"type":"object","properties":{}},
                           "cache_control":{"type":"ephemeral"}}]}
                """);
        assertThat(openAi.toString()).as("the client's request is left as it came").contains("\"ttl\":\"5m\"");
    }

    @Test
    void withoutMarkersTheTranslationIsAsBefore() {
        Translated t = AnthropicTranslator.toOpenAiRequest(obj("""
                {"model":"m","max_tokens":5,"system":[{"type":"text","text":"S"}],
                 "messages":[{"role":"user","content":[{"type":"text","text":"hi"}]}]}
                """), REJECT);
        assertJson(t.body(), """
                {"model":"m","messages":[{"role":"system","content":"S"},{"role":"user","content":"hi"}],
                 "max_completion_tokens":5}
                """);
        assertThat(CacheMarkers.present(t.body())).isFalse();
    }
}
