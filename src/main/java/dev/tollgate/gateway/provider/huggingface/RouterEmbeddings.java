package dev.tollgate.gateway.provider.huggingface;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.util.function.Supplier;

/**
 * {@code /v1/embeddings} through the Inference Providers router: {@code POST
 * https://router.huggingface.co/hf-inference/models/{model}/pipeline/feature-extraction} with
 * {@code {"inputs": <string | strings>}} (the feature-extraction task of the HF Inference API,
 * https://huggingface.co/docs/inference-providers/tasks/feature-extraction). The answer is a bare JSON array whose
 * shape follows the input — one vector ({@code [f, …]}) for a string, one per string ({@code [[f, …], …]}) for a list
 * — which is why this is not a {@link dev.tollgate.gateway.provider.HubUpstream} (its answers are JSON objects). A
 * model that answers per-token vectors (no pooling) cannot be an OpenAI embedding: 502 saying so. The router reports
 * no usage: the gateway counts the input's tokens itself. Errors: {@code {"error": "..."}}, read as TGI's.
 */
final class RouterEmbeddings implements Upstream {
    private final Supplier<HttpClient> client;

    RouterEmbeddings(Supplier<HttpClient> client) {
        this.client = client;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return operation == Operation.EMBEDDINGS;
    }

    /** The feature-extraction URL on the router's origin (the apiBase's scheme, host and port). */
    static String url(String apiBase, String model) {
        URI base = URI.create(HuggingFaceUrls.routerBase(apiBase));
        String id = model.contains(":") ? model.substring(0, model.indexOf(':')) : model; // no provider suffix here
        return base.getScheme() + "://" + base.getRawAuthority() + "/hf-inference/models/" + id
                + "/pipeline/feature-extraction";
    }

    /** The request body: OpenAI's {@code input} (a string or strings) as {@code inputs}. */
    static ObjectNode request(JsonNode body) {
        JsonNode input = body.get("input");
        boolean text = input != null && (input.isTextual() || input.isArray() && !input.isEmpty()
                && java.util.stream.StreamSupport.stream(input.spliterator(), false).allMatch(JsonNode::isTextual));
        if (!text) {
            throw TranslationException.badRequest("input", "Hugging Face's feature extraction embeds text: input must "
                    + "be a string or an array of strings");
        }
        for (String unsupported : new String[] {"dimensions", "encoding_format"}) {
            JsonNode v = body.get(unsupported);
            if (v != null && !v.isNull() && !(unsupported.equals("encoding_format") && "float".equals(v.asText()))) {
                throw TranslationException.badRequest(unsupported, "Hugging Face's feature extraction does not take '"
                        + unsupported + "': remove it");
            }
        }
        ObjectNode out = Json.object();
        out.set("inputs", input);
        return out;
    }

    /** The feature-extraction answer as OpenAI's embeddings list (no usage: the gateway counts). */
    static ObjectNode response(JsonNode input, JsonNode answer, String model) {
        ArrayNode vectors = Json.array();
        if (input.isTextual() && answer.isArray() && !answer.isEmpty() && answer.get(0).isNumber()) {
            vectors.add(answer);
        } else if (answer.isArray() && answer.size() == (input.isTextual() ? 1 : input.size())) {
            for (JsonNode v : answer) {
                if (!v.isArray() || v.isEmpty() || !v.get(0).isNumber()) {
                    throw TranslationException.badUpstream("'" + model + "' answered token-level features, not one "
                            + "vector per input: use a sentence-embedding model");
                }
                vectors.add(v);
            }
        } else {
            throw TranslationException.badUpstream("'" + model + "' answered features of an unexpected shape");
        }
        ObjectNode out = Json.object();
        out.put("object", "list");
        ArrayNode data = out.putArray("data");
        int i = 0;
        for (JsonNode v : vectors) {
            data.addObject().put("object", "embedding").put("index", i++).set("embedding", v);
        }
        out.put("model", model);
        return out;
    }

    @Override
    public Future<JsonNode> send(Call call) {
        ObjectNode body;
        String url;
        try {
            body = request(call.body());
            url = url(call.model().apiBase(), call.model().upstreamModel());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        String modelId = call.model().id();
        RequestOptions target = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
                .setFollowRedirects(false);
        return client.get().request(target).compose(req -> {
            req.idleTimeout(call.model().timeoutMillis());
            req.putHeader("content-type", "application/json").putHeader("accept", "application/json");
            if (call.credential() != null) {
                req.putHeader("Authorization", "Bearer " + call.credential());
            }
            dev.tollgate.gateway.provider.UpstreamObserver.sending(call.cancellation(), req);
            call.cancellation().onCancel(req::reset);
            return req.send(Buffer.buffer(Json.writeBytes(body))).compose(resp -> resp.body().map(bytes -> {
                JsonNode answer = Json.parse(bytes.getBytes());
                if (resp.statusCode() >= 400) {
                    ApiError e = TgiTranslator.error(resp.statusCode(), answer, "input");
                    throw UpstreamErrors.from(resp.statusCode(), e != null ? e : ApiError.fromOpenAi(resp.statusCode(),
                            answer), resp.getHeader("retry-after"), modelId);
                }
                if (answer == null) {
                    throw UpstreamErrors.notJsonObject(modelId);
                }
                return (JsonNode) response(call.body().get("input"), answer, call.model().upstreamModel());
            }));
        }).recover(t -> Future.failedFuture(t instanceof dev.tollgate.gateway.provider.UpstreamException
                || t instanceof TranslationException ? t : UpstreamErrors.unreachable(modelId, t.getClass().getSimpleName()
                + (t.getMessage() == null ? "" : ": " + t.getMessage()))));
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        return Future.failedFuture(TranslationException.badRequest("stream", "embeddings do not stream"));
    }
}
