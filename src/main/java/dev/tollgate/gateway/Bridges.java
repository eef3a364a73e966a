package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Served;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.WireFormat;
import dev.tollgate.gateway.provider.anthropic.AnthropicTranslator;
import dev.tollgate.gateway.provider.anthropic.OpenAiToAnthropicStream;
import dev.tollgate.gateway.provider.Translated;
import dev.tollgate.gateway.provider.TranslationOptions;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.util.List;

/**
 * How a request meets its provider. OpenAI's dialect is the hub: an OpenAI client's request goes to the provider's
 * hub upstream as it is — relayed byte for byte when the provider speaks OpenAI's API (model id swapped, usage
 * captured), translated by the provider family's {@link dev.tollgate.gateway.provider.Adapter} otherwise. An Anthropic
 * client's request is relayed to a provider that speaks Messages natively, and otherwise translated to the hub once
 * and its answer back. Every stream asks for usage; a usage-only chunk the client did not ask for is not relayed.
 * Each method writes the whole answer (or the error) and completes when the response is over. A new provider needs no
 * code here.
 */
final class Bridges {
    Bridges() {
    }

    Future<Void> dispatch(RequestContext ctx, Served served, String credential) {
        if (ctx.ingress == WireFormat.OPENAI) {
            return openAi(ctx, served.hub(), credential);
        }
        Upstream relay = served.relayFor(WireFormat.ANTHROPIC, ctx.deployment);
        return relay != null ? anthropicToAnthropic(ctx, relay, credential) : anthropicToHub(ctx, served.hub(), credential);
    }

    // ---- OpenAI client: the hub (relayed to OpenAI-dialect providers, translated by the others' adapters) -------

    private Future<Void> openAi(RequestContext ctx, Upstream upstream, String credential) {
        JsonBody req = ctx.body;
        req.set("model", Json.NODES.textNode(ctx.deployment.upstreamModel()));
        if (!ctx.stream) {
            // Nothing to translate: the answer goes to the client byte for byte; only its usage is read.
            Call call = call(ctx, credential, req);
            Future<io.vertx.core.buffer.Buffer> answer = upstream.sendRaw(call);
            droppedHeader(ctx, call.dropped()); // an adapter's translation ran when the call was made
            return answer.compose(raw -> {
                Json.TopLevel usage = Json.topLevelField(raw, "usage");
                if (!usage.object()) {
                    return Future.failedFuture(UpstreamErrors.notJsonObject(ctx.deployment.id()));
                }
                ctx.usage = usage.value() != null && usage.value().isObject() ? TokenUsage.fromOpenAi(usage.value()) : null;
                if (ctx.operation == dev.tollgate.gateway.provider.Operation.RERANK) {
                    // a rerank is billed in search units (meta.billed_units.search_units), not tokens
                    JsonNode units = Json.topLevelField(raw, "meta").value();
                    units = units == null ? null : units.path("billed_units").get("search_units");
                    ctx.searchUnits = units != null && units.canConvertToLong() ? units.asLong() : null;
                } else if (ctx.usage == null || perCharacter(ctx)) {
                    collectText(ctx, Json.parse(raw.getBytes())); // no usage, or priced by characters: counted
                }
                ClientWriter.json(ctx, 200, raw);
                return Future.succeededFuture();
            });
        }
        boolean clientWantsUsage = req.path("stream_options").path("include_usage").asBoolean(false);
        if (!clientWantsUsage) {
            ObjectNode options = req.get("stream_options") instanceof ObjectNode o ? o.deepCopy() : Json.object();
            req.set("stream_options", options.put("include_usage", true));
        }
        Call call = call(ctx, credential, req);
        Future<Void> streamed = upstream.stream(call, sink(ctx, (event, chunk, raw) -> {
            JsonNode u = chunk.get("usage");
            boolean usageOnly = u != null && u.isObject() && chunk.path("choices").isArray() && chunk.get("choices").isEmpty();
            if (u != null && u.isObject()) {
                ctx.usage = TokenUsage.fromOpenAi(u);
            }
            collectText(ctx, chunk);
            if (!usageOnly || clientWantsUsage) {
                ClientWriter.data(ctx, chunk, raw); // as the upstream sent it when it did (raw): nothing was changed
            }
        }));
        droppedHeader(ctx, call.dropped());
        return streamed.map(v -> {
            ClientWriter.done(ctx);
            return null;
        });
    }

    // ---- Anthropic client (/v1/messages), Anthropic upstream --------------------------------------------------

