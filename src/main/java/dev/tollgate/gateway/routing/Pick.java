package dev.tollgate.gateway.routing;

import dev.tollgate.config.GatewayConfig;
import java.util.Map;

/**
 * One attempt's deployment.
 *
 * @param model              the deployment to call; null when none of the group may serve this request
 * @param cooldownOverridden every deployment that could serve was cooling down: this is the one whose cooldown ends
 *                           first, tried anyway (say so in a response header)
 * @param skipped            deployment id to why it was not taken: {@code "context-window"}, {@code "rpm"},
 *                           {@code "tpm"}, {@code "cooling"} (excluded and weight-0 deployments are not listed);
 *                           never null
 */
public record Pick(GatewayConfig.Model model, boolean cooldownOverridden, Map<String, String> skipped) {
    public static final String CONTEXT_WINDOW = "context-window";
    public static final String RPM = "rpm";
    public static final String TPM = "tpm";
    public static final String COOLING = "cooling";

    /** Whether every deployment that was considered was skipped because the request does not fit its window. */
    public boolean contextWindowExceeded() {
        if (model != null || skipped.isEmpty()) {
            return false;
        }
        for (String reason : skipped.values()) {
            if (!CONTEXT_WINDOW.equals(reason)) {
                return false;
            }
        }
        return true;
    }
}
