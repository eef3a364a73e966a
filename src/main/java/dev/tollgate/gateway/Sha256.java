package dev.tollgate.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 on the request path: one digest per thread (getting a new one costs more than hashing a short key) and a
 * hex encoder of a prefix of the hash. For the keys the gateway stores things under (affinity tokens, cache keys),
 * which must name a value without revealing it.
 */
public final class Sha256 {
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final ThreadLocal<MessageDigest> DIGEST = ThreadLocal.withInitial(Sha256::newDigest);

    private Sha256() {}

    /** A new SHA-256 digest (for one that outlives a call, e.g. fed in pieces by one owner). */
    public static MessageDigest newDigest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }

    /** This thread's digest, reset: feed it, then {@link MessageDigest#digest()} (no other use may interleave). */
    public static MessageDigest digest() {
        MessageDigest d = DIGEST.get();
        d.reset();
        return d;
    }

    /** The SHA-256 of {@code text}'s UTF-8 bytes. */
    public static byte[] of(String text) {
        return digest().digest(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The first {@code bytes} bytes of {@code hash} in lower-case hex ({@code 2 × bytes} characters). */
    public static String hex(byte[] hash, int bytes) {
        char[] out = new char[2 * bytes];
        for (int i = 0; i < bytes; i++) {
            out[2 * i] = HEX[(hash[i] >> 4) & 0xf];
            out[2 * i + 1] = HEX[hash[i] & 0xf];
        }
        return new String(out);
    }
}
