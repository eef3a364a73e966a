package dev.tollgate.gateway.prompt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The prompt stage on a snapshot built from a GatewayConfig: resolution, permission, rendering and its errors. */
class PromptStageTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The gateway's default tollgate.gateway.max-body-bytes. */
    private static final long MAX_BODY = 10L * 1024 * 1024;

    private static GatewayConfig.PromptVersion version(int n, String model, String parameters, List<String> overridable,
            String system) {
        try {
            return new GatewayConfig.PromptVersion(n, "sha256:" + n, model,
                    parameters == null ? null : JSON.readTree(parameters),
                    List.of(new GatewayConfig.Variable("customer", null), new GatewayConfig.Variable("tone", "friendly")),
                    List.of(new GatewayConfig.Message("system", system),
                            new GatewayConfig.Message("user", "My name is {{customer}}.")), overridable);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** team-a/support: v1, v2 (production), v3 (canary); v3 lets the client choose model and temperature. */
    static final GatewayConfig.Prompt SUPPORT = new GatewayConfig.Prompt("team-a/support", List.of(
            version(1, "gpt-small", "{\"temperature\":0.1}", null, "v1 {{tone}}"),
            version(2, "gpt-small", "{\"temperature\":0.2,\"max_tokens\":50}", null, "v2 {{tone}}"),
            version(3, "gpt-big", "{\"temperature\":0.3}", List.of("model", "temperature"), "v3 {{tone}}")),
            Map.of("production", 2, "canary", 3), List.of("team-a/app", "team-b/partner"));
    /** team-a/nolabel: versions 1 and 4, no labels, no model. */
    static final GatewayConfig.Prompt NO_LABEL = new GatewayConfig.Prompt("team-a/nolabel", List.of(
            version(1, null, null, null, "one"), version(4, null, null, null, "four")), null, List.of("team-a/app"));

    static final GatewayConfig.Key APP = key("team-a/app");
    static final GatewayConfig.Key OTHER = key("team-a/other");
    static final GatewayConfig.Key PARTNER = key("team-b/partner");

    private static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, Map.of());
    }

    static Snapshot snapshot(List<GatewayConfig.Prompt> prompts) {
        GatewayConfig config = new GatewayConfig(GatewayConfig.SCHEMA, "ns/gw", new GatewayConfig.Settings(4000, 0, null),
                List.of(), List.of(APP, OTHER, PARTNER), List.of(), null, null, null, null, prompts);
        return new Snapshot(config, new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");
    }

    private final Map<String, String> headers = new HashMap<>();
    private final Snapshot snapshot = snapshot(List.of(SUPPORT, NO_LABEL));

    private RequestContext ctx(GatewayConfig.Key key, String body) {
        HttpServerResponse response = (HttpServerResponse) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {HttpServerResponse.class}, (proxy, method, args) -> {
                    if (method.getName().equals("putHeader")) {
                        headers.put(args[0].toString(), args[1].toString());
                        return proxy;
                    }
                    return null;
                });
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) ->
                        method.getName().equals("response") ? response : null);
        RequestContext ctx = new RequestContext(rc, "req-1", WireFormat.OPENAI, Operation.CHAT, snapshot);
        ctx.key = key;
        ctx.body = JsonBody.parse(Buffer.buffer(body));
        return ctx;
    }

    private JsonNode apply(RequestContext ctx, String body) throws Exception {
        return JSON.readTree(PromptStage.apply(ctx, Buffer.buffer(body), MAX_BODY).getBytes());
    }

    private JsonNode apply(GatewayConfig.Key key, String body) throws Exception {
        return apply(ctx(key, body), body);
    }

    private ApiError refused(GatewayConfig.Key key, String body) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> apply(key, body));
        assertThat(t).isInstanceOf(GatewayException.class);
        return ((GatewayException) t).error();
    }

    @Test
    void noVersionNoLabelServesProductionWithItsModelParametersAndMessagesFirst() throws Exception {
        String body = "{\"model\":\"whatever\",\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"Ada\"},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Where is my order?\"}],\"stream\":false}";
        RequestContext ctx = ctx(APP, body);
        JsonNode out = apply(ctx, body);
        assertThat(out.toString()).isEqualTo("{\"model\":\"gpt-small\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"v2 friendly\"},{\"role\":\"user\",\"content\":\"My name is Ada.\"},"
                + "{\"role\":\"user\",\"content\":\"Where is my order?\"}],\"stream\":false,\"temperature\":0.2,"
                + "\"max_tokens\":50}");
        assertThat(ctx.prompt).isEqualTo(new PromptUse("team-a/support", 2, null));
        assertThat(headers).containsEntry("x-tollgate-prompt", "team-a/support@2");
    }

    @Test
    void versionAndLabelSelect() throws Exception {
        String v1 = "{\"prompt_id\":\"support\",\"prompt_version\":1,\"prompt_variables\":{\"customer\":\"A\"}}";
        JsonNode out = apply(APP, v1);
        assertThat(out.get("messages").get(0).get("content").asText()).isEqualTo("v1 friendly");
        assertThat(out.has("prompt_version")).isFalse();
        assertThat(out.get("model").asText()).isEqualTo("gpt-small");
        RequestContext ctx = ctx(APP, "{\"prompt_id\":\"support\",\"prompt_label\":\"canary\","
                + "\"prompt_variables\":{\"customer\":\"A\"}}");
        JsonNode canary = apply(ctx, "{\"prompt_id\":\"support\",\"prompt_label\":\"canary\","
                + "\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(canary.get("messages").get(0).get("content").asText()).isEqualTo("v3 friendly");
        assertThat(canary.get("model").asText()).isEqualTo("gpt-big");
        assertThat(ctx.prompt).isEqualTo(new PromptUse("team-a/support", 3, "canary"));
        assertThat(headers).containsEntry("x-tollgate-prompt", "team-a/support@3");
    }

    @Test
    void withoutAProductionLabelTheHighestVersionServesAndTheRequestsModelStays() throws Exception {
        JsonNode out = apply(APP, "{\"model\":\"m\",\"prompt_id\":\"team-a/nolabel\",\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(out.get("messages").get(0).get("content").asText()).isEqualTo("four");
        assertThat(out.get("model").asText()).isEqualTo("m");
        assertThat(headers).containsEntry("x-tollgate-prompt", "team-a/nolabel@4");
    }

    @Test
    void anOverridableModelAndParameterAreTheRequests() throws Exception {
        JsonNode out = apply(APP, "{\"model\":\"mine\",\"temperature\":0.9,\"prompt_id\":\"support\","
                + "\"prompt_version\":3,\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(out.get("model").asText()).isEqualTo("mine");
        assertThat(out.get("temperature").decimalValue()).isEqualByComparingTo("0.9");
        JsonNode noModel = apply(APP, "{\"prompt_id\":\"support\",\"prompt_version\":3,\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(noModel.get("model").asText()).isEqualTo("gpt-big");
        assertThat(noModel.get("temperature").decimalValue()).isEqualByComparingTo("0.3");
    }

    @Test
    void aFixedParameterIsRefusedNamingIt() {
        ApiError e = refused(APP, "{\"temperature\":0.9,\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(e.httpStatus()).isEqualTo(400);
        assertThat(e.param()).isEqualTo("temperature");
        assertThat(e.code()).isEqualTo("parameter_fixed_by_prompt");
        assertThat(e.message()).contains("team-a/support@2").contains("overridable");
    }

    @Test
    void aPromptOfAnotherNamespaceIsNamedWithItsNamespace() throws Exception {
        JsonNode out = apply(PARTNER, "{\"prompt_id\":\"team-a/support\",\"prompt_variables\":{\"customer\":\"B\"}}");
        assertThat(out.get("messages").get(1).get("content").asText()).isEqualTo("My name is B.");
        ApiError e = refused(PARTNER, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"B\"}}");
        assertThat(e.httpStatus()).isEqualTo(404);
        assertThat(e.message()).contains("team-b/support");
    }

    @Test
    void errorsHaveTheirStatusCodeAndParam() {
        String vars = ",\"prompt_variables\":{\"customer\":\"A\"}";
        expect(refused(APP, "{\"prompt_id\":\"nope\"}"), 404, "prompt_not_found", "prompt_id");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_version\":9" + vars + "}"), 404, "prompt_not_found",
                "prompt_version");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_label\":\"beta\"" + vars + "}"), 404,
                "prompt_not_found", "prompt_label");
        expect(refused(OTHER, "{\"prompt_id\":\"support\"" + vars + "}"), 403, "prompt_not_allowed", "prompt_id");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_version\":1,\"prompt_label\":\"canary\"" + vars + "}"),
                400, "invalid_value", "prompt_label");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_version\":0}"), 400, "invalid_value", "prompt_version");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_version\":\"2\"}"), 400, "invalid_value", "prompt_version");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_version\":1.5}"), 400, "invalid_value", "prompt_version");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_label\":2}"), 400, "invalid_value", "prompt_label");
        expect(refused(APP, "{\"prompt_id\":7}"), 400, "invalid_value", "prompt_id");
        expect(refused(APP, "{\"prompt_id\":\"support\"}"), 400, "invalid_prompt_variables", "prompt_variables.customer");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":[1]}"), 400, "invalid_prompt_variables",
                "prompt_variables");
        expect(refused(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"A\",\"x\":1}}"), 400,
                "invalid_prompt_variables", "prompt_variables.x");
    }

    @Test
    void theKeyNotAllowedMessageSaysWhoDecides() {
        ApiError e = refused(OTHER, "{\"prompt_id\":\"support\"}");
        assertThat(e.message()).contains("VirtualKey team-a/other").contains("spec.keys");
        assertThat(headers).doesNotContainKey("x-tollgate-prompt");
    }

    @Test
    void aKeyOfAnotherNamespaceCannotTellAPromptItMayNotUseFromAnAbsentOne() {
        // team-a/nolabel allows team-a/app only; team-b/partner gets what an absent Prompt gets, word for word
        String vars = ",\"prompt_variables\":{\"customer\":\"A\"}}";
        ApiError hidden = refused(PARTNER, "{\"prompt_id\":\"team-a/nolabel\"" + vars);
        ApiError absent = refused(PARTNER, "{\"prompt_id\":\"team-a/nothere\"" + vars);
        expect(hidden, 404, "prompt_not_found", "prompt_id");
        assertThat(hidden.message()).isEqualTo(absent.message().replace("team-a/nothere", "team-a/nolabel"));
        assertThat(hidden.toOpenAiBody().toString()).isEqualTo(absent.toOpenAiBody().toString().replace("team-a/nothere", "team-a/nolabel"));
        assertThat(headers).doesNotContainKey("x-tollgate-prompt");
        // a key of the Prompt's own namespace its spec.keys does not select still learns why
        expect(refused(OTHER, "{\"prompt_id\":\"nolabel\"" + vars), 403, "prompt_not_allowed", "prompt_id");
    }

    @Test
    void aVariablesErrorStillNamesTheVersion() {
        refused(APP, "{\"prompt_id\":\"support\",\"prompt_label\":\"canary\"}");
        assertThat(headers).containsEntry("x-tollgate-prompt", "team-a/support@3");
    }

    @Test
    void numbersAreTakenAsTheClientWroteThem() throws Exception {
        JsonNode out = apply(APP, "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":1.50,\"tone\":1e3}}");
        assertThat(out.get("messages").get(0).get("content").asText()).isEqualTo("v2 1e3");
        assertThat(out.get("messages").get(1).get("content").asText()).isEqualTo("My name is 1.50.");
    }

    @Test
    void nullPromptFieldsCountAsAbsentAndOtherPromptPrefixedFieldsStay() throws Exception {
        JsonNode out = apply(APP, "{\"prompt_id\":\"support\",\"prompt_version\":null,\"prompt_label\":null,"
                + "\"prompt_cache_key\":\"k\",\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(out.get("messages").get(0).get("content").asText()).isEqualTo("v2 friendly");
        assertThat(out.get("prompt_cache_key").asText()).isEqualTo("k");
        assertThat(out.has("prompt_id") || out.has("prompt_version") || out.has("prompt_label")
                || out.has("prompt_variables")).isFalse();
    }

    @Test
    void anEmptyMessagesArrayGetsThePromptsMessages() throws Exception {
        JsonNode out = apply(APP, "{\"messages\":[],\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"A\"}}");
        assertThat(out.get("messages")).hasSize(2);
    }

    /** team-a/huge: one message using {{customer}} 1,000 times. */
    static final GatewayConfig.Prompt HUGE = new GatewayConfig.Prompt("team-a/huge", List.of(
            new GatewayConfig.PromptVersion(1, "sha256:h", "m", null, List.of(new GatewayConfig.Variable("customer", null)),
                    List.of(new GatewayConfig.Message("user", "{{customer}}".repeat(1000))), null)),
            null, List.of("team-a/app"));

    @Test
    void aPromptThatWouldRenderPastTheBodyLimitIsA413() {
        RequestContext ctx = ctxWith(List.of(HUGE), APP);
        String body = "{\"prompt_id\":\"huge\",\"prompt_variables\":{\"customer\":\"" + "x".repeat(100_000) + "\"}}";
        ctx.body = JsonBody.parse(Buffer.buffer(body));
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> PromptStage.apply(ctx, Buffer.buffer(body), MAX_BODY));
        assertThat(t).isInstanceOf(GatewayException.class);
        ApiError e = ((GatewayException) t).error();
        expect(e, 413, "request_too_large", "prompt_variables");
        assertThat(e.message()).contains("team-a/huge@1").contains(MAX_BODY + " bytes")
                .contains("tollgate.gateway.max-body-bytes");
        assertThat(headers).containsEntry("x-tollgate-prompt", "team-a/huge@1");
    }

    @Test
    void theRenderedBodyIsCheckedAgainstTheLimitToo() throws Exception {
        // the messages fit in 120 characters, the JSON body they make (roles, quotes, the model, the parameters) does not
        String body = "{\"prompt_id\":\"support\",\"prompt_variables\":{\"customer\":\"Ada\"}}";
        int size = PromptStage.apply(ctx(APP, body), Buffer.buffer(body), MAX_BODY).length();
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> PromptStage.apply(ctx(APP, body),
                Buffer.buffer(body), size - 1));
        assertThat(t).isInstanceOf(GatewayException.class);
        expect(((GatewayException) t).error(), 413, "request_too_large", "prompt_variables");
        assertThat(PromptStage.apply(ctx(APP, body), Buffer.buffer(body), size).length()).isEqualTo(size);
    }

    private RequestContext ctxWith(List<GatewayConfig.Prompt> prompts, GatewayConfig.Key key) {
        RequestContext base = ctx(key, "{}");
        RequestContext ctx = new RequestContext(base.rc, "req-1", WireFormat.OPENAI, Operation.CHAT, snapshot(prompts));
        ctx.key = key;
        return ctx;
    }

    @Test
    void aPromptWithoutAKeyListAllowsEveryKeyOfItsNamespaces() throws Exception {
        GatewayConfig.PromptVersion v = version(1, "m", null, null, "hi {{tone}}");
        GatewayConfig.Prompt ownNamespace = new GatewayConfig.Prompt("team-a/own", List.of(v), null, null,
                List.of("team-a"));
        GatewayConfig.Prompt everyNamespace = new GatewayConfig.Prompt("team-a/all", List.of(v), null, null, null);
        GatewayConfig.Prompt listed = new GatewayConfig.Prompt("team-a/listed", List.of(v), null,
                List.of("team-b/partner", "team-a/app"), List.of("team-a", "team-b"));
        assertThat(ownNamespace.allows("team-a/app")).isTrue();
        assertThat(ownNamespace.allows("team-a/other")).isTrue();
        assertThat(ownNamespace.allows("team-b/partner")).isFalse();
        assertThat(ownNamespace.allows("team-ab/x")).isFalse();
        assertThat(everyNamespace.allows("team-b/partner")).isTrue();
        assertThat(listed.allows("team-a/app")).isTrue();
        assertThat(listed.allows("team-b/partner")).isTrue();
        assertThat(listed.allows("team-a/other")).isFalse();
        assertThat(listed.keys()).containsExactly("team-a/app", "team-b/partner"); // sorted once, for binary search

        String vars = ",\"prompt_variables\":{\"customer\":\"A\"}}";
        RequestContext other = ctxWith(List.of(ownNamespace, everyNamespace), OTHER);
        other.body = JsonBody.parse(Buffer.buffer("{\"prompt_id\":\"own\"" + vars));
        assertThat(JSON.readTree(PromptStage.apply(other, Buffer.buffer("{\"prompt_id\":\"own\"" + vars), MAX_BODY)
                .getBytes()).get("model").asText()).isEqualTo("m");
        RequestContext partner = ctxWith(List.of(ownNamespace, everyNamespace), PARTNER);
        partner.body = JsonBody.parse(Buffer.buffer("{\"prompt_id\":\"team-a/all\"" + vars));
        assertThat(PromptStage.apply(partner, Buffer.buffer("{\"prompt_id\":\"team-a/all\"" + vars), MAX_BODY)
                .length()).isPositive();
    }

    @Test
    void theSnapshotFindsPromptsById() {
        assertThat(snapshot.prompt("team-a/support")).isSameAs(SUPPORT);
        assertThat(snapshot.prompt("team-a/missing")).isNull();
        assertThat(snapshot(null).prompt("team-a/support")).isNull();
    }

    private static void expect(ApiError e, int status, String code, String param) {
        assertThat(e.httpStatus()).as(e.message()).isEqualTo(status);
        assertThat(e.code()).as(e.message()).isEqualTo(code);
        assertThat(e.param()).as(e.message()).isEqualTo(param);
    }
}
