package dev.tollgate.gateway.tags;

import dev.tollgate.gateway.RequestContext;
import io.vertx.core.buffer.Buffer;
import java.util.List;

/** A request's tags: what it carries, what its key allows, and which Budgets they bring in. */
public final class Tags {
    /** The header a client may name tags in (comma-separated), besides LiteLLM's {@code metadata.tags} body field. */
    public static final String HEADER = "x-tollgate-tags";

    private Tags() {}

    /**
     * Works out {@code ctx.tags} (the key's fixed tags and the client's, from {@code metadata.tags} and the header,
     * sorted, without duplicates) and returns the body to serve: {@code metadata.tags} removed (no provider takes
     * it; {@code metadata} removed when nothing else is left in it), {@code raw} itself when there was nothing to
     * remove; {@code ctx.body} re-read when the body changed. Throws {@link dev.tollgate.gateway.GatewayException}:
     * 403 {@code tag_not_allowed} (param {@code metadata.tags}) for a tag the key does not allow, 400 for a malformed
     * one. Costs a few field checks when neither the key, the header nor the body has tags.
     */
    public static Buffer apply(RequestContext ctx, Buffer raw) {
        return raw; // placeholder: implemented by the tags helper
    }

    /**
     * Ids of every Budget the request is charged to: its key's, and those covering one of its tags (for its key's
     * namespace); computed once per request ({@code ctx.budgetIds}). The key's own list when the request has no tags.
     */
    public static List<String> budgets(RequestContext ctx) {
        return ctx.key.budgets(); // placeholder: implemented by the tags helper
    }
}
