package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;

/** The deployment chosen for an attempt (placeholder; wt19-strategy's version replaces it). */
public record Pick(GatewayConfig.Model model, boolean cooldownOverridden, java.util.Map<String, String> skipped) {}
