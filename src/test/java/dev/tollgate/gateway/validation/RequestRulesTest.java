package dev.tollgate.gateway.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * The request rules per endpoint, through the one pass that reads a client's body. The valid bodies are the request
 * examples of OpenAI's OpenAPI description (x-oaiMeta) and of Anthropic's Messages API reference, copied here (tests
 * do not read the description itself); every rule has a body that breaks it and the field it must name.
 */
class RequestRulesTest {

    private static JsonBody read(WireFormat w, Operation op, String json) {
        return JsonBody.parse(Buffer.buffer(json.getBytes(StandardCharsets.UTF_8)), RequestRules.of(w, op));
    }

    private static InvalidRequest refused(WireFormat w, Operation op, String json) {
        InvalidRequest e = catchThrowableOfType(InvalidRequest.class, () -> read(w, op, json));
        assertThat(e).as("refused: %s", json).isNotNull();
        return e;
    }

    private static String chat(String fields) {
        return "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]" + (fields.isEmpty() ? "" : "," + fields) + "}";
    }

    // ---- valid bodies: the descriptions' own examples --------------------------------------------------------

    @ParameterizedTest
    @ValueSource(strings = {
        // /chat/completions: Default, Image input, Streaming, Functions, Logprobs
        "{\"model\":\"VAR_chat_model_id\",\"messages\":[{\"role\":\"developer\",\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"Hello!\"}]}",
        "{\"model\":\"gpt-5.4\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is in this image?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://upload.wikimedia.org/wikipedia/commons/thumb/d/dd/Gfp-wisconsin-madison-the-nature-boardwalk.jpg/2560px-Gfp-wisconsin-madison-the-nature-boardwalk.jpg\"}}]}],\"max_tokens\":300}",
        "{\"model\":\"VAR_chat_model_id\",\"messages\":[{\"role\":\"developer\",\"content\":\"You are a helpful assistant.\"},{\"role\":\"user\",\"content\":\"Hello!\"}],\"stream\":true}",
        "{\"model\":\"gpt-5.4\",\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather like in Boston today?\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_current_weather\",\"description\":\"Get the current weather in a given location\",\"parameters\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\",\"description\":\"The city and state, e.g. San Francisco, CA\"},\"unit\":{\"type\":\"string\",\"enum\":[\"celsius\",\"fahrenheit\"]}},\"required\":[\"location\"]}}}],\"tool_choice\":\"auto\"}",
        "{\"model\":\"VAR_chat_model_id\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}],\"logprobs\":true,\"top_logprobs\":2}",
        // a whole conversation with tools, fields in the order the official SDKs write them (content before role)
        "{\"messages\":[{\"content\":\"be brief\",\"role\":\"system\",\"name\":\"ops\"},{\"content\":[{\"text\":\"hi\",\"type\":\"text\"},{\"input_audio\":{\"data\":\"AAA\",\"format\":\"wav\"},\"type\":\"input_audio\"},{\"file\":{\"file_id\":\"f1\"},\"type\":\"file\"}],\"role\":\"user\"},"
                + "{\"content\":null,\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]},"
                + "{\"content\":\"42\",\"role\":\"tool\",\"tool_call_id\":\"c1\"},{\"content\":[{\"type\":\"refusal\",\"refusal\":\"no\"}],\"role\":\"assistant\"},{\"role\":\"function\",\"name\":\"f\",\"content\":null}],"
                + "\"model\":\"m\",\"temperature\":2,\"top_p\":0,\"presence_penalty\":-2,\"frequency_penalty\":2.0,\"n\":128,\"stop\":[\"a\",\"b\",\"c\",\"d\"],\"seed\":-5,"
                + "\"stream\":true,\"stream_options\":{\"include_usage\":true},\"max_completion_tokens\":1,\"tool_choice\":{\"type\":\"function\",\"function\":{\"name\":\"f\"}},"
                + "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"x\",\"schema\":{\"type\":\"object\"},\"strict\":true}},\"logit_bias\":{\"50256\":-100},"
                + "\"max_tokens\":null,\"temperature\":null,\"user\":\"u\",\"parallel_tool_calls\":false,\"some_new_field\":{\"any\":[1,\"x\"]}}"
    })
    void chatExamplesPass(String body) {
        assertThatCode(() -> read(WireFormat.OPENAI, Operation.CHAT, body)).doesNotThrowAnyException();
        assertThat(read(WireFormat.OPENAI, Operation.CHAT, body)).isNotNull();
    }

