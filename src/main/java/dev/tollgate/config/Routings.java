package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.RetriesPerClass;
import dev.tollgate.api.v1alpha1.RoutingAffinity;
import dev.tollgate.api.v1alpha1.RoutingCooldown;
import dev.tollgate.api.v1alpha1.RoutingRetries;
import dev.tollgate.api.v1alpha1.RoutingSpec;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * A model group's {@link GatewayConfig.Routing} from the two levels that may declare it: the GatewayDeployment's
 * {@code spec.routing} (defaults for every group) under the group's LlmModel {@code spec.routing}, field by field
 * (nested objects too), then the built-in defaults of {@link GatewayConfig.Routing#DEFAULT} for what neither sets.
 * Pure: the renderer's helper, unit-tested through it.
 *
 * <p>Two settings are merged as one unit rather than field by field: the affinity key ({@code header} or
 * {@code user}: a level naming either replaces the key of the level below, so both never apply at once), and each
 * fallback list (a level that gives a list, even an empty one, replaces the list below).
 */
final class Routings {
    /** Built-in default of affinity.ttl. */
    static final long DEFAULT_AFFINITY_TTL_MILLIS = 3_600_000;

    private Routings() {}

    /**
     * What is wrong with one level's own values that the schema lets through (a duration too long to parse, a
     * strategy this version does not know, both affinity keys, a base above its cap, the group itself as its own
     * fallback), as a message naming the field; empty when nothing is.
     *
     * @param modelName the group's name for an LlmModel's routing (its own name may not be a fallback), null for a
     *                  GatewayDeployment's (a group's name it inherits is left out instead)
     */
    static Optional<String> invalid(RoutingSpec s, String modelName) {
        if (s == null) {
            return Optional.empty();
        }
        try {
            if (s.getStrategy() != null && !GatewayConfig.Routing.STRATEGIES.contains(s.getStrategy())) {
                return Optional.of("spec.routing.strategy '" + s.getStrategy() + "' is not known: use one of "
                        + String.join(", ", GatewayConfig.Routing.STRATEGIES));
            }
            RoutingAffinity a = s.getAffinity();
            if (a != null) {
                if (a.getHeader() != null && Boolean.TRUE.equals(a.getUser())) {
                    return Optional.of("spec.routing.affinity takes one key: header (e.g. header: x-session-id) or user: "
                            + "true (OpenAI's user field), not both");
                }
                if (a.getHeader() != null && !a.getHeader().matches("[A-Za-z0-9][A-Za-z0-9_-]{0,99}")) {
                    return Optional.of("spec.routing.affinity.header '" + a.getHeader() + "' is not an HTTP header name: "
                            + "write e.g. x-session-id");
                }
                positive("spec.routing.affinity.ttl", a.getTtl());
            }
            RoutingRetries r = s.getRetries();
            if (r != null) {
                range("spec.routing.retries.maxRetries", r.getMaxRetries(), 0, 10);
                RetriesPerClass pc = r.getPerClass();
                if (pc != null) {
                    range("spec.routing.retries.perClass.rateLimited", pc.getRateLimited(), 0, 10);
                    range("spec.routing.retries.perClass.overloaded", pc.getOverloaded(), 0, 10);
                    range("spec.routing.retries.perClass.serverError", pc.getServerError(), 0, 10);
                    range("spec.routing.retries.perClass.timeout", pc.getTimeout(), 0, 10);
                    range("spec.routing.retries.perClass.connectionFailed", pc.getConnectionFailed(), 0, 10);
                }
                Long backoff = millis("spec.routing.retries.backoff", r.getBackoff());
                Long maxBackoff = millis("spec.routing.retries.maxBackoff", r.getMaxBackoff());
                if (backoff != null && maxBackoff != null && maxBackoff < backoff) {
                    return Optional.of("spec.routing.retries.maxBackoff (" + r.getMaxBackoff() + ") is below "
                            + "spec.routing.retries.backoff (" + r.getBackoff() + "): the cap must be at least the base");
                }
                millis("spec.routing.retries.maxRetryAfter", r.getMaxRetryAfter());
                positive("spec.routing.retries.timeBudget", r.getTimeBudget());
            }
            RoutingCooldown c = s.getCooldown();
            if (c != null) {
                range("spec.routing.cooldown.failures", c.getFailures(), 1, 100);
                positive("spec.routing.cooldown.window", c.getWindow());
                Long duration = positive("spec.routing.cooldown.duration", c.getDuration());
                Long max = positive("spec.routing.cooldown.max", c.getMax());
                if (duration != null && max != null && max < duration) {
                    return Optional.of("spec.routing.cooldown.max (" + c.getMax() + ") is below spec.routing.cooldown.duration ("
                            + c.getDuration() + "): the cap must be at least the duration");
                }
            }
            positive("spec.routing.firstTokenTimeout", s.getFirstTokenTimeout());
            for (Map.Entry<String, List<String>> e : lists(s).entrySet()) {
                if (e.getValue() == null) {
                    continue;
                }
                if (e.getValue().size() > 10) {
                    return Optional.of("spec.routing." + e.getKey() + " lists " + e.getValue().size() + " model names: "
                            + "at most 10");
                }
                if (modelName != null && e.getValue().contains(modelName)) {
                    return Optional.of("spec.routing." + e.getKey() + " names '" + modelName + "', the model's own "
                            + "group: a model group cannot fall back to itself; remove the name");
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /** {@code over}'s fields over {@code under}'s, field by field; null when both are null. */
    static RoutingSpec merge(RoutingSpec under, RoutingSpec over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        RoutingSpec m = new RoutingSpec();
        m.setStrategy(or(over.getStrategy(), under.getStrategy()));
        m.setAffinity(affinity(under.getAffinity(), over.getAffinity()));
        m.setRetries(retries(under.getRetries(), over.getRetries()));
        m.setCooldown(cooldown(under.getCooldown(), over.getCooldown()));
        m.setFirstTokenTimeout(or(over.getFirstTokenTimeout(), under.getFirstTokenTimeout()));
        m.setFallbacks(or(over.getFallbacks(), under.getFallbacks()));
        m.setContextWindowFallbacks(or(over.getContextWindowFallbacks(), under.getContextWindowFallbacks()));
        m.setContentPolicyFallbacks(or(over.getContentPolicyFallbacks(), under.getContentPolicyFallbacks()));
        return m;
    }

    /**
     * The rendered routing of group {@code modelName} from its merged spec (null: the defaults). Its own name is left
     * out of the fallback lists (it can only come from the GatewayDeployment's defaults: an LlmModel naming its own
     * group is invalid), names appear once each, in the order first given. Expects values {@link #invalid} accepted.
     */
    static GatewayConfig.Routing resolve(RoutingSpec s, String modelName) {
        if (s == null) {
            return GatewayConfig.Routing.DEFAULT;
        }
        GatewayConfig.Affinity affinity = null;
        RoutingAffinity a = s.getAffinity();
        if (a != null && (a.getHeader() != null || Boolean.TRUE.equals(a.getUser()))) {
            long ttl = a.getTtl() == null ? DEFAULT_AFFINITY_TTL_MILLIS : Durations.parse(a.getTtl()).toMillis();
            affinity = a.getHeader() != null ? new GatewayConfig.Affinity(a.getHeader().toLowerCase(Locale.ROOT), false, ttl)
                    : new GatewayConfig.Affinity(null, true, ttl);
        }
        GatewayConfig.Retries retries = GatewayConfig.Retries.DEFAULT;
        RoutingRetries r = s.getRetries();
        if (r != null) {
            GatewayConfig.Retries d = GatewayConfig.Retries.DEFAULT;
            Map<String, Integer> perClass = new TreeMap<>();
            RetriesPerClass pc = r.getPerClass();
            if (pc != null) {
                putIfSet(perClass, GatewayConfig.Retries.RATE_LIMITED, pc.getRateLimited());
                putIfSet(perClass, GatewayConfig.Retries.OVERLOADED, pc.getOverloaded());
                putIfSet(perClass, GatewayConfig.Retries.SERVER_ERROR, pc.getServerError());
                putIfSet(perClass, GatewayConfig.Retries.TIMEOUT, pc.getTimeout());
                putIfSet(perClass, GatewayConfig.Retries.CONNECTION_FAILED, pc.getConnectionFailed());
            }
            long backoff = orMillis(r.getBackoff(), d.backoffMillis());
            retries = new GatewayConfig.Retries(r.getMaxRetries() == null ? d.maxRetries() : r.getMaxRetries(),
                    perClass.isEmpty() ? null : perClass, backoff,
                    // a cap below its base (one level sets the base, another the cap) is raised to the base
                    Math.max(backoff, orMillis(r.getMaxBackoff(), d.maxBackoffMillis())),
                    orMillis(r.getMaxRetryAfter(), d.maxRetryAfterMillis()), orMillis(r.getTimeBudget(), d.timeBudgetMillis()));
        }
        GatewayConfig.Cooldown cooldown = GatewayConfig.Cooldown.DEFAULT;
        RoutingCooldown c = s.getCooldown();
        if (c != null) {
            GatewayConfig.Cooldown d = GatewayConfig.Cooldown.DEFAULT;
            long duration = orMillis(c.getDuration(), d.durationMillis());
            cooldown = new GatewayConfig.Cooldown(c.getFailures() == null ? d.failures() : c.getFailures(),
                    orMillis(c.getWindow(), d.windowMillis()), duration, Math.max(duration, orMillis(c.getMax(), d.maxMillis())));
        }
        return new GatewayConfig.Routing(s.getStrategy() == null ? GatewayConfig.Routing.WEIGHTED : s.getStrategy(),
                affinity, retries, cooldown,
                s.getFirstTokenTimeout() == null ? null : Durations.parse(s.getFirstTokenTimeout()).toMillis(),
                names(s.getFallbacks(), modelName), names(s.getContextWindowFallbacks(), modelName),
                names(s.getContentPolicyFallbacks(), modelName));
    }

    /** The fallback lists of a spec by field name (values may be null), in a fixed order. */
    static Map<String, List<String>> lists(RoutingSpec s) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        out.put("fallbacks", s == null ? null : s.getFallbacks());
        out.put("contextWindowFallbacks", s == null ? null : s.getContextWindowFallbacks());
        out.put("contentPolicyFallbacks", s == null ? null : s.getContentPolicyFallbacks());
        return out;
    }

    /** The same lists of a rendered routing, by field name. */
    static Map<String, List<String>> lists(GatewayConfig.Routing r) {
        Map<String, List<String>> out = new java.util.LinkedHashMap<>();
        out.put("fallbacks", r.fallbacks());
        out.put("contextWindowFallbacks", r.contextWindowFallbacks());
        out.put("contentPolicyFallbacks", r.contentPolicyFallbacks());
        return out;
    }

    private static RoutingAffinity affinity(RoutingAffinity under, RoutingAffinity over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        RoutingAffinity m = new RoutingAffinity();
        boolean overNamesKey = over.getHeader() != null || over.getUser() != null;
        RoutingAffinity key = overNamesKey ? over : under;
        m.setHeader(key.getHeader());
        m.setUser(key.getUser());
        m.setTtl(or(over.getTtl(), under.getTtl()));
        return m;
    }

    private static RoutingRetries retries(RoutingRetries under, RoutingRetries over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        RoutingRetries m = new RoutingRetries();
        m.setMaxRetries(or(over.getMaxRetries(), under.getMaxRetries()));
        m.setPerClass(perClass(under.getPerClass(), over.getPerClass()));
        m.setBackoff(or(over.getBackoff(), under.getBackoff()));
        m.setMaxBackoff(or(over.getMaxBackoff(), under.getMaxBackoff()));
        m.setMaxRetryAfter(or(over.getMaxRetryAfter(), under.getMaxRetryAfter()));
        m.setTimeBudget(or(over.getTimeBudget(), under.getTimeBudget()));
        return m;
    }

    private static RetriesPerClass perClass(RetriesPerClass under, RetriesPerClass over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        RetriesPerClass m = new RetriesPerClass();
        m.setRateLimited(or(over.getRateLimited(), under.getRateLimited()));
        m.setOverloaded(or(over.getOverloaded(), under.getOverloaded()));
        m.setServerError(or(over.getServerError(), under.getServerError()));
        m.setTimeout(or(over.getTimeout(), under.getTimeout()));
        m.setConnectionFailed(or(over.getConnectionFailed(), under.getConnectionFailed()));
        return m;
    }

    private static RoutingCooldown cooldown(RoutingCooldown under, RoutingCooldown over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        RoutingCooldown m = new RoutingCooldown();
        m.setFailures(or(over.getFailures(), under.getFailures()));
        m.setWindow(or(over.getWindow(), under.getWindow()));
        m.setDuration(or(over.getDuration(), under.getDuration()));
        m.setMax(or(over.getMax(), under.getMax()));
        return m;
    }

    private static List<String> names(List<String> given, String own) {
        if (given == null || given.isEmpty()) {
            return List.of();
        }
        LinkedHashSet<String> out = new LinkedHashSet<>(given);
        out.remove(own);
        return List.copyOf(new ArrayList<>(out));
    }

    private static void putIfSet(Map<String, Integer> m, String k, Integer v) {
        if (v != null) {
            m.put(k, v);
        }
    }

    private static long orMillis(String duration, long d) {
        return duration == null ? d : Durations.parse(duration).toMillis();
    }

    /** Milliseconds of a set duration (null when unset); the message names the field when it is not one. */
    private static Long millis(String field, String duration) {
        if (duration == null) {
            return null;
        }
        try {
            return Durations.parse(duration).toMillis();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
    }

    private static Long positive(String field, String duration) {
        Long ms = millis(field, duration);
        if (ms != null && ms <= 0) {
            throw new IllegalArgumentException(field + " must be longer than 0 (e.g. 30s)");
        }
        return ms;
    }

    private static void range(String field, Integer v, int min, int max) {
        if (v != null && (v < min || v > max)) {
            throw new IllegalArgumentException(field + " is " + v + ": it must be between " + min + " and " + max);
        }
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }
}
