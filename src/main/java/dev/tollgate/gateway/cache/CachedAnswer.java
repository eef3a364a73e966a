package dev.tollgate.gateway.cache;

import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;

/**
 * A stored answer: the whole non-streamed answer in its client's dialect, as the client got it (or, for a stream,
 * as {@link StreamRecorder} assembled it), and what it cost.
 *
 * @param dialect        the client dialect the body is in (OpenAI or Anthropic)
 * @param operation      chat, completions or embeddings
 * @param body           the answer's JSON bytes (a chat.completion, text_completion, embedding list, or Anthropic
 *                       message)
 * @param usage          the tokens it used (null: unknown)
 * @param costMicros     what it cost when it was made, micro-USD (-1: unknown): a hit's saved spend
 * @param deploymentId   the deployment that made it
 * @param storedAtMillis when it was stored (epoch millis)
 */
public record CachedAnswer(WireFormat dialect, Operation operation, byte[] body, TokenUsage usage, long costMicros,
        String deploymentId, long storedAtMillis) {

    /** Bytes it holds in memory (what the cache's size bound weighs). */
    public int weight() {
        return body.length + 128 + deploymentId.length() * 2;
    }

    /** The entry as bytes, for Redis. */
    public byte[] encode() {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }

    /** An entry from {@link #encode()}'s bytes; null when they are not one (another version's, or damaged). */
    public static CachedAnswer decode(byte[] bytes) {
        throw new UnsupportedOperationException("placeholder: wt20-exact implements it");
    }
}
