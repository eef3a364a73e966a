package dev.tollgate.gateway.tags;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.GatewayRoutes;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.Snapshot;
import io.vertx.core.buffer.Buffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;

/** A request's tags: what it carries, what its key allows, and which Budgets they bring in. */
public final class Tags {
    /** The header a client may name tags in (comma-separated), besides LiteLLM's {@code metadata.tags} body field. */
    public static final String HEADER = "x-tollgate-tags";
    private static final CharSequence HEADER_NAME = io.vertx.core.http.HttpHeaders.createOptimized(HEADER);
    /** The param of every tag error (where LiteLLM's clients put their tags). */
    public static final String PARAM = "metadata.tags";
    /** The most tags a client may add to one request. */
    public static final int MAX_CLIENT_TAGS = 20;
    /** What a tag may be: the VirtualKey and Budget CRDs' item pattern (api Api.TAG_PATTERN; the gateway never imports api). */
    static final Pattern TAG = Pattern.compile("^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$");

    private Tags() {}

    /**
     * Works out {@code ctx.tags} (the key's fixed tags and the client's, from {@code metadata.tags} and the header,
     * sorted, without duplicates) and returns the body to serve: {@code metadata.tags} removed (no provider takes
     * it; {@code metadata} removed when nothing else is left in it), {@code raw} itself when there was nothing to
     * remove; {@code ctx.body} re-read when the body changed. Throws {@link dev.tollgate.gateway.GatewayException}:
     * 403 {@code tag_not_allowed} (param {@code metadata.tags}) for a tag the key does not allow, 400 for a malformed
     * one. Costs a few field checks when neither the key, the header nor the body has tags.
     *
     * <p>LiteLLM also takes {@code tags} at the top level of the body (an array, or one string): read and removed
     * the same way.
     */
    public static Buffer apply(RequestContext ctx, Buffer raw) {
        GatewayConfig.Key key = ctx.key;
        List<String> fixed = key.tags();
        String header = ctx.rc == null ? null : ctx.rc.request().getHeader(HEADER_NAME);
        boolean metadata = ctx.body.has("metadata");
        boolean topLevel = ctx.body.has("tags");
        if ((fixed == null || fixed.isEmpty()) && header == null && !metadata && !topLevel) {
            return raw; // the usual request: no tags anywhere
        }
        List<String> client = new ArrayList<>();
        fromHeader(header, client);
        JsonNode meta = metadata ? ctx.body.field("metadata") : null;
        JsonNode metaTags = meta != null && meta.isObject() ? meta.get("tags") : null;
        if (metaTags != null) {
            fromBody(metaTags, PARAM, client);
        }
        JsonNode top = topLevel ? ctx.body.field("tags") : null;
        if (top != null) {
            fromBody(top, "tags", client);
        }
        ctx.tags = resolve(key, client);
        if (metaTags == null && top == null) {
            return raw; // header or fixed tags only: the body goes on as the client sent it
        }
        ObjectNode tree = ctx.body.tree();
        if (metaTags != null) {
            ObjectNode m = (ObjectNode) tree.get("metadata");
            m.remove("tags");
            if (m.isEmpty()) {
                tree.remove("metadata"); // OpenAI's metadata is a map of strings: an empty one has no point upstream
            }
        }
        tree.remove("tags");
        Buffer rewritten = ctx.body.toBuffer();
        ctx.body = GatewayRoutes.body(rewritten, ctx.ingress, ctx.operation);
        return rewritten;
    }

    /**
     * For a pass-through call (a provider's native API, whose body is the provider's business): {@code ctx.tags}
     * from the header and the key's fixed tags; the body is not looked at.
     */
    public static void applyHeader(RequestContext ctx) {
        List<String> fixed = ctx.key.tags();
        String header = ctx.rc == null ? null : ctx.rc.request().getHeader(HEADER_NAME);
        if ((fixed == null || fixed.isEmpty()) && header == null) {
            return;
        }
        List<String> client = new ArrayList<>();
        fromHeader(header, client);
        ctx.tags = resolve(ctx.key, client);
    }

    /** The key's fixed tags and the client's allowed ones, sorted and without duplicates (403 for one not allowed). */
    static List<String> resolve(GatewayConfig.Key key, List<String> client) {
        TreeSet<String> out = new TreeSet<>();
        if (key.tags() != null) {
            out.addAll(key.tags());
        }
        TreeSet<String> asked = new TreeSet<>(client);
        if (asked.size() > MAX_CLIENT_TAGS) {
            throw invalid(asked.size() + " tags in one request: send at most " + MAX_CLIENT_TAGS, PARAM);
        }
        for (String tag : asked) {
            if (!out.contains(tag) && !allowed(key.allowedTags(), tag)) {
                List<String> allowedTags = key.allowedTags() == null ? List.of() : key.allowedTags();
                throw new GatewayException(ApiError.of(403, "your key may not tag requests '" + tag + "': VirtualKey "
                        + key.id() + " spec.allowedTags " + (allowedTags.isEmpty() ? "allows no tag"
                                : "allows " + String.join(", ", allowedTags))
                        + " (send only those, or ask the platform team to allow it)", PARAM).withCode("tag_not_allowed"));
            }
            out.add(tag);
        }
        return List.copyOf(out);
    }

