package dev.tollgate.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Canonical JSON for the rendered documents: sorted map keys, so equal content gives equal bytes and hashes. */
public final class ConfigCodec {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private ConfigCodec() {}

    public static String toJson(Object document) {
        try {
            return MAPPER.writeValueAsString(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("rendered documents are plain records and always serialize", e);
        }
    }

    public static GatewayConfig readConfig(String json) throws IOException {
        GatewayConfig c = MAPPER.readValue(json, GatewayConfig.class);
        if (!GatewayConfig.SCHEMA.equals(c.schema())) {
            throw new IOException("unsupported config schema '" + c.schema() + "', this gateway reads " + GatewayConfig.SCHEMA);
        }
        return c;
    }

    public static GatewaySecrets readSecrets(String json) throws IOException {
        GatewaySecrets s = MAPPER.readValue(json, GatewaySecrets.class);
        if (!GatewaySecrets.SCHEMA.equals(s.schema())) {
            throw new IOException("unsupported secrets schema '" + s.schema() + "', this gateway reads " + GatewaySecrets.SCHEMA);
        }
        return s;
    }

    /**
     * Reads a document of another kind (the key shards). For a secret document a parse failure says only the
     * exception's kind: Jackson's message quotes the input.
     */
    static <T> T read(String json, Class<T> type, boolean secret) throws IOException {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException | RuntimeException e) {
            if (secret) {
                throw new IOException(e.getClass().getSimpleName());
            }
            throw e instanceof IOException io ? io : new IOException(e.getMessage());
        }
    }

    /** First 16 hex digits (64 bits) of SHA-256 over the given strings. */
    public static String shortHash(String... parts) {
        try {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                d.update(p == null ? new byte[0] : p.getBytes(StandardCharsets.UTF_8));
                d.update((byte) 0);
            }
            return HexFormat.of().formatHex(d.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
