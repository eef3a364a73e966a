package dev.tollgate.gateway.tags;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.GatewayRoutes;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link Tags}: reading, checking and stripping a request's tags, and the Budgets its tags bring in. */
class TagsTest {
    static final GatewayConfig.Key PLAIN = key("team-a/plain", null, null, List.of());
    static final GatewayConfig.Key TAGGED = key("team-a/tagged", List.of("team:a"), List.of("feature:*", "env-prod"),
            List.of("team-a/own"));

    static GatewayConfig.Key key(String id, List<String> tags, List<String> allowed, List<String> budgets) {
        return new GatewayConfig.Key(id, List.of(), budgets, null, null, null, null, false, null, tags, allowed);
    }

    static RequestContext ctx(GatewayConfig.Key key, String header, String body, Snapshot snapshot) {
        HttpServerRequest req = (HttpServerRequest) Proxy.newProxyInstance(TagsTest.class.getClassLoader(),
                new Class<?>[] {HttpServerRequest.class},
                (p, m, a) -> m.getName().equals("getHeader") && Tags.HEADER.equals(String.valueOf(a[0])) ? header : null);
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(TagsTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (p, m, a) -> m.getName().equals("request") ? req : null);
        RequestContext ctx = new RequestContext(rc, "req", WireFormat.OPENAI, Operation.CHAT, snapshot);
        ctx.key = key;
        ctx.body = GatewayRoutes.body(Buffer.buffer(body), WireFormat.OPENAI, Operation.CHAT);
        return ctx;
    }

    static final String HELLO = "\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]";

    @Test
    void aRequestWithoutTagsKeepsItsBytesAndCarriesNone() {
        Buffer raw = Buffer.buffer("{" + HELLO + "}");
        RequestContext c = ctx(PLAIN, null, raw.toString(), null);
        assertThat(Tags.apply(c, raw)).isSameAs(raw);
        assertThat(c.tags).isEmpty();
        Buffer withOpenAiMetadata = Buffer.buffer("{" + HELLO + ",\"metadata\":{\"purpose\":\"eval\"}}");
        RequestContext m = ctx(PLAIN, null, withOpenAiMetadata.toString(), null);
        assertThat(Tags.apply(m, withOpenAiMetadata)).as("OpenAI's own metadata goes on untouched").isSameAs(withOpenAiMetadata);
        assertThat(m.tags).isEmpty();
    }

    @Test
    void fixedTagsHeaderAndBodyTagsAreMergedSortedAndStrippedFromTheBody() {
        Buffer raw = Buffer.buffer("{" + HELLO + ",\"metadata\":{\"tags\":[\"feature:search\",\"env-prod\"]}}");
        RequestContext c = ctx(TAGGED, " feature:chat ,feature:search,", raw.toString(), null);
        Buffer out = Tags.apply(c, raw);
        assertThat(c.tags).containsExactly("env-prod", "feature:chat", "feature:search", "team:a");
        JsonNode sent = Json.parse(out.getBytes());
        assertThat(sent.has("metadata")).as("metadata held only tags: removed").isFalse();
        assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("hi");
        assertThat(c.body.has("metadata")).as("ctx.body re-read").isFalse();
        assertThat(c.body.path("model").asText()).isEqualTo("m");
    }

    @Test
    void otherMetadataStaysAndTopLevelTagsAreReadAndRemovedToo() {
        Buffer raw = Buffer.buffer("{" + HELLO + ",\"tags\":[\"feature:x\"],\"metadata\":{\"tags\":[\"env-prod\"],\"user\":\"u1\"}}");
        RequestContext c = ctx(TAGGED, null, raw.toString(), null);
        JsonNode sent = Json.parse(Tags.apply(c, raw).getBytes());
        assertThat(c.tags).containsExactly("env-prod", "feature:x", "team:a");
        assertThat(sent.has("tags")).isFalse();
        assertThat(sent.path("metadata").toString()).isEqualTo("{\"user\":\"u1\"}");
        RequestContext one = ctx(TAGGED, null, "{" + HELLO + ",\"tags\":\"feature:y\"}", null);
        Tags.apply(one, Buffer.buffer("{" + HELLO + ",\"tags\":\"feature:y\"}"));
        assertThat(one.tags).as("LiteLLM's single-string form").containsExactly("feature:y", "team:a");
    }

