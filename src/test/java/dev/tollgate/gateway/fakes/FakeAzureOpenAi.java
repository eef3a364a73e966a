package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Azure OpenAI resource ({@code https://<resource>.openai.azure.com}), deployment-based routes:
 * {@code POST /openai/deployments/{deployment}/chat/completions|completions|embeddings|images/generations
 * ?api-version=…} with the {@code api-key} header. Bodies are OpenAI's (see {@link FakeOpenAi}); like the real
 * service, chat answers carry content-filter annotations — {@code prompt_filter_results} and
 * {@code choices[].content_filter_results}, and a stream starts with a chunk whose {@code choices} is empty
 * (switch off with {@link #contentFilterResults(boolean)}).
 *
 * <p>Service errors use Azure's envelope {@code {"error":{"code","message"}}}:
 * <ul>
 *   <li>no {@code api-version}, or an unknown route: 404 {@code {"error":{"code":"404","message":"Resource not found"}}};</li>
 *   <li>an {@code api-version} not in {@link #apiVersions(String...)} (when set): 400 {@code BadRequest}
 *       "API version not supported";</li>
 *   <li>missing/wrong {@code api-key}: 401 "Access denied due to invalid subscription key or wrong API endpoint…";</li>
 *   <li>a deployment not registered with {@link #deployment(String, String)} (when any is): 404
 *       {@code DeploymentNotFound}.</li>
 * </ul>
 * The deployment and api-version of each call are on the {@link RecordedRequest}
 * ({@code pathParam("deployment")}, {@code queryParam("api-version")}).
 */
public final class FakeAzureOpenAi extends FakeOpenAi {

    private static final Pattern ROUTE =
            Pattern.compile("^/openai/deployments/([^/]+)/(chat/completions|completions|embeddings|images/generations)$");

    private final String apiKey;
    private final Map<String, String> deployments = new ConcurrentHashMap<>();
    private volatile Set<String> apiVersions;
    private volatile boolean contentFilter = true;

    private FakeAzureOpenAi(Vertx vertx, String apiKey) {
        super(vertx, apiKey);
        this.apiKey = apiKey;
    }

    /** Starts a fake resource that accepts exactly {@code apiKey} in the {@code api-key} header. */
    public static FakeAzureOpenAi start(String apiKey) {
        return start(null, apiKey);
    }

    public static FakeAzureOpenAi start(Vertx vertx, String apiKey) {
        FakeAzureOpenAi fake = new FakeAzureOpenAi(vertx, apiKey);
        fake.listen();
        return fake;
    }

    /** The resource endpoint, {@code http://127.0.0.1:PORT} (clients append {@code /openai/deployments/…}). */
    @Override
    public String baseUrl() {
        return origin();
    }

    /** Registers a deployment and the model it serves (reported as {@code model}); once any deployment is
     * registered, calls to others get 404 {@code DeploymentNotFound}. */
    public FakeAzureOpenAi deployment(String name, String model) {
        deployments.put(name, model);
        return this;
    }

    /** Restricts the accepted {@code api-version} values; none given (the default) accepts any. */
    public FakeAzureOpenAi apiVersions(String... versions) {
        this.apiVersions = versions.length == 0 ? null : Set.of(versions);
        return this;
    }

    /** Whether chat bodies carry Azure's content-filter annotations (default true, as the service does). */
    public FakeAzureOpenAi contentFilterResults(boolean on) {
        this.contentFilter = on;
        return this;
    }

    /** 429 as Azure words it, with {@code retry-after} (seconds, rounded up) and {@code retry-after-ms}. */
    public static Reply rateLimited(Duration retryAfter) {
        long seconds = seconds(retryAfter);
        return Reply.error(429, null, "Requests to the ChatCompletions_Create Operation under Azure OpenAI API "
                        + "version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing "
                        + "tier. Please retry after " + seconds + " seconds.")
                .code("429")
                .header("retry-after", Long.toString(seconds))
                .header("retry-after-ms", Long.toString(retryAfter.toMillis()));
    }

    @Override
    protected boolean isAzure() {
        return true;
    }

    @Override
    protected boolean contentFilterAnnotations() {
        return contentFilter;
    }

    /** A request's deployment is the one in its path ({@code /openai/deployments/{deployment}/…}). */
    @Override
    protected String deploymentOf(RecordedRequest request) {
        return request.pathParam("deployment");
    }

    @Override
    protected Map<String, String> pathParams(String path) {
        Matcher m = ROUTE.matcher(path);
        return m.matches() ? Map.of("deployment", m.group(1)) : Map.of();
    }

    /**
     * A prompt the content filter blocks: 400, code {@code content_filter}, param {@code prompt}, and the verdict per
     * category in {@code innererror} ({@code ResponsibleAIPolicyViolation}), here violence at medium severity — the
     * body of "Scenario details" in https://learn.microsoft.com/en-us/azure/ai-services/openai/concepts/content-filter
     * (innererror codes: https://learn.microsoft.com/en-us/azure/ai-services/openai/reference, {@code InnerErrorCode}).
     */
    static ObjectNode contentFilterError() {
        ObjectNode body = object();
        ObjectNode error = body.putObject("error");
        error.put("message", "The response was filtered due to the prompt triggering Azure OpenAI's content management "
                + "policy. Please modify your prompt and retry. To learn more about our content filtering policies "
                + "please read our documentation: https://go.microsoft.com/fwlink/?linkid=2198766");
        error.putNull("type");
        error.put("param", "prompt");
        error.put("code", "content_filter");
        error.put("status", 400);
        ObjectNode inner = error.putObject("innererror").put("code", "ResponsibleAIPolicyViolation");
        ObjectNode verdict = inner.putObject("content_filter_result");
        verdict.putObject("hate").put("filtered", false).put("severity", "safe");
        verdict.putObject("jailbreak").put("filtered", false).put("detected", false);
        verdict.putObject("self_harm").put("filtered", false).put("severity", "safe");
        verdict.putObject("sexual").put("filtered", false).put("severity", "safe");
        verdict.putObject("violence").put("filtered", true).put("severity", "medium");
        return body;
    }

    /** Azure's error envelope: {@code code} (the scripted code, else the status) and {@code message}, plus
     * {@code type}/{@code param} when scripted. */
    @Override
    protected JsonNode errorBody(Reply reply) {
        if (reply.isContextTooLong()) { // Azure relays the model's own error, as OpenAI words it
            return super.errorBody(reply);
        }
        if (reply.isContentPolicy()) {
            return contentFilterError();
        }
        ObjectNode body = azureError(reply.errorCode() != null ? reply.errorCode() : Integer.toString(reply.status()),
                reply.errorMessage());
        ObjectNode error = (ObjectNode) body.get("error");
        if (reply.errorType() != null) {
            error.put("type", reply.errorType());
        }
        if (reply.errorParam() != null) {
            error.put("param", reply.errorParam());
        }
        return body;
    }

    private static ObjectNode azureError(String code, String message) {
        ObjectNode body = object();
        body.putObject("error").put("code", code).put("message", message);
        return body;
    }

    @Override
    protected void handle(HttpServerRequest http, RecordedRequest request) {
        Matcher m = ROUTE.matcher(request.path());
        String apiVersion = request.queryParam("api-version");
        if (!"POST".equals(request.method()) || !m.matches() || apiVersion == null || apiVersion.isBlank()) {
            fail(http, 404, azureError("404", "Resource not found"));
            return;
        }
        if (apiVersions != null && !apiVersions.contains(apiVersion)) {
            fail(http, 400, azureError("BadRequest", "API version not supported"));
            return;
        }
        String key = request.header("api-key");
        if (key == null || !key.equals(apiKey)) {
            fail(http, 401, azureError("401", "Access denied due to invalid subscription key or wrong API endpoint. "
                    + "Make sure to provide a valid key for an active subscription and use a correct regional API "
                    + "endpoint for your resource."));
            return;
        }
        String deployment = m.group(1);
        if (!deployments.isEmpty() && !deployments.containsKey(deployment)) {
            fail(http, 404, azureError("DeploymentNotFound", "The API deployment for this resource does not exist. "
                    + "If you created the deployment within the last 5 minutes, please wait a moment and try again."));
            return;
        }
        String model = deployments.getOrDefault(deployment, deployment);
        switch (m.group(2)) {
            case "chat/completions" -> chatCompletions(http, request, model);
            case "completions" -> completions(http, request, model);
            case "embeddings" -> embeddings(http, request, model);
            default -> images(http, request);
        }
    }
}
