package dev.tollgate.gateway.provider.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.bedrock.BedrockInvokeModels.Family;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** The pure parts of Bedrock InvokeModel: model families, URLs, request and answer bodies, splits, merges, errors. */
class BedrockInvokeTranslationTest {

    static ObjectNode json(String s) {
        return (ObjectNode) Json.parse(s);
    }

    static ParamPolicy reject() {
        return new ParamPolicy(UnsupportedParams.REJECT, "Bedrock");
    }

    // ---- models and URLs ----

    @ParameterizedTest
    @CsvSource({
        "amazon.titan-embed-text-v1, TITAN_EMBED_V1",
        "amazon.titan-embed-g1-text-02, TITAN_EMBED_V1",
        "amazon.titan-embed-text-v2:0, TITAN_EMBED_V2",
        "us.amazon.titan-embed-text-v2:0, TITAN_EMBED_V2",
        "cohere.embed-english-v3, COHERE_EMBED",
        "cohere.embed-multilingual-v3, COHERE_EMBED",
        "amazon.titan-image-generator-v1, TITAN_IMAGE",
        "amazon.titan-image-generator-v2:0, TITAN_IMAGE",
        "amazon.nova-canvas-v1:0, TITAN_IMAGE",
        "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-canvas-v1:0, TITAN_IMAGE",
        "stability.sd3-5-large-v1:0, STABILITY",
        "stability.stable-image-core-v1:1, STABILITY",
        "stability.stable-image-ultra-v1:1, STABILITY",
        "stability.stable-diffusion-xl-v1, SDXL",
        "anthropic.claude-3-haiku-20240307-v1:0, UNKNOWN",
        "amazon.titan-embed-image-v1, UNKNOWN"
    })
    void theBodyFamilyComesFromTheModelsBaseName(String id, Family family) {
        assertThat(BedrockInvokeModels.family(id)).isEqualTo(family);
    }

    @Test
    void modelIdsAreOnePercentEncodedPathSegment() {
        assertThat(BedrockInvokeModels.encodeSegment("amazon.titan-embed-text-v2:0"))
                .isEqualTo("amazon.titan-embed-text-v2%3A0");
        assertThat(BedrockInvokeModels.encodeSegment("arn:aws:bedrock:us-east-1:1:application-inference-profile/a b~c"))
                .isEqualTo("arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Aapplication-inference-profile%2Fa%20b~c");
    }

    // ---- embeddings ----

    @Test
    void titanV1TakesInputTextOnly() {
        ObjectNode body = BedrockInvokeEmbeddings.request(Family.TITAN_EMBED_V1,
                json("{\"model\":\"m\",\"input\":\"hi\",\"user\":\"u1\",\"encoding_format\":\"float\"}"), reject());
        assertThat(Json.write(body)).isEqualTo("{\"inputText\":\"hi\"}");
    }

    @Test
    void titanV2TakesDimensionsAndNormalize() {
        ObjectNode body = BedrockInvokeEmbeddings.request(Family.TITAN_EMBED_V2,
                json("{\"input\":[\"hi\"],\"dimensions\":512,\"normalize\":false}"), reject());
        assertThat(body.path("inputText").asText()).isEqualTo("hi");
        assertThat(body.path("dimensions").asInt()).isEqualTo(512);
        assertThat(body.path("normalize").asBoolean(true)).isFalse();
        assertThat(body.path("embeddingTypes").get(0).asText()).isEqualTo("float");
    }

