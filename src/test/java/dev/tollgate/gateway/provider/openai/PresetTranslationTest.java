package dev.tollgate.gateway.provider.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The presets' request, usage, stream and error translation, as pure functions (no HTTP). */
class PresetTranslationTest {

    static GatewayConfig.Model model(Provider p, String upstream, String policy) {
        return new GatewayConfig.Model("ns/m", "m", p.wireName(), upstream, p.defaultApiBase().orElse("http://vllm:8000/v1/"),
                null, null, "cred", null, null, null, 1, 10_000, null, null, policy, null);
    }

    static Call call(Provider p, String upstream, Operation op, String body, String policy) {
        return new Call(model(p, upstream, policy), "key", op,
                JsonBody.of((ObjectNode) Json.parse(body.replace('\'', '"'))), new Cancellation());
    }

    static JsonNode sent(UpstreamRequest r) {
        return Json.parse(r.body().getBytes());
    }

    static final String HI = "'messages':[{'role':'user','content':'hi'}]";

    // ---- Mistral ---------------------------------------------------------------------------------------------------

    @Test
    void mistralRenamesSeedMapsRequiredAndStripsNullsAndStreamOptions() {
        Call c = call(Provider.MISTRAL, "mistral-small-latest", Operation.CHAT,
                "{'model':'mistral-small-latest'," + HI.replace("'content':'hi'}", "'content':'hi','name':null}")
                        + ",'seed':42,'tool_choice':'required','max_completion_tokens':20,'temperature':null,"
                        + "'stream_options':{'include_usage':true},'safe_prompt':true}", "reject");
        JsonNode body = sent(new PresetAdapter(Provider.MISTRAL).request(c, true));
        assertThat(body.path("random_seed").asInt()).isEqualTo(42);
        assertThat(body.has("seed")).isFalse();
        assertThat(body.path("tool_choice").asText()).isEqualTo("any");
        assertThat(body.path("max_tokens").asInt()).isEqualTo(20);
        assertThat(body.has("max_completion_tokens")).isFalse();
        assertThat(body.has("temperature")).as("null fields are extra_forbidden at Mistral").isFalse();
        assertThat(body.has("stream_options")).isFalse();
        assertThat(body.path("safe_prompt").asBoolean()).isTrue();
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("messages").get(0).has("name")).isFalse();
        assertThat(c.dropped()).isEmpty();
    }

    @Test
    void mistralRefusesOrDropsFieldsItDoesNotDefine() {
        String req = "{'model':'m'," + HI + ",'logit_bias':{'1':-100},'user':'u1'}";
        assertThatThrownBy(() -> new PresetAdapter(Provider.MISTRAL).request(
                call(Provider.MISTRAL, "m", Operation.CHAT, req, "reject"), false))
                .isInstanceOf(TranslationException.class).hasMessageContaining("logit_bias").hasMessageContaining("Mistral");
        Call drop = call(Provider.MISTRAL, "m", Operation.CHAT, req, "drop");
        JsonNode body = sent(new PresetAdapter(Provider.MISTRAL).request(drop, false));
        assertThat(drop.dropped()).containsExactlyInAnyOrder("logit_bias", "user");
        assertThat(body.has("logit_bias")).isFalse();
        assertThat(body.has("user")).isFalse();
    }

    @Test
    void mistralDropsEchoedAnswerFieldsAndKeepsToolNames() {
        Call c = call(Provider.MISTRAL, "m", Operation.CHAT, "{'model':'m','messages':[{'role':'user','content':'hi'},"
                + "{'role':'assistant','content':null,'refusal':null,'reasoning_content':'hmm','tool_calls':[{'id':'c1',"
                + "'type':'function','function':{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'c1',"
                + "'name':'f','content':'ok'}]}", "reject");
        JsonNode body = sent(new PresetAdapter(Provider.MISTRAL).request(c, false));
        JsonNode assistant = body.path("messages").get(1);
        assertThat(assistant.has("reasoning_content")).isFalse();
        assertThat(assistant.has("refusal")).isFalse();
        assertThat(assistant.has("content")).isFalse();
        assertThat(assistant.path("tool_calls")).hasSize(1);
        assertThat(body.path("messages").get(2).path("name").asText()).isEqualTo("f");
    }

    @Test
    void mistralParticipantNamesGoThroughThePolicy() {
        String req = "{'model':'m','messages':[{'role':'user','content':'hi','name':'bob'}]}";
        assertThatThrownBy(() -> new PresetAdapter(Provider.MISTRAL).request(
                call(Provider.MISTRAL, "m", Operation.CHAT, req, "reject"), false))
                .isInstanceOf(TranslationException.class).hasMessageContaining("messages[].name");
    }

    @Test
    void mistralEmbeddingsNameTheirSizeOutputDimension() {
        Call c = call(Provider.MISTRAL, "mistral-embed", Operation.EMBEDDINGS,
                "{'model':'mistral-embed','input':['a','b'],'dimensions':256,'encoding_format':'float'}", "reject");
        PresetAdapter a = new PresetAdapter(Provider.MISTRAL);
        UpstreamRequest r = a.request(c, false);
        assertThat(r.url()).isEqualTo("https://api.mistral.ai/v1/embeddings");
        assertThat(sent(r).path("output_dimension").asInt()).isEqualTo(256);
        assertThat(sent(r).has("dimensions")).isFalse();
    }

    // ---- Groq ------------------------------------------------------------------------------------------------------

    @Test
    void groqRefusesLogprobsAndSeveralChoices() {
        for (String extra : List.of("'logprobs':true", "'top_logprobs':2", "'logit_bias':{'1':1}", "'n':2")) {
            String req = "{'model':'llama'," + HI + "," + extra + "}";
            assertThatThrownBy(() -> new PresetAdapter(Provider.GROQ).request(
                    call(Provider.GROQ, "llama", Operation.CHAT, req, "reject"), false))
                    .as(extra).isInstanceOf(TranslationException.class).hasMessageContaining("Groq");
        }
        Call ok = call(Provider.GROQ, "llama", Operation.CHAT, "{'model':'llama'," + HI + ",'n':1,'logprobs':false}",
                "reject");
        JsonNode body = sent(new PresetAdapter(Provider.GROQ).request(ok, false));
        assertThat(body.has("n")).isFalse();
        assertThat(body.has("logprobs")).isFalse();
        assertThat(ok.dropped()).isEmpty();
    }

    @Test
    void groqStreamsWithoutStreamOptions() {
        Call c = call(Provider.GROQ, "llama", Operation.CHAT,
                "{'model':'llama'," + HI + ",'stream':true,'stream_options':{'include_usage':true}}", "reject");
        JsonNode body = sent(new PresetAdapter(Provider.GROQ).request(c, true));
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.has("stream_options")).as("usage comes in x_groq; Groq has refused the field").isFalse();
    }

    @Test
    void groqStreamUsageMovesFromXGroqToOneUsageChunk() {
        PresetStream s = new PresetStream(Preset.of(Provider.GROQ, Map.of()), "ns/m");
        List<ObjectNode> out = new ArrayList<>();
        s.feed(Buffer.buffer("data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Hi\"},\"finish_reason\":null}],"
                + "\"x_groq\":{\"id\":\"req_1\"}}\n\n"
                + "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"llama\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}],\"x_groq\":{\"id\":\"req_1\","
                + "\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9,\"queue_time\":0.1}}}\n\n"), out::add);
        assertThat(s.usageSoFar().outputTokens()).isEqualTo(2);
        s.feed(Buffer.buffer("data: [DONE]\n\n"), out::add);
        assertThat(s.end(out::add)).isTrue();
        assertThat(out).hasSize(3);
        assertThat(out.get(1).path("x_groq").has("usage")).isFalse();
        ObjectNode last = out.get(2);
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asInt()).isEqualTo(7);
        assertThat(last.path("id").asText()).isEqualTo("c1");
    }

    // ---- DeepSeek --------------------------------------------------------------------------------------------------

    @Test
    void deepSeekCacheHitsBecomeCachedTokensAndReasoningContentLeavesTheHistory() {
        PresetAdapter a = new PresetAdapter(Provider.DEEPSEEK);
        Call c = call(Provider.DEEPSEEK, "deepseek-reasoner", Operation.CHAT, "{'model':'deepseek-reasoner',"
                + "'messages':[{'role':'user','content':'a'},{'role':'assistant','content':'b','reasoning_content':'r'},"
                + "{'role':'user','content':'c'}]}", "reject");
        UpstreamRequest r = a.request(c, false);
        assertThat(r.url()).isEqualTo("https://api.deepseek.com/chat/completions");
        assertThat(sent(r).path("messages").get(1).has("reasoning_content")).isFalse();
        ObjectNode answer = a.response(c, Json.parse("{\"choices\":[],\"usage\":{\"prompt_tokens\":100,"
                + "\"completion_tokens\":10,\"total_tokens\":110,\"prompt_cache_hit_tokens\":64,"
                + "\"prompt_cache_miss_tokens\":36}}"));
        assertThat(answer.path("usage").path("prompt_tokens_details").path("cached_tokens").asInt()).isEqualTo(64);
        assertThat(dev.tollgate.gateway.TokenUsage.fromOpenAi(answer.get("usage")).cacheReadInputTokens()).isEqualTo(64);
    }

    @Test
    void deepSeekReasonerRefusesLogprobs() {
        assertThatThrownBy(() -> new PresetAdapter(Provider.DEEPSEEK).request(call(Provider.DEEPSEEK,
                "deepseek-reasoner", Operation.CHAT, "{'model':'x'," + HI + ",'logprobs':true}", "reject"), false))
                .isInstanceOf(TranslationException.class).hasMessageContaining("logprobs");
        Call chat = call(Provider.DEEPSEEK, "deepseek-chat", Operation.CHAT, "{'model':'x'," + HI + ",'logprobs':true}",
                "reject");
        assertThat(sent(new PresetAdapter(Provider.DEEPSEEK).request(chat, false)).path("logprobs").asBoolean()).isTrue();
    }

    // ---- xAI, Fireworks, Perplexity, OpenRouter, vLLM -----------------------------------------------------------------

    @Test
    void xaiReasoningTokensAreBilledAsOutput() {
        ObjectNode u = (ObjectNode) Json.parse("{\"prompt_tokens\":32,\"completion_tokens\":9,\"total_tokens\":135,"
                + "\"completion_tokens_details\":{\"reasoning_tokens\":94}}");
        Preset.of(Provider.XAI, Map.of()).usage(u);
        assertThat(u.path("completion_tokens").asInt()).isEqualTo(103);
        ObjectNode already = (ObjectNode) Json.parse("{\"prompt_tokens\":32,\"completion_tokens\":103,"
                + "\"total_tokens\":135,\"completion_tokens_details\":{\"reasoning_tokens\":94}}");
        Preset.of(Provider.XAI, Map.of()).usage(already);
        assertThat(already.path("completion_tokens").asInt()).as("not counted twice").isEqualTo(103);
    }

    @Test
    void xaiReasoningModelsRefuseStopAndPenalties() {
        assertThatThrownBy(() -> new PresetAdapter(Provider.XAI).request(call(Provider.XAI, "grok-3-mini",
                Operation.CHAT, "{'model':'x'," + HI + ",'stop':['\\n']}", "reject"), false))
                .isInstanceOf(TranslationException.class).hasMessageContaining("stop");
        Call plain = call(Provider.XAI, "grok-4-fast-non-reasoning", Operation.CHAT, "{'model':'x'," + HI
                + ",'stop':['x']}", "reject");
        assertThat(sent(new PresetAdapter(Provider.XAI).request(plain, false)).has("stop")).isTrue();
    }

    @Test
    void fireworksCapsUnstreamedAnswersAt4096Tokens() {
        String req = "{'model':'x'," + HI + ",'max_tokens':8000}";
        assertThatThrownBy(() -> new PresetAdapter(Provider.FIREWORKS_AI).request(call(Provider.FIREWORKS_AI,
                "accounts/fireworks/models/llama-v3p1-8b-instruct", Operation.CHAT, req, "reject"), false))
                .isInstanceOf(TranslationException.class).hasMessageContaining("stream: true");
        Call drop = call(Provider.FIREWORKS_AI, "x", Operation.CHAT, req, "drop");
        assertThat(sent(new PresetAdapter(Provider.FIREWORKS_AI).request(drop, false)).path("max_tokens").asInt())
                .isEqualTo(4096);
        assertThat(drop.dropped()).containsExactly("max_tokens");
        Call streamed = call(Provider.FIREWORKS_AI, "x", Operation.CHAT, req, "reject");
        assertThat(sent(new PresetAdapter(Provider.FIREWORKS_AI).request(streamed, true)).path("max_tokens").asInt())
                .isEqualTo(8000);
    }

    @Test
    void perplexityHasNoTools() {
        assertThatThrownBy(() -> new PresetAdapter(Provider.PERPLEXITY).request(call(Provider.PERPLEXITY, "sonar",
                Operation.CHAT, "{'model':'x'," + HI + ",'tools':[{'type':'function','function':{'name':'f'}}]}",
                "reject"), false)).isInstanceOf(TranslationException.class).hasMessageContaining("tools");
        UpstreamRequest r = new PresetAdapter(Provider.PERPLEXITY).request(call(Provider.PERPLEXITY, "sonar",
                Operation.CHAT, "{'model':'x'," + HI + ",'search_recency_filter':'week'}", "reject"), false);
        assertThat(r.url()).isEqualTo("https://api.perplexity.ai/chat/completions");
        assertThat(sent(r).path("search_recency_filter").asText()).isEqualTo("week");
    }

    @Test
    void openRouterSendsItsAttributionHeaders() {
        PresetAdapter a = new PresetAdapter(Provider.OPENROUTER, Map.of("HTTP-Referer", "https://tollgate.example",
                "X-Title", "Tollgate"));
        UpstreamRequest r = a.request(call(Provider.OPENROUTER, "meta-llama/llama-3.3-70b-instruct:free",
                Operation.CHAT, "{'model':'x'," + HI + ",'provider':{'order':['groq']},'models':['a','b']}", "reject"),
                false);
        assertThat(r.url()).isEqualTo("https://openrouter.ai/api/v1/chat/completions");
        assertThat(r.headers().get("HTTP-Referer")).isEqualTo("https://tollgate.example");
        assertThat(r.headers().get("X-Title")).isEqualTo("Tollgate");
        assertThat(sent(r).path("provider").path("order").get(0).asText()).isEqualTo("groq");
        assertThat(new PresetAdapter(Provider.OPENROUTER).request(call(Provider.OPENROUTER, "x", Operation.CHAT,
                "{'model':'x'," + HI + "}", "reject"), false).headers().contains("X-Title")).isFalse();
    }

    @Test
    void vllmPassesExtraSamplingFieldsToItsOwnBase() {
        UpstreamRequest r = new PresetAdapter(Provider.VLLM).request(call(Provider.VLLM, "meta-llama/Llama-3.1-8B",
                Operation.COMPLETIONS, "{'model':'x','prompt':'a','top_k':40,'min_p':0.05,'repetition_penalty':1.1,"
                        + "'guided_json':{'type':'object'}}", "reject"), false);
        assertThat(r.url()).isEqualTo("http://vllm:8000/v1/completions");
        JsonNode b = sent(r);
        assertThat(b.path("top_k").asInt()).isEqualTo(40);
        assertThat(b.path("guided_json").path("type").asText()).isEqualTo("object");
    }

    @Test
    void eachPresetServesTheRegistrysCapabilities() {
        assertThat(new PresetAdapter(Provider.MISTRAL).supports(Operation.EMBEDDINGS)).isTrue();
        assertThat(new PresetAdapter(Provider.GROQ).supports(Operation.EMBEDDINGS)).isFalse();
        assertThat(new PresetAdapter(Provider.PERPLEXITY).supports(Operation.COMPLETIONS)).isFalse();
        assertThat(new PresetAdapter(Provider.VLLM).supports(Operation.COMPLETIONS)).isTrue();
        assertThatThrownBy(() -> new PresetAdapter(Provider.OPENAI)).isInstanceOf(IllegalArgumentException.class);
    }

    // ---- streams ---------------------------------------------------------------------------------------------------

    @Test
    void usageOnTheFinishingChunkLeavesAsItsOwnChunk() {
        PresetStream s = new PresetStream(Preset.of(Provider.MISTRAL, Map.of()), "ns/m");
        List<ObjectNode> out = new ArrayList<>();
        s.feed(Buffer.buffer("data: {\"id\":\"x\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},\"finish_reason\":\"stop\"}],"
                + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1,\"total_tokens\":6}}\n\ndata: [DONE]\n\n"),
                out::add);
        assertThat(s.end(out::add)).isTrue();
        assertThat(out).hasSize(2);
        assertThat(out.get(0).has("usage")).isFalse();
        assertThat(out.get(1).path("usage").path("total_tokens").asInt()).isEqualTo(6);
    }

    @Test
    void aStreamEndingBeforeItsFinishWasCut() {
        PresetStream s = new PresetStream(Preset.of(Provider.VLLM, Map.of()), "ns/m");
        List<ObjectNode> out = new ArrayList<>();
        s.feed(Buffer.buffer("data: {\"id\":\"x\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"},"
                + "\"finish_reason\":null}]}\n\n"), out::add);
        assertThat(s.end(out::add)).isFalse();
    }

    @Test
    void anErrorChunkFailsTheStream() {
        PresetStream s = new PresetStream(Preset.of(Provider.OPENROUTER, Map.of()), "ns/m");
        assertThatThrownBy(() -> s.feed(Buffer.buffer(": OPENROUTER PROCESSING\n\ndata: {\"id\":\"x\",\"error\":"
                + "{\"code\":\"server_error\",\"message\":\"Provider disconnected\"},\"choices\":[{\"index\":0,"
                + "\"delta\":{},\"finish_reason\":\"error\"}]}\n\n"), c -> { }))
                .isInstanceOf(UpstreamException.class).hasMessageContaining("Provider disconnected");
    }

    // ---- errors ----------------------------------------------------------------------------------------------------

    static UpstreamException error(Provider p, int status, String body) {
        return new PresetAdapter(p).error(call(p, "m", Operation.CHAT, "{'model':'m'," + HI + "}", "reject"), status,
                Json.parse(body), MultiMap.caseInsensitiveMultiMap().add("retry-after", "7"));
    }

    @Test
    void mistralValidationErrorsNameTheField() {
        ApiError e = PresetAdapter.parseError(422, Json.parse("{\"object\":\"error\",\"message\":{\"detail\":[{\"type\":"
                + "\"extra_forbidden\",\"loc\":[\"body\",\"seed\"],\"msg\":\"Extra inputs are not permitted\","
                + "\"input\":1}]},\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}"));
        assertThat(e.message()).isEqualTo("body.seed: Extra inputs are not permitted");
        assertThat(e.param()).isEqualTo("seed");
        assertThat(error(Provider.MISTRAL, 422, "{\"object\":\"error\",\"message\":\"bad\"}").error().httpStatus())
                .isEqualTo(400);
    }

    @Test
    void contextWindowErrorsInEachProvidersWords() {
        for (var c : List.of(
                Map.entry(Provider.MISTRAL, "{\"object\":\"error\",\"message\":\"Prompt contains 40960 tokens and 0 draft "
                        + "tokens, too large for model with 32768 maximum context length\",\"type\":\"invalid_request_message_error\"}"),
                Map.entry(Provider.GROQ, "{\"error\":{\"message\":\"Please reduce the length of the messages or "
                        + "completion.\",\"type\":\"invalid_request_error\",\"code\":\"context_length_exceeded\"}}"),
                Map.entry(Provider.TOGETHER_AI, "{\"error\":{\"message\":\"Input validation error: `inputs` tokens + "
                        + "`max_new_tokens` must be <= 8193. Given: 9000 `inputs` tokens\"}}"),
                Map.entry(Provider.VLLM, "{\"object\":\"error\",\"message\":\"This model's maximum context length is "
                        + "4096 tokens. However, you requested 5000 tokens\",\"type\":\"BadRequestError\",\"code\":400}"))) {
            UpstreamException e = error(c.getKey(), 400, c.getValue());
            assertThat(e.error().code()).as(c.getKey().wireName()).isEqualTo("context_length_exceeded");
            assertThat(e.error().httpStatus()).isEqualTo(400);
        }
        assertThat(error(Provider.GROQ, 400, "{\"error\":{\"message\":\"'n' : number must be at most 1\"}}").error()
                .code()).isNotEqualTo("context_length_exceeded");
    }

    @Test
    void authAndRateLimitsInEveryShape() {
        assertThat(error(Provider.XAI, 401, "{\"code\":\"Client specified an invalid argument\",\"error\":\"Incorrect API "
                + "key provided: xai-****\"}").error().code()).isEqualTo("upstream_auth_failed");
        assertThat(error(Provider.VLLM, 401, "{\"error\":\"Unauthorized\"}").error().httpStatus()).isEqualTo(502);
        UpstreamException limited = error(Provider.OPENROUTER, 429, "{\"error\":{\"code\":429,\"message\":\"Rate limit "
                + "exceeded: free-models-per-min\",\"metadata\":{}}}");
        assertThat(limited.error().httpStatus()).isEqualTo(429);
        assertThat(limited.error().code()).isEqualTo("rate_limit_exceeded");
        assertThat(limited.error().message()).contains("free-models-per-min");
    }
}
