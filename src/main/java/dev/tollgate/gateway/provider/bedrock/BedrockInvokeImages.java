package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.bedrock.BedrockInvokeModels.Family;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * OpenAI's {@code /v1/images/generations} to Bedrock's image models and back. Bedrock answers with the images'
 * bytes (base64) and has no URLs to hand out, so {@code response_format: url} is refused (400 on
 * {@code response_format}); without one, the answer carries {@code b64_json}.
 *
 * <ul>
 *   <li><b>Amazon Titan Image Generator, Amazon Nova Canvas</b>
 *       (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-titan-image.html,
 *       https://docs.aws.amazon.com/nova/latest/userguide/image-gen-req-resp-structure.html): {@code taskType
 *       TEXT_IMAGE}, {@code textToImageParams {text, negativeText}}, {@code imageGenerationConfig {numberOfImages,
 *       width, height, quality, cfgScale, seed}}; {@code size} WxH gives width and height, {@code n} the number of
 *       images (at most {@value #TITAN_MAX_IMAGES} per call: more are split), {@code quality} hd/high → premium,
 *       standard/low/medium → standard. Answer {@code {"images": [base64...], "error"}}: an {@code error} with no image
 *       (every image was blocked by the content filters) → 400 {@code content_policy_violation}.</li>
 *   <li><b>Stability AI Stable Image Core / Ultra, SD3 / SD3.5 Large</b>
 *       (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-stable-image-core-text-image-request-response.html):
 *       {@code {"prompt", "aspect_ratio", "output_format", "seed", "negative_prompt"}}, one image per call ({@code n}
 *       is split); {@code size} becomes the nearest of the documented aspect ratios (a client's own
 *       {@code aspect_ratio} wins). Answer {@code {"seeds", "finish_reasons", "images"}}: a finish reason
 *       {@code "Filter reason: ..."} → 400 {@code content_policy_violation}, any other non-null one → 502.</li>
 *   <li><b>Stability SDXL 1.0</b>
 *       (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-diffusion-1-0-text-image.html):
 *       {@code {"text_prompts": [{text, weight}], "width", "height", "cfg_scale", "steps", "seed", "style_preset",
 *       "samples": 1}}, the negative prompt as a prompt of weight -1. Answer {@code {"artifacts": [{base64, seed,
 *       finishReason}]}}: {@code CONTENT_FILTERED} → 400 {@code content_policy_violation}, {@code ERROR} → 502.</li>
 * </ul>
 * Extra fields a client may send for these models: {@code negative_prompt}, {@code seed}, {@code cfg_scale} (Titan,
 * Nova, SDXL), {@code steps} and {@code style_preset} (SDXL), {@code aspect_ratio} (Stability).
 */
final class BedrockInvokeImages {
    private BedrockInvokeImages() {}

    static final int TITAN_MAX_IMAGES = 5;
    /** The aspect ratios Stability's Bedrock models accept. */
    static final List<String> ASPECT_RATIOS =
            List.of("16:9", "1:1", "21:9", "2:3", "3:2", "4:5", "5:4", "9:16", "9:21");

    static int n(ObjectNode req) {
        JsonNode n = req.get("n");
        return n == null || !n.canConvertToInt() ? 1 : Math.max(1, n.asInt());
    }

    /** The request as the requests of the provider calls it takes ({@code n} split), in order. */
    static List<ObjectNode> split(Family family, ObjectNode req) {
        int n = n(req);
        int per = family == Family.TITAN_IMAGE ? TITAN_MAX_IMAGES : 1;
        if (n <= per) {
            return List.of(req);
        }
        List<ObjectNode> parts = new ArrayList<>();
        for (int left = n; left > 0; left -= per) {
            parts.add(req.deepCopy().put("n", Math.min(per, left)));
        }
        return parts;
    }

    /** The InvokeModel body for a request that fits one call (see {@link #split}). */
    static ObjectNode request(Family family, ObjectNode req, ParamPolicy policy) {
        JsonNode prompt = req.get("prompt");
        if (prompt == null || !prompt.isTextual() || prompt.asText().isBlank()) {
            throw TranslationException.badRequest("prompt", "'prompt' must be a non-empty string.");
        }
        JsonNode rf = req.get("response_format");
        if (rf != null && "url".equals(rf.asText())) {
            throw TranslationException.badRequest("response_format", "Bedrock returns the images themselves, not "
                    + "URLs: send response_format 'b64_json' (or none) and read data[].b64_json.");
        }
        int[] size = size(req);
        return switch (family) {
            case TITAN_IMAGE -> titan(req, prompt.asText(), size, policy);
            case STABILITY -> stability(req, prompt.asText(), size, policy);
            case SDXL -> sdxl(req, prompt.asText(), size, policy);
            default -> throw new IllegalArgumentException("not an image family: " + family);
        };
    }

    /** {@code size} as {width, height}, or null when absent or {@code auto}; 400 when it is not WxH. */
    static int[] size(ObjectNode req) {
        JsonNode s = req.get("size");
        if (Json.absent(s) || "auto".equals(s.asText())) {
            return null;
        }
        String[] wh = s.asText().toLowerCase(Locale.ROOT).split("x");
        try {
            if (wh.length == 2) {
                int w = Integer.parseInt(wh[0].trim());
                int h = Integer.parseInt(wh[1].trim());
                if (w > 0 && h > 0) {
                    return new int[] {w, h};
                }
            }
        } catch (NumberFormatException e) {
            // falls through to the 400
        }
        throw TranslationException.badRequest("size", "'size' must be WIDTHxHEIGHT in pixels, e.g. 1024x1024.");
    }

    private static ObjectNode titan(ObjectNode req, String prompt, int[] size, ParamPolicy policy) {
        ObjectNode out = Json.object();
        out.put("taskType", "TEXT_IMAGE");
        ObjectNode params = out.putObject("textToImageParams").put("text", prompt);
        ObjectNode config = out.putObject("imageGenerationConfig").put("numberOfImages", n(req));
        if (size != null) {
            config.put("width", size[0]).put("height", size[1]);
        }
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            JsonNode v = f.getValue();
            if (Json.absent(v)) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "prompt", "n", "size", "response_format", "user" -> { }
                case "stream" -> { } // the gateway streams chat only: an images request is answered whole
                case "negative_prompt" -> params.put("negativeText", v.asText());
                case "seed" -> config.set("seed", v.deepCopy());
                case "cfg_scale" -> config.set("cfgScale", v.deepCopy());
                case "quality" -> {
                    switch (v.asText()) {
                        case "hd", "high" -> config.put("quality", "premium");
                        case "standard", "low", "medium" -> config.put("quality", "standard");
                        default -> { } // auto: the model's default
                    }
                }
                case "output_format" -> {
                    if (!"png".equals(v.asText())) {
                        policy.unsupported("output_format", "Titan and Nova Canvas make PNG images: remove it.");
                    }
                }
                default -> policy.unsupported(f.getKey(), "It has no Titan/Nova Canvas equivalent: remove it.");
            }
        }
        return out;
    }

    private static ObjectNode stability(ObjectNode req, String prompt, int[] size, ParamPolicy policy) {
        ObjectNode out = Json.object();
        out.put("prompt", prompt);
        if (size != null && !req.has("aspect_ratio")) {
            out.put("aspect_ratio", nearestAspectRatio(size[0], size[1]));
        }
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            JsonNode v = f.getValue();
            if (Json.absent(v)) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "prompt", "n", "size", "response_format", "user" -> { }
                case "stream" -> { } // the gateway streams chat only: an images request is answered whole
                case "negative_prompt" -> out.put("negative_prompt", v.asText());
                case "seed" -> out.set("seed", v.deepCopy());
                case "aspect_ratio" -> {
                    if (!ASPECT_RATIOS.contains(v.asText())) {
                        throw TranslationException.badRequest("aspect_ratio", "'aspect_ratio' must be one of "
                                + String.join(", ", ASPECT_RATIOS) + ".");
                    }
                    out.put("aspect_ratio", v.asText());
                }
                case "output_format" -> {
                    if ("png".equals(v.asText()) || "jpeg".equals(v.asText())) {
                        out.put("output_format", v.asText());
                    } else {
                        policy.unsupported("output_format", "Stability models on Bedrock make png or jpeg images.");
                    }
                }
                default -> policy.unsupported(f.getKey(), "It has no Stability (Bedrock) equivalent: remove it.");
            }
        }
        return out;
    }

    private static ObjectNode sdxl(ObjectNode req, String prompt, int[] size, ParamPolicy policy) {
        ObjectNode out = Json.object();
        ArrayNode prompts = out.putArray("text_prompts");
        prompts.addObject().put("text", prompt).put("weight", 1.0);
        if (size != null) {
            out.put("width", size[0]).put("height", size[1]);
        }
        out.put("samples", 1);
        for (Map.Entry<String, JsonNode> f : req.properties()) {
            JsonNode v = f.getValue();
            if (Json.absent(v)) {
                continue;
            }
            switch (f.getKey()) {
                case "model", "prompt", "n", "size", "response_format", "user" -> { }
                case "stream" -> { } // the gateway streams chat only: an images request is answered whole
                case "negative_prompt" -> prompts.addObject().put("text", v.asText()).put("weight", -1.0);
                case "seed" -> out.set("seed", v.deepCopy());
                case "cfg_scale" -> out.set("cfg_scale", v.deepCopy());
                case "steps" -> out.set("steps", v.deepCopy());
                case "style_preset" -> out.put("style_preset", v.asText());
                case "output_format" -> {
                    if (!"png".equals(v.asText())) {
                        policy.unsupported("output_format", "SDXL on Bedrock makes PNG images: remove it.");
                    }
                }
                default -> policy.unsupported(f.getKey(), "It has no SDXL (Bedrock) equivalent: remove it.");
            }
        }
        return out;
    }

    /** The accepted aspect ratio closest to width:height (by the logarithm of the ratio). */
    static String nearestAspectRatio(int width, int height) {
        double want = Math.log((double) width / height);
        String best = "1:1";
        double bestDistance = Double.MAX_VALUE;
        for (String r : ASPECT_RATIOS) {
            String[] p = r.split(":");
            double d = Math.abs(Math.log(Double.parseDouble(p[0]) / Double.parseDouble(p[1])) - want);
            if (d < bestDistance) {
                bestDistance = d;
                best = r;
            }
        }
        return best;
    }

    /** One InvokeModel answer as OpenAI's images answer. */
    static ObjectNode response(Family family, JsonNode body, long created, String modelId) {
        ObjectNode out = Json.object();
        out.put("created", created);
        ArrayNode data = out.putArray("data");
        switch (family) {
            case TITAN_IMAGE -> {
                body.path("images").forEach(i -> data.addObject().put("b64_json", i.asText()));
                String error = Json.text(body, "error");
                if (data.isEmpty()) {
                    throw error != null && error.toLowerCase(Locale.ROOT).contains("content filter")
                            ? contentPolicy(error) : TranslationException.badUpstream("Bedrock answered no image for "
                            + modelId + (error == null ? "" : ": " + error));
                }
            }
            case STABILITY -> {
                JsonNode reasons = body.path("finish_reasons");
                for (JsonNode r : reasons) {
                    if (!r.isNull()) {
                        throw r.asText().startsWith("Filter reason") ? contentPolicy(r.asText())
                                : TranslationException.badUpstream("Bedrock failed the image for " + modelId + ": "
                                + r.asText());
                    }
                }
                body.path("images").forEach(i -> data.addObject().put("b64_json", i.asText()));
            }
            case SDXL -> {
                for (JsonNode a : body.path("artifacts")) {
                    String reason = a.path("finishReason").asText("SUCCESS");
                    if ("CONTENT_FILTERED".equals(reason)) {
                        throw contentPolicy("the image was blocked by the model's content filter (CONTENT_FILTERED)");
                    }
                    if (!"SUCCESS".equals(reason)) {
                        throw TranslationException.badUpstream("Bedrock failed the image for " + modelId
                                + " (finishReason " + reason + ")");
                    }
                    data.addObject().put("b64_json", a.path("base64").asText());
                }
            }
            default -> throw new IllegalArgumentException("not an image family: " + family);
        }
        if (data.isEmpty()) {
            throw TranslationException.badUpstream("Bedrock answered no image for " + modelId);
        }
        return out;
    }

    /** OpenAI's answer to a prompt or image its safety system refused: 400 {@code content_policy_violation}. */
    static UpstreamException contentPolicy(String detail) {
        return new UpstreamException(ApiError.of(400, "Your request was rejected by the model's safety system ("
                + detail + "): change the prompt and try again.", "prompt").withCode("content_policy_violation"),
                200, null);
    }

    /** The answers to the parts of one request, in order, as one OpenAI images answer. */
    static ObjectNode merge(List<? extends JsonNode> parts) {
        ObjectNode out = Json.object();
        out.put("created", parts.isEmpty() ? 0 : parts.get(0).path("created").asLong());
        ArrayNode data = out.putArray("data");
        parts.forEach(p -> p.path("data").forEach(d -> data.add(d.deepCopy())));
        return out;
    }
}