    @Test
    void unsupportedEmbeddingParametersAreRefusedOrDropped() {
        assertThatThrownBy(() -> BedrockInvokeEmbeddings.request(Family.TITAN_EMBED_V1,
                json("{\"input\":\"hi\",\"dimensions\":256}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("dimensions"));
        ParamPolicy drop = new ParamPolicy(UnsupportedParams.DROP, "Bedrock");
        ObjectNode body = BedrockInvokeEmbeddings.request(Family.TITAN_EMBED_V2,
                json("{\"input\":\"hi\",\"input_type\":\"search_query\",\"truncate\":\"END\",\"foo\":1}"), drop);
        assertThat(drop.dropped()).containsExactly("input_type", "truncate", "foo");
        assertThat(body.has("foo")).isFalse();
    }

    @Test
    void tokenIdsAndEmptyInputAre400OnInput() {
        for (String req : List.of("{\"input\":[1,2,3]}", "{\"input\":[[1,2]]}", "{\"input\":[]}", "{}")) {
            assertThatThrownBy(() -> BedrockInvokeEmbeddings.split(Family.TITAN_EMBED_V2, json(req)))
                    .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("input"));
        }
        assertThatThrownBy(() -> BedrockInvokeEmbeddings.request(Family.TITAN_EMBED_V2,
                json("{\"input\":\"x\",\"encoding_format\":\"int8\"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("encoding_format"));
    }

    @Test
    void titanSplitsOneTextPerPartAndCohereBy96() {
        ObjectNode one = json("{\"input\":\"a\",\"dimensions\":256}");
        assertThat(BedrockInvokeEmbeddings.split(Family.TITAN_EMBED_V2, one)).containsExactly(one);
        List<ObjectNode> parts = BedrockInvokeEmbeddings.split(Family.TITAN_EMBED_V2,
                json("{\"input\":[\"a\",\"b\",\"c\"],\"dimensions\":256}"));
        assertThat(parts).extracting(p -> p.path("input").asText()).containsExactly("a", "b", "c");
        assertThat(parts).allSatisfy(p -> assertThat(p.path("dimensions").asInt()).isEqualTo(256));

        StringBuilder many = new StringBuilder("{\"input\":[");
        for (int i = 0; i < 200; i++) {
            many.append(i == 0 ? "" : ",").append("\"t").append(i).append('"');
        }
        List<ObjectNode> batches = BedrockInvokeEmbeddings.split(Family.COHERE_EMBED, json(many + "]}"));
        assertThat(batches).extracting(p -> p.path("input").size()).containsExactly(96, 96, 8);
        assertThat(batches.get(2).path("input").get(0).asText()).isEqualTo("t192");
    }

    @Test
    void cohereTakesTextsAndAnInputType() {
        ObjectNode body = BedrockInvokeEmbeddings.request(Family.COHERE_EMBED,
                json("{\"input\":[\"a\",\"b\"],\"truncate\":\"END\"}"), reject());
        assertThat(Json.write(body)).isEqualTo("{\"texts\":[\"a\",\"b\"],\"input_type\":\"search_document\","
                + "\"truncate\":\"END\"}");
    }

    @Test
    void titanAnswersBecomeOneEmbeddingWithItsTokenCount() {
        ObjectNode out = BedrockInvokeEmbeddings.response(Family.TITAN_EMBED_V2,
                json("{\"embedding\":[0.5,-0.25],\"inputTextTokenCount\":3,\"embeddingsByType\":{\"float\":[0.5,-0.25]}}"),
                "amazon.titan-embed-text-v2:0", false);
        assertThat(Json.write(out)).isEqualTo("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[0.5,-0.25]}],\"model\":\"amazon.titan-embed-text-v2:0\",\"usage\":{\"prompt_tokens\":3,"
                + "\"total_tokens\":3}}");
        ObjectNode b64 = BedrockInvokeEmbeddings.response(Family.TITAN_EMBED_V1,
                json("{\"embedding\":[1.0],\"inputTextTokenCount\":1}"), "m", true);
        assertThat(b64.path("data").get(0).path("embedding").asText()).isEqualTo("AACAPw=="); // 1.0f, little-endian
        assertThatThrownBy(() -> BedrockInvokeEmbeddings.response(Family.TITAN_EMBED_V1, json("{}"), "m", false))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.httpStatus()).isEqualTo(502));
    }

    @Test
    void cohereAnswersInEitherShapeHaveNoUsage() {
        ObjectNode floats = BedrockInvokeEmbeddings.response(Family.COHERE_EMBED,
                json("{\"embeddings\":[[1],[2]],\"id\":\"x\",\"response_type\":\"embeddings_floats\",\"texts\":[\"a\",\"b\"]}"),
                "cohere.embed-english-v3", false);
        assertThat(floats.path("data")).hasSize(2);
        assertThat(floats.path("data").get(1).path("embedding").get(0).asInt()).isEqualTo(2);
        assertThat(floats.has("usage")).isFalse();
        ObjectNode byType = BedrockInvokeEmbeddings.response(Family.COHERE_EMBED,
                json("{\"embeddings\":{\"float\":[[3]]},\"response_type\":\"embeddings_by_type\"}"), "c", false);
        assertThat(byType.path("data").get(0).path("embedding").get(0).asInt()).isEqualTo(3);
    }

    @Test
    void mergedAnswersAreRenumberedWithUsageSummedOrAbsent() {
        JsonNode a = json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[1]}],"
                + "\"model\":\"m\",\"usage\":{\"prompt_tokens\":2,\"total_tokens\":2}}");
        JsonNode b = json("{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,\"embedding\":[2]},"
                + "{\"object\":\"embedding\",\"index\":1,\"embedding\":[3]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":5,"
                + "\"total_tokens\":5}}");
        ObjectNode merged = BedrockInvokeEmbeddings.merge(List.of(a, b));
        assertThat(merged.path("data")).extracting(e -> e.path("index").asInt()).containsExactly(0, 1, 2);
        assertThat(merged.path("data")).extracting(e -> e.path("embedding").get(0).asInt()).containsExactly(1, 2, 3);
        assertThat(merged.path("usage").path("prompt_tokens").asLong()).isEqualTo(7);
        ObjectNode noUsage = BedrockInvokeEmbeddings.merge(List.of(a, json("{\"data\":[]}")));
        assertThat(noUsage.has("usage")).isFalse();
    }

