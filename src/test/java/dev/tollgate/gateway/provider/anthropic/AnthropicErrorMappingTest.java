package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.ApiError;

import static dev.tollgate.gateway.provider.anthropic.TestJson.assertJson;
import static dev.tollgate.gateway.provider.anthropic.TestJson.obj;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Error bodies and the HTTP status / Anthropic error type table. */
class AnthropicErrorMappingTest {

    @ParameterizedTest(name = "{0} <-> {1}")
    @CsvSource({
        "400, invalid_request_error",
        "401, authentication_error",
        "402, billing_error",
        "403, permission_error",
        "404, not_found_error",
        "413, request_too_large",
        "429, rate_limit_error",
        "500, api_error",
        "504, timeout_error",
        "529, overloaded_error"})
    void documentedStatusTypeTable(int status, String type) {
        assertThat(ApiError.anthropicTypeForStatus(status)).isEqualTo(type);
        assertThat(ApiError.statusForAnthropicType(type)).isEqualTo(status);
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "409, invalid_request_error",
        "422, invalid_request_error",
        "502, api_error",
        "503, overloaded_error"})
    void otherStatusesFallBackByClass(int status, String type) {
        assertThat(ApiError.anthropicTypeForStatus(status)).isEqualTo(type);
    }

    @Test
    void anthropicErrorBodyToOpenAiErrorBody() {
        ApiError error = ApiError.fromAnthropic(400, obj("""
                {"type":"error","error":{"type":"invalid_request_error",
                 "message":"messages: roles must alternate between \\"user\\" and \\"assistant\\""},
                 "request_id":"req_011CSHoEeqs5C35K2UUqR7Fy"}
                """));
        assertThat(error.httpStatus()).isEqualTo(400);
        assertJson(error.toOpenAiBody(), """
                {"error":{"message":"messages: roles must alternate between \\"user\\" and \\"assistant\\"",
                 "type":"invalid_request_error","param":null,"code":null}}
                """);
    }

    @Test
    void anthropicApiErrorBecomesOpenAiServerError() {
        ApiError error = ApiError.fromAnthropic(500, obj("""
                {"type":"error","error":{"type":"api_error","message":"Internal server error"}}"""));
        assertJson(error.toOpenAiBody(), """
                {"error":{"message":"Internal server error","type":"server_error","param":null,"code":null}}""");
    }

    @Test
    void anthropicStreamErrorWithoutStatusTakesTheStatusOfItsType() {
        ApiError error = ApiError.fromAnthropic(0, obj("""
                {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"""));
        assertThat(error.httpStatus()).isEqualTo(529);
        assertThat(error.openAiType()).isEqualTo("overloaded_error");
    }

    @Test
    void openAiErrorBodyToAnthropicErrorBodyTypedByStatus() {
        ApiError error = ApiError.fromOpenAi(429, obj("""
                {"error":{"message":"Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM).",
                 "type":"tokens","param":null,"code":"rate_limit_exceeded"}}
                """));
        assertThat(error.code()).isEqualTo("rate_limit_exceeded");
        assertJson(error.toAnthropicBody(), """
                {"type":"error","error":{"type":"rate_limit_error",
                 "message":"Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM)."}}
                """);
        // Passing the OpenAI error through unchanged keeps its own type and code.
        assertJson(error.toOpenAiBody(), """
                {"error":{"message":"Rate limit reached for gpt-4o in organization org-123 on tokens per min (TPM).",
                 "type":"tokens","param":null,"code":"rate_limit_exceeded"}}
                """);
    }

    @Test
    void openAiInvalidApiKeyBecomesAuthenticationError() {
        ApiError error = ApiError.fromOpenAi(401, obj("""
                {"error":{"message":"Incorrect API key provided: sk-abc. You can find your API key at https://platform.openai.com/account/api-keys.",
                 "type":"invalid_request_error","param":null,"code":"invalid_api_key"}}
                """));
        assertThat(error.anthropicType()).isEqualTo("authentication_error");
        assertThat(error.toAnthropicBody().at("/error/type").asText()).isEqualTo("authentication_error");
    }

    @Test
    void unparseableErrorBodiesStillProduceValidErrors() {
        ApiError fromAnthropic = ApiError.fromAnthropic(529, null);
        assertJson(fromAnthropic.toAnthropicBody(), """
                {"type":"error","error":{"type":"overloaded_error","message":"Upstream error (overloaded_error)"}}""");
        ApiError fromOpenAi = ApiError.fromOpenAi(503, obj("{\"detail\":\"gateway timeout\"}"));
        assertJson(fromOpenAi.toAnthropicBody(), """
                {"type":"error","error":{"type":"overloaded_error","message":"Upstream error (HTTP 503)"}}""");
    }

    @Test
    void translationExceptionCarriesParamIntoTheOpenAiBody() {
        TranslationException e = TranslationException.badRequest("seed", "Parameter 'seed' is not supported.");
        assertThat(e.httpStatus()).isEqualTo(400);
        assertJson(e.error().toOpenAiBody(), """
                {"error":{"message":"Parameter 'seed' is not supported.","type":"invalid_request_error",
                 "param":"seed","code":null}}""");
        assertJson(e.error().toAnthropicBody(), """
                {"type":"error","error":{"type":"invalid_request_error","message":"Parameter 'seed' is not supported."}}""");
    }
}
