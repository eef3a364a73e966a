package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.function.Supplier;

/**
 * The {@code huggingface} provider: each call goes to the service its model's {@code apiBase} names
 * ({@link HuggingFaceUrls}).
 * <ul>
 *   <li><b>Inference Providers router</b> ({@code router.huggingface.co}): chat (streams, tools, images) relayed as
 *       OpenAI's wire ({@link HfOpenAiUpstream}). The router serves no legacy completions: {@code /v1/completions}
 *       is 400 naming the endpoint to use. Embeddings: the hf-inference feature-extraction pipeline
 *       ({@link RouterEmbeddings}).</li>
 *   <li><b>Dedicated Inference Endpoint / self-hosted TGI</b> (any other base): chat through TGI's OpenAI-compatible
 *       Messages API ({@code {root}/v1/chat/completions}), {@code /v1/completions} through TGI's native
 *       {@code /generate} and {@code /generate_stream} ({@link TgiAdapter}), embeddings relayed to
 *       {@code {root}/v1/embeddings} (an endpoint running Text Embeddings Inference serves OpenAI's route).</li>
 * </ul>
 */
public final class HuggingFaceUpstream implements Upstream {
    private final HfOpenAiUpstream openAi;
    private final HubUpstream tgi;
    private final RouterEmbeddings routerEmbeddings;

    public HuggingFaceUpstream(Supplier<HttpClient> client, Clock clock) {
        this.openAi = new HfOpenAiUpstream(client);
        this.tgi = new HubUpstream(client, new TgiAdapter(clock));
        this.routerEmbeddings = new RouterEmbeddings(client);
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.CHAT || operation == Operation.COMPLETIONS || operation == Operation.EMBEDDINGS;
    }

    /**
     * The upstream for this call; throws a 400 naming what the router does not serve. Chosen synchronously: the
     * caller reads the call's dropped parameters as soon as the call is made.
     */
    private Upstream route(Call call) {
        boolean router = HuggingFaceUrls.router(call.model().apiBase());
        if (call.operation() == Operation.COMPLETIONS) {
            if (router) {
                throw TranslationException.badRequest("model", "'"
                    + call.model().upstreamModel() + "' is served by Hugging Face's Inference Providers router, which"
                    + " has no legacy completions endpoint: use /v1/chat/completions, or point the LlmModel's apiBase"
                    + " at a dedicated Inference Endpoint or TGI server to use /v1/completions");
            }
            return tgi;
        }
        if (call.operation() == Operation.EMBEDDINGS && router) {
            return routerEmbeddings;
        }
        if (!supports(call.operation())) {
            throw TranslationException.badRequest(null, "Hugging Face does not serve "
                    + call.operation().path() + " through Tollgate");
        }
        return openAi;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        try {
            return route(call).send(call);
        } catch (TranslationException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Buffer> sendRaw(Call call) {
        try {
            return route(call).sendRaw(call);
        } catch (TranslationException e) {
            return Future.failedFuture(e);
        }
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        try {
            return route(call).stream(call, sink);
        } catch (TranslationException e) {
            return Future.failedFuture(e);
        }
    }
}