    // ---- images ----

    @Test
    void titanImageRequestsCarryTheTextToImageShape() {
        ObjectNode body = BedrockInvokeImages.request(Family.TITAN_IMAGE, json("{\"model\":\"m\",\"prompt\":\"a cat\","
                + "\"n\":3,\"size\":\"1024x768\",\"quality\":\"standard\",\"cfg_scale\":8.0,\"seed\":7,\"user\":\"u\"}"),
                reject());
        assertThat(Json.write(body)).isEqualTo("{\"taskType\":\"TEXT_IMAGE\",\"textToImageParams\":{\"text\":\"a cat\"},"
                + "\"imageGenerationConfig\":{\"numberOfImages\":3,\"width\":1024,\"height\":768,\"quality\":\"standard\","
                + "\"cfgScale\":8.0,\"seed\":7}}");
        ObjectNode auto = BedrockInvokeImages.request(Family.TITAN_IMAGE,
                json("{\"prompt\":\"a cat\",\"size\":\"auto\",\"quality\":\"auto\",\"stream\":false}"), reject());
        assertThat(auto.path("imageGenerationConfig").has("width")).isFalse();
        assertThat(auto.path("imageGenerationConfig").has("quality")).isFalse();
    }

    @ParameterizedTest
    @CsvSource({"hd, premium", "high, premium", "medium, standard", "low, standard"})
    void openAiQualitiesMapToTitans(String openAi, String titan) {
        ObjectNode body = BedrockInvokeImages.request(Family.TITAN_IMAGE,
                json("{\"prompt\":\"x\",\"quality\":\"" + openAi + "\"}"), reject());
        assertThat(body.path("imageGenerationConfig").path("quality").asText()).isEqualTo(titan);
    }

