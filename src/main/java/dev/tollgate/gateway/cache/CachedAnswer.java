package dev.tollgate.gateway.cache;

import dev.tollgate.gateway.TokenUsage;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

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

    /** The first bytes of every encoded entry: "TGCA" and the format's version. */
    private static final int MAGIC = 0x54474341;
    static final byte VERSION = 1;
    private static final int HEADER = 4 + 1 + 1 + 1 + 1 + 4 * 8 + 8 + 8 + 2 + 4;

    /**
     * The entry as bytes, for Redis: {@code "TGCA"}, version 1, then the dialect's and the operation's names (a length
     * byte and ASCII each: an enum reordered in a later release still reads), a flag byte (1: usage present), the four
     * token counts, cost, stored-at, the deployment id (a 2-byte length and its UTF-8) and the body (a 4-byte length
     * and its bytes); big-endian.
     */
    public byte[] encode() {
        byte[] dep = (deploymentId == null ? "" : deploymentId).getBytes(StandardCharsets.UTF_8);
        int depLength = Math.min(dep.length, 0xffff);
        String d = dialect.name();
        String o = operation.name();
        ByteBuffer b = ByteBuffer.allocate(HEADER + d.length() + o.length() + depLength
                + body.length);
        b.putInt(MAGIC).put(VERSION);
        b.put((byte) d.length()).put(d.getBytes(StandardCharsets.US_ASCII));
        b.put((byte) o.length()).put(o.getBytes(StandardCharsets.US_ASCII));
        b.put((byte) (usage == null ? 0 : 1));
        b.putLong(usage == null ? 0 : usage.inputTokens()).putLong(usage == null ? 0 : usage.outputTokens())
                .putLong(usage == null ? 0 : usage.cacheCreationInputTokens())
                .putLong(usage == null ? 0 : usage.cacheReadInputTokens());
        b.putLong(costMicros).putLong(storedAtMillis);
        b.putShort((short) depLength).put(dep, 0, depLength);
        b.putInt(body.length).put(body);
        return b.array();
    }

    /** An entry from {@link #encode()}'s bytes; null when they are not one (another version's, or damaged). */
    public static CachedAnswer decode(byte[] bytes) {
        if (bytes == null || bytes.length < HEADER) {
            return null;
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            if (b.getInt() != MAGIC || b.get() != VERSION) {
                return null;
            }
            WireFormat dialect = WireFormat.valueOf(ascii(b));
            Operation operation = Operation.valueOf(ascii(b));
            int flags = b.get();
            if ((flags & ~1) != 0) {
                return null;
            }
            long in = b.getLong();
            long out = b.getLong();
            long creation = b.getLong();
            long read = b.getLong();
            TokenUsage usage = flags == 1 ? new TokenUsage(in, out, creation, read) : null;
            long cost = b.getLong();
            long storedAt = b.getLong();
            int depLength = b.getShort() & 0xffff;
            byte[] raw = new byte[Math.min(depLength, b.remaining())];
            b.get(raw);
            if (raw.length != depLength) {
                return null;
            }
            String dep = new String(raw, StandardCharsets.UTF_8);
            int bodyLength = b.getInt();
            if (bodyLength < 0 || bodyLength != b.remaining()) {
                return null;
            }
            byte[] body = new byte[bodyLength];
            b.get(body);
            return new CachedAnswer(dialect, operation, body, usage, cost, dep, storedAt);
        } catch (RuntimeException damaged) { // a short buffer, or a name no enum has
            return null;
        }
    }

    private static String ascii(ByteBuffer b) {
        int n = b.get() & 0xff;
        if (n > b.remaining()) {
            throw new BufferUnderflowException();
        }
        byte[] raw = new byte[n];
        b.get(raw);
        return new String(raw, StandardCharsets.US_ASCII);
    }
}
