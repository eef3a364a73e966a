package dev.tollgate.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.deser.DeserializationProblemHandler;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HexFormat;
import java.util.function.Consumer;

/**
 * Canonical JSON for the rendered documents: sorted map keys, so equal content gives equal bytes and hashes.
 *
 * <p>Reading is tolerant by default: a field this version does not know is skipped (a newer operator may add fields
 * within a schema version while older gateways still run, mid-rollout), and its path, never its value, is handed to
 * the caller's {@code unknown} consumer. Another schema version is still refused. The {@code strict} readers fail on
 * any unknown field: the tests hold the documentation's examples to them.
 */
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

    /** Reads the rendered config, skipping fields this version does not know. */
    public static GatewayConfig readConfig(String json) throws IOException {
        return readConfig(json, path -> { });
    }

    /** Reads the rendered config; {@code unknown} gets the path of each field skipped (e.g. {@code models[].foo}). */
    public static GatewayConfig readConfig(String json, Consumer<String> unknown) throws IOException {
        return checked(tolerant(json, GatewayConfig.class, unknown));
    }

    /** Reads the rendered config and fails on any field this version does not know (the tests' reader). */
    public static GatewayConfig readConfigStrict(String json) throws IOException {
        return checked(MAPPER.readValue(json, GatewayConfig.class));
    }

    private static GatewayConfig checked(GatewayConfig c) throws IOException {
        if (!GatewayConfig.SCHEMA.equals(c.schema())) {
            throw new IOException("unsupported config schema '" + c.schema() + "', this gateway reads " + GatewayConfig.SCHEMA);
        }
        return c;
    }

    /** Reads the rendered secrets, skipping fields this version does not know. */
    public static GatewaySecrets readSecrets(String json) throws IOException {
        return readSecrets(json, path -> { });
    }

    /** Reads the rendered secrets; {@code unknown} gets the path of each field skipped (a name, never a value). */
    public static GatewaySecrets readSecrets(String json, Consumer<String> unknown) throws IOException {
        return checked(tolerant(json, GatewaySecrets.class, unknown));
    }

    /** Reads the rendered secrets and fails on any field this version does not know (the tests' reader). */
    public static GatewaySecrets readSecretsStrict(String json) throws IOException {
        return checked(MAPPER.readValue(json, GatewaySecrets.class));
    }

    private static GatewaySecrets checked(GatewaySecrets s) throws IOException {
        if (!GatewaySecrets.SCHEMA.equals(s.schema())) {
            throw new IOException("unsupported secrets schema '" + s.schema() + "', this gateway reads " + GatewaySecrets.SCHEMA);
        }
        return s;
    }

    /** Reads {@code json} as {@code type}, skipping unknown fields and naming each one's path to {@code unknown}. */
    static <T> T tolerant(String json, Class<T> type, Consumer<String> unknown) throws IOException {
        return MAPPER.readerFor(type).withHandler(new SkipUnknown(unknown)).readValue(json);
    }

    /** Skips a field no property takes, with everything under it, after telling its path (no value) to the consumer. */
    private static final class SkipUnknown extends DeserializationProblemHandler {
        private final Consumer<String> unknown;

        SkipUnknown(Consumer<String> unknown) {
            this.unknown = unknown;
        }

        @Override
        public boolean handleUnknownProperty(DeserializationContext ctxt, JsonParser p, JsonDeserializer<?> deserializer,
                Object beanOrClass, String propertyName) throws IOException {
            unknown.accept(path(p, propertyName));
            p.skipChildren();
            return true;
        }

        /** {@code models[].prices.foo}: array indexes left out, so one field of many entries is one path. */
        private static String path(JsonParser p, String propertyName) {
            JsonStreamContext c = p.getParsingContext();
            JsonToken t = p.currentToken();
            if ((t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) && c.getParent() != null) {
                c = c.getParent(); // positioned on the unknown field's own value: step out to the object holding it
            }
            Deque<String> parts = new ArrayDeque<>();
            parts.push(propertyName);
            for (JsonStreamContext up = c.getParent(); up != null && !up.inRoot(); up = up.getParent()) {
                parts.push(up.inArray() ? "[]" : up.getCurrentName());
            }
            StringBuilder out = new StringBuilder();
            for (String part : parts) {
                out.append(part.equals("[]") || out.length() == 0 ? "" : ".").append(part);
            }
            return out.toString();
        }
    }

    /**
     * Reads a document of another kind (the key shards, spend seed, usage reports), tolerantly. For a secret document
     * a parse failure says only the exception's kind: Jackson's message quotes the input.
     */
    static <T> T read(String json, Class<T> type, boolean secret) throws IOException {
        try {
            return tolerant(json, type, path -> { });
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
