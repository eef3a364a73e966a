package dev.tollgate.gateway.validation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.RequestContext;
import dev.tollgate.gateway.RequestInterceptor;
import dev.tollgate.gateway.cost.TokenCounter;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import jakarta.enterprise.context.ApplicationScoped;

/**
 * The model's context window (LlmModel {@code spec.contextWindow}): a request whose prompt tokens plus its output
 * limit ({@code max_completion_tokens} or {@code max_tokens}; none: the prompt alone) exceed it is refused with 400
 * {@code context_length_exceeded}, before it takes a rate-limit slot, reserves budget or reaches the upstream.
 *
 * <p>Free in the common case: no window set, or the body's size in bytes plus the output limit fits (every token
 * is at least one byte of the text it encodes, and the counted text is part of the body), decides without
 * counting. Only when that bound cannot prove the request fits are its tokens counted ({@link TokenCounter}, the
 * same recipe that meters usage), with the vocabulary loaded off the event loop if it is not yet.
 */
@ApplicationScoped
public class ContextWindowInterceptor implements RequestInterceptor {

    @Override
    public int order() {
        return 50; // validation: before limits (100) and budgets (200)
    }

    @Override
    public Future<Void> admit(RequestContext ctx) {
        Integer window = ctx.deployment.contextWindow();
        if (window == null || ctx.operation == Operation.IMAGES || ctx.operation == Operation.RERANK
                || ctx.operation == Operation.PASSTHROUGH) {
            return Future.succeededFuture();
        }
        long output = outputLimit(ctx);
        if (ctx.bodyBytes + output <= window) {
            return Future.succeededFuture();
        }
        String model = ctx.deployment.upstreamModel();
        Context here = Vertx.currentContext();
        if (TokenCounter.loaded(model) || here == null) {
            return decide(ctx, window, output);
        }
        Promise<Void> decided = Promise.promise();
        TokenCounter.load(model).whenComplete((v, t) -> here.runOnContext(x -> {
            if (t != null) {
                decided.complete(); // no vocabulary to count with: the provider judges the length itself
            } else {
                decide(ctx, window, output).onComplete(decided);
            }
        }));
        return decided.future();
    }

    @Override
    public void complete(RequestContext ctx) {
    }

    /** The request's output limit: max_completion_tokens, else max_tokens, else 0. */
    public static long outputLimit(RequestContext ctx) {
        JsonNode limit = ctx.body.get("max_completion_tokens");
        if (limit == null || !limit.isIntegralNumber()) {
            limit = ctx.body.get("max_tokens");
        }
        return limit != null && limit.isIntegralNumber() ? Math.max(0, limit.asLong()) : 0;
    }

    private static Future<Void> decide(RequestContext ctx, int window, long output) {
        long prompt = promptTokens(ctx);
        if (prompt + output <= window) {
            return Future.succeededFuture();
        }
        String field = switch (ctx.operation) {
            case COMPLETIONS -> "prompt";
            case EMBEDDINGS -> "input";
            default -> "messages";
        };
        String message = "The model '" + ctx.modelName + "' has a context window of " + window + " tokens, but this "
                + "request needs " + (prompt + output) + " tokens (" + prompt + " in the prompt"
                + (output > 0 ? ", " + output + " for the output (max_tokens)" : "") + "). Shorten the " + field
                + (output > 0 ? " or lower the output limit" : "") + ".";
        return Future.failedFuture(new GatewayException(ApiError.of(400, message, field)
                .withCode("context_length_exceeded")));
    }

    /** The prompt's tokens, by the recipe {@link TokenCounter} meters usage with. */
    static long promptTokens(RequestContext ctx) {
        return promptTokens(ctx, TokenCounter.forModel(ctx.deployment.upstreamModel()));
    }

    /** The prompt's tokens by {@code counter}'s vocabulary (routing counts once per group, before a deployment is set). */
    public static long promptTokens(RequestContext ctx, TokenCounter counter) {
        JsonNode body = ctx.body.tree();
        return switch (ctx.operation) {
            case CHAT -> counter.countPrompt(body) + (ctx.ingress == WireFormat.ANTHROPIC ? system(counter, body) : 0);
            case COMPLETIONS -> texts(counter, body.get("prompt"));
            case EMBEDDINGS -> texts(counter, body.get("input"));
            case IMAGES, RERANK, PASSTHROUGH -> 0;
        };
    }

    /** Anthropic's top-level system prompt: a string or text blocks. */
    private static long system(TokenCounter counter, JsonNode body) {
        JsonNode system = body.get("system");
        if (system == null) {
            return 0;
        }
        if (system.isTextual()) {
            return counter.countText(system.asText());
        }
        long tokens = 0;
        for (JsonNode block : system) {
            tokens += counter.countText(block.path("text").asText(""));
        }
        return tokens;
    }

    /**
     * The longest of the prompts (completions) or inputs (embeddings): each item of an array of strings, or of an
     * array of token-id arrays, is a prompt of its own and meets the window alone; an array of token ids is one.
     */
    private static long texts(TokenCounter counter, JsonNode value) {
        if (value == null) {
            return 0;
        }
        if (value.isTextual()) {
            return counter.countText(value.asText());
        }
        if (value.isArray() && !value.isEmpty() && value.get(0).isNumber()) {
            return value.size();
        }
        long longest = 0;
        for (JsonNode item : value) {
            longest = Math.max(longest, item.isTextual() ? counter.countText(item.asText()) : item.size());
        }
        return longest;
    }
}
