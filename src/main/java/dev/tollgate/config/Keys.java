package dev.tollgate.config;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/** Virtual key format: {@code sk-tg-} followed by 256 random bits in URL-safe base64 (43 characters). */
public final class Keys {
    public static final String PREFIX = "sk-tg-";
    /** How much of a key status may show: the prefix and four characters, 24 bits of the 256. */
    public static final int SHOWN_CHARS = PREFIX.length() + 4;
    /** Shortest key accepted from a user's own Secret. */
    public static final int MIN_LENGTH = 20;
    private static final SecureRandom RANDOM = new SecureRandom();

    private Keys() {}

    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** One digest per thread: looking one up through the security providers on every request cost more than hashing. */
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    });
    private static final HexFormat HEX = HexFormat.of();

    public static String sha256Hex(String key) {
        MessageDigest digest = SHA256.get();
        digest.reset();
        return HEX.formatHex(digest.digest(key.getBytes(StandardCharsets.UTF_8)));
    }

    /** What status may show of a key. */
    public static String shown(String key) {
        return key.substring(0, Math.min(SHOWN_CHARS, key.length() / 3)) + "…";
    }
}