    private Future<Void> anthropicToAnthropic(RequestContext ctx, Upstream upstream, String credential) {
        JsonBody req = ctx.body;
        req.set("model", Json.NODES.textNode(ctx.deployment.upstreamModel()));
        if (!ctx.stream) {
            return upstream.send(call(ctx, credential, req)).map(resp -> {
                ctx.usage = TokenUsage.fromAnthropic(resp.get("usage"));
                ClientWriter.json(ctx, 200, resp);
                return null;
            });
        }
        long[] counts = new long[4]; // input, output, cache creation, cache read (message_delta usage is cumulative)
        return upstream.stream(call(ctx, credential, req), sink(ctx, (event, data, raw) -> {
            JsonNode u = "message_start".equals(data.path("type").asText()) ? data.path("message").path("usage")
                    : "message_delta".equals(data.path("type").asText()) ? data.path("usage") : null;
            if (u != null && u.isObject()) {
                String[] f = {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"};
                for (int i = 0; i < f.length; i++) {
                    if (u.has(f[i]) && u.get(f[i]).isNumber()) {
                        counts[i] = u.get(f[i]).asLong();
                    }
                }
                ctx.usage = new TokenUsage(counts[0], counts[1], counts[2], counts[3]);
            }
            ClientWriter.event(ctx, event != null ? event : data.path("type").asText(), data);
        })).map(v -> {
            ClientWriter.end(ctx);
            return null;
        });
    }

    // ---- Anthropic client (/v1/messages), any other provider: through the hub -----------------------------------

    private Future<Void> anthropicToHub(RequestContext ctx, Upstream upstream, String credential) {
        Translated t = AnthropicTranslator.toOpenAiRequest(ctx.body.tree(), TranslationOptions.forModel(ctx.deployment));
        droppedHeader(ctx, t.dropped());
        ObjectNode req = t.body();
        req.put("model", ctx.deployment.upstreamModel());
        if (!ctx.stream) {
            Call call = call(ctx, credential, req);
            Future<JsonNode> answer = upstream.send(call);
            droppedHeader(ctx, call.dropped());
            return answer.map(resp -> {
                ctx.usage = resp.has("usage") ? TokenUsage.fromOpenAi(resp.get("usage")) : null;
                if (ctx.usage == null || perCharacter(ctx)) {
                    collectText(ctx, resp); // no usage reported, or priced by characters: the answer's text is counted
                }
                ClientWriter.json(ctx, 200, AnthropicTranslator.toAnthropicResponse((ObjectNode) resp));
                return null;
            });
        }
        req.put("stream", true);
        req.withObject("/stream_options").put("include_usage", true);
        OpenAiToAnthropicStream conv = new OpenAiToAnthropicStream();
        Call call = call(ctx, credential, req);
        Future<Void> streamed = upstream.stream(call, sink(ctx, (event, chunk, raw) -> {
            collectText(ctx, chunk); // counted when the stream reports no usage, or is cut before it does
            conv.onChunk(chunk).forEach(e -> ClientWriter.event(ctx, e.path("type").asText(), e));
        }));
        droppedHeader(ctx, call.dropped());
        return streamed.map(v -> {
                    conv.finish().forEach(e -> ClientWriter.event(ctx, e.path("type").asText(), e));
                    ctx.usage = conv.usage().orElse(ctx.usage);
                    ClientWriter.end(ctx);
                    return null;
                });
    }

    // ---- shared ---------------------------------------------------------------------------------------------------

    /** Text of an OpenAI response or chunk (message content, delta content, legacy text, tool arguments). */
    private static void collectText(RequestContext ctx, JsonNode node) {
        for (JsonNode choice : node.path("choices")) {
            for (JsonNode part : List.of(choice.path("message"), choice.path("delta"))) {
                if (part.path("content").isTextual()) {
                    ctx.answerText.append(part.path("content").asText());
                }
                for (JsonNode tc : part.path("tool_calls")) {
                    ctx.answerText.append(tc.path("function").path("arguments").asText(""));
                }
            }
            if (choice.path("text").isTextual()) {
                ctx.answerText.append(choice.path("text").asText());
            }
        }
    }

    /** A model billed per character: its answer's text is always collected (Metering counts its characters). */
    private static boolean perCharacter(RequestContext ctx) {
        return ctx.deployment.prices() != null && ctx.deployment.prices().perCharacter();
    }

    private static Call call(RequestContext ctx, String credential, JsonBody body) {
        return new Call(ctx.deployment, credential, ctx.operation, body, ctx.cancellation);
    }

    /** A body the gateway built (a translation). */
    private static Call call(RequestContext ctx, String credential, ObjectNode body) {
        return call(ctx, credential, JsonBody.of(body));
    }

    private static void droppedHeader(RequestContext ctx, List<String> dropped) {
        if (!dropped.isEmpty() && !ctx.response.headWritten()) {
            String before = ctx.response.headers().get("x-tollgate-dropped-params");
            ctx.response.putHeader("x-tollgate-dropped-params",
                    (before == null ? "" : before + ",") + String.join(",", dropped));
        }
    }

    interface EventHandler {
        void on(String event, JsonNode data, String raw);
    }

    /** A sink writing to the client, with the client's write queue as backpressure for the upstream. */
    private static StreamSink sink(RequestContext ctx, EventHandler handler) {
        HttpServerResponse r = ctx.response;
        return new StreamSink() {
            @Override
            public void onEvent(String event, JsonNode data, String raw) {
                handler.on(event, data, raw);
            }

            @Override
            public void onUsage(TokenUsage usage) {
                ctx.usage = usage; // what a translated stream reported so far: charged even if it is cut
            }

            @Override
            public boolean full() {
                return r.writeQueueFull();
            }

            @Override
            public void onDrain(Runnable resume) {
                r.drainHandler(v -> resume.run());
            }
        };
    }
}
