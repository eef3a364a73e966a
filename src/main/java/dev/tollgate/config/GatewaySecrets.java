package dev.tollgate.config;

import java.util.Map;

/**
 * The secret half of the rendered configuration, stored as {@code secrets.json} in the Secret
 * {@code <gateway>-secrets}: never logged, never in a ConfigMap or status.
 *
 * @param keys        SHA-256 (lower-case hex) of each virtual key -> the key's id in {@link GatewayConfig#keys()}
 * @param credentials credential ref (see {@link GatewayConfig.Model#credentialRef()}) -> provider API key
 * @param redisPassword password of the shared Redis, or null
 */
public record GatewaySecrets(String schema, Map<String, String> keys, Map<String, String> credentials,
        String redisPassword) {
    public static final String SCHEMA = "tollgate.dev/gateway-secrets/v1";

    public GatewaySecrets {
        keys = keys == null ? Map.of() : keys;
        credentials = credentials == null ? Map.of() : credentials;
    }

    @Override
    public String toString() {
        // Records print their fields; this one must not.
        return "GatewaySecrets[" + keys.size() + " keys, " + credentials.size() + " credentials]";
    }
}
