package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import org.junit.jupiter.api.Test;

/** What the semantic cache embeds of a request, and its semantic partition. */
class SemanticKeysTest {
    static final Partition P = new Partition("team-a", "ns:team-a", "chat", null, null);

    static ObjectNode body(String json) {
        return (ObjectNode) Json.parse(json.replace('\'', '"'));
    }

    static final String CHAT = "{'model':'chat','temperature':0.2,'messages':[{'role':'system','content':'Be brief.'},"
            + "{'role':'user','content':'What is the capital of France?'},{'role':'assistant','content':'Paris.'},"
            + "{'role':'user','content':[{'type':'text','text':'And of Italy?'}]}]}";

    static String partition(String json) {
        return SemanticKeys.partition(P, "embed", WireFormat.OPENAI, Operation.CHAT, body(json));
    }

    @Test
    void openAiChatEmbedsTheConversationWithoutItsSystemPrompt() {
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.CHAT, body(CHAT)))
                .isEqualTo("user: What is the capital of France?\nassistant: Paris.\nuser: And of Italy?");
    }

    @Test
    void toolCallsAndToolResultsAreText() {
        String json = "{'messages':[{'role':'developer','content':'x'},{'role':'user','content':'weather?'},"
                + "{'role':'assistant','content':null,'tool_calls':[{'id':'c1','type':'function','function':"
                + "{'name':'get_weather','arguments':'{\\'city\\':\\'Paris\\'}'}}]},"
                + "{'role':'tool','tool_call_id':'c1','content':'sunny'}]}";
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.CHAT, body(json)))
                .isEqualTo("user: weather?\nassistant: [tool_call get_weather {\"city\":\"Paris\"}]\ntool c1: sunny");
    }

    @Test
    void anthropicMessagesAndCompletionsPrompts() {
        String anthropic = "{'model':'chat','system':'Be brief.','max_tokens':100,'messages':[{'role':'user','content':"
                + "[{'type':'text','text':'Hi'},{'type':'text','text':'there'}]},{'role':'assistant','content':"
                + "[{'type':'thinking','thinking':'hmm'},{'type':'tool_use','id':'t1','name':'f','input':{'b':1,'a':2}}]},"
                + "{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':'42'}]}]}";
        assertThat(SemanticKeys.prompt(WireFormat.ANTHROPIC, Operation.CHAT, body(anthropic)))
                .isEqualTo("user: Hi\nthere\nassistant: [tool_use f {\"a\":2,\"b\":1}]\nuser: [tool_result t1] 42");
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.COMPLETIONS, body("{'prompt':'Say hi'}")))
                .isEqualTo("Say hi");
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.COMPLETIONS, body("{'prompt':['a','b']}")))
                .isEqualTo("a\nb");
    }

    @Test
    void whatATextEmbeddingCannotSeeIsNotCachedSemantically() {
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.CHAT, body("{'messages':[{'role':'user','content':"
                + "[{'type':'text','text':'What is this?'},{'type':'image_url','image_url':{'url':'https://x/y.png'}}]}]}")))
                .isNull();
        assertThat(SemanticKeys.prompt(WireFormat.ANTHROPIC, Operation.CHAT, body("{'messages':[{'role':'user','content':"
                + "[{'type':'image','source':{'type':'url','url':'https://x/y.png'}}]}]}"))).isNull();
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.COMPLETIONS, body("{'prompt':[1,2,3]}"))).isNull();
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.EMBEDDINGS, body("{'input':'x'}"))).isNull();
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.CHAT, body("{'messages':[{'role':'system',"
                + "'content':'only instructions'}]}"))).isNull();
        assertThat(SemanticKeys.prompt(WireFormat.OPENAI, Operation.COMPLETIONS,
                body("{'prompt':'" + "x".repeat(SemanticKeys.MAX_PROMPT_CHARS + 1) + "'}"))).isNull();
    }

    @Test
    void theConversationAndFieldsThatDoNotChangeTheAnswerKeepThePartition() {
        String base = partition(CHAT);
        assertThat(partition(CHAT.replace("capital of France", "capital of Spain"))).isEqualTo(base);
        assertThat(partition(CHAT.replace("'model':'chat',", "'model':'chat','user':'u1','stream':true,"
                + "'stream_options':{'include_usage':true},'cache':{'ttl':60},'metadata':{'a':'b'},"))).isEqualTo(base);
        assertThat(partition(CHAT.replace("0.2", "0.20"))).as("numbers by value").isEqualTo(base);
    }

    @Test
    void instructionsToolsAndParametersPartition() {
        String base = partition(CHAT);
        assertThat(partition(CHAT.replace("Be brief.", "Be verbose."))).as("system prompt").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("'role':'system'", "'role':'developer'"))).as("developer").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("0.2", "0.7"))).as("temperature").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("'model':'chat',", "'model':'chat','tools':[{'type':'function','function':"
                + "{'name':'f','parameters':{}}}],"))).as("tools").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("'model':'chat',", "'model':'chat','tool_choice':'none',")))
                .as("tool_choice").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("'model':'chat',", "'model':'chat','response_format':{'type':'json_object'},")))
                .as("response_format").isNotEqualTo(base);
        assertThat(partition(CHAT.replace("'model':'chat',", "'model':'chat','seed':7,"))).as("any other field")
                .isNotEqualTo(base);
        ObjectNode b = body(CHAT);
        assertThat(SemanticKeys.partition(new Partition("team-b", "ns:team-b", "chat", null, null), "embed",
                WireFormat.OPENAI, Operation.CHAT, b)).as("namespace").isNotEqualTo(base);
        assertThat(SemanticKeys.partition(new Partition("team-a", "ns:team-a", "chat2", null, null), "embed",
                WireFormat.OPENAI, Operation.CHAT, b)).as("model group").isNotEqualTo(base);
        assertThat(SemanticKeys.partition(new Partition("team-a", "key:team-a/k2", "chat", null, null), "embed",
                WireFormat.OPENAI, Operation.CHAT, b)).as("tenant").isNotEqualTo(base);
        assertThat(SemanticKeys.partition(new Partition("team-a", "ns:team-a", "chat", "p2", null), "embed",
                WireFormat.OPENAI, Operation.CHAT, b)).as("purge token").isNotEqualTo(base);
        assertThat(SemanticKeys.partition(new Partition("team-a", "ns:team-a", "chat", null, "mine"), "embed",
                WireFormat.OPENAI, Operation.CHAT, b)).as("client namespace").isNotEqualTo(base);
        assertThat(SemanticKeys.partition(P, "embed-2", WireFormat.OPENAI, Operation.CHAT, b)).as("embedding group")
                .isNotEqualTo(base);
        assertThat(SemanticKeys.partition(P, "embed", WireFormat.ANTHROPIC, Operation.CHAT, b)).as("dialect")
                .isNotEqualTo(base);
    }

    @Test
    void anthropicSystemPromptPartitions() {
        String a = "{'model':'chat','system':'Be brief.','max_tokens':100,'messages':[{'role':'user','content':'Hi'}]}";
        String base = SemanticKeys.partition(P, "embed", WireFormat.ANTHROPIC, Operation.CHAT, body(a));
        assertThat(SemanticKeys.partition(P, "embed", WireFormat.ANTHROPIC, Operation.CHAT,
                body(a.replace("Be brief.", "Be kind.")))).isNotEqualTo(base);
        assertThat(SemanticKeys.partition(P, "embed", WireFormat.ANTHROPIC, Operation.CHAT,
                body(a.replace("'content':'Hi'", "'content':'Hello'")))).isEqualTo(base);
    }
}