    @Test
    void imageRequestsAreCheckedBeforeAnyCall() {
        assertThatThrownBy(() -> BedrockInvokeImages.request(Family.TITAN_IMAGE,
                json("{\"prompt\":\"x\",\"response_format\":\"url\"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("response_format"));
        assertThatThrownBy(() -> BedrockInvokeImages.request(Family.STABILITY, json("{\"prompt\":\" \"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("prompt"));
        assertThatThrownBy(() -> BedrockInvokeImages.request(Family.SDXL,
                json("{\"prompt\":\"x\",\"size\":\"big\"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("size"));
        assertThatThrownBy(() -> BedrockInvokeImages.request(Family.TITAN_IMAGE,
                json("{\"prompt\":\"x\",\"style\":\"vivid\"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.param()).isEqualTo("style"));
        assertThatThrownBy(() -> BedrockInvokeImages.request(Family.STABILITY,
                json("{\"prompt\":\"x\",\"aspect_ratio\":\"7:3\"}"), reject()))
                .isInstanceOfSatisfying(TranslationException.class,
                        e -> assertThat(e.param()).isEqualTo("aspect_ratio"));
    }

    @ParameterizedTest
    @CsvSource({"1024, 1024, 1:1", "1792, 1024, 16:9", "1024, 1792, 9:16", "1536, 1024, 3:2", "2560, 1080, 21:9",
        "1024, 1280, 4:5"})
    void sizesBecomeTheNearestStabilityAspectRatio(int w, int h, String ratio) {
        assertThat(BedrockInvokeImages.nearestAspectRatio(w, h)).isEqualTo(ratio);
    }

    @Test
    void stabilityRequestsTakePromptAspectRatioAndFormat() {
        ObjectNode body = BedrockInvokeImages.request(Family.STABILITY, json("{\"prompt\":\"p\",\"size\":\"1024x1024\","
                + "\"output_format\":\"png\",\"seed\":5,\"negative_prompt\":\"n\"}"), reject());
        assertThat(Json.write(body)).isEqualTo("{\"prompt\":\"p\",\"aspect_ratio\":\"1:1\",\"output_format\":\"png\","
                + "\"seed\":5,\"negative_prompt\":\"n\"}");
        ObjectNode own = BedrockInvokeImages.request(Family.STABILITY,
                json("{\"prompt\":\"p\",\"size\":\"1024x1024\",\"aspect_ratio\":\"21:9\"}"), reject());
        assertThat(own.path("aspect_ratio").asText()).isEqualTo("21:9");
    }

    @Test
    void imagesAreSplitByWhatOneCallMakes() {
        assertThat(BedrockInvokeImages.split(Family.TITAN_IMAGE, json("{\"prompt\":\"x\",\"n\":10}")))
                .extracting(p -> p.path("n").asInt()).containsExactly(5, 5);
        assertThat(BedrockInvokeImages.split(Family.TITAN_IMAGE, json("{\"prompt\":\"x\",\"n\":4}"))).hasSize(1);
        assertThat(BedrockInvokeImages.split(Family.STABILITY, json("{\"prompt\":\"x\",\"n\":3}")))
                .extracting(p -> p.path("n").asInt()).containsExactly(1, 1, 1);
        assertThat(BedrockInvokeImages.split(Family.SDXL, json("{\"prompt\":\"x\"}"))).hasSize(1);
    }

    @Test
    void imageAnswersBecomeB64JsonAndFiltersBecomeContentPolicyViolations() {
        ObjectNode titan = BedrockInvokeImages.response(Family.TITAN_IMAGE,
                json("{\"images\":[\"AAA\",\"BBB\"],\"error\":null}"), 99, "m");
        assertThat(Json.write(titan)).isEqualTo("{\"created\":99,\"data\":[{\"b64_json\":\"AAA\"},{\"b64_json\":\"BBB\"}]}");
        ObjectNode partly = BedrockInvokeImages.response(Family.TITAN_IMAGE, json("{\"images\":[\"AAA\"],"
                + "\"error\":\"Some of the generated images have been blocked by our content filters.\"}"), 1, "m");
        assertThat(partly.path("data")).hasSize(1);
        assertThat(policy(() -> BedrockInvokeImages.response(Family.TITAN_IMAGE,
                json("{\"images\":[],\"error\":\"All of the generated images have been blocked by our content "
                        + "filters.\"}"), 1, "m"))).isTrue();
        assertThat(policy(() -> BedrockInvokeImages.response(Family.STABILITY,
                json("{\"finish_reasons\":[\"Filter reason: output image\"]}"), 1, "m"))).isTrue();
        assertThat(policy(() -> BedrockInvokeImages.response(Family.SDXL,
                json("{\"artifacts\":[{\"base64\":\"\",\"finishReason\":\"CONTENT_FILTERED\"}]}"), 1, "m"))).isTrue();
        assertThatThrownBy(() -> BedrockInvokeImages.response(Family.STABILITY,
                json("{\"finish_reasons\":[\"Inference error\"]}"), 1, "m"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.httpStatus()).isEqualTo(502));
        assertThatThrownBy(() -> BedrockInvokeImages.response(Family.SDXL,
                json("{\"artifacts\":[{\"finishReason\":\"ERROR\"}]}"), 1, "m"))
                .isInstanceOfSatisfying(TranslationException.class, e -> assertThat(e.httpStatus()).isEqualTo(502));
        ObjectNode stability = BedrockInvokeImages.response(Family.STABILITY,
                json("{\"seeds\":[1],\"finish_reasons\":[null],\"images\":[\"CCC\"]}"), 1, "m");
        assertThat(stability.path("data").get(0).path("b64_json").asText()).isEqualTo("CCC");
    }

    static boolean policy(Runnable r) {
        try {
            r.run();
        } catch (UpstreamException e) {
            return e.error().httpStatus() == 400 && "content_policy_violation".equals(e.error().code());
        }
        return false;
    }

    // ---- errors ----

    @Test
    void bedrocksErrorsAreMappedByStatusTypeAndMessage() {
        UpstreamException throttled = BedrockInvokeErrors.from(429, json("{\"message\":\"Too many requests\"}"),
                "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/", "7", "ns/m");
        assertThat(throttled.error().httpStatus()).isEqualTo(429);
        assertThat(throttled.error().code()).isEqualTo("rate_limit_exceeded");
        assertThat(throttled.retryAfter()).isEqualTo("7");
        assertThat(throttled.error().message()).isEqualTo("ThrottlingException: Too many requests");

        UpstreamException invalid = BedrockInvokeErrors.from(400, json("{\"Message\":\"Malformed input request\"}"),
                null, null, "ns/m");
        assertThat(invalid.error().httpStatus()).isEqualTo(400);
        assertThat(invalid.error().message()).isEqualTo("Malformed input request");

        assertThat(BedrockInvokeErrors.from(403, json("{\"message\":\"The security token included in the request is "
                + "invalid.\"}"), "UnrecognizedClientException", null, "ns/m").error().httpStatus()).isEqualTo(502);
        assertThat(BedrockInvokeErrors.from(408, json("{\"message\":\"timeout\"}"), "ModelTimeoutException", null,
                "ns/m").error().httpStatus()).isEqualTo(504);
        assertThat(BedrockInvokeErrors.from(424, json("{\"message\":\"model error\"}"), "ModelErrorException", null,
                "ns/m").error().httpStatus()).isEqualTo(502);
        assertThat(BedrockInvokeErrors.from(503, null, null, "2", "ns/m").error().httpStatus()).isEqualTo(503);
        UpstreamException tooLong = BedrockInvokeErrors.from(400, json("{\"message\":\"400 Bad Request: Too many input "
                + "tokens. Max input tokens: 8192, request input token count: 9000\"}"), "ValidationException", null, "m");
        assertThat(tooLong.error().code()).isEqualTo("context_length_exceeded");
        assertThat(tooLong.error().param()).isEqualTo("input");
        UpstreamException blocked = BedrockInvokeErrors.from(400, json("{\"message\":\"This request has been blocked "
                + "by our content filters. Please adjust your input image to submit a new request.\"}"),
                "ValidationException", null, "m");
        assertThat(blocked.error().code()).isEqualTo("content_policy_violation");
    }

    @Test
    void theErrorTypeIsReadFromTheHeaderOrTheBody() {
        assertThat(BedrockInvokeErrors.errorType("ValidationException:http://internal.amazon.com/coral/x/", null))
                .isEqualTo("ValidationException");
        assertThat(BedrockInvokeErrors.errorType(null, json("{\"__type\":\"com.amazon.bedrock#ThrottlingException\"}")))
                .isEqualTo("ThrottlingException");
        assertThat(BedrockInvokeErrors.errorType(null, json("{}"))).isNull();
    }
}
