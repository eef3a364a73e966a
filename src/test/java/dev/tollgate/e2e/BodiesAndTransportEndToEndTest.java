package dev.tollgate.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ConfigHolder;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.standalone.StandaloneRunner;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Bodies and transport, end to end through standalone mode: a JSON body is read as JSON whatever its Content-Type
 * (curl's default form encoding included), every refusal of a body or a route is a 4xx with an error body in the
 * endpoint's shape, and a model whose provider lacks a setting is refused when the folder is rendered (file:line),
 * or, should one reach the gateway anyway, answered 502 naming the model and the setting.
 */
@QuarkusTest
@TestProfile(BodiesAndTransportEndToEndTest.Folder.class)
class BodiesAndTransportEndToEndTest {
    static final String KEY = "sk-tg-bodies-test-key-0123456789abc";
    static final long LIMIT = 12L * 1024 * 1024;
    static Path folder;

    public static class Folder implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            folder = StandaloneFolder.create("tollgate-bodies", """
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: GatewayDeployment
                    metadata: {name: bodies}
                    spec: {}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: keys, labels: {llm.tollgate.dev/secret: key}}
                    stringData: {main: %s}
                    ---
                    apiVersion: v1
                    kind: Secret
                    metadata: {name: azure, labels: {llm.tollgate.dev/secret: credentials}}
                    stringData: {api-key: azure-secret-key-1}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: VirtualKey
                    metadata: {name: main}
                    spec: {existingSecret: {name: keys, key: main}}
                    ---
                    apiVersion: llm.tollgate.dev/v1alpha1
                    kind: LlmModel
                    metadata: {name: mock}
                    spec: {modelName: mock-gpt, provider: mock, model: mock-gpt, mock: {outputTokens: 2}}
                    """.formatted(KEY));
            try {
                Files.writeString(folder.resolve("azure.yaml"), """
                        apiVersion: llm.tollgate.dev/v1alpha1
                        kind: LlmModel
                        metadata: {name: azure-gpt}
                        spec:
                          modelName: azure-gpt
                          provider: azure
                          model: gpt-4o
                          apiBase: https://contoso.openai.azure.com
                          credentialsSecretRef: {name: azure, key: api-key}
                        """);
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
            // above Quarkus' own default body limit (10 MiB), which answered a bare 413 before any route
            return StandaloneFolder.serve(folder, "tollgate.gateway.max-body-bytes", Long.toString(LIMIT));
        }
    }

    @TestHTTPResource("/")
    URL root;

    @Inject
    StandaloneRunner runner;

    @Inject
    ConfigHolder holder;

    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    HttpResponse<String> send(String method, String path, String contentType, byte[] body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(root.toURI().resolve(path)).header("authorization", "Bearer " + KEY)
                .header("x-api-key", KEY).method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body));
        if (contentType != null) {
            b.header("content-type", contentType);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static byte[] chat(String content) {
        return ("{\"model\":\"mock-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"" + content + "\"}]}")
                .getBytes(StandardCharsets.UTF_8);
    }

    static JsonNode openAiError(HttpResponse<String> r) {
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        JsonNode error = Json.parse(r.body()).path("error");
        assertThat(error.path("message").asText()).as(r.body()).isNotBlank();
        assertThat(error.has("type") && error.has("param") && error.has("code")).as(r.body()).isTrue();
        return error;
    }

    @Test
    void aJsonBodySentAsAFormIsReadAsJson() throws Exception {
        // curl -d sends application/x-www-form-urlencoded: a 300 KB prompt went through Vert.x' form decoder (500)
        byte[] body = chat("word ".repeat(60_000));
        assertThat(body.length).isGreaterThan(300_000);
        for (String type : new String[] {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                "text/plain", null}) {
            var r = send("POST", "v1/chat/completions", type, body);
            assertThat(r.statusCode()).as("%s: %s", type, r.body()).isEqualTo(200);
            assertThat(Json.parse(r.body()).path("usage").path("prompt_tokens").asLong()).isEqualTo(60_000);
        }
    }

    @Test
    void aBodyOverTheLimitIs413WithAnErrorBodyInTheEndpointsShape() throws Exception {
        // 20 MiB (a bare 413 from Quarkus' limit before), announced as curl announces a large body: Content-Length and
        // Expect: 100-continue, so the refusal comes before the body is sent. Written on a plain socket: the JDK 17
        // HttpClient waits forever when a server answers an Expect: 100-continue with a final status.
        long big = 20L * 1024 * 1024;
        String[] openAi = expectContinue("v1/chat/completions", "authorization: Bearer " + KEY, big);
        assertThat(openAi[0]).isEqualTo("413");
        JsonNode error = Json.parse(openAi[1]).path("error");
        assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("code").asText()).isEqualTo("request_too_large");
        assertThat(error.path("message").asText()).contains(Long.toString(LIMIT));

        String[] anthropic = expectContinue("v1/messages", "x-api-key: " + KEY, big);
        assertThat(anthropic[0]).isEqualTo("413");
        JsonNode body = Json.parse(anthropic[1]);
        assertThat(body.path("type").asText()).isEqualTo("error");
        assertThat(body.path("error").path("type").asText()).isEqualTo("request_too_large");

        // without Content-Length (chunked), refused once the bytes read pass the limit
        byte[] overByALittle = chat("x".repeat((int) LIMIT + 1024));
        var chunked = http.send(HttpRequest.newBuilder(root.toURI().resolve("v1/embeddings"))
                .header("authorization", "Bearer " + KEY).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(overByALittle))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(chunked.statusCode()).isEqualTo(413);
        assertThat(openAiError(chunked).path("code").asText()).isEqualTo("request_too_large");
    }

    /** POSTs headers announcing {@code length} bytes with Expect: 100-continue, sends no body; {status, body}. */
    String[] expectContinue(String path, String auth, long length) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(root.getHost(), root.getPort())) {
            socket.setSoTimeout(10_000);
            String request = "POST " + root.getPath() + path + " HTTP/1.1\r\nHost: " + root.getHost() + "\r\n" + auth
                    + "\r\ncontent-type: application/json\r\ncontent-length: " + length
                    + "\r\nexpect: 100-continue\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            java.io.InputStream in = socket.getInputStream();
            java.io.ByteArrayOutputStream read = new java.io.ByteArrayOutputStream();
            String head;
            while (!(head = read.toString(java.nio.charset.StandardCharsets.ISO_8859_1)).contains("\r\n\r\n")) {
                int b = in.read();
                assertThat(b).as("the answer's head, so far: %s", head).isNotNegative();
                read.write(b);
            }
            java.util.regex.Matcher len = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
            assertThat(len.find()).as(head).isTrue();
            assertThat(head.toLowerCase()).as(head).contains("content-type: application/json");
            byte[] body = in.readNBytes(Integer.parseInt(len.group(1)));
            return new String[] {head.substring(head.indexOf(' ') + 1, head.indexOf(' ') + 4),
                    new String(body, java.nio.charset.StandardCharsets.UTF_8)};
        }
    }

    @Test
    void bodiesJacksonCannotReadAre400sThatSayWhy() throws Exception {
        byte[] badUtf8 = chat("caf\u00e9");
        for (int i = 0; i < badUtf8.length; i++) {
            if (badUtf8[i] == (byte) 0xC3) {
                badUtf8[i] = (byte) 0xFF;
            }
        }
        var r = send("POST", "v1/chat/completions", "application/json", badUtf8);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(openAiError(r).path("message").asText()).contains("not valid UTF-8");

        String deep = "{\"model\":\"mock-gpt\",\"messages\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";
        r = send("POST", "v1/chat/completions", "application/json", deep.getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(openAiError(r).path("message").asText()).contains("nesting depth");

        r = send("POST", "v1/chat/completions", "application/json", ("{\"model\":\"mock-gpt\",\"max_tokens\":1"
                + "0".repeat(99) + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(openAiError(r).path("message").asText()).contains("Number value length");

        r = send("POST", "v1/messages", "application/json", "{\"model\":\"mock-gpt\",\"messa".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(Json.parse(r.body()).path("error").path("message").asText()).contains("ends before its JSON does");
    }

    @Test
    void wrongMethodsAndUnknownPathsGetAnErrorBody() throws Exception {
        var put = send("PUT", "v1/chat/completions", "application/json", chat("hi"));
        assertThat(put.statusCode()).isEqualTo(405);
        assertThat(put.headers().firstValue("allow")).hasValue("POST");
        assertThat(openAiError(put).path("code").asText()).isEqualTo("method_not_allowed");

        var getMessages = send("GET", "v1/messages", null, null);
        assertThat(getMessages.statusCode()).isEqualTo(405);
        assertThat(Json.parse(getMessages.body()).path("type").asText()).isEqualTo("error");

        var postModel = send("POST", "v1/models/mock-gpt", "application/json", chat("hi"));
        assertThat(postModel.statusCode()).isEqualTo(405);
        assertThat(postModel.headers().firstValue("allow")).hasValue("GET");

        var unknown = send("GET", "v1/nothing/here", null, null);
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(openAiError(unknown).path("code").asText()).isEqualTo("unknown_url");

        // the probes are still theirs
        assertThat(send("GET", "health/readiness", null, null).statusCode()).isEqualTo(200);
    }

    @Test
    void oversizedHeadersAre431WithAnErrorBodyNeverA500OrAHang() throws Exception {
        for (String path : List.of("/v1/models", "/v1/chat/completions", "/nowhere")) {
            String answer = rawExchange((path.endsWith("completions") ? "POST " : "GET ") + path
                    + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Big: " + "a".repeat(100_000) + "\r\n\r\n{}");
            assertThat(answer).as(path).startsWith("HTTP/1.1 431");
            assertThat(answer.toLowerCase(java.util.Locale.ROOT)).as(path).contains("connection: close");
            JsonNode error = Json.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4)).path("error");
            assertThat(error.path("code").asText()).as(path).isEqualTo("request_header_fields_too_large");
            assertThat(error.path("message").asText()).as(path).contains("20480").contains("tollgate.gateway.max-header-bytes");
        }
        // Anthropic's endpoint answers in Anthropic's shape
        String messages = rawExchange("POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nX-Big: "
                + "a".repeat(30_000) + "\r\n\r\n{}");
        assertThat(messages).startsWith("HTTP/1.1 431").contains("\"type\":\"error\"");
        // a long request line: 414 with a body
        String line = rawExchange("GET /v1/models/" + "m".repeat(6000) + " HTTP/1.1\r\nHost: x\r\n\r\n");
        assertThat(line).startsWith("HTTP/1.1 414").contains("uri_too_long");
        // beyond the codec's own hard limit (128 KiB, application.properties) Netty answers alone: bare, never a 500
        try (Socket s = new Socket(root.getHost(), root.getPort())) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET /v1/models HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(140_000) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertThat(new String(s.getInputStream().readNBytes(12), StandardCharsets.US_ASCII)).isEqualTo("HTTP/1.1 431");
        }
        assertThat(send("GET", "v1/models", null, null).statusCode()).isEqualTo(200);
    }

    /** One request written on a fresh socket; everything the gateway sends until it closes (or 10 s pass). */
    private String rawExchange(String request) throws Exception {
        try (Socket s = new Socket(root.getHost(), root.getPort())) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            out.write(request.getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void anAzureModelWithoutApiVersionIsRefusedWhenTheFolderIsRenderedWithFileAndLine() throws Exception {
        assertThat(runner.lastErrors()).anySatisfy(e -> assertThat(e)
                // line 5 is spec's first line, where the missing apiVersion belongs
                .startsWith(folder.resolve("azure.yaml") + ":5: ")
                .contains("provider azure needs spec.apiVersion"));
        var r = send("POST", "v1/chat/completions", "application/json",
                "{\"model\":\"azure-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8));
        assertThat(r.statusCode()).isEqualTo(404);
        assertThat(openAiError(r).path("code").asText()).isEqualTo("model_not_found");
    }

    @Test
    void aMisconfiguredModelThatSlipsThroughIsA502NamingTheSettingNeverA500() throws Exception {
        Snapshot served = holder.current();
        GatewayConfig c = served.config();
        // as if an older renderer (or a hand-written config file) had let the model through
        List<GatewayConfig.Model> models = new ArrayList<>(c.models());
        models.add(new GatewayConfig.Model("default/azure-gpt", "azure-gpt", "azure", "gpt-4o",
                "https://contoso.openai.azure.com", null, null, null, null, null, null, 1, 60_000, null, null, "reject", null));
        try {
            holder.update(new GatewayConfig(c.schema(), c.gateway(), c.settings(), models, c.keys(), c.budgets(),
                    c.keyShards()), secrets(), "slipped", "test");
            var r = send("POST", "v1/chat/completions", "application/json",
                    "{\"model\":\"azure-gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}".getBytes(StandardCharsets.UTF_8));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(502);
            JsonNode error = openAiError(r);
            assertThat(error.path("code").asText()).isEqualTo("model_misconfigured");
            assertThat(error.path("message").asText()).contains("azure-gpt").contains("spec.apiVersion");
        } finally {
            holder.update(served.config(), secrets(), served.version(), "test");
        }
    }

    static dev.tollgate.config.GatewaySecrets secrets() {
        return new dev.tollgate.config.GatewaySecrets(dev.tollgate.config.GatewaySecrets.SCHEMA,
                Map.of(dev.tollgate.config.Keys.sha256Hex(KEY), "default/main"), Map.of(), null);
    }
}
