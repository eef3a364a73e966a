package dev.tollgate;

import java.util.Locale;

/** The three ways the one jar runs, chosen at start by the first argument (or tollgate.mode). */
public enum Mode {
    /** Reconciles the CRDs into gateway Deployments, Services, ConfigMaps and Secrets. */
    OPERATOR,
    /** Serves the LLM API from the rendered config of one GatewayDeployment. */
    GATEWAY,
    /** Reads manifests from a folder, renders them in-process and serves them: no cluster. */
    STANDALONE;

    public static Mode parse(String s) {
        try {
            return valueOf(s.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown mode '" + s + "': use operator, gateway or standalone");
        }
    }
}
