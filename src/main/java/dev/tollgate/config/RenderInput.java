package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.GatewayDeployment;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LogSink;
import dev.tollgate.api.v1alpha1.Prompt;
import dev.tollgate.api.v1alpha1.VirtualKey;
import java.util.Collection;
import java.util.Map;
import java.util.function.Function;

/**
 * Everything the renderer looks at. The collections may hold resources the gateway does not select: the
 * renderer applies the gateway's selections itself, so callers can pass whole caches.
 *
 * @param namespaceLabels labels of a namespace by name (empty map when unknown)
 * @param logSinks        the teams' logging callbacks; the renderer keeps those in a namespace the gateway serves
 *                        keys from
 * @param prompts         the teams' Prompts; the renderer keeps those in a namespace the gateway serves keys from
 */
public record RenderInput(
        GatewayDeployment gateway,
        Collection<LlmModel> models,
        Collection<VirtualKey> keys,
        Collection<Budget> budgets,
        Function<String, Map<String, String>> namespaceLabels,
        SecretLookup secrets,
        Collection<LogSink> logSinks,
        Collection<Prompt> prompts) {

    public RenderInput {
        logSinks = logSinks == null ? java.util.List.of() : logSinks;
        prompts = prompts == null ? java.util.List.of() : prompts;
    }

    /** Without Prompts. */
    public RenderInput(GatewayDeployment gateway, Collection<LlmModel> models, Collection<VirtualKey> keys,
            Collection<Budget> budgets, Function<String, Map<String, String>> namespaceLabels, SecretLookup secrets,
            Collection<LogSink> logSinks) {
        this(gateway, models, keys, budgets, namespaceLabels, secrets, logSinks, null);
    }

    /** Without LogSinks. */
    public RenderInput(GatewayDeployment gateway, Collection<LlmModel> models, Collection<VirtualKey> keys,
            Collection<Budget> budgets, Function<String, Map<String, String>> namespaceLabels, SecretLookup secrets) {
        this(gateway, models, keys, budgets, namespaceLabels, secrets, null, null);
    }
}
