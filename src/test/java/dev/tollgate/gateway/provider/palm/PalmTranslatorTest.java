package dev.tollgate.gateway.provider.palm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import org.junit.jupiter.api.Test;

class PalmTranslatorTest {
    private static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s.replace('\'', '"'));
    }

    private static PalmTranslator.Request text(String body) {
        return PalmTranslator.toPalm(Operation.CHAT, json(body), "text-bison-001", UnsupportedParams.REJECT);
    }

    private static PalmTranslator.Request chat(String body) {
        return PalmTranslator.toPalm(Operation.CHAT, json(body), "chat-bison-001", UnsupportedParams.REJECT);
    }

    @Test
    void chatModelsAreRecognisedByTheirId() {
        assertThat(PalmTranslator.isChatModel("chat-bison-001")).isTrue();
        assertThat(PalmTranslator.isChatModel("models/chat-bison-001")).isTrue();
        assertThat(PalmTranslator.isChatModel("text-bison-001")).isFalse();
        assertThat(PalmTranslator.modelId("models/text-bison-001")).isEqualTo("text-bison-001");
    }

    @Test
    void oneUserMessageIsThePromptAsWritten() {
        JsonNode b = text("{'model':'m','messages':[{'role':'user','content':'Write a haiku'}]}").body();
        assertThat(b.path("prompt").path("text").asText()).isEqualTo("Write a haiku");
        assertThat(b.size()).isEqualTo(1);
    }

    @Test
    void systemTextComesFirstThenTheUserText() {
        JsonNode b = text("{'messages':[{'role':'system','content':'Be brief.'},{'role':'developer','content':"
                + "'Answer in French.'},{'role':'user','content':[{'type':'text','text':'Hello'},{'type':'text',"
                + "'text':' world'}]}]}").body();
        assertThat(b.path("prompt").path("text").asText()).isEqualTo("Be brief.\n\nAnswer in French.\n\nHello world");
    }

    @Test
    void aConversationIsATranscriptEndingWithTheAssistantsCue() {
        JsonNode b = text("{'messages':[{'role':'system','content':'S'},{'role':'user','content':'Hi'},"
                + "{'role':'assistant','content':'Hello!'},{'role':'user','content':'How are you?'}]}").body();
        assertThat(b.path("prompt").path("text").asText())
                .isEqualTo("S\n\nUser: Hi\n\nAssistant: Hello!\n\nUser: How are you?\n\nAssistant:");
    }

    @Test
    void aTranscriptEndingWithTheAssistantIsContinuedWithoutACue() {
        JsonNode b = text("{'messages':[{'role':'user','content':'Hi'},{'role':'assistant','content':'Well,'}]}").body();
        assertThat(b.path("prompt").path("text").asText()).isEqualTo("User: Hi\n\nAssistant: Well,");
    }

    @Test
    void textParametersAreTranslated() {
        JsonNode b = text("{'messages':[{'role':'user','content':'x'}],'temperature':0.2,'top_p':0.9,'top_k':40,"
                + "'n':2,'max_tokens':64,'stop':'END','safety_settings':[{'category':'HARM_CATEGORY_TOXICITY',"
                + "'threshold':'BLOCK_ONLY_HIGH'}],'stream':true,'stream_options':{'include_usage':true}}").body();
        assertThat(b.path("temperature").asDouble()).isEqualTo(0.2);
        assertThat(b.path("topP").asDouble()).isEqualTo(0.9);
        assertThat(b.path("topK").asInt()).isEqualTo(40);
        assertThat(b.path("candidateCount").asInt()).isEqualTo(2);
        assertThat(b.path("maxOutputTokens").asInt()).isEqualTo(64);
        assertThat(b.path("stopSequences").toString()).isEqualTo("[\"END\"]");
        assertThat(b.path("safetySettings").get(0).path("threshold").asText()).isEqualTo("BLOCK_ONLY_HIGH");
        assertThat(b.has("stream")).isFalse();
    }

    @Test
    void maxCompletionTokensWinsOverMaxTokens() {
        JsonNode b = text("{'messages':[{'role':'user','content':'x'}],'max_tokens':10,'max_completion_tokens':20,"
                + "'stop':['a','b']}").body();
        assertThat(b.path("maxOutputTokens").asInt()).isEqualTo(20);
        assertThat(b.path("stopSequences").size()).isEqualTo(2);
    }

    @Test
    void moreThanFiveStopSequencesOrEightCandidatesAreRefused() {
        assertThatThrownBy(() -> text("{'messages':[{'role':'user','content':'x'}],'stop':['1','2','3','4','5','6']}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("stop"));
        assertThatThrownBy(() -> text("{'messages':[{'role':'user','content':'x'}],'n':9}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("n"));
    }

    @Test
    void chatModelsGetContextAndAlternatingAuthors() {
        JsonNode b = chat("{'messages':[{'role':'system','content':'You are terse.'},{'role':'user','content':'Hi'},"
                + "{'role':'user','content':'Anyone?'},{'role':'assistant','content':'Yes.'},"
                + "{'role':'user','content':'Good'}],'temperature':0.1,'n':1,'top_p':0.5,'top_k':3}").body();
        assertThat(b.path("prompt").path("context").asText()).isEqualTo("You are terse.");
        assertThat(b.path("prompt").has("examples")).isFalse();
        assertThat(b.path("prompt").path("messages").toString()).isEqualTo(
                "[{\"author\":\"0\",\"content\":\"Hi\\n\\nAnyone?\"},{\"author\":\"1\",\"content\":\"Yes.\"},"
                        + "{\"author\":\"0\",\"content\":\"Good\"}]");
        assertThat(b.path("temperature").asDouble()).isEqualTo(0.1);
        assertThat(b.path("candidateCount").asInt()).isEqualTo(1);
        assertThat(b.path("topP").asDouble()).isEqualTo(0.5);
        assertThat(b.path("topK").asInt()).isEqualTo(3);
    }

    @Test
    void chatModelsHaveNoOutputLimitOrStop() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'user','content':'x'}],'max_tokens':5}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> {
                    assertThat(e.httpStatus()).isEqualTo(400);
                    assertThat(e.param()).isEqualTo("max_tokens");
                });
        PalmTranslator.Request dropped = PalmTranslator.toPalm(Operation.CHAT,
                json("{'messages':[{'role':'user','content':'x'}],'max_completion_tokens':5,'stop':'x'}"),
                "chat-bison-001", UnsupportedParams.DROP);
        assertThat(dropped.dropped()).containsExactly("max_completion_tokens", "stop");
        assertThat(dropped.body().has("maxOutputTokens")).isFalse();
    }

    @Test
    void theConversationMustStartWithTheUser() {
        assertThatThrownBy(() -> chat("{'messages':[{'role':'assistant','content':'Hi'}]}"))
                .isInstanceOf(TranslationException.class).hasMessageContaining("start with a user message");
        assertThatThrownBy(() -> chat("{'messages':[{'role':'system','content':'only system'}]}"))
                .isInstanceOf(TranslationException.class).hasMessageContaining("at least one user message");
    }

    @Test
    void toolsAndImagesAreRefusedWhateverThePolicy() {
        for (String body : new String[] {
                "{'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:x'}}]}]}",
                "{'messages':[{'role':'user','content':'x'},{'role':'assistant','content':null,'tool_calls':[{'id':'c',"
                        + "'type':'function','function':{'name':'f','arguments':'{}'}}]}]}",
                "{'messages':[{'role':'user','content':'x'},{'role':'tool','tool_call_id':'c','content':'1'}]}"}) {
            assertThatThrownBy(() -> PalmTranslator.toPalm(Operation.CHAT, json(body), "text-bison-001",
                    UnsupportedParams.DROP)).isInstanceOfSatisfying(TranslationException.class,
                            e -> assertThat(e.httpStatus()).isEqualTo(400));
        }
    }

    @Test
    void unsupportedParametersFollowThePolicy() {
        String body = "{'messages':[{'role':'user','content':'x'}],'tools':[{'type':'function','function':{'name':'f'}}],"
                + "'presence_penalty':0.5,'seed':1,'user':null}";
        assertThatThrownBy(() -> text(body)).isInstanceOfSatisfying(TranslationException.class, e -> {
            assertThat(e.param()).isEqualTo("tools");
            assertThat(e.getMessage()).contains("no tool calling");
        });
        PalmTranslator.Request r = PalmTranslator.toPalm(Operation.CHAT, json(body), "text-bison-001",
                UnsupportedParams.DROP);
        assertThat(r.dropped()).containsExactly("tools", "presence_penalty", "seed");
    }

    @Test
    void openAisDefaultValuesNeedNoTranslation() {
        PalmTranslator.Request r = text("{'messages':[{'role':'user','content':'x'}],'logprobs':false,'presence_penalty':0,"
                + "'frequency_penalty':0.0,'response_format':{'type':'text'},'tool_choice':'none','store':false}");
        assertThat(r.dropped()).isEmpty();
        assertThatThrownBy(() -> text("{'messages':[{'role':'user','content':'x'}],'logprobs':true}"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("logprobs"));
    }

    @Test
    void completionsTakeOnePromptAndOnlyOnTextModels() {
        JsonNode b = PalmTranslator.toPalm(Operation.COMPLETIONS, json("{'prompt':['Once upon'],'max_tokens':16}"),
                "text-bison-001", UnsupportedParams.REJECT).body();
        assertThat(b.path("prompt").path("text").asText()).isEqualTo("Once upon");
        assertThat(b.path("maxOutputTokens").asInt()).isEqualTo(16);
        assertThatThrownBy(() -> PalmTranslator.toPalm(Operation.COMPLETIONS, json("{'prompt':['a','b']}"),
                "text-bison-001", UnsupportedParams.REJECT)).isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("prompt"));
        assertThatThrownBy(() -> PalmTranslator.toPalm(Operation.COMPLETIONS, json("{'prompt':'x'}"),
                "chat-bison-001", UnsupportedParams.REJECT)).isInstanceOf(TranslationException.class)
                .hasMessageContaining("/v1/chat/completions only");
    }

    @Test
    void textCandidatesBecomeChoicesWithoutUsage() {
        ObjectNode out = PalmTranslator.toOpenAi(Operation.CHAT, json("{'candidates':[{'output':'A','safetyRatings':[]},"
                + "{'output':'B'}]}"), false, "chatcmpl-1", "text-bison-001", 42);
        assertThat(out.path("object").asText()).isEqualTo("chat.completion");
        assertThat(out.path("created").asLong()).isEqualTo(42);
        assertThat(out.path("choices")).hasSize(2);
        assertThat(out.path("choices").get(1).path("index").asInt()).isEqualTo(1);
        assertThat(out.path("choices").get(1).path("message").path("content").asText()).isEqualTo("B");
        assertThat(out.path("choices").get(0).path("finish_reason").asText()).isEqualTo("stop");
        assertThat(out.has("usage")).isFalse();
    }

    @Test
    void messageCandidatesAndLegacyCompletions() {
        ObjectNode chat = PalmTranslator.toOpenAi(Operation.CHAT, json("{'candidates':[{'author':'1','content':'Hi!'}],"
                + "'messages':[{'author':'0','content':'hi'}]}"), true, "c", "chat-bison-001", 1);
        assertThat(chat.path("choices").get(0).path("message").path("content").asText()).isEqualTo("Hi!");
        ObjectNode legacy = PalmTranslator.toOpenAi(Operation.COMPLETIONS, json("{'candidates':[{'output':'story'}]}"),
                false, "cmpl-1", "text-bison-001", 1);
        assertThat(legacy.path("object").asText()).isEqualTo("text_completion");
        assertThat(legacy.path("choices").get(0).path("text").asText()).isEqualTo("story");
    }

    @Test
    void aBlockedAnswerIsAnEmptyContentFilterChoice() {
        ObjectNode out = PalmTranslator.toOpenAi(Operation.CHAT, json("{'filters':[{'reason':'SAFETY'}],"
                + "'safetyFeedback':[{'rating':{'category':'HARM_CATEGORY_TOXICITY','probability':'HIGH'}}]}"),
                false, "c", "text-bison-001", 1);
        assertThat(out.path("choices")).hasSize(1);
        assertThat(out.path("choices").get(0).path("message").path("content").asText()).isEmpty();
        assertThat(out.path("choices").get(0).path("finish_reason").asText()).isEqualTo("content_filter");
    }
}
