package dev.tollgate.gateway.passthrough;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.GatewaySecrets;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Which model a Replicate call is for, who may read a prediction, and what a prediction costs. Pure. */
class ReplicateApiTest {
    static final String HASH = "4f88a16a13673a8b589c18866e540556170a5bcb2ccdc12de556e800e9456d3d";
    static final GatewayConfig.Prices PER_SECOND = new GatewayConfig.Prices(null, null, null, null, null, 1_400L, "spec");
    static final GatewayConfig.Model UNPINNED = model("ns/fi", "replicate/google-research/frame-interpolation",
            "replicate", "google-research/frame-interpolation", PER_SECOND);
    static final GatewayConfig.Model PINNED = model("ns/fi-pinned", "fi-pinned", "replicate",
            "google-research/frame-interpolation:" + HASH, PER_SECOND);
    static final GatewayConfig.Model SD = model("ns/sd", "sd", "replicate", "stability-ai/stable-diffusion", null);
    static final GatewayConfig.Model NOT_REPLICATE = model("ns/oa", "oa", "openai", "google-research/frame-interpolation",
            null);
    static final GatewayConfig.Key ALICE = key("ns/alice");
    static final GatewayConfig.Key BOB = key("ns/bob");
    static final Snapshot SNAPSHOT = new Snapshot(new GatewayConfig(GatewayConfig.SCHEMA, "g",
            new GatewayConfig.Settings(4000, 10_000, null), List.of(UNPINNED, PINNED, SD, NOT_REPLICATE),
            List.of(ALICE, BOB), List.of()), new GatewaySecrets(GatewaySecrets.SCHEMA, Map.of(), Map.of(), null), "v1");

    final AtomicLong nanos = new AtomicLong();
    final ReplicateApi api = new ReplicateApi(60, 3, Duration.ofHours(1), nanos::get);

    static GatewayConfig.Model model(String id, String name, String provider, String upstream, GatewayConfig.Prices p) {
        return new GatewayConfig.Model(id, name, provider, upstream, null, null, null, null, p, null, null, 1, 60_000,
                null, null, "reject", null);
    }

    static GatewayConfig.Key key(String id) {
        return new GatewayConfig.Key(id, List.of(), List.of(), null, null, null, null, false, null);
    }

    NativeApi.Call route(HttpMethod method, String path, String body, GatewayConfig.Key key) {
        return api.route(method, path, Buffer.buffer(body == null ? "" : body), key, SNAPSHOT);
    }

    static List<String> ids(NativeApi.Call call) {
        return call.candidates().stream().map(GatewayConfig.Model::id).toList();
    }

    static int status(Runnable r) {
        try {
            r.run();
        } catch (GatewayException e) {
            return e.error().httpStatus();
        }
        throw new AssertionError("not refused");
    }

    @Test
    void theModelsEndpointIsForTheUnpinnedModelOfThatId() {
        NativeApi.Call c = route(HttpMethod.POST, "/v1/models/google-research/frame-interpolation/predictions", "{}", ALICE);
        assertThat(ids(c)).containsExactly("ns/fi");
        assertThat(c.upstreamPath()).isEqualTo("/models/google-research/frame-interpolation/predictions");
        assertThat(c.kind()).isEqualTo(ReplicateApi.CREATE);
        assertThat(ids(route(HttpMethod.POST, "/v1/models/someone/else/predictions", "{}", ALICE))).isEmpty();
    }