    @Test
    void otherOpenAiExamplesPass() {
        for (String b : new String[] {"{\"model\":\"VAR_completion_model_id\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,\"temperature\":0}",
            "{\"model\":\"VAR_completion_model_id\",\"prompt\":\"Say this is a test\",\"max_tokens\":7,\"temperature\":0,\"stream\":true}",
            "{\"model\":\"m\",\"prompt\":[[1,2],[3]],\"max_tokens\":0,\"echo\":true,\"logprobs\":5,\"best_of\":20,\"suffix\":null}",
            "{\"model\":\"m\",\"prompt\":[1,2,3]}", "{\"model\":\"m\",\"prompt\":[\"a\",\"b\"]}", "{\"model\":\"m\",\"prompt\":null}"}) {
            assertThatCode(() -> read(WireFormat.OPENAI, Operation.COMPLETIONS, b)).as(b).doesNotThrowAnyException();
        }
        for (String b : new String[] {"{\"input\":\"The food was delicious and the waiter...\",\"model\":\"text-embedding-ada-002\",\"encoding_format\":\"float\"}",
            "{\"input\":[\"a\",\"b\"],\"model\":\"m\",\"dimensions\":8,\"encoding_format\":\"base64\"}", "{\"input\":[[1,2],[3]],\"model\":\"m\"}",
            "{\"input\":[1,2,3],\"model\":\"m\"}"}) {
            assertThatCode(() -> read(WireFormat.OPENAI, Operation.EMBEDDINGS, b)).as(b).doesNotThrowAnyException();
        }
        for (String b : new String[] {"{\"model\":\"gpt-image-1.5\",\"prompt\":\"A cute baby sea otter\",\"n\":1,\"size\":\"1024x1024\"}",
            "{\"model\":\"gpt-image-1.5\",\"prompt\":\"A cute baby sea otter\",\"n\":1,\"size\":\"1024x1024\",\"stream\":true}",
            "{\"model\":\"dall-e-3\",\"prompt\":\"p\",\"quality\":\"hd\",\"style\":\"natural\",\"response_format\":\"b64_json\",\"n\":10}"}) {
            assertThatCode(() -> read(WireFormat.OPENAI, Operation.IMAGES, b)).as(b).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {
        // Anthropic's Messages API reference: basic request, multi-turn, prefill, image, tools, tool result, thinking
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Hello, Claude\"}]}",
        "{\"model\":\"claude-sonnet-4-5\",\"max_tokens\":1024,\"messages\":[{\"role\":\"user\",\"content\":\"Hello there.\"},{\"role\":\"assistant\",\"content\":\"Hi, I'm Claude. How can I help you?\"},{\"role\":\"user\",\"content\":\"Can you explain LLMs in plain English?\"}]}",
        "{\"model\":\"m\",\"max_tokens\":1,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\",\"source\":{\"type\":\"base64\",\"media_type\":\"image/jpeg\",\"data\":\"/9j/4AAQSkZJRg...\"}},{\"type\":\"text\",\"text\":\"What is in this image?\"}]}]}",
        "{\"model\":\"m\",\"max_tokens\":1024,\"system\":[{\"type\":\"text\",\"text\":\"be brief\",\"cache_control\":{\"type\":\"ephemeral\"}}],\"temperature\":1,\"top_p\":0.5,\"top_k\":0,\"stop_sequences\":[\"x\",\"y\",\"z\",\"w\",\"v\"],\"stream\":false,"
                + "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Get the current weather in a given location\",\"input_schema\":{\"type\":\"object\",\"properties\":{\"location\":{\"type\":\"string\"}},\"required\":[\"location\"]}},{\"type\":\"web_search_20250305\",\"name\":\"web_search\",\"max_uses\":5}],"
                + "\"tool_choice\":{\"type\":\"tool\",\"name\":\"get_weather\"},\"metadata\":{\"user_id\":\"u\"},\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"hmm\",\"signature\":\"sig\"},{\"type\":\"redacted_thinking\",\"data\":\"x\"},{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{\"location\":\"SF\"}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"15 degrees\"},{\"type\":\"document\",\"source\":{\"type\":\"text\",\"media_type\":\"text/plain\",\"data\":\"d\"}},{\"type\":\"search_result\",\"source\":\"s\",\"title\":\"t\",\"content\":[]}]}],\"future_field\":1}"
    })
    void anthropicExamplesPass(String body) {
        assertThatCode(() -> read(WireFormat.ANTHROPIC, Operation.CHAT, body)).doesNotThrowAnyException();
    }

    // ---- every rule, broken: the field it names ----------------------------------------------------------------

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        // the examples
        "\"messages\":\"x\"| messages| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":\"many\"| max_tokens| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":-5| max_tokens| integer_below_min_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":0| max_tokens| integer_below_min_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":2.5| max_tokens| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":99999999999999999999999| max_tokens| integer_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_completion_tokens\":0| max_completion_tokens| integer_below_min_value",
        "\"model\":\"m\"| messages| missing_required_parameter",
        "\"messages\":[]| messages| empty_array",
        "\"messages\":[\"hi\"]| messages[0]| invalid_type",
        "\"messages\":[{\"content\":\"hi\"}]| messages[0].role| missing_required_parameter",
        "\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]| messages[0].role| invalid_value",
        "\"messages\":[{\"role\":\"user\"}]| messages[0].content| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":null}]| messages[0].content| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":5}]| messages[0].content| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":[]}]| messages[0].content| empty_array",
        "\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"user\",\"content\":[{\"type\":\"video\",\"text\":\"x\"}]}]| messages[1].content[0].type| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"x\"}]}]| messages[0].content[0].type| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]| messages[0].content[0].text| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":7}]}]| messages[0].content[0].text| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{}}]}]| messages[0].content[0].image_url.url| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\",\"detail\":\"max\"}}]}]| messages[0].content[0].image_url.detail| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"A\",\"format\":\"ogg\"}}]}]| messages[0].content[0].input_audio.format| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"file\",\"file\":\"f\"}]}]| messages[0].content[0].file| invalid_type",
        "\"messages\":[{\"content\":[{\"type\":\"text\",\"text\":\"a\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}],\"role\":\"system\"}]| messages[0].content[1].type| invalid_value",
        "\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"u\"}}]}]| messages[0].content[0].type| invalid_value",
        "\"messages\":[{\"role\":\"tool\",\"content\":\"42\"}]| messages[0].tool_call_id| missing_required_parameter",
        "\"messages\":[{\"role\":\"tool\",\"content\":\"42\",\"tool_call_id\":1}]| messages[0].tool_call_id| invalid_type",
        "\"messages\":[{\"role\":\"function\",\"content\":\"42\"}]| messages[0].name| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"name\":3}]| messages[0].name| invalid_type",
        "\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":\"c\",\"type\":\"function\",\"function\":{\"name\":\"f\"}}]}]| messages[0].tool_calls[0].function.arguments| missing_required_parameter",
        "\"messages\":[{\"role\":\"assistant\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"arguments\":\"{}\"}}]}]| messages[0].tool_calls[0].id| missing_required_parameter",
        "\"messages\":[{\"role\":\"assistant\",\"tool_calls\":{}}]| messages[0].tool_calls| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"x\",\"tool_calls\":[]}]| messages[0].tool_calls| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":0| n| integer_below_min_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"n\":129| n| integer_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":2.01| temperature| decimal_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":-0.1| temperature| decimal_below_min_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":\"hot\"| temperature| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_p\":1.5| top_p| decimal_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"presence_penalty\":-3| presence_penalty| decimal_below_min_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"frequency_penalty\":2.5| frequency_penalty| decimal_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":\"yes\"| logprobs| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logprobs\":true,\"top_logprobs\":21| top_logprobs| integer_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"top_logprobs\":3| top_logprobs| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"a\",\"b\",\"c\",\"d\",\"e\"]| stop| array_above_max_length",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[]| stop| empty_array",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":5| stop| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stop\":[\"a\",1]| stop[1]| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":\"yes\"| stream| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":true| stream_options| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream_options\":{\"include_usage\":\"yes\"}| stream_options.include_usage| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":{}| tools| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"description\":\"d\"}}]| tools[0].function.name| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"browser\"}]| tools[0].type| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\"}]| tools[0].function| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"f\",\"parameters\":[]}}]| tools[0].function.parameters| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":\"always\"| tool_choice| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"tool_choice\":{\"type\":\"function\",\"function\":{}}| tool_choice.function.name| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"yaml\"}| response_format.type| invalid_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":{\"type\":\"json_schema\"}| response_format.json_schema| missing_required_parameter",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"response_format\":\"json\"| response_format| invalid_type",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"logit_bias\":{\"1\":101}| logit_bias.1| integer_above_max_value",
        "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"model\":5| model| invalid_type",
    })
    void chatRules(String fields, String param, String code) {
        InvalidRequest e = refused(WireFormat.OPENAI, Operation.CHAT, "{" + fields + "}");
        assertThat(e.param()).isEqualTo(param.strip());
        assertThat(e.code()).isEqualTo(code.strip());
        assertThat(e.toApiError(false).param()).isEqualTo(param.strip());
        assertThat(e.toApiError(false).openAiType()).isEqualTo("invalid_request_error");
        assertThat(e.toApiError(false).httpStatus()).isEqualTo(400);
        assertThat(e.message(false)).contains("'" + param.strip() + "'");
    }

    /** A chat body naming a prompt may leave messages out, or send none: the prompt brings its own (issue 22). */
    @ParameterizedTest
    @ValueSource(strings = {
        "{\"model\":\"m\",\"prompt_id\":\"support\"}",
        "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"Ada\"},\"prompt_version\":2}",
        "{\"messages\":[],\"model\":\"m\",\"prompt_id\":\"support\"}",
        "{\"model\":\"m\",\"prompt_id\":\"support\",\"messages\":[]}",
        "{\"model\":\"m\",\"prompt_id\":\"support\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
    })
    void aPromptStandsInForMessages(String body) {
        assertThatCode(() -> read(WireFormat.OPENAI, Operation.CHAT, body)).doesNotThrowAnyException();
    }

    /** Without a prompt, messages stay required and non-empty; with one, the messages given are still checked. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "{\"model\":\"m\",\"messages\":[]}| messages| empty_array",
        "{\"model\":\"m\",\"prompt_version\":2}| messages| missing_required_parameter",
        "{\"model\":\"m\",\"prompt_id\":\"s\",\"messages\":[{\"role\":\"robot\",\"content\":\"hi\"}]}| messages[0].role| invalid_value",
        "{\"model\":\"m\",\"prompt_id\":\"s\",\"messages\":\"hi\"}| messages| invalid_type",
    })
    void messagesWithoutAPrompt(String body, String param, String code) {
        InvalidRequest e = refused(WireFormat.OPENAI, Operation.CHAT, body.strip());
        assertThat(e.param()).isEqualTo(param.strip());
        assertThat(e.code()).isEqualTo(code.strip());
    }

    @ParameterizedTest(name = "{0}: {2}")
    @CsvSource(delimiter = '|', value = {
        "COMPLETIONS| {\"model\":\"m\"}| prompt| missing_required_parameter",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":5}| prompt| invalid_type",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":[\"a\",1]}| prompt[1]| invalid_type",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":[[1],[]]}| prompt[1]| empty_array",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":[[1,\"a\"]]}| prompt[0][1]| invalid_type",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"max_tokens\":-1}| max_tokens| integer_below_min_value",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"best_of\":21}| best_of| integer_above_max_value",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"logprobs\":6}| logprobs| integer_above_max_value",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"echo\":1}| echo| invalid_type",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"n\":0}| n| integer_below_min_value",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"stop\":[\"1\",\"2\",\"3\",\"4\",\"5\"]}| stop| array_above_max_length",
        "COMPLETIONS| {\"model\":\"m\",\"prompt\":\"p\",\"temperature\":3}| temperature| decimal_above_max_value",
        "EMBEDDINGS| {\"model\":\"m\"}| input| missing_required_parameter",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":[]}| input| empty_array",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":{\"text\":\"a\"}}| input| invalid_type",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":[true]}| input[0]| invalid_type",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":[1,-2]}| input[1]| integer_below_min_value",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":\"a\",\"encoding_format\":\"int8\"}| encoding_format| invalid_value",
        "EMBEDDINGS| {\"model\":\"m\",\"input\":\"a\",\"dimensions\":0}| dimensions| integer_below_min_value",
        "IMAGES| {\"model\":\"m\"}| prompt| missing_required_parameter",
        "IMAGES| {\"model\":\"m\",\"prompt\":[\"a\"]}| prompt| invalid_type",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"n\":11}| n| integer_above_max_value",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"n\":0}| n| integer_below_min_value",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"size\":1024}| size| invalid_type",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"response_format\":\"gif\"}| response_format| invalid_value",
        "IMAGES| {\"model\":\"m\",\"prompt\":\"p\",\"quality\":\"ultra\"}| quality| invalid_value",
    })
    void otherOpenAiRules(Operation op, String body, String param, String code) {
        InvalidRequest e = refused(WireFormat.OPENAI, op, body.strip());
        assertThat(e.param()).isEqualTo(param.strip());
        assertThat(e.code()).isEqualTo(code.strip());
    }

    @Test
    void theEmbeddingsInputHoldsAtMost2048Items() {
        String many = "[" + "\"a\",".repeat(2048) + "\"a\"]";
        assertThat(refused(WireFormat.OPENAI, Operation.EMBEDDINGS, "{\"model\":\"m\",\"input\":" + many + "}").code())
                .isEqualTo("array_above_max_length");
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}| max_tokens| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":0,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}| max_tokens| integer_below_min_value",
        "{\"model\":\"m\",\"max_tokens\":\"many\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}| max_tokens| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5}| messages| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":\"x\"}| messages| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"system\",\"content\":\"x\"}]}| messages.0.role| invalid_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\"}]}| messages.0.content| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":{}}]}| messages.0.content| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":[{\"type\":\"video\"}]}]}| messages.1.content.0.type| invalid_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]}]}| messages.0.content.0.type| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\"}]}]}| messages.0.content.0.text| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image\"}]}]}| messages.0.content.0.source| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"t\",\"name\":\"n\"}]}]}| messages.0.content.0.input| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"content\":\"x\"}]}]}| messages.0.content.0.tool_use_id| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"t\",\"content\":5}]}]}| messages.0.content.0.content| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"assistant\",\"content\":[{\"type\":\"thinking\",\"thinking\":\"t\"}]}]}| messages.0.content.0.signature| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"document\",\"source\":\"s\"}]}]}| messages.0.content.0.source| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"system\":5}| system| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"system\":[{\"type\":\"image\",\"text\":\"a\"}]}| system.0.type| invalid_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":1.5}| temperature| decimal_above_max_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_p\":-1}| top_p| decimal_below_min_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"top_k\":-1}| top_k| integer_below_min_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stop_sequences\":\"x\"}| stop_sequences| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"stream\":\"yes\"}| stream| invalid_type",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"name\":\"t\"}]}| tools.0.input_schema| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tools\":[{\"input_schema\":{}}]}| tools.0.name| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"tool\"}}| tool_choice.name| missing_required_parameter",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":{\"type\":\"some\"}}| tool_choice.type| invalid_value",
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"tool_choice\":\"auto\"}| tool_choice| invalid_type",
    })
    void anthropicRules(String body, String field, String code) {
        InvalidRequest e = refused(WireFormat.ANTHROPIC, Operation.CHAT, body.strip());
        assertThat(e.dottedPath()).isEqualTo(field.strip());
        assertThat(e.code()).isEqualTo(code.strip());
        assertThat(e.toApiError(true).anthropicType()).isEqualTo("invalid_request_error");
        assertThat(e.toApiError(true).message()).contains("'" + field.strip() + "'");
    }

    @Test
    void aDuplicatedFieldIsCheckedByTheValueThatWins() {
        // the last value of a name is the one sent on: a valid first one must not hide an invalid last one
        assertThat(refused(WireFormat.OPENAI, Operation.CHAT,
                "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":-1}").param())
                .isEqualTo("max_tokens");
        assertThatCode(() -> read(WireFormat.OPENAI, Operation.CHAT,
                "{\"model\":\"m\",\"max_tokens\":-1,\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":5}"))
                .doesNotThrowAnyException();
    }

    @Test
    void aValidBodyKeepsItsBytesAndItsKeptFields() {
        JsonBody body = read(WireFormat.OPENAI, Operation.CHAT, chat("\"max_tokens\":7,\"stream\":true,\"stream_options\":{\"include_usage\":true},\"x\":\"y\""));
        assertThat(body.get("max_tokens").asInt()).isEqualTo(7);
        assertThat(body.get("stream").asBoolean()).isTrue();
        assertThat(body.path("stream_options").path("include_usage").asBoolean()).isTrue();
        assertThat(body.toBuffer().toString()).isEqualTo(chat("\"max_tokens\":7,\"stream\":true,\"stream_options\":{\"include_usage\":true},\"x\":\"y\""));
        assertThat(body.get("x").asText()).isEqualTo("y");
    }

    @Test
    void notJsonIsRefusedAsSuchNotAsAViolation() {
        assertThat(catchThrowable(() -> read(WireFormat.OPENAI, Operation.CHAT, "{\"messages\":")))
                .isInstanceOf(JsonBody.Invalid.class).hasMessageContaining("ends before its JSON does");
        assertThat(catchThrowable(() -> read(WireFormat.OPENAI, Operation.CHAT, "[1]")))
                .isInstanceOf(JsonBody.Invalid.class).hasMessageContaining("not a JSON object");
        // a field breaking a rule, then the body turns out not to be JSON: refused as not JSON
        assertThat(catchThrowable(() -> read(WireFormat.OPENAI, Operation.CHAT, "{\"max_tokens\":-5,\"messages\":")))
                .isInstanceOf(JsonBody.Invalid.class);
    }
}
