package dev.tollgate.gateway.passthrough;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import dev.tollgate.gateway.cost.CostCalculator;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import jakarta.enterprise.context.ApplicationScoped;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * Replicate's predictions API on {@code /replicate/v1/...} (https://replicate.com/docs/reference/http,
 * https://replicate.com/docs/topics/predictions/create-a-prediction), for models no OpenAI endpoint fits (e.g.
 * google-research/frame-interpolation: two frames in, a video out). Served:
 * <ul>
 *   <li>{@code POST /v1/models/{owner}/{name}/predictions}: for the LlmModel whose model is {@code owner/name};</li>
 *   <li>{@code POST /v1/predictions} with {@code version} {@code owner/name:hash}, {@code owner/name} or a bare
 *       hash: for the LlmModel whose model is that version, or (a full version) its {@code owner/name};</li>
 *   <li>{@code GET /v1/predictions/{id}} and {@code POST /v1/predictions/{id}/cancel}: only for a prediction the same
 *       key created through this gateway (else 404, as for a prediction that does not exist).</li>
 * </ul>
 * Anything else (listing predictions, which would show the whole account's; trainings; files; deployments) is 404.
 *
 * <p><b>Price.</b> A prediction costs {@code metrics.predict_time} seconds times the model's {@code perSecond} price,
 * settled once, on the request that first sees it finished ({@code succeeded}, {@code failed} or {@code canceled}):
 * the create itself when it finished within {@code Prefer: wait}, else the first poll or cancel through the gateway
 * that shows it finished. A create that comes back still running is charged {@code reserve-seconds} of the price
 * up front (the gateway may never see it finish: a webhook, a client that stops polling) and settled upwards later
 * (see {@link #cost}); polls and cancels reserve nothing. The client reads files from replicate.delivery directly (the URLs in the
 * output are Replicate's).
 */
@ApplicationScoped
public class ReplicateApi implements NativeApi {
    private static final String SEGMENT = "[A-Za-z0-9][A-Za-z0-9._-]{0,127}";
    private static final Pattern MODEL_CREATE = Pattern.compile("/v1/models/(" + SEGMENT + ")/(" + SEGMENT + ")/predictions");
    private static final Pattern PREDICTION = Pattern.compile("/v1/predictions/([A-Za-z0-9]{1,128})(/cancel)?");
    private static final Pattern HASH = Pattern.compile("[A-Za-z0-9]{1,128}");
    private static final Pattern MODEL_ID = Pattern.compile(SEGMENT + "/" + SEGMENT);
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled");
    static final String CREATE = "create";
    static final String GET = "get";
    static final String CANCEL = "cancel";

    private final Owners owners;
    private final long reserveSeconds;

    @jakarta.inject.Inject
    public ReplicateApi(
            @ConfigProperty(name = "tollgate.gateway.pass-through.replicate.reserve-seconds", defaultValue = "60") long reserveSeconds,
            @ConfigProperty(name = "tollgate.gateway.pass-through.max-tracked", defaultValue = "100000") int maxTracked,
            @ConfigProperty(name = "tollgate.gateway.pass-through.tracked-for", defaultValue = "PT24H") Duration trackedFor) {
        this(reserveSeconds, maxTracked, trackedFor, System::nanoTime);
    }

    ReplicateApi(long reserveSeconds, int maxTracked, Duration trackedFor, LongSupplier nanos) {
        this.reserveSeconds = reserveSeconds;
        this.owners = new Owners(maxTracked, trackedFor, nanos);
    }

    @Override
    public String provider() {
        return "replicate";
    }

    /** Replicate's clients once sent {@code Authorization: Token <key>}; today's send Bearer (read by the route). */
    @Override
    public String presentedKey(HttpServerRequest request) {
        String authz = request.getHeader("authorization");
        return authz != null && authz.regionMatches(true, 0, "Token ", 0, 6) ? authz.substring(6).trim() : null;
    }

    @Override
    public Call route(HttpMethod method, String path, Buffer body, GatewayConfig.Key key, Snapshot snapshot) {
        Matcher m = MODEL_CREATE.matcher(path);
        if (m.matches()) {
            allow(method, HttpMethod.POST, path);
            String id = m.group(1) + "/" + m.group(2);
            return new Call(models(snapshot, id, null), "/models/" + id + "/predictions", CREATE, null);
        }
        if (path.equals("/v1/predictions")) {
            allow(method, HttpMethod.POST, path);
            return new Call(byVersion(snapshot, version(body)), "/predictions", CREATE, null);
        }
        m = PREDICTION.matcher(path);
        if (m.matches()) {
            boolean cancel = m.group(2) != null;
            allow(method, cancel ? HttpMethod.POST : HttpMethod.GET, path);
            String id = m.group(1);
            Owners.Entry e = owners.ownedBy(id, key.id());
            if (e == null) {
                throw new GatewayException(ApiError.of(404, "no prediction " + id + " created with your key through this "
                        + "gateway (predictions are tracked for a limited time, and by the replica that created them)",
                        null).withCode("prediction_not_found"));
            }
            List<GatewayConfig.Model> model = snapshot.config().models().stream()
                    .filter(x -> x.id().equals(e.deploymentId())).toList();
            return new Call(model, "/predictions/" + id + (cancel ? "/cancel" : ""), cancel ? CANCEL : GET, id);
        }
        throw new GatewayException(ApiError.of(404, "no such endpoint on Replicate's pass-through: " + method.name()
                + " /replicate" + path + ": it serves POST /replicate/v1/models/{owner}/{name}/predictions, POST "
                + "/replicate/v1/predictions, GET /replicate/v1/predictions/{id} and POST "
                + "/replicate/v1/predictions/{id}/cancel", null).withCode("unknown_url"));
    }

    private static void allow(HttpMethod method, HttpMethod allowed, String path) {
        if (!method.equals(allowed)) {
            throw new GatewayException(ApiError.of(405, method.name() + " is not allowed on /replicate" + path + ": use "
                    + allowed.name(), null).withCode("method_not_allowed"), java.util.Map.of("allow", allowed.name()));
        }
    }

    /** The create body's {@code version}: required, as Replicate requires it on POST /v1/predictions. */
    static String version(Buffer body) {
        JsonFields f = JsonFields.of(body, Set.of("version"));
        String v = f.text("version");
        if (f.broken() || v == null || v.isBlank()) {
            throw new GatewayException(ApiError.of(400, "the body must be a JSON object with 'version' (owner/name, "
                    + "owner/name:version or a version id) and 'input'", "version").withCode("invalid_request"));
        }
        return v;
    }

    /**
     * Replicate models (LlmModels of provider replicate) a version names: {@code owner/name:hash} is that version's
     * model or its owner/name; {@code owner/name} is that model, unpinned; a bare hash is a model pinned to it.
     */
    static List<GatewayConfig.Model> byVersion(Snapshot snapshot, String version) {
        int colon = version.indexOf(':');
        if (colon > 0) {
            String id = version.substring(0, colon);
            String hash = version.substring(colon + 1);
            if (!MODEL_ID.matcher(id).matches() || !HASH.matcher(hash).matches()) {
                throw bad(version);
            }
            return models(snapshot, id, hash);
        }
        if (MODEL_ID.matcher(version).matches()) {
            return models(snapshot, version, null);
        }
        if (!HASH.matcher(version).matches()) {
            throw bad(version);
        }
        return replicate(snapshot).stream().filter(m -> m.upstreamModel().equals(version)
                || m.upstreamModel().endsWith(":" + version)).toList();
    }

    /** Models whose spec.model is {@code id} (any version), or, with a hash, {@code id:hash} exactly. */
    private static List<GatewayConfig.Model> models(Snapshot snapshot, String id, String hash) {
        return replicate(snapshot).stream().filter(m -> m.upstreamModel().equals(id)
                || hash != null && m.upstreamModel().equals(id + ":" + hash)).toList();
    }

    private static List<GatewayConfig.Model> replicate(Snapshot snapshot) {
        return snapshot.config().models().stream().filter(m -> "replicate".equals(m.provider())).toList();
    }

    private static GatewayException bad(String version) {
        return new GatewayException(ApiError.of(400, "'version' must be owner/name, owner/name:version or a version id",
                "version").withCode("invalid_request"));
    }

    @Override
    public Long maxCostMicros(Call call, GatewayConfig.Model model) {
        if (model.prices() == null || model.prices().perSecondMicros() == null) {
            return null;
        }
        // a create may run reserve-seconds (more is charged when it runs longer); a poll or cancel starts nothing
        return call.kind().equals(CREATE) ? Math.multiplyExact(reserveSeconds, model.prices().perSecondMicros()) : 0L;
    }

    @Override
    public void authenticate(MultiMap upstreamHeaders, String credential) {
        if (credential != null) {
            upstreamHeaders.set("authorization", "Bearer " + credential);
        }
    }

    @Override
    public Meter meter(Call call, RequestContext ctx, int status, MultiMap upstreamHeaders) {
        JsonFields fields = new JsonFields(Set.of("id", "status", "metrics.predict_time"));
        return new Meter() {
            @Override
            public void feed(Buffer chunk) {
                if (status < 300) {
                    fields.feed(chunk);
                }
            }

            @Override
            public void end() {
                if (status >= 300) {
                    ctx.costMicros = 0L; // Replicate runs nothing for a refused call
                    return;
                }
                fields.end();
                ctx.costMicros = cost(call, ctx, fields);
            }
        };
    }

    /**
     * What this answer costs. A create that comes back finished ({@code Prefer: wait}) costs its prediction's time. A
     * create that comes back running is charged {@code reserve-seconds} of the price at once — the gateway may never
     * see it finish (a webhook, a client that stops polling), and a budget must not be passed by not looking — and
     * the first answer that shows it finished charges the time beyond that (a shorter run is not refunded). Nothing
     * once settled; null (unknown: a budget keeps its reservation) when the answer cannot be read or nothing prices it.
     */
    Long cost(Call call, RequestContext ctx, JsonFields fields) {
        String id = call.resource() != null ? call.resource() : fields.text("id");
        if (fields.broken() || id == null) {
            return null;
        }
        boolean finished = TERMINAL.contains(fields.text("status"));
        if (call.kind().equals(CREATE)) {
            Long upFront = finished ? Long.valueOf(0L) : maxCostMicros(call, ctx.deployment);
            if (upFront == null) {
                return null;
            }
            owners.created(id, ctx.key.id(), ctx.deployment.id(), upFront);
            if (!finished) {
                return upFront;
            }
        }
        if (!finished) {
            return 0L;
        }
        java.util.OptionalLong prepaid = owners.settle(id);
        if (prepaid.isEmpty()) {
            return 0L;
        }
        BigDecimal seconds = fields.number("metrics.predict_time");
        if (seconds == null || seconds.signum() <= 0) {
            return 0L; // finished without running (canceled or failed before it started)
        }
        var c = CostCalculator.timeCostMicros(ctx.deployment.prices(), seconds);
        return c.isPresent() ? Math.max(0L, c.getAsLong() - prepaid.getAsLong()) : null;
    }

    /** For tests: how many predictions are tracked. */
    int tracked() {
        return owners.size();
    }
}