    @Test
    void aVersionNamesTheModelPinnedToItOrItsUnpinnedModel() {
        String full = "{\"version\":\"google-research/frame-interpolation:" + HASH + "\",\"input\":{}}";
        assertThat(ids(route(HttpMethod.POST, "/v1/predictions", full, ALICE))).containsExactlyInAnyOrder("ns/fi", "ns/fi-pinned");
        assertThat(ids(route(HttpMethod.POST, "/v1/predictions", "{\"input\":{},\"version\":\"" + HASH + "\"}", ALICE)))
                .containsExactly("ns/fi-pinned");
        assertThat(ids(route(HttpMethod.POST, "/v1/predictions", "{\"version\":\"google-research/frame-interpolation\"}",
                ALICE))).containsExactly("ns/fi");
        assertThat(ids(route(HttpMethod.POST, "/v1/predictions", "{\"version\":\"google-research/frame-interpolation:"
                + "0000\"}", ALICE))).as("another version of the model: only the unpinned LlmModel").containsExactly("ns/fi");
        assertThat(ids(route(HttpMethod.POST, "/v1/predictions", "{\"version\":\"ffff\"}", ALICE))).isEmpty();
        assertThat(route(HttpMethod.POST, "/v1/predictions", full, ALICE).upstreamPath()).isEqualTo("/predictions");
    }

    @Test
    void aMissingOrMalformedVersionIsABadRequest() {
        for (String body : List.of("", "{}", "not json", "{\"version\":\"\"}", "{\"version\":7}",
                "{\"version\":\"https://evil.example/x\"}", "{\"version\":\"a/b/c\"}", "{\"version\":\"../x:1\"}",
                "[{\"version\":\"google-research/frame-interpolation\"}]")) {
            assertThat(status(() -> route(HttpMethod.POST, "/v1/predictions", body, ALICE))).as(body).isEqualTo(400);
        }
    }

    @Test
    void otherPathsAndMethodsAreRefused() {
        assertThat(status(() -> route(HttpMethod.GET, "/v1/predictions", null, ALICE))).isEqualTo(405);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/models/a/b/predictions", null, ALICE))).isEqualTo(405);
        for (String path : List.of("/v1/trainings", "/v1/account", "/v1/files", "/v1/deployments/a/b/predictions",
                "/v1/models/a/b", "/v2/predictions", "/v1/models/../b/predictions", "/v1/models/a/b/../predictions",
                "/v1/predictions/abc/../../x", "")) {
            assertThat(status(() -> route(HttpMethod.POST, path, "{}", ALICE))).as(path).isEqualTo(404);
        }
    }

    @Test
    void aPredictionIsReadAndCanceledOnlyByTheKeyThatCreatedIt() {
        created("pabc123", UNPINNED, ALICE);
        NativeApi.Call get = route(HttpMethod.GET, "/v1/predictions/pabc123", null, ALICE);
        assertThat(ids(get)).containsExactly("ns/fi");
        assertThat(get.upstreamPath()).isEqualTo("/predictions/pabc123");
        assertThat(get.kind()).isEqualTo(ReplicateApi.GET);
        NativeApi.Call cancel = route(HttpMethod.POST, "/v1/predictions/pabc123/cancel", null, ALICE);
        assertThat(cancel.upstreamPath()).isEqualTo("/predictions/pabc123/cancel");
        assertThat(cancel.kind()).isEqualTo(ReplicateApi.CANCEL);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/predictions/pabc123", null, BOB))).isEqualTo(404);
        assertThat(status(() -> route(HttpMethod.POST, "/v1/predictions/pabc123/cancel", null, BOB))).isEqualTo(404);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/predictions/pnever", null, ALICE))).isEqualTo(404);
    }

    @Test
    void aCreateReservesTheConfiguredSecondsAndAPollNothing() {
        NativeApi.Call create = route(HttpMethod.POST, "/v1/models/google-research/frame-interpolation/predictions", "{}", ALICE);
        assertThat(api.maxCostMicros(create, UNPINNED)).isEqualTo(60 * 1_400L);
        assertThat(api.maxCostMicros(create, SD)).as("no per-second price: cannot be bounded").isNull();
        created("pabc", UNPINNED, ALICE);
        assertThat(api.maxCostMicros(route(HttpMethod.GET, "/v1/predictions/pabc", null, ALICE), UNPINNED)).isZero();
    }

