package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake of Bedrock Runtime's InvokeModel ({@code POST /model/{modelId}/invoke},
 * https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html) for the embedding and image
 * models; {@link #baseUrl()} stands for {@code https://bedrock-runtime.<region>.amazonaws.com}. The model id is one
 * percent-encoded path segment ({@code amazon.titan-embed-text-v2%3A0}); {@link RecordedRequest#pathParam} "modelId"
 * is the decoded id. Bodies follow the Bedrock user guide's model parameter pages:
 *
 * <ul>
 *   <li>Titan Text Embeddings (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-embed-text.html):
 *       v1 takes only {@code inputText}; v2 also {@code dimensions} (256, 512, 1024; default 1024), {@code normalize},
 *       {@code embeddingTypes}. Answer {@code {"embedding", "inputTextTokenCount"}} (v2 also {@code embeddingsByType});
 *       the token count is the reply's prompt tokens, else the words of the text. Vectors are deterministic
 *       ({@link #vector}); v1's have 1536 values.</li>
 *   <li>Cohere Embed (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-embed.html): {@code texts}
 *       (at most 96) and {@code input_type} required; answer {@code {"embeddings": [[...]], "id", "response_type":
 *       "embeddings_floats", "texts"}} with 1024 values per vector.</li>
 *   <li>Titan Image Generator / Nova Canvas (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html,
 *       https://docs.aws.amazon.com/nova/latest/userguide/image-gen-errors.html): {@code taskType TEXT_IMAGE},
 *       {@code textToImageParams.text} required, {@code imageGenerationConfig.numberOfImages} 1 to 5; answer
 *       {@code {"images": [base64 PNG...], "error": null}}. {@link Reply#finishReason finishReason("content_filter")}
 *       is the documented output deflection: a 200 with no image and {@code "error": "All of the generated images
 *       have been blocked by our content filters."}.</li>
 *   <li>Stability Stable Image Core / Ultra / SD3.5
 *       (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-stable-image-core-text-image-request-response.html):
 *       {@code prompt} required, {@code aspect_ratio} one of the documented nine; answer {@code {"seeds", "finish_reasons":
 *       [null], "images"}}; {@code content_filter} gives {@code {"finish_reasons": ["Filter reason: prompt"]}}.</li>
 *   <li>SDXL 1.0 (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-1-0-text-image.html):
 *       {@code text_prompts} required; answer {@code {"result": "success", "artifacts": [{"seed", "base64",
 *       "finishReason": "SUCCESS"}]}}; {@code content_filter} gives an artifact with {@code CONTENT_FILTERED}.</li>
 *   <li>Any key a model does not document is refused as Bedrock refuses it: 400 ValidationException "Malformed input
 *       request: extraneous key [k] is not permitted".</li>
 *   <li>Errors (https://docs.aws.amazon.com/bedrock/latest/userguide/troubleshooting-api-error-codes.html): body
 *       {@code {"message"}}, the exception's name in {@code x-amzn-ErrorType} ({@code Name:http://internal.amazon.com/coral/com.amazon.bedrock/}).
 *       A reply's type is used when it is an exception name, else the status's: 400 ValidationException, 403
 *       AccessDeniedException, 404 ResourceNotFoundException, 408 ModelTimeoutException, 424 ModelErrorException, 429
 *       ThrottlingException, 500 InternalServerException, 503 ServiceUnavailableException. Reply headers (e.g.
 *       {@code retry-after}) are sent as given. {@link Reply#contextTooLong()} is Titan's "Too many input tokens"
 *       ValidationException.</li>
 *   <li>Auth: with a key, {@code Authorization: Bearer <key>} (a Bedrock API key) is required, and anything else is
 *       403 UnrecognizedClientException "The security token included in the request is invalid."; without one
 *       (SigV4 and other authenticators under test) any request is accepted and recorded.</li>
 * </ul>
 */
public final class FakeBedrockInvoke extends FakeUpstream {

    static final Pattern INVOKE = Pattern.compile("^/model/([^/]+)/invoke$");
    static final String CORAL = ":http://internal.amazon.com/coral/com.amazon.bedrock/";
    public static final String CONTEXT_TOO_LONG = "400 Bad Request: Too many input tokens. Max input tokens: 8192, "
            + "request input token count: 11530 ";
    public static final String TITAN_OUTPUT_BLOCKED = "All of the generated images have been blocked by our content "
            + "filters.";

    private final String apiKey;

    private FakeBedrockInvoke(Vertx vertx, String apiKey) {
        super(vertx, Reply.text("fake"));
        this.apiKey = apiKey;
    }

    /** A fake that requires {@code Authorization: Bearer <apiKey>}, or accepts any request when {@code apiKey} is null. */
    public static FakeBedrockInvoke start(Vertx vertx, String apiKey) {
        FakeBedrockInvoke fake = new FakeBedrockInvoke(vertx, apiKey);
        fake.listen();
        return fake;
    }

    @Override
    public String baseUrl() {
        return origin();
    }

    @Override
    protected Reply defaultBehaviour() {
        return Reply.text("fake");
    }

    @Override
    protected Map<String, String> pathParams(String path) {
        Matcher m = INVOKE.matcher(path);
        return m.matches() ? Map.of("modelId", URLDecoder.decode(m.group(1), StandardCharsets.UTF_8)) : Map.of();
    }

    /** A deterministic vector for a text: the same text always embeds the same. */
    public static float[] vector(String text, int dimensions) {
        float[] v = new float[dimensions];
        int h = text.hashCode();
        for (int i = 0; i < dimensions; i++) {
            h = h * 31 + i;
            v[i] = (h % 1000) / 1000f;
        }
        return v;
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        Matcher m = INVOKE.matcher(request.path());
        if (!"POST".equals(request.method()) || !m.matches()) {
            fail(http, 404, "UnknownOperationException", "Unknown operation", Map.of());
            return;
        }
        if (apiKey != null && !("Bearer " + apiKey).equals(request.header("authorization"))) {
            fail(http, 403, "UnrecognizedClientException", "The security token included in the request is invalid.",
                    Map.of());
            return;
        }
        String modelId = request.pathParam("modelId");
        JsonNode body = request.json();
        if (body == null || !body.isObject()) {
            fail(http, 400, "ValidationException", "Malformed input request, please reformat your input and try "
                    + "again.", Map.of());
            return;
        }
        Reply reply = nextReply();
        Map<String, String> headers = new LinkedHashMap<>(reply.headers());
        if (reply.isError()) {
            if (reply.isContextTooLong()) {
                fail(http, 400, "ValidationException", CONTEXT_TOO_LONG, headers);
            } else {
                fail(http, reply.status(), errorName(reply), reply.errorMessage(), headers);
            }
            return;
        }
        String id = modelId.substring(modelId.lastIndexOf('/') + 1).replaceFirst("^(us|eu|apac|global)\\.", "");
        try {
            ObjectNode answer;
            if (id.startsWith("amazon.titan-embed-text-v2")) {
                answer = titanEmbed(body, reply, Set.of("inputText", "dimensions", "normalize", "embeddingTypes"), 1024);
            } else if (id.startsWith("amazon.titan-embed-text-v1")) {
                answer = titanEmbed(body, reply, Set.of("inputText"), 1536);
            } else if (id.startsWith("cohere.embed")) {
                answer = cohereEmbed(body);
            } else if (id.startsWith("amazon.titan-image-generator") || id.startsWith("amazon.nova-canvas")) {
                answer = titanImage(body, reply);
            } else if (id.startsWith("stability.stable-diffusion-xl")) {
                answer = sdxl(body, reply);
            } else if (id.startsWith("stability.")) {
                answer = stability(body, reply);
            } else {
                fail(http, 400, "ValidationException", "The provided model identifier is invalid.", headers);
                return;
            }
            respondJson(http, 200, headers, answer, reply);
        } catch (Invalid e) {
            fail(http, 400, "ValidationException", e.getMessage(), headers);
        }
    }

    /** A documented validation failure. */
    private static final class Invalid extends RuntimeException {
        Invalid(String message) {
            super(message, null, false, false);
        }
    }

    private static void allow(JsonNode body, Set<String> keys) {
        body.fieldNames().forEachRemaining(k -> {
            if (!keys.contains(k)) {
                throw new Invalid("Malformed input request: extraneous key [" + k + "] is not permitted, please "
                        + "reformat your input and try again.");
            }
        });
    }

    private static ObjectNode titanEmbed(JsonNode body, Reply reply, Set<String> keys, int defaultDimensions) {
        allow(body, keys);
        JsonNode text = body.get("inputText");
        if (text == null || !text.isTextual()) {
            throw new Invalid("Malformed input request: required key [inputText] not found, please reformat your "
                    + "input and try again.");
        }
        int dims = body.path("dimensions").asInt(defaultDimensions);
        if (!Set.of(256, 512, 1024, 1536).contains(dims) || body.has("dimensions") && dims == 1536) {
            throw new Invalid("Malformed input request: #/dimensions: " + dims + " is not a valid enum value, please "
                    + "reformat your input and try again.");
        }
        ObjectNode out = object();
        ArrayNode v = out.putArray("embedding");
        for (float f : vector(text.asText(), dims)) {
            v.add(f);
        }
        out.put("inputTextTokenCount", reply.promptTokens(text.asText().isBlank() ? 0
                : text.asText().trim().split("\\s+").length));
        if (keys.size() > 1) {
            out.putObject("embeddingsByType").set("float", v.deepCopy());
        }
        return out;
    }

    private ObjectNode cohereEmbed(JsonNode body) {
        allow(body, Set.of("texts", "images", "input_type", "truncate", "embedding_types"));
        JsonNode texts = body.get("texts");
        if (texts == null || !texts.isArray() || texts.size() > 96 || !body.path("input_type").isTextual()) {
            throw new Invalid("Malformed input request: texts (at most 96) and input_type are required");
        }
        ObjectNode out = object();
        ArrayNode embeddings = out.putArray("embeddings");
        for (JsonNode t : texts) {
            ArrayNode v = embeddings.addArray();
            for (float f : vector(t.asText(), 1024)) {
                v.add(f);
            }
        }
        out.put("id", newId("emb-"));
        out.put("response_type", "embeddings_floats");
        out.set("texts", texts.deepCopy());
        return out;
    }

    private static String png() {
        return Base64.getEncoder().encodeToString(PNG);
    }

    private static ObjectNode titanImage(JsonNode body, Reply reply) {
        allow(body, Set.of("taskType", "textToImageParams", "imageGenerationConfig"));
        if (!"TEXT_IMAGE".equals(body.path("taskType").asText())) {
            throw new Invalid("Malformed input request: #/taskType: only TEXT_IMAGE is faked");
        }
        if (!body.path("textToImageParams").path("text").isTextual()) {
            throw new Invalid("Malformed input request: #/textToImageParams: required key [text] not found");
        }
        allow(body.path("textToImageParams"), Set.of("text", "negativeText"));
        JsonNode config = body.path("imageGenerationConfig");
        allow(config, Set.of("numberOfImages", "width", "height", "quality", "cfgScale", "seed"));
        int n = config.path("numberOfImages").asInt(1);
        if (n < 1 || n > 5) {
            throw new Invalid("Malformed input request: #/imageGenerationConfig/numberOfImages: " + n + " is not "
                    + "less or equal to 5");
        }
        ObjectNode out = object();
        ArrayNode images = out.putArray("images");
        if ("content_filter".equals(reply.finishReasonOr(null))) {
            out.put("error", TITAN_OUTPUT_BLOCKED);
            return out;
        }
        for (int i = 0; i < n; i++) {
            images.add(png());
        }
        out.putNull("error");
        return out;
    }

    private static ObjectNode stability(JsonNode body, Reply reply) {
        allow(body, Set.of("prompt", "aspect_ratio", "output_format", "seed", "negative_prompt", "mode"));
        if (!body.path("prompt").isTextual()) {
            throw new Invalid("Malformed input request: required key [prompt] not found");
        }
        if (body.has("aspect_ratio") && !List.of("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21")
                .contains(body.get("aspect_ratio").asText())) {
            throw new Invalid("Malformed input request: #/aspect_ratio: not a valid enum value");
        }
        ObjectNode out = object();
        if ("content_filter".equals(reply.finishReasonOr(null))) {
            out.putArray("finish_reasons").add("Filter reason: prompt");
            return out;
        }
        out.putArray("seeds").add(body.path("seed").asLong(2130420379L));
        out.putArray("finish_reasons").addNull();
        out.putArray("images").add(png());
        return out;
    }

    private static ObjectNode sdxl(JsonNode body, Reply reply) {
        allow(body, Set.of("text_prompts", "height", "width", "cfg_scale", "clip_guidance_preset", "sampler",
                "samples", "seed", "steps", "style_preset", "extras"));
        if (!body.path("text_prompts").isArray() || body.path("text_prompts").isEmpty()) {
            throw new Invalid("Malformed input request: required key [text_prompts] not found");
        }
        ObjectNode out = object();
        out.put("result", "success");
        ObjectNode artifact = out.putArray("artifacts").addObject();
        artifact.put("seed", body.path("seed").asLong(0));
        boolean filtered = "content_filter".equals(reply.finishReasonOr(null));
        artifact.put("base64", filtered ? "" : png());
        artifact.put("finishReason", filtered ? "CONTENT_FILTERED" : "SUCCESS");
        return out;
    }

    private static String errorName(Reply reply) {
        String t = reply.errorType();
        if (t != null && t.endsWith("Exception")) {
            return t;
        }
        return switch (reply.status()) {
            case 400 -> "ValidationException";
            case 401, 403 -> "AccessDeniedException";
            case 404 -> "ResourceNotFoundException";
            case 408 -> "ModelTimeoutException";
            case 424 -> "ModelErrorException";
            case 429 -> "ThrottlingException";
            case 503 -> "ServiceUnavailableException";
            default -> "InternalServerException";
        };
    }

    private void fail(HttpServerRequest http, int status, String name, String message, Map<String, String> headers) {
        Map<String, String> h = new LinkedHashMap<>(headers);
        h.put("x-amzn-ErrorType", name + CORAL);
        h.put("x-amzn-RequestId", newId("req-"));
        respondJson(http, status, h, object().put("message", message), Reply.text(""));
    }
}
