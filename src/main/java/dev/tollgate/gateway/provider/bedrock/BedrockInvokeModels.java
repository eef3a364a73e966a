package dev.tollgate.gateway.provider.bedrock;

import dev.tollgate.config.GatewayConfig;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Which InvokeModel body a Bedrock model id takes, and where to send it. Bedrock's InvokeModel has no common body: each
 * model family documents its own (https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters.html). The
 * family is read from the id's base name, after an inference-profile prefix ({@code us.}, {@code eu.}, {@code apac.},
 * {@code global.}) and an ARN's path ({@code arn:aws:bedrock:...:foundation-model/amazon.nova-canvas-v1:0}).
 */
final class BedrockInvokeModels {
    private BedrockInvokeModels() {}

    /** The InvokeModel body families Tollgate translates to. */
    enum Family {
        /** amazon.titan-embed-text-v1: {@code {"inputText"}}, one text per call. */
        TITAN_EMBED_V1,
        /** amazon.titan-embed-text-v2:0: {@code {"inputText", "dimensions", "normalize", "embeddingTypes"}}. */
        TITAN_EMBED_V2,
        /** cohere.embed-english-v3, cohere.embed-multilingual-v3: {@code {"texts", "input_type"}}, up to 96 texts. */
        COHERE_EMBED,
        /** amazon.titan-image-generator-v1/-v2:0 and amazon.nova-canvas-v1:0: TEXT_IMAGE with imageGenerationConfig. */
        TITAN_IMAGE,
        /** stability.sd3-*, stability.stable-image-core-*, stability.stable-image-ultra-*: one image per call. */
        STABILITY,
        /** stability.stable-diffusion-xl-v1: text_prompts, artifacts. */
        SDXL,
        /** None of the above. */
        UNKNOWN;

        boolean embeds() {
            return this == TITAN_EMBED_V1 || this == TITAN_EMBED_V2 || this == COHERE_EMBED;
        }

        boolean draws() {
            return this == TITAN_IMAGE || this == STABILITY || this == SDXL;
        }
    }

    /** The model's base name: without an ARN's path or an inference profile's geography prefix, lower-cased. */
    static String baseName(String modelId) {
        String id = modelId == null ? "" : modelId.toLowerCase(Locale.ROOT);
        int slash = id.lastIndexOf('/');
        if (slash >= 0) {
            id = id.substring(slash + 1);
        }
        for (String geo : new String[] {"us-gov.", "us.", "eu.", "apac.", "ap.", "jp.", "au.", "ca.", "global."}) {
            if (id.startsWith(geo)) {
                return id.substring(geo.length());
            }
        }
        return id;
    }

    static Family family(String modelId) {
        String id = baseName(modelId);
        if (id.startsWith("amazon.titan-embed-text-v2")) {
            return Family.TITAN_EMBED_V2;
        }
        if (id.startsWith("amazon.titan-embed-text-v1") || id.startsWith("amazon.titan-embed-g1-text")) {
            return Family.TITAN_EMBED_V1;
        }
        if (id.startsWith("cohere.embed-")) {
            return Family.COHERE_EMBED;
        }
        if (id.startsWith("amazon.titan-image-generator") || id.startsWith("amazon.nova-canvas")) {
            return Family.TITAN_IMAGE;
        }
        if (id.startsWith("stability.stable-diffusion-xl")) {
            return Family.SDXL;
        }
        if (id.startsWith("stability.sd3") || id.startsWith("stability.stable-image")) {
            return Family.STABILITY;
        }
        return Family.UNKNOWN;
    }

    /**
     * {@code POST {base}/model/{modelId}/invoke}, the model id percent-encoded as one path segment (ids carry {@code :},
     * ARNs {@code /} too). The base is the model's {@code apiBase} when set, else the region's runtime endpoint
     * {@code https://bedrock-runtime.<region>.amazonaws.com}
     * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModel.html).
     */
    static String invokeUrl(GatewayConfig.Model model) {
        String base = model.apiBase() != null ? model.apiBase()
                : "https://bedrock-runtime." + model.region() + ".amazonaws.com";
        if (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base + "/model/" + encodeSegment(model.upstreamModel()) + "/invoke";
    }

    /** RFC 3986 percent-encoding of one path segment (unreserved characters kept, everything else encoded). */
    static String encodeSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20").replace("*", "%2A")
                .replace("%7E", "~");
    }
}