    @Test
    void aFinishedCreateIsChargedItsPredictTimeOnce() {
        RequestContext ctx = ctx(UNPINNED, ALICE);
        NativeApi.Call create = route(HttpMethod.POST, "/v1/models/google-research/frame-interpolation/predictions", "{}", ALICE);
        String answer = "{\"id\":\"pdone\",\"status\":\"succeeded\",\"output\":[\"https://replicate.delivery/x.mp4\"],"
                + "\"metrics\":{\"predict_time\":2.345678,\"total_time\":3.1}}";
        assertThat(meter(create, ctx, 201, answer)).isEqualTo(3_284L); // 2.345678 × 1,400 = 3,283.9492
        // the same prediction read again is not charged again
        assertThat(meter(route(HttpMethod.GET, "/v1/predictions/pdone", null, ALICE), ctx(UNPINNED, ALICE), 200, answer))
                .isZero();
    }

    @Test
    void aRunningPredictionIsChargedByThePollThatFirstSeesItFinished() {
        NativeApi.Call create = route(HttpMethod.POST, "/v1/predictions", "{\"version\":\"" + HASH + "\"}", ALICE);
        assertThat(meter(create, ctx(PINNED, ALICE), 201, "{\"id\":\"prun\",\"status\":\"starting\",\"metrics\":{}}"))
                .as("a running prediction is charged reserve-seconds up front: it may never be seen finished")
                .isEqualTo(60 * 1_400L);
        NativeApi.Call get = route(HttpMethod.GET, "/v1/predictions/prun", null, ALICE);
        assertThat(ids(get)).containsExactly("ns/fi-pinned");
        assertThat(meter(get, ctx(PINNED, ALICE), 200, "{\"id\":\"prun\",\"status\":\"processing\"}")).isZero();
        String done = "{\"metrics\":{\"predict_time\":10},\"status\":\"failed\",\"id\":\"prun\",\"error\":\"oom\"}";
        assertThat(meter(get, ctx(PINNED, ALICE), 200, done)).as("a failed run is billed its time, less what was paid")
                .isZero(); // 10 s × 1,400 = 14,000 < 84,000 paid up front: no refund
        assertThat(meter(get, ctx(PINNED, ALICE), 200, done)).isZero();
    }

    @Test
    void aPredictionRunningLongerThanItsUpFrontChargeIsChargedTheRestOnce() {
        NativeApi.Call create = route(HttpMethod.POST, "/v1/predictions", "{\"version\":\"" + HASH + "\"}", ALICE);
        assertThat(meter(create, ctx(PINNED, ALICE), 201, "{\"id\":\"plong\",\"status\":\"processing\"}"))
                .isEqualTo(84_000L);
        NativeApi.Call get = route(HttpMethod.GET, "/v1/predictions/plong", null, ALICE);
        String done = "{\"id\":\"plong\",\"status\":\"succeeded\",\"metrics\":{\"predict_time\":100.5}}";
        assertThat(meter(get, ctx(PINNED, ALICE), 200, done)).isEqualTo(140_700L - 84_000L); // 100.5 × 1,400
        assertThat(meter(get, ctx(PINNED, ALICE), 200, done)).isZero();
        // nobody ever polls (a webhook): what was paid up front is what it costs
        assertThat(meter(create, ctx(PINNED, ALICE), 201, "{\"id\":\"pnever\",\"status\":\"starting\"}"))
                .isEqualTo(84_000L);
    }

    @Test
    void unreadableOrRefusedAnswers() {
        NativeApi.Call create = route(HttpMethod.POST, "/v1/models/google-research/frame-interpolation/predictions", "{}", ALICE);
        assertThat(meter(create, ctx(UNPINNED, ALICE), 201, "<html>")).as("unknown: the budget keeps its reservation")
                .isNull();
        assertThat(meter(create, ctx(UNPINNED, ALICE), 422, "{\"detail\":\"bad input\"}")).isZero();
        assertThat(meter(create, ctx(UNPINNED, ALICE), 201,
                "{\"id\":\"pc\",\"status\":\"canceled\",\"metrics\":{}}")).as("canceled before it ran").isZero();
        assertThat(meter(create, ctx(SD, ALICE), 201,
                "{\"id\":\"psd\",\"status\":\"succeeded\",\"metrics\":{\"predict_time\":1}}")).as("no price").isNull();
    }

