package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A fake Hugging Face Text Generation Inference server (a dedicated Inference Endpoint, or one's own TGI), at its
 * root ({@link #baseUrl()} is {@code http://127.0.0.1:PORT}, as {@code https://xyz.endpoints.huggingface.cloud} or
 * {@code http://tgi:8080} would be). Routes, per TGI's OpenAPI document
 * (https://huggingface.github.io/text-generation-inference/openapi.json) and its router source
 * (github.com/huggingface/text-generation-inference, router/src/server.rs, lib.rs):
 * <ul>
 *   <li>{@code POST /generate} — {@code {"inputs", "parameters": {max_new_tokens, temperature, top_p, top_k, stop,
 *       seed, do_sample, details, decoder_input_details, …}}} in; {@code {"generated_text", "details":
 *       {"finish_reason": "length"|"eos_token"|"stop_sequence", "generated_tokens", "seed", "prefill": [...],
 *       "tokens": [...]}}} out ({@code details} only when asked for; {@code prefill} holds one token per prompt token
 *       only with {@code decoder_input_details}).</li>
 *   <li>{@code POST /generate_stream} — SSE, one event per token {@code data:{"index", "token": {"id", "text",
 *       "logprob", "special"}, "generated_text": null, "details": null}}, the last one with the whole
 *       {@code generated_text} and {@code details: {finish_reason, generated_tokens, seed, input_length}}, after an
 *       end-of-sequence token marked {@code special: true} when the model stopped by itself. TGI refuses
 *       {@code decoder_input_details} on a stream (422), as here.</li>
 *   <li>{@code POST /v1/chat/completions} — the Messages API, OpenAI's chat wire
 *       (https://huggingface.co/docs/text-generation-inference/messages_api), rendered by {@link OpenAiWire}.</li>
 * </ul>
 * Also, as the Inference Providers router serves it (a test of the router's embeddings points at this fake):
 * {@code POST /hf-inference/models/{org}/{name}/pipeline/feature-extraction} with {@code {"inputs": string |
 * [string]}} answering a bare array, one vector for a string and one per string for a list
 * (https://huggingface.co/docs/inference-providers/tasks/feature-extraction); a model named {@code *-tokens} answers
 * per-token vectors (no pooling), as raw transformer models do.
 * Errors are TGI's {@code {"error": "<message>", "error_type": "<kind>"}}: validation errors 422, overload 429
 * (the Reply's {@code retry-after} header kept), generation errors 424; an error while streaming is an event with
 * that body. {@link Reply#contextTooLong()} is TGI's validation error "Input validation error: `inputs` tokens +
 * `max_new_tokens` must be <= 4096. Given: …" (422). Auth, as an Inference Endpoint: {@code Authorization: Bearer
 * <hf token>}; a wrong token is 401 (TGI itself has no auth; the endpoint's proxy answers). TGI has no safety
 * block: {@code finishReason("content_filter")} is rendered verbatim. {@code cutAfter(n)}: the stream closes after
 * n events.
 */
public final class FakeTgi extends FakeUpstream {
    public static final String DEFAULT_TEXT = "Hello from the fake TGI.";
    static final int MAX_TOTAL_TOKENS = 4096;
    private final String apiKey;

    private FakeTgi(Vertx vertx, String apiKey) {
        super(vertx, Reply.text(DEFAULT_TEXT));
        this.apiKey = apiKey;
    }

    public static FakeTgi start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeTgi start(Vertx vertx, String apiKey) {
        FakeTgi fake = new FakeTgi(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text(DEFAULT_TEXT);
    }

    static ObjectNode error(String message, String type) {
        return object().put("error", message).put("error_type", type);
    }

    private void fail(HttpServerRequest http, int status, Map<String, String> headers, ObjectNode body, Reply timing) {
        respondJson(http, status, headers, body, timing);
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        String path = request.path();
        boolean chat = path.equals("/v1/chat/completions");
        boolean generate = path.equals("/generate");
        boolean stream = path.equals("/generate_stream");
        boolean features = path.startsWith("/hf-inference/models/") && path.endsWith("/pipeline/feature-extraction");
        if (!"POST".equals(request.method()) || !chat && !generate && !stream && !features) {
            fail(http, 404, Map.of(), error("Not Found", "not_found"), Reply.text(""));
            return;
        }
        if (apiKey != null && !("Bearer " + apiKey).equals(request.header("authorization"))) {
            fail(http, 401, Map.of(), error("Authorization header is correct, but the token seems invalid",
                    "unauthorized"), Reply.text(""));
            return;
        }
        JsonNode json = request.json();
        if (json == null || !json.isObject()) {
            fail(http, 422, Map.of(), error("Failed to deserialize the JSON body into the target type", "validation"),
                    Reply.text(""));
            return;
        }
        if (features) {
            features(http, path, json);
            return;
        }
        if (!chat) {
            String invalid = validateGenerate(json, stream);
            if (invalid != null) {
                fail(http, 422, Map.of(), error("Input validation error: " + invalid, "validation"), Reply.text(""));
                return;
            }
        }
        Reply reply = nextReply();
        if (reply.isError()) {
            Map<String, String> headers = new LinkedHashMap<>(reply.headers());
            if (reply.isContextTooLong()) {
                fail(http, 422, headers, error("Input validation error: `inputs` tokens + `max_new_tokens` must be <= "
                        + MAX_TOTAL_TOKENS + ". Given: 4000 `inputs` tokens and 256 `max_new_tokens`", "validation"),
                        reply);
                return;
            }
            String type = switch (reply.status()) {
                case 429 -> "overloaded";
                case 422, 400 -> "validation";
                default -> "generation";
            };
            fail(http, reply.status(), headers, error(reply.errorMessage(), type), reply);
            return;
        }
        if (chat) {
            chat(http, request, reply);
        } else if (generate) {
            generate(http, json, reply);
        } else {
            generateStream(http, json, reply);
        }
    }

    private void features(HttpServerRequest http, String path, JsonNode json) {
        JsonNode inputs = json.path("inputs");
        boolean tokens = path.contains("-tokens/");
        ArrayNode out = JSON.createArrayNode();
        int n = inputs.isArray() ? inputs.size() : 1;
        for (int i = 0; i < n; i++) {
            ArrayNode v = JSON.createArrayNode();
            for (int d = 0; d < 3; d++) {
                v.add(0.1 * (i + 1) + 0.01 * d);
            }
            if (tokens) {
                ArrayNode perToken = JSON.createArrayNode();
                perToken.add(v);
                perToken.add(v);
                out.add(perToken);
            } else if (inputs.isArray()) {
                out.add(v);
            } else {
                out = v;
            }
        }
        respondJson(http, 200, Map.of(), out, Reply.text(""));
    }

    /** What TGI's validation refuses (router/src/validation.rs), or null. */
    static String validateGenerate(JsonNode json, boolean stream) {
        if (!json.path("inputs").isTextual()) {
            return "`inputs` must be a string";
        }
        JsonNode p = json.path("parameters");
        if (p.has("temperature") && p.get("temperature").asDouble() <= 0) {
            return "`temperature` must be strictly positive";
        }
        if (p.has("top_p") && (p.get("top_p").asDouble() <= 0 || p.get("top_p").asDouble() >= 1)) {
            return "`top_p` must be > 0.0 and < 1.0";
        }
        if (stream && p.path("decoder_input_details").asBoolean(false)) {
            return "`decoder_input_details` == true is not supported when streaming tokens";
        }
        for (var it = p.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!List.of("best_of", "decoder_input_details", "details", "do_sample", "frequency_penalty", "grammar",
                    "max_new_tokens", "repetition_penalty", "return_full_text", "seed", "stop", "temperature", "top_k",
                    "top_n_tokens", "top_p", "truncate", "typical_p", "watermark", "adapter_id").contains(f)) {
                return "unknown field `" + f + "`";
            }
        }
        return null;
    }

    private void chat(HttpServerRequest http, RecordedRequest request, Reply reply) {
        String id = "";
        long created = Instant.now().getEpochSecond();
        String model = reply.modelOr(request.json().path("model").asText("tgi"));
        int prompt = reply.promptTokens(10);
        if (request.json().path("stream").asBoolean(false)) {
            boolean usage = request.json().path("stream_options").path("include_usage").asBoolean(false);
            respondStream(http, new LinkedHashMap<>(reply.headers()),
                    OpenAiWire.chatChunks(id, created, model, reply, prompt, usage, false, "", this),
                    "data: " + write(error(reply.errorMessage() == null ? "error" : reply.errorMessage(),
                            "generation")) + "\n\n", reply);
        } else {
            respondJson(http, 200, new LinkedHashMap<>(reply.headers()),
                    OpenAiWire.chatCompletion(id, created, model, reply, prompt, false, "", this), reply);
        }
    }

    private static String finishReason(Reply reply) {
        String f = reply.finishReasonOr("eos_token");
        return f.equals("stop") ? "eos_token" : f;
    }

    private void generate(HttpServerRequest http, JsonNode json, Reply reply) {
        JsonNode p = json.path("parameters");
        ObjectNode body = object().put("generated_text", reply.text() == null ? "" : reply.text());
        if (p.path("details").asBoolean(false)) {
            ObjectNode d = body.putObject("details");
            d.put("finish_reason", finishReason(reply));
            d.put("generated_tokens", reply.completionTokens());
            d.putNull("seed");
            ArrayNode prefill = d.putArray("prefill");
            if (p.path("decoder_input_details").asBoolean(false)) {
                for (int i = 0; i < reply.promptTokens(10); i++) {
                    ObjectNode t = prefill.addObject().put("id", 100 + i).put("text", "▁p" + i);
                    if (i > 0) {
                        t.put("logprob", -1.5);
                    } else {
                        t.putNull("logprob");
                    }
                }
            }
            ArrayNode tokens = d.putArray("tokens");
            for (int i = 0; i < reply.completionTokens(); i++) {
                tokens.addObject().put("id", 200 + i).put("text", "▁t" + i).put("logprob", -0.5).put("special", false);
            }
        }
        respondJson(http, 200, new LinkedHashMap<>(reply.headers()), body, reply);
    }

    private void generateStream(HttpServerRequest http, JsonNode json, Reply reply) {
        List<String> frames = new ArrayList<>();
        List<String> pieces = new ArrayList<>(reply.textPieces());
        String finish = finishReason(reply);
        boolean eos = finish.equals("eos_token");
        int index = 1;
        for (int i = 0; i < pieces.size(); i++) {
            boolean last = i == pieces.size() - 1 && !eos;
            frames.add(event(index++, pieces.get(i), false, last, reply, finish));
        }
        if (eos || pieces.isEmpty()) {
            frames.add(event(index, eos ? "</s>" : "", eos, true, reply, finish));
        }
        respondStream(http, new LinkedHashMap<>(reply.headers()), frames,
                "data:" + write(error(reply.errorMessage() == null ? "error" : reply.errorMessage(), "generation"))
                        + "\n\n", reply);
    }

    private String event(int index, String text, boolean special, boolean last, Reply reply, String finish) {
        ObjectNode e = object().put("index", index);
        e.putObject("token").put("id", 300 + index).put("text", text).put("logprob", -0.25).put("special", special);
        e.putArray("top_tokens");
        if (last) {
            e.put("generated_text", reply.text() == null ? "" : reply.text());
            e.putObject("details").put("finish_reason", finish).put("generated_tokens", reply.completionTokens())
                    .putNull("seed").put("input_length", reply.promptTokens(10));
        } else {
            e.putNull("generated_text");
            e.putNull("details");
        }
        return "data:" + write(e) + "\n\n";
    }
}