    @Test
    void nullTagsAreNoTagsAndAreStillStrippedFromTheBody() {
        for (String body : List.of("{" + HELLO + ",\"metadata\":{\"tags\":null}}", "{" + HELLO + ",\"tags\":null}",
                "{" + HELLO + ",\"tags\":null,\"metadata\":{\"tags\":null,\"user\":\"u1\"}}")) {
            RequestContext c = ctx(PLAIN, null, body, null);
            JsonNode sent = Json.parse(Tags.apply(c, Buffer.buffer(body)).getBytes());
            assertThat(c.tags).as(body).isNullOrEmpty();
            assertThat(sent.has("tags")).as(body).isFalse();
            assertThat(sent.path("metadata").path("tags").isMissingNode()).as(body).isTrue();
            assertThat(sent.path("model").asText()).as(body).isEqualTo("m");
        }
        String withHeader = "{" + HELLO + ",\"metadata\":{\"tags\":null}}";
        RequestContext h = ctx(TAGGED, "env-prod", withHeader, null);
        JsonNode sent = Json.parse(Tags.apply(h, Buffer.buffer(withHeader)).getBytes());
        assertThat(h.tags).containsExactly("env-prod", "team:a");
        assertThat(sent.has("metadata")).isFalse();
    }

    @Test
    void headerOnlyTagsLeaveTheBodyAsItWas() {
        Buffer raw = Buffer.buffer("{" + HELLO + "}");
        RequestContext c = ctx(TAGGED, "env-prod", raw.toString(), null);
        assertThat(Tags.apply(c, raw)).isSameAs(raw);
        assertThat(c.tags).containsExactly("env-prod", "team:a");
    }