    @Test
    void predictionsAreForgottenPastTheirTimeAndBeyondTheBound() {
        created("p1", UNPINNED, ALICE);
        nanos.addAndGet(Duration.ofMinutes(59).toNanos());
        route(HttpMethod.GET, "/v1/predictions/p1", null, ALICE);
        nanos.addAndGet(Duration.ofMinutes(2).toNanos());
        assertThat(status(() -> route(HttpMethod.GET, "/v1/predictions/p1", null, ALICE))).isEqualTo(404);
        for (String id : List.of("p2", "p3", "p4", "p5")) {
            created(id, UNPINNED, ALICE);
        }
        assertThat(api.tracked()).isEqualTo(3);
        assertThat(status(() -> route(HttpMethod.GET, "/v1/predictions/p2", null, ALICE))).isEqualTo(404);
        assertThat(ids(route(HttpMethod.GET, "/v1/predictions/p5", null, ALICE))).containsExactly("ns/fi");
    }

    @Test
    void oldTokenStyleAuthIsReadAndBearerIsLeftToTheRoute() {
        assertThat(api.presentedKey(request("Token sk-abc"))).isEqualTo("sk-abc");
        assertThat(api.presentedKey(request("Bearer sk-abc"))).isNull();
        assertThat(api.presentedKey(request(null))).isNull();
    }

    @Test
    void theProviderCredentialIsABearerToken() {
        io.vertx.core.MultiMap h = io.vertx.core.MultiMap.caseInsensitiveMultiMap();
        api.authenticate(h, "r8_secret");
        assertThat(h.get("Authorization")).isEqualTo("Bearer r8_secret");
    }

    private void created(String id, GatewayConfig.Model model, GatewayConfig.Key key) {
        NativeApi.Call create = route(HttpMethod.POST, "/v1/models/google-research/frame-interpolation/predictions", "{}", key);
        meter(create, ctx(model, key), 201, "{\"id\":\"" + id + "\",\"status\":\"starting\"}");
    }

    private Long meter(NativeApi.Call call, RequestContext ctx, int status, String body) {
        NativeApi.Meter m = api.meter(call, ctx, status, io.vertx.core.MultiMap.caseInsensitiveMultiMap());
        // fed a byte at a time: the answer is read as it streams, never whole
        byte[] bytes = body.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (byte b : bytes) {
            m.feed(Buffer.buffer(new byte[] {b}));
        }
        m.end();
        return ctx.costMicros;
    }

    private static RequestContext ctx(GatewayConfig.Model model, GatewayConfig.Key key) {
        RoutingContext rc = (RoutingContext) Proxy.newProxyInstance(ReplicateApiTest.class.getClassLoader(),
                new Class<?>[] {RoutingContext.class}, (proxy, method, args) -> null);
        RequestContext ctx = new RequestContext(rc, "req", WireFormat.OPENAI, Operation.PASSTHROUGH, SNAPSHOT);
        ctx.key = key;
        ctx.deployment = model;
        ctx.modelName = model.modelName();
        return ctx;
    }

    private static io.vertx.core.http.HttpServerRequest request(String authorization) {
        return (io.vertx.core.http.HttpServerRequest) Proxy.newProxyInstance(ReplicateApiTest.class.getClassLoader(),
                new Class<?>[] {io.vertx.core.http.HttpServerRequest.class},
                (proxy, method, args) -> method.getName().equals("getHeader") && "authorization".equals(args[0])
                        ? authorization : null);
    }
}
