package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;

/**
 * The hub of provider {@code vertex}: each call goes to the upstream of its model's family ({@link Vertex#family}),
 * all three speaking the hub's dialect.
 */
public final class VertexUpstream implements Upstream {
    private final Upstream anthropic;
    private final Upstream openAiCompatible;
    private final Upstream gemini;

    /** @param gemini null when Gemini on Vertex is not wired: its models get 501 */
    public VertexUpstream(Upstream anthropic, Upstream openAiCompatible, Upstream gemini) {
        for (Upstream u : new Upstream[] {anthropic, openAiCompatible, gemini}) {
            if (u != null && u.format() != WireFormat.OPENAI) {
                throw new IllegalArgumentException("Vertex's families must speak the hub's dialect, not " + u.format());
            }
        }
        this.anthropic = anthropic;
        this.openAiCompatible = openAiCompatible;
        this.gemini = gemini;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    /** Whether some family serves the operation; a model whose own family does not is refused per call (400). */
    @Override
    public boolean supports(Operation operation) {
        return anthropic.supports(operation) || openAiCompatible.supports(operation)
                || (gemini != null && gemini.supports(operation));
    }

    /** The family's upstream for the call, or a failed future saying why none serves it. */
    Upstream upstream(Call call) {
        Vertex.Family f = Vertex.family(call.model().upstreamModel());
        Upstream u = switch (f) {
            case ANTHROPIC -> anthropic;
            case OPENAI_COMPATIBLE -> openAiCompatible;
            case GEMINI -> gemini;
        };
        if (u == null) {
            throw new UpstreamException(ApiError.of(501, "Gemini models on Vertex AI (" + call.model().id() + ", model "
                    + call.model().upstreamModel() + ") are not served by this gateway version", null)
                    .withCode("provider_not_supported"), 0, null);
        }
        if (!u.supports(call.operation())) {
            throw new UpstreamException(ApiError.of(400, "the model " + call.model().id() + " (Vertex AI, "
                    + f.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-') + " family) does not serve "
                    + call.operation().path(), "model").withCode("unsupported_operation"), 0, null);
        }
        return u;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        try {
            return upstream(call).send(call);
        } catch (UpstreamException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Buffer> sendRaw(Call call) {
        try {
            return upstream(call).sendRaw(call);
        } catch (UpstreamException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        try {
            return upstream(call).stream(call, sink);
        } catch (UpstreamException e) {
            return Future.failedFuture(e);
        }
    }
}
