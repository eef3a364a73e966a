package dev.tollgate.gateway;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Keys;
import io.vertx.core.http.HttpServerRequest;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Virtual-key authentication: {@code Authorization: Bearer <key>} (and {@code x-api-key} on Anthropic's
 * /v1/messages). The key is hashed and looked up by hash; the key itself is never stored, logged or compared.
 */
public final class Auth {
    private Auth() {}

    public static GatewayConfig.Key authenticate(HttpServerRequest req, boolean allowXApiKey, Snapshot snapshot, Instant now) {
        String presented = null;
        String authz = req.getHeader("authorization");
        if (authz != null && authz.regionMatches(true, 0, "Bearer ", 0, 7)) {
            presented = authz.substring(7).trim();
        } else if (allowXApiKey && req.getHeader("x-api-key") != null) {
            presented = req.getHeader("x-api-key").trim();
        }
        return authenticate(presented, allowXApiKey ? " or 'x-api-key: <key>'" : "", snapshot, now);
    }

    /**
     * Authenticates a key the client presented (null: none), found where the route looks for it (a pass-through
     * route also reads its provider's own header style); {@code otherWays} ends the hint of a 401 for a missing key.
     */
    public static GatewayConfig.Key authenticate(String presented, String otherWays, Snapshot snapshot, Instant now) {
        if (presented == null || presented.isEmpty()) {
            throw GatewayException.of(401, "missing_api_key", "no API key: send it as 'Authorization: Bearer <key>'"
                    + otherWays);
        }
        GatewayConfig.Key key = snapshot.keyByHash(Keys.sha256Hex(presented)).orElseThrow(() ->
                GatewayException.of(401, "invalid_api_key", "the API key is not valid for this gateway: check it, or ask "
                        + "your platform team for a VirtualKey"));
        if (key.disabled()) {
            throw GatewayException.of(401, "key_disabled", "the API key is disabled (VirtualKey " + key.id() + ")");
        }
        if (key.expiresAt() != null) {
            try {
                if (!OffsetDateTime.parse(key.expiresAt()).toInstant().isAfter(now)) {
                    throw GatewayException.of(401, "key_expired", "the API key expired at " + key.expiresAt()
                            + " (VirtualKey " + key.id() + ")");
                }
            } catch (DateTimeParseException e) {
                throw GatewayException.of(401, "key_expired", "the API key's expiry cannot be read; refusing it");
            }
        }
        return key;
    }

    /** Whether the key may call this public model name (an empty allowlist allows all). */
    public static boolean allows(GatewayConfig.Key key, String modelName) {
        return key.models().isEmpty() || key.models().contains(modelName);
    }
}
