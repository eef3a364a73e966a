package dev.tollgate.gateway.prompt;

import dev.tollgate.gateway.RequestContext;
import io.vertx.core.buffer.Buffer;

/**
 * Serves a chat request that names a prompt ({@code prompt_id}, optional {@code prompt_version} or
 * {@code prompt_label}, {@code prompt_variables}: LiteLLM's request fields): resolves the Prompt (by name in the key's
 * namespace, or {@code <namespace>/<name>}), checks the key may use it, renders the version and returns the body the
 * request goes on with. The chat rules let a body that names a prompt leave {@code messages} out.
 */
public final class PromptStage {
    private PromptStage() {}

    /**
     * The body to serve for a request that names a prompt ({@code ctx.body} has {@code prompt_id}): the version's messages (rendered) before
     * the client's own {@code messages} (which may then be absent), the version's model and parameters applied (a
     * request value replaces one only when the version lists it in {@code overridable}; otherwise setting it is a
     * 400), and the {@code prompt_*} fields removed; {@code ctx.prompt} set. Throws {@link dev.tollgate.gateway.GatewayException}: 400 (bad fields, variables), 403
     * ({@code prompt_not_allowed}), 404 ({@code prompt_not_found}, unknown version or label), each with its param.
     */
    public static Buffer apply(RequestContext ctx, Buffer raw) {
        throw new UnsupportedOperationException("placeholder: implemented by the prompt helper");
    }
}
