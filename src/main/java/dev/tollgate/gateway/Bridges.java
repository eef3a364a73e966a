package dev.tollgate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.WireFormat;
import dev.tollgate.gateway.provider.anthropic.AnthropicToOpenAiStream;
import dev.tollgate.gateway.provider.anthropic.AnthropicTranslator;
import dev.tollgate.gateway.provider.anthropic.OpenAiToAnthropicStream;
import dev.tollgate.gateway.provider.anthropic.Translated;
import dev.tollgate.gateway.provider.anthropic.TranslationOptions;
import dev.tollgate.gateway.provider.anthropic.UnsupportedParams;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.util.List;

/**
 * The four ways a request meets an upstream: client dialect x upstream dialect. Same dialect: relayed as is
 * (model id swapped, usage captured). Different dialects: translated both ways, streams event by event.
 * Every stream asks the upstream for usage; a usage-only chunk the client did not ask for is not relayed.
 * Each method writes the whole answer (or the error) and completes when the response is over.
 */
final class Bridges {
    private final Clock clock;

    Bridges(Clock clock) {
        this.clock = clock;
    }

    Future<Void> dispatch(RequestContext ctx, Upstream upstream, String credential) {
        boolean same = ctx.ingress == upstream.format();
        if (same && ctx.ingress == WireFormat.OPENAI) {
            return openAiToOpenAi(ctx, upstream, credential);
        }
        if (same) {
            return anthropicToAnthropic(ctx, upstream, credential);
        }
        return ctx.ingress == WireFormat.OPENAI ? openAiToAnthropic(ctx, upstream, credential)
                : anthropicToOpenAi(ctx, upstream, credential);
    }

    // ---- OpenAI client, OpenAI-dialect upstream (openai, azure, compatible servers, mock) ----------------------

    private Future<Void> openAiToOpenAi(RequestContext ctx, Upstream upstream, String credential) {
        JsonBody req = ctx.body;
        req.set("model", Json.NODES.textNode(ctx.deployment.upstreamModel()));
        if (!ctx.stream) {
            // Nothing to translate: the answer goes to the client byte for byte; only its usage is read.
            return upstream.sendRaw(call(ctx, credential, req)).compose(raw -> {
                Json.TopLevel usage = Json.topLevelField(raw, "usage");
                if (!usage.object()) {
                    return Future.failedFuture(UpstreamErrors.notJsonObject(ctx.deployment.id()));
                }
                ctx.usage = usage.value() != null && usage.value().isObject() ? TokenUsage.fromOpenAi(usage.value()) : null;
                if (ctx.usage == null) {
                    collectText(ctx, Json.parse(raw.getBytes())); // no usage: the answer's text is counted instead
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
        return upstream.stream(call(ctx, credential, req), sink(ctx, (event, chunk, raw) -> {
            JsonNode u = chunk.get("usage");
            boolean usageOnly = u != null && u.isObject() && chunk.path("choices").isArray() && chunk.get("choices").isEmpty();
            if (u != null && u.isObject()) {
                ctx.usage = TokenUsage.fromOpenAi(u);
            }
            collectText(ctx, chunk);
            if (!usageOnly || clientWantsUsage) {
                ClientWriter.data(ctx, chunk, raw); // as the upstream sent it: nothing was changed
            }
        })).map(v -> {
            ClientWriter.done(ctx);
            return null;
        });
    }

    // ---- OpenAI client, Anthropic upstream -----------------------------------------------------------------------

    private Future<Void> openAiToAnthropic(RequestContext ctx, Upstream upstream, String credential) {
        Translated t = AnthropicTranslator.toAnthropicRequest(ctx.body.tree(), options(ctx));
        droppedHeader(ctx, t.dropped());
        ObjectNode req = t.body();
        req.put("model", ctx.deployment.upstreamModel());
        long now = clock.instant().getEpochSecond();
        if (!ctx.stream) {
            return upstream.send(call(ctx, credential, req)).map(resp -> {
                ctx.usage = TokenUsage.fromAnthropic(resp.get("usage"));
                ClientWriter.json(ctx, 200, AnthropicTranslator.toOpenAiResponse((ObjectNode) resp, now));
                return null;
            });
        }
        req.put("stream", true);
        AnthropicToOpenAiStream conv = new AnthropicToOpenAiStream(AnthropicTranslator.includeUsageRequested(ctx.body.tree()), now);
        return upstream.stream(call(ctx, credential, req), sink(ctx, (event, data, raw) -> {
            conv.onEvent(data).forEach(c -> ClientWriter.data(ctx, c));
            ctx.usage = conv.usage().orElse(ctx.usage);
        })).map(v -> {
            conv.finish().forEach(c -> ClientWriter.data(ctx, c));
            ctx.usage = conv.usage().orElse(ctx.usage);
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

    // ---- Anthropic client (/v1/messages), OpenAI-dialect upstream ----------------------------------------------

    private Future<Void> anthropicToOpenAi(RequestContext ctx, Upstream upstream, String credential) {
        Translated t = AnthropicTranslator.toOpenAiRequest(ctx.body.tree(), options(ctx));
        droppedHeader(ctx, t.dropped());
        ObjectNode req = t.body();
        req.put("model", ctx.deployment.upstreamModel());
        if (!ctx.stream) {
            return upstream.send(call(ctx, credential, req)).map(resp -> {
                ctx.usage = resp.has("usage") ? TokenUsage.fromOpenAi(resp.get("usage")) : null;
                ClientWriter.json(ctx, 200, AnthropicTranslator.toAnthropicResponse((ObjectNode) resp));
                return null;
            });
        }
        req.put("stream", true);
        req.withObject("/stream_options").put("include_usage", true);
        OpenAiToAnthropicStream conv = new OpenAiToAnthropicStream();
        return upstream.stream(call(ctx, credential, req), sink(ctx, (event, chunk, raw) ->
                conv.onChunk(chunk).forEach(e -> ClientWriter.event(ctx, e.path("type").asText(), e)))).map(v -> {
                    conv.finish().forEach(e -> ClientWriter.event(ctx, e.path("type").asText(), e));
                    ctx.usage = conv.usage().orElse(null);
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

    private static Call call(RequestContext ctx, String credential, JsonBody body) {
        return new Call(ctx.deployment, credential, ctx.operation, body, ctx.cancellation);
    }

    /** A body the gateway built (a translation). */
    private static Call call(RequestContext ctx, String credential, ObjectNode body) {
        return call(ctx, credential, JsonBody.of(body));
    }

    private static TranslationOptions options(RequestContext ctx) {
        JsonNode max = ctx.deployment.defaultParams() == null ? null : ctx.deployment.defaultParams().get("max_tokens");
        return TranslationOptions.of("drop".equals(ctx.deployment.unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT, max != null && max.canConvertToInt() ? max.asInt() : 4096);
    }

    private static void droppedHeader(RequestContext ctx, List<String> dropped) {
        if (!dropped.isEmpty()) {
            ctx.response.putHeader("x-tollgate-dropped-params", String.join(",", dropped));
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
