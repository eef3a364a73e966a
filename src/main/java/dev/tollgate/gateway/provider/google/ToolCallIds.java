package dev.tollgate.gateway.provider.google;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The OpenAI {@code tool_call.id} of a Gemini function call, and what it carries back.
 *
 * <p>Gemini matches a {@code functionResponse} to its {@code functionCall} by name (and order), and has no call id of
 * its own on generateContent; OpenAI clients match tool results by {@code tool_call_id} and echo the assistant's
 * {@code tool_calls} back verbatim in the next request. So the id is where the gateway keeps what Gemini needs
 * echoed: the part's <a href="https://ai.google.dev/gemini-api/docs/thought-signatures">thought signature</a>
 * (Gemini 3 answers 400 when a function call of the current turn comes back without it), and Gemini's own
 * {@code functionCall.id} when it sent one. Every client that sends tool results keeps the id byte for byte, which
 * no other field of the message guarantees.
 *
 * <pre>
 * call_&lt;24 hex&gt;                      a call without signature or Gemini id
 * call_&lt;24 hex&gt;_&lt;base64url blob&gt;     blob = version byte 1 | flags | u16 length of the Gemini id | id (UTF-8) | signature
 * </pre>
 *
 * Flags bit 0: the signature is stored as its decoded bytes (it was canonical base64, as Gemini sends it), else as
 * UTF-8 text. The id uses only {@code [A-Za-z0-9_-]}, so it also passes as an Anthropic {@code tool_use} id. A
 * signature makes the id long (Gemini's signatures are hundreds to thousands of bytes); ids from elsewhere
 * ({@code call_abc}, {@code toolu_…}) are read as carrying nothing.
 */
final class ToolCallIds {
    static final String PREFIX = "call_";
    private static final int KEY_LENGTH = 24;
    private static final int FLAG_DECODED = 1;

    private ToolCallIds() {}

    /** What an id carries: Gemini's call id and the thought signature (each null when absent). */
    record Carried(String geminiId, String signature) {
        static final Carried NONE = new Carried(null, null);
    }

    /**
     * A deterministic id for one function call of one answer: the same answer gives the same ids (the stream and the
     * whole answer alike, when Gemini sends the same response id).
     */
    static String of(String responseId, int candidate, int index, String name, String geminiId, String signature) {
        String key = key(responseId + "\u0000" + candidate + "\u0000" + index + "\u0000" + name);
        if (geminiId == null && signature == null) {
            return PREFIX + key;
        }
        byte[] id = geminiId == null ? new byte[0] : geminiId.getBytes(StandardCharsets.UTF_8);
        byte[] sig = new byte[0];
        int flags = 0;
        if (signature != null) {
            byte[] decoded = canonicalBase64(signature);
            if (decoded != null) {
                sig = decoded;
                flags |= FLAG_DECODED;
            } else {
                sig = signature.getBytes(StandardCharsets.UTF_8);
            }
        }
        ByteBuffer blob = ByteBuffer.allocate(4 + id.length + sig.length);
        blob.put((byte) 1).put((byte) flags).putShort((short) id.length).put(id).put(sig);
        return PREFIX + key + "_" + Base64.getUrlEncoder().withoutPadding().encodeToString(blob.array());
    }

    /** What {@code id} carries; {@link Carried#NONE} for an id this class did not make. */
    static Carried read(String id) {
        if (id == null || id.length() <= PREFIX.length() + KEY_LENGTH + 1 || !id.startsWith(PREFIX)
                || id.charAt(PREFIX.length() + KEY_LENGTH) != '_') {
            return Carried.NONE;
        }
        byte[] blob;
        try {
            blob = Base64.getUrlDecoder().decode(id.substring(PREFIX.length() + KEY_LENGTH + 1));
        } catch (IllegalArgumentException e) {
            return Carried.NONE;
        }
        if (blob.length < 4 || blob[0] != 1) {
            return Carried.NONE;
        }
        ByteBuffer b = ByteBuffer.wrap(blob);
        b.get();
        int flags = b.get();
        int idLength = Short.toUnsignedInt(b.getShort());
        if (idLength > b.remaining()) {
            return Carried.NONE;
        }
        byte[] gid = new byte[idLength];
        b.get(gid);
        byte[] sig = new byte[b.remaining()];
        b.get(sig);
        String signature = sig.length == 0 ? null : (flags & FLAG_DECODED) != 0
                ? Base64.getEncoder().encodeToString(sig) : new String(sig, StandardCharsets.UTF_8);
        return new Carried(idLength == 0 ? null : new String(gid, StandardCharsets.UTF_8), signature);
    }

    /** The bytes of {@code s} when it is base64 that encodes back to itself, else null. */
    private static byte[] canonicalBase64(String s) {
        try {
            byte[] bytes = Base64.getDecoder().decode(s);
            return Base64.getEncoder().encodeToString(bytes).equals(s) && bytes.length > 0 ? bytes : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String key(String seed) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(seed.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(hash).substring(0, KEY_LENGTH);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
