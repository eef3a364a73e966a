package dev.tollgate.config;

import java.util.List;

/**
 * @param configHash short hash over config and secrets together: changes whenever what the gateway serves does
 * @param settingsHash short hash over {@link GatewayConfig#settings()} and the secrets a pod reads only at start
 * @param problems   selected resources left out of the config, and why
 */
public record RenderResult(GatewayConfig config, GatewaySecrets secrets, String configHash, String settingsHash,
        List<Problem> problems) {}