    /** Whether {@code allowedTags} (exact tags, prefixes ending in '*', or "*") admit {@code tag}. */
    public static boolean allowed(List<String> allowedTags, String tag) {
        if (allowedTags == null) {
            return false;
        }
        for (String a : allowedTags) {
            if (a.endsWith("*") ? tag.startsWith(a.substring(0, a.length() - 1)) : a.equals(tag)) {
                return true;
            }
        }
        return false;
    }

    private static void fromHeader(String header, List<String> out) {
        if (header == null) {
            return;
        }
        for (String part : header.split(",", -1)) {
            String tag = part.trim();
            if (!tag.isEmpty()) {
                out.add(checked(tag, "the " + HEADER + " header"));
            }
        }
    }

    private static void fromBody(JsonNode tags, String param, List<String> out) {
        if (tags.isNull()) {
            return; // JSON null is no tags, as if the field were absent (clients serialize an unset list so)
        }
        if (tags.isTextual() && param.equals("tags")) {
            out.add(checked(tags.asText(), "'tags'")); // LiteLLM's tutorials send one tag as a string
            return;
        }
        if (!tags.isArray()) {
            throw invalid("'" + param + "' must be an array of strings, e.g. [\"team-a\", \"feature:search\"]", param);
        }
        if (tags.size() > MAX_CLIENT_TAGS) {
            throw invalid(tags.size() + " tags in '" + param + "': send at most " + MAX_CLIENT_TAGS, param);
        }
        for (JsonNode t : tags) {
            if (!t.isTextual()) {
                throw invalid("'" + param + "' must be an array of strings; it holds " + t.getNodeType().name()
                        .toLowerCase(java.util.Locale.ROOT) + " " + abbreviated(t.toString()), param);
            }
            out.add(checked(t.asText(), "'" + param + "'"));
        }
    }

    private static String checked(String tag, String where) {
        if (!TAG.matcher(tag).matches()) {
            throw invalid("the tag '" + abbreviated(tag) + "' in " + where + " is not a valid tag: a letter or digit, "
                    + "then at most 63 letters, digits or _ . : / -", PARAM);
        }
        return tag;
    }

    private static String abbreviated(String s) {
        return s.length() <= 70 ? s : s.substring(0, 70) + "…";
    }

    private static GatewayException invalid(String message, String param) {
        return new GatewayException(ApiError.of(400, message, param).withCode("invalid_tag"));
    }

    /**
     * Ids of every Budget the request is charged to: its key's, and those covering one of its tags (for its key's
     * namespace); computed once per request ({@code ctx.budgetIds}). The key's own list when the request has no tags.
     */
    public static List<String> budgets(RequestContext ctx) {
        List<String> ids = ctx.budgetIds;
        if (ids != null) {
            return ids;
        }
        ids = budgets(ctx.snapshot, ctx.key, ctx.tags);
        ctx.budgetIds = ids;
        return ids;
    }

    /** The key's budgets, then (sorted, once each) those covering one of {@code tags} for the key's namespace. */
    public static List<String> budgets(Snapshot snapshot, GatewayConfig.Key key, List<String> tags) {
        List<String> own = key.budgets() == null ? List.of() : key.budgets();
        if (tags.isEmpty()) {
            return own;
        }
        Index index = index(snapshot);
        if (index.byTag.isEmpty()) {
            return own;
        }
        String keyNamespace = namespace(key.id());
        TreeSet<String> covering = null;
        for (String tag : tags) {
            for (GatewayConfig.Budget b : index.byTag.getOrDefault(tag, List.of())) {
                if (b.coversTag(tag, keyNamespace) && !own.contains(b.id())) {
                    if (covering == null) {
                        covering = new TreeSet<>();
                    }
                    covering.add(b.id());
                }
            }
        }
        if (covering == null) {
            return own;
        }
        List<String> out = new ArrayList<>(own.size() + covering.size());
        out.addAll(own);
        out.addAll(covering);
        return List.copyOf(out);
    }

    private static String namespace(String keyId) {
        int slash = keyId.indexOf('/');
        return slash < 0 ? "" : keyId.substring(0, slash);
    }

    /**
     * Tag -> the budgets naming it, and whether any budget has rate limits ({@code spec.limits}), built once per
     * snapshot (a reload brings a new one).
     */
    record Index(Snapshot snapshot, Map<String, List<GatewayConfig.Budget>> byTag, boolean anyLimits) {}

    /** Whether any Budget of the snapshot has rate limits: when none has, the limits stage need not look (one check). */
    public static boolean anyBudgetLimits(Snapshot snapshot) {
        return index(snapshot).anyLimits();
    }

    private static volatile Index last;

    static Index index(Snapshot snapshot) {
        Index i = last;
        if (i != null && i.snapshot == snapshot) {
            return i;
        }
        Map<String, List<GatewayConfig.Budget>> byTag = new HashMap<>();
        boolean anyLimits = false;
        for (GatewayConfig.Budget b : snapshot.config().budgets()) {
            anyLimits |= b.rpm() != null || b.tpm() != null || b.maxParallelRequests() != null;
            if (b.tags() != null) {
                for (String tag : b.tags()) {
                    byTag.computeIfAbsent(tag, t -> new ArrayList<>()).add(b);
                }
            }
        }
        Map<String, List<GatewayConfig.Budget>> frozen = new HashMap<>();
        byTag.forEach((t, l) -> frozen.put(t, List.copyOf(l)));
        i = new Index(snapshot, Map.copyOf(frozen), anyLimits);
        last = i;
        return i;
    }
}
