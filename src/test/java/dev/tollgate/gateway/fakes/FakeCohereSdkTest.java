package dev.tollgate.gateway.fakes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.cohere.api.Cohere;
import com.cohere.api.core.CohereApiException;
import com.cohere.api.errors.BadRequestError;
import com.cohere.api.errors.TooManyRequestsError;
import com.cohere.api.errors.UnauthorizedError;
import com.cohere.api.resources.v2.requests.V2ChatRequest;
import com.cohere.api.resources.v2.requests.V2ChatStreamRequest;
import com.cohere.api.resources.v2.requests.V2EmbedRequest;
import com.cohere.api.resources.v2.requests.V2RerankRequest;
import com.cohere.api.resources.v2.types.V2ChatResponse;
import com.cohere.api.resources.v2.types.V2ChatStreamRequestToolChoice;
import com.cohere.api.resources.v2.types.V2ChatStreamResponse;
import com.cohere.api.resources.v2.types.V2RerankResponse;
import com.cohere.api.types.ChatFinishReason;
import com.cohere.api.types.ChatMessageV2;
import com.cohere.api.types.EmbedByTypeResponse;
import com.cohere.api.types.EmbedInputType;
import com.cohere.api.types.SystemMessageV2;
import com.cohere.api.types.SystemMessageV2Content;
import com.cohere.api.types.ToolV2;
import com.cohere.api.types.ToolV2Function;
import com.cohere.api.types.UserMessageV2;
import com.cohere.api.types.UserMessageV2Content;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Cohere's official Java SDK (com.cohere:cohere-java) against {@link FakeCohere}: the SDK parses the fake's chat
 * answers, its typed SSE stream, embed and rerank answers, and maps its error statuses, so the fake speaks v2 as the
 * SDK (generated from Cohere's OpenAPI description) expects.
 */
class FakeCohereSdkTest {
    static final String KEY = "co-sdk-test-key";
    static FakeCohere fake;
    static Cohere cohere;

    @BeforeAll
    static void start() {
        fake = FakeCohere.start(KEY);
        cohere = client(KEY);
    }

    static Cohere client(String key) {
        return Cohere.builder().token(key).url(fake.baseUrl()).clientName("tollgate-test").maxRetries(0).build();
    }

    @AfterAll
    static void stop() {
        fake.close();
    }

    @BeforeEach
    void reset() {
        fake.reset();
    }

    static List<ChatMessageV2> messages() {
        return List.of(ChatMessageV2.system(SystemMessageV2.builder().content(SystemMessageV2Content.of("Be brief.")).build()),
                ChatMessageV2.user(UserMessageV2.builder().content(UserMessageV2Content.of("Hello")).build()));
    }

    @Test
    void chat() {
        fake.enqueue(Reply.text("Hi there").usage(7, 3));
        V2ChatResponse r = cohere.v2().chat(V2ChatRequest.builder().model("command-a-03-2025").messages(messages())
                .build());
        assertThat(r.getFinishReason()).isEqualTo(ChatFinishReason.COMPLETE);
        assertThat(r.getMessage().getContent().orElseThrow().get(0).getText().orElseThrow().getText())
                .isEqualTo("Hi there");
        assertThat(r.getUsage().orElseThrow().getBilledUnits().orElseThrow().getInputTokens()).hasValue(7.0);
        assertThat(r.getUsage().orElseThrow().getTokens().orElseThrow().getInputTokens())
                .hasValue(7.0 + FakeCohere.TEMPLATE_TOKENS);
        RecordedRequest sent = fake.lastRequest();
        assertThat(sent.path()).isEqualTo("/v2/chat");
        assertThat(sent.header("authorization")).isEqualTo("Bearer " + KEY);
        assertThat(sent.json().path("messages").get(0).path("role").asText()).isEqualTo("system");
    }

    @Test
    void chatWithToolsHasAPlanAndCalls() {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}")));
        V2ChatResponse r = cohere.v2().chat(V2ChatRequest.builder().model("command-a-03-2025").messages(messages())
                .tools(List.of(ToolV2.builder().function(ToolV2Function.builder().name("get_weather")
                        .parameters(Map.of("type", "object")).build()).build())).build());
        assertThat(r.getFinishReason()).isEqualTo(ChatFinishReason.TOOL_CALL);
        assertThat(r.getMessage().getToolPlan()).isPresent();
        assertThat(r.getMessage().getToolCalls().orElseThrow().get(0).getFunction().orElseThrow().getArguments())
                .hasValue("{\"city\":\"Paris\"}");
    }

    @Test
    void chatStreamIsTheDocumentedEventSequence() {
        fake.enqueue(Reply.text("one two three").usage(5, 3));
        List<String> types = new ArrayList<>();
        StringBuilder text = new StringBuilder();
        ChatFinishReason[] finish = new ChatFinishReason[1];
        Double[] billedIn = new Double[1];
        for (V2ChatStreamResponse ev : cohere.v2().chatStream(V2ChatStreamRequest.builder().model("command-a-03-2025")
                .messages(messages()).build())) {
            types.add(ev.isMessageStart() ? "message-start" : ev.isContentStart() ? "content-start"
                    : ev.isContentDelta() ? "content-delta" : ev.isContentEnd() ? "content-end"
                    : ev.isMessageEnd() ? "message-end" : "other");
            ev.getContentDelta().flatMap(d -> d.getDelta()).flatMap(d -> d.getMessage()).flatMap(m -> m.getContent())
                    .flatMap(c -> c.getText()).ifPresent(text::append);
            ev.getMessageEnd().flatMap(e -> e.getDelta()).ifPresent(d -> {
                finish[0] = d.getFinishReason().orElse(null);
                billedIn[0] = d.getUsage().flatMap(u -> u.getBilledUnits()).flatMap(b -> b.getInputTokens()).orElse(null);
            });
        }
        assertThat(types).containsExactly("message-start", "content-start", "content-delta", "content-delta",
                "content-delta", "content-end", "message-end");
        assertThat(text.toString()).isEqualTo("one two three");
        assertThat(finish[0]).isEqualTo(ChatFinishReason.COMPLETE);
        assertThat(billedIn[0]).isEqualTo(5.0);
        assertThat(fake.lastRequest().json().path("stream").asBoolean()).isTrue();
    }

    @Test
    void streamedToolCallsArriveAsStartDeltaEnd() {
        fake.enqueue(Reply.toolCalls(Reply.ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(3)));
        StringBuilder args = new StringBuilder();
        List<String> names = new ArrayList<>();
        int[] plan = {0};
        for (V2ChatStreamResponse ev : cohere.v2().chatStream(V2ChatStreamRequest.builder().model("command-a-03-2025")
                .messages(messages()).toolChoice(V2ChatStreamRequestToolChoice.REQUIRED).build())) {
            if (ev.isToolPlanDelta()) {
                plan[0]++;
            }
            ev.getToolCallStart().flatMap(s -> s.getDelta()).flatMap(d -> d.getMessage()).flatMap(m -> m.getToolCalls())
                    .flatMap(t -> t.getFunction()).flatMap(f -> f.getName()).ifPresent(names::add);
            ev.getToolCallDelta().flatMap(s -> s.getDelta()).flatMap(d -> d.getMessage()).flatMap(m -> m.getToolCalls())
                    .flatMap(t -> t.getFunction()).flatMap(f -> f.getArguments()).ifPresent(args::append);
        }
        assertThat(plan[0]).isPositive();
        assertThat(names).containsExactly("get_weather");
        assertThat(args.toString()).isEqualTo("{\"city\":\"Paris\"}");
    }

    @Test
    void embed() {
        EmbedByTypeResponse r = cohere.v2().embed(V2EmbedRequest.builder().model("embed-v4.0")
                .inputType(EmbedInputType.SEARCH_DOCUMENT).texts(List.of("hello", "goodbye")).outputDimension(4).build());
        List<List<Double>> floats = r.getEmbeddings().getFloat().orElseThrow();
        assertThat(floats).hasSize(2);
        assertThat(floats.get(0)).hasSize(4);
        assertThat(r.getMeta().orElseThrow().getBilledUnits().orElseThrow().getInputTokens()).hasValue(2.0);
    }

    @Test
    void rerank() {
        V2RerankResponse r = cohere.v2().rerank(V2RerankRequest.builder().model("rerank-v3.5")
                .query("What is the capital of the United States?")
                .documents(List.of("Carson City is the capital city of the American state of Nevada.",
                        "Washington, D.C. is the capital of the United States.", "Capital punishment"))
                .topN(2).build());
        assertThat(r.getResults()).hasSize(2);
        assertThat(r.getResults().get(0).getIndex()).isEqualTo(1);
        assertThat(r.getResults().get(0).getRelevanceScore()).isGreaterThanOrEqualTo(r.getResults().get(1).getRelevanceScore());
        assertThat(r.getMeta().orElseThrow().getBilledUnits().orElseThrow().getSearchUnits()).hasValue(1.0);
    }

    @Test
    void errorsAreTheSdksTypedErrors() {
        fake.enqueue(Reply.error(429, "rate_limit", "Please wait and try again later").header("retry-after", "7"));
        assertThatThrownBy(() -> cohere.v2().chat(V2ChatRequest.builder().model("m").messages(messages()).build()))
                .isInstanceOf(TooManyRequestsError.class)
                .satisfies(e -> assertThat(((CohereApiException) e).headers().get("retry-after")).containsExactly("7"));
        fake.enqueue(Reply.contextTooLong());
        assertThatThrownBy(() -> cohere.v2().chat(V2ChatRequest.builder().model("m").messages(messages()).build()))
                .isInstanceOf(BadRequestError.class)
                .satisfies(e -> assertThat(((CohereApiException) e).body().toString()).contains("too many tokens"));
        assertThatThrownBy(() -> client("wrong").v2().chat(V2ChatRequest.builder().model("m").messages(messages())
                .build())).isInstanceOf(UnauthorizedError.class)
                .satisfies(e -> assertThat(((CohereApiException) e).body().toString()).contains("invalid api token"));
    }
}