    @Test
    void aTagTheKeyDoesNotAllowIs403NamingTheTagAndTheAllowedTags() {
        assertThatThrownBy(() -> Tags.apply(ctx(TAGGED, "cost-center:x", "{" + HELLO + "}", null), Buffer.buffer("{" + HELLO + "}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.error().httpStatus()).isEqualTo(403);
                    assertThat(e.error().code()).isEqualTo("tag_not_allowed");
                    assertThat(e.error().param()).isEqualTo("metadata.tags");
                    assertThat(e.error().message()).contains("'cost-center:x'", "team-a/tagged", "spec.allowedTags",
                            "feature:*, env-prod");
                });
        String body = "{" + HELLO + ",\"metadata\":{\"tags\":[\"anything\"]}}";
        assertThatThrownBy(() -> Tags.apply(ctx(PLAIN, null, body, null), Buffer.buffer(body)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().message()).contains("allows no tag"));
        RequestContext own = ctx(TAGGED, "team:a", "{" + HELLO + "}", null);
        Tags.apply(own, Buffer.buffer("{" + HELLO + "}"));
        assertThat(own.tags).as("a client may repeat the key's fixed tag").containsExactly("team:a");
    }

    @Test
    void malformedTagsAre400() {
        for (String bad : List.of("{\"tags\":\"nope\"}", "{\"tags\":[1]}", "{\"tags\":[\"-starts-with-dash\"]}",
                "{\"tags\":[\"has space\"]}", "{\"tags\":[\"" + "x".repeat(65) + "\"]}")) {
            String body = "{" + HELLO + ",\"metadata\":" + bad + "}";
            assertThatThrownBy(() -> Tags.apply(ctx(key("a/k", null, List.of("*"), List.of()), null, body, null), Buffer.buffer(body)))
                    .as(bad).isInstanceOfSatisfying(GatewayException.class, e -> {
                        assertThat(e.error().httpStatus()).isEqualTo(400);
                        assertThat(e.error().param()).isEqualTo("metadata.tags");
                    });
        }
        StringBuilder many = new StringBuilder();
        for (int i = 0; i < 21; i++) {
            many.append(i == 0 ? "" : ",").append("t").append(i);
        }
        assertThatThrownBy(() -> Tags.apply(ctx(key("a/k", null, List.of("*"), List.of()), many.toString(), "{" + HELLO + "}", null),
                Buffer.buffer("{" + HELLO + "}"))).isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.error().message()).contains("21 tags", "at most 20"));
    }

    @Test
    void allowedTagsMatchExactlyByPrefixOrAll() {
        assertThat(Tags.allowed(List.of("feature:*"), "feature:search")).isTrue();
        assertThat(Tags.allowed(List.of("feature:*"), "features")).isFalse();
        assertThat(Tags.allowed(List.of("env-prod"), "env-prod")).isTrue();
        assertThat(Tags.allowed(List.of("env-prod"), "env-prod2")).isFalse();
        assertThat(Tags.allowed(List.of("*"), "x")).isTrue();
        assertThat(Tags.allowed(null, "x")).isFalse();
    }

    static GatewayConfig.Budget budget(String id, List<String> tags, String tagNamespace) {
        return new GatewayConfig.Budget(id, 1_000_000, "daily", "UTC", 80, List.of(), null, tags, tagNamespace, null, null, null);
    }

    static Snapshot snapshot(List<GatewayConfig.Key> keys, List<GatewayConfig.Budget> budgets) {
        return new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, "platform/gw", null, List.of(), keys, budgets),
                new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");
    }

    @Test
    void aRequestIsChargedToItsKeysBudgetsAndThoseCoveringItsTagsForItsNamespace() {
        Snapshot s = snapshot(List.of(TAGGED), List.of(budget("team-a/own", null, null),
                budget("platform/search", List.of("feature:search"), null),
                budget("team-a/team-search", List.of("feature:search"), "team-a"),
                budget("team-b/their-search", List.of("feature:search"), "team-b"),
                budget("platform/prod", List.of("env-prod", "team:a"), null)));
        assertThat(Tags.budgets(s, TAGGED, List.of())).containsExactly("team-a/own");
        assertThat(Tags.budgets(s, TAGGED, List.of("feature:search", "team:a")))
                .as("the key's, then those covering a tag (once each, sorted); team-b's covers only its own keys")
                .containsExactly("team-a/own", "platform/prod", "platform/search", "team-a/team-search");
        assertThat(Tags.budgets(s, TAGGED, List.of("other"))).containsExactly("team-a/own");
        RequestContext c = ctx(TAGGED, null, "{" + HELLO + "}", s);
        c.tags = List.of("env-prod");
        List<String> first = Tags.budgets(c);
        assertThat(first).containsExactly("team-a/own", "platform/prod");
        assertThat(Tags.budgets(c)).as("computed once per request").isSameAs(first).isSameAs(c.budgetIds);
    }

    @Test
    void theIndexIsBuiltOncePerSnapshot() {
        Snapshot s = snapshot(List.of(), List.of(budget("p/a", List.of("x", "y"), null), budget("p/b", List.of("x"), null)));
        Tags.Index i = Tags.index(s);
        assertThat(Tags.index(s)).isSameAs(i);
        assertThat(i.byTag().get("x")).extracting(GatewayConfig.Budget::id).containsExactly("p/a", "p/b");
        assertThat(i.byTag().get("y")).extracting(GatewayConfig.Budget::id).containsExactly("p/a");
        Snapshot next = snapshot(List.of(), List.of());
        assertThat(Tags.index(next).byTag()).isEmpty();
        assertThat(Tags.anyBudgetLimits(next)).isFalse();
        assertThat(Tags.anyBudgetLimits(snapshot(List.of(), List.of(new GatewayConfig.Budget("p/l", 1, "daily", "UTC", 80,
                List.of(), null, null, null, null, null, 3))))).as("limits without tags count too").isTrue();
    }

    @Test
    void aPassThroughCallTakesTheHeaderAndTheFixedTagsOnly() {
        RequestContext c = ctx(TAGGED, "feature:x", "{" + HELLO + ",\"metadata\":{\"tags\":[\"env-prod\"]}}", null);
        Tags.applyHeader(c);
        assertThat(c.tags).containsExactly("feature:x", "team:a");
        RequestContext none = ctx(PLAIN, null, "{" + HELLO + "}", null);
        Tags.applyHeader(none);
        assertThat(none.tags).isEmpty();
        assertThatThrownBy(() -> Tags.applyHeader(ctx(PLAIN, "feature:x", "{" + HELLO + "}", null)))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.error().httpStatus()).isEqualTo(403));
    }
}
