package dev.tollgate.config;

import java.util.List;

/**
 * @param configHash short hash over config and secrets together: changes whenever what the gateway serves does
 * @param settingsHash short hash over {@link GatewayConfig#settings()} and the secrets a pod reads only at start
 * @param problems   selected resources left out of the config, and why
 * @param warnings   resources served, but not quite as declared (model groups whose LlmModels declare different
 *                   routings, fallbacks naming a group the gateway does not serve …), and why: nothing is refused
 *                   for them, so they must not make a resource or the gateway not Ready
 */
public record RenderResult(GatewayConfig config, GatewaySecrets secrets, String configHash, String settingsHash,
        List<Problem> problems, List<Problem> warnings) {

    public RenderResult {
        problems = List.copyOf(problems);
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
    }

    /** A render without warnings. */
    public RenderResult(GatewayConfig config, GatewaySecrets secrets, String configHash, String settingsHash,
            List<Problem> problems) {
        this(config, secrets, configHash, settingsHash, problems, List.of());
    }
}
