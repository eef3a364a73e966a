package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.Budget;
import dev.tollgate.api.v1alpha1.LlmModel;
import dev.tollgate.api.v1alpha1.LlmModelSpec;
import dev.tollgate.api.v1alpha1.Pricing;
import dev.tollgate.api.v1alpha1.SecretKeyRef;
import dev.tollgate.api.v1alpha1.VirtualKey;
import dev.tollgate.api.v1alpha1.VirtualKeySpec;
import java.time.DateTimeException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Optional;

/**
 * Validation shared by the renderer and the per-kind status builders, so a problem reads the same in a
 * gateway's view and in the resource's own status. The API server validates the schema; these catch what a
 * schema cannot (references, Secrets) and what slips past it (the CEL-less mock server, standalone folders).
 */
public final class Checks {
    private Checks() {}

    /** A resolved virtual key: its SHA-256, what status may show, and where it lives. */
    public record ResolvedKey(String hash, String shown, String secretName) {}

    public static String keySecretName(VirtualKey vk) {
        VirtualKeySpec spec = vk.getSpec();
        if (spec != null && spec.getExistingSecret() != null) {
            return spec.getExistingSecret().getName();
        }
        return spec != null && spec.getSecretName() != null ? spec.getSecretName() : vk.getMetadata().getName() + "-key";
    }

    public static String keySecretKey(VirtualKey vk) {
        VirtualKeySpec spec = vk.getSpec();
        return spec != null && spec.getExistingSecret() != null ? spec.getExistingSecret().getKey() : "key";
    }

    public static Result<ResolvedKey> resolveKey(VirtualKey vk, SecretLookup secrets) {
        String ns = vk.getMetadata().getNamespace();
        String secretName = keySecretName(vk);
        String field = keySecretKey(vk);
        boolean byo = vk.getSpec() != null && vk.getSpec().getExistingSecret() != null;
        if (vk.getSpec() != null && vk.getSpec().getSecretName() != null && byo) {
            return problem(vk, "InvalidSpec", "set either secretName or existingSecret, not both");
        }
        if (secrets.find(ns, secretName).isEmpty()) {
            return problem(vk, "KeySecretNotFound", byo
                    ? "Secret " + ns + "/" + secretName + " (existingSecret) was not found: create it, and label it "
                            + "llm.tollgate.dev/secret=key so Tollgate can read it"
                    : "Secret " + ns + "/" + secretName + " holding the generated key does not exist yet");
        }
        Optional<String> key = secrets.value(ns, secretName, field).map(String::trim);
        if (key.isEmpty() || key.get().isEmpty()) {
            return problem(vk, "KeySecretNotFound", "Secret " + ns + "/" + secretName + " has no key '" + field
                    + "': put the API key under that key, or point existingSecret.key at the right one");
        }
        if (key.get().length() < Keys.MIN_LENGTH) {
            return problem(vk, "InvalidKey", "the key in Secret " + ns + "/" + secretName + " is shorter than "
                    + Keys.MIN_LENGTH + " characters: use a longer random key (or let Tollgate generate one)");
        }
        return Result.ok(new ResolvedKey(Keys.sha256Hex(key.get()), Keys.shown(key.get()), secretName));
    }

    /** Null when the key never expires; a problem when the time cannot be read. */
    public static Result<OffsetDateTime> expiry(VirtualKey vk) {
        String at = vk.getSpec() == null ? null : vk.getSpec().getExpiresAt();
        if (at == null || at.isBlank()) {
            return Result.ok(null);
        }
        try {
            return Result.ok(OffsetDateTime.parse(at));
        } catch (DateTimeParseException e) {
            return problem(vk, "InvalidSpec", "expiresAt '" + at + "' is not an RFC 3339 time: write e.g. 2026-12-31T23:59:59Z");
        }
    }

    /** The model's credential value (null when none is configured and none is needed), or why it cannot be had. */
    public static Result<String> credential(LlmModel m, SecretLookup secrets) {
        LlmModelSpec spec = m.getSpec();
        Optional<Provider> provider = Provider.fromWireName(spec.getProvider());
        if (provider.isEmpty()) {
            return problem(m, "UnknownProvider", "provider '" + spec.getProvider() + "' is not known: use one of "
                    + Provider.wireNames());
        }
        SecretKeyRef ref = spec.getCredentialsSecretRef();
        String ns = m.getMetadata().getNamespace();
        if (ref == null) {
            return provider.get().requiresCredentials()
                    ? problem(m, "CredentialsRequired", "provider " + spec.getProvider() + " needs an API key: set "
                            + "credentialsSecretRef to a Secret key holding it")
                    : Result.ok(null);
        }
        if (secrets.find(ns, ref.getName()).isEmpty()) {
            return problem(m, "CredentialsNotFound", "Secret " + ns + "/" + ref.getName() + " was not found: create it "
                    + "with the API key under '" + ref.getKey() + "' and the label llm.tollgate.dev/secret=credentials");
        }
        Optional<String> v = secrets.value(ns, ref.getName(), ref.getKey()).map(String::trim);
        if (v.isEmpty() || v.get().isEmpty()) {
            return problem(m, "CredentialsNotFound", "Secret " + ns + "/" + ref.getName() + " has no key '"
                    + ref.getKey() + "': add the API key under that key or fix credentialsSecretRef.key");
        }
        return Result.ok(v.get());
    }

    /**
     * Whether this gateway version serves the model's provider: an unknown provider is reported by
     * {@link #credential}; a known one without an adapter yet is ProviderNotSupported (the spec cannot succeed until
     * it names another provider or the gateway is upgraded).
     */
    public static Result<Provider> provider(LlmModel m) {
        return provider(m, Provider::served);
    }

    /**
     * As {@link #provider(LlmModel)} with the set of served providers given: since issue 18 the registry serves every
     * provider it names, so the refusal is kept (and tested) for the next provider added before its adapter.
     */
    public static Result<Provider> provider(LlmModel m, java.util.function.Predicate<Provider> served) {
        Optional<Provider> p = m.getSpec() == null ? Optional.empty() : Provider.fromWireName(m.getSpec().getProvider());
        if (p.isPresent() && !served.test(p.get()) && !p.get().passThrough()) {
            return problem(m, "ProviderNotSupported", "provider '" + p.get().wireName() + "' is not served by this "
                    + "gateway version (requests would get 501): use one of " + String.join(", ", java.util.Arrays
                            .stream(Provider.values()).filter(served).map(Provider::wireName).toList())
                    + ", or upgrade Tollgate");
        }
        return Result.ok(p.orElse(null));
    }

    /**
     * Whether the model has every setting its provider needs ({@link Provider#required()}: azure's apiBase and
     * apiVersion, openai-compatible's apiBase, ...) and an apiBase that is an http(s) URL: a model without them would
     * fail every request, so it is refused when rendered (MissingProviderSetting, InvalidSpec) instead.
     */
    public static Result<Provider> settings(LlmModel m) {
        LlmModelSpec s = m.getSpec();
        Optional<Provider> p = s == null ? Optional.empty() : Provider.fromWireName(s.getProvider());
        if (p.isEmpty()) {
            return Result.ok(null); // an unknown provider is reported by credential()
        }
        Optional<Provider.Required> missing = p.get().missing(s.getApiBase(), s.getApiVersion(), s.getRegion(),
                s.getProject());
        if (missing.isPresent()) {
            return problem(m, "MissingProviderSetting", "provider " + p.get().wireName() + " needs spec."
                    + missing.get().setting().field() + ", " + missing.get().hint() + ": set it (requests to this model "
                    + "are refused until it is)");
        }
        if (s.getApiBase() != null && !httpUrl(s.getApiBase())) {
            return problem(m, "InvalidSpec", "apiBase '" + s.getApiBase() + "' is not an http:// or https:// URL with "
                    + "a host: write it like https://api.example.com/v1");
        }
        return Result.ok(p.get());
    }

    private static boolean httpUrl(String url) {
        try {
            java.net.URI u = new java.net.URI(url.trim());
            return ("http".equalsIgnoreCase(u.getScheme()) || "https".equalsIgnoreCase(u.getScheme()))
                    && u.getHost() != null && !u.getHost().isBlank();
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** Everything about a model that does not involve Secrets. */
    public static Result<GatewayConfig.Prices> prices(LlmModel m) {
        Pricing p = m.getSpec().getPricing();
        if (p == null) {
            return Result.ok(null);
        }
        try {
            java.util.List<GatewayConfig.Tier> tiers = null;
            if (p.getTiers() != null && !p.getTiers().isEmpty()) {
                tiers = new java.util.ArrayList<>();
                for (dev.tollgate.api.v1alpha1.PricingTier t : p.getTiers()) {
                    if (t.getAboveInputTokens() == null) {
                        throw new IllegalArgumentException("tiers: every tier needs aboveInputTokens");
                    }
                    tiers.add(new GatewayConfig.Tier(t.getAboveInputTokens(), micros(t.getInputPerMillion()),
                            micros(t.getOutputPerMillion()), micros(t.getCachedInputPerMillion())));
                }
            }
            return Result.ok(new GatewayConfig.Prices(micros(p.getInputPerMillion()), micros(p.getOutputPerMillion()),
                    micros(p.getCachedInputPerMillion()), micros(p.getCacheWritePerMillion()), micros(p.getPerImage()), micros(p.getPerSecond()), micros(p.getPerSearchUnit()), "spec",
                    tiers, micros(p.getInputPerMillionCharacters()), micros(p.getOutputPerMillionCharacters())));
        } catch (IllegalArgumentException e) {
            return problem(m, "InvalidSpec", "pricing: " + e.getMessage());
        }
    }

    /**
     * The prices a model is served with: its {@code spec.pricing} when it has one (wholesale: a spec that gives only
     * some prices leaves the others unknown, it is never mixed with the catalogue), else the bundled
     * {@link PriceCatalogue}'s (matched by provider, upstream model and API base), else null.
     */
    public static Result<GatewayConfig.Prices> effectivePrices(LlmModel m) {
        Result<GatewayConfig.Prices> spec = prices(m);
        if (!spec.ok() || spec.value() != null) {
            return spec;
        }
        var s = m.getSpec();
        String apiBase = s.getApiBase() != null ? s.getApiBase()
                : Provider.fromWireName(s.getProvider()).flatMap(Provider::defaultApiBase).orElse(null);
        return Result.ok(PriceCatalogue.bundled().find(s.getProvider(), s.getModel(), apiBase).orElse(null));
    }

    /**
     * The model's own routing values (spec.routing, spec.priority) that the schema and its CEL rules would refuse or
     * cannot see: what the API server lets through, and everything in a standalone folder, which CEL does not check.
     */
    public static Result<Void> routing(LlmModel m) {
        Integer priority = m.getSpec().getPriority();
        if (priority != null && (priority < 1 || priority > 100)) {
            return problem(m, "InvalidSpec", "spec.priority is " + priority + ": it must be between 1 and 100");
        }
        Optional<String> invalid = Routings.invalid(m.getSpec().getRouting(), m.getSpec().getModelName());
        return invalid.isPresent() ? problem(m, "InvalidSpec", invalid.get()) : Result.ok(null);
    }

    /** The LlmModel's spec.cache: what the schema lets through but the renderer cannot serve (see {@link Caches#invalid}). */
    public static Result<Void> cache(LlmModel m) {
        Optional<String> invalid = Caches.invalid(m.getSpec().getCache(), m.getSpec().getModelName());
        return invalid.isPresent() ? problem(m, "InvalidSpec", invalid.get()) : Result.ok(null);
    }

    public static Result<Long> timeoutMillis(LlmModel m) {
        try {
            return Result.ok(Durations.parse(m.getSpec().getTimeout() == null ? "600s" : m.getSpec().getTimeout()).toMillis());
        } catch (IllegalArgumentException e) {
            return problem(m, "InvalidSpec", "timeout: " + e.getMessage());
        }
    }

    public static Result<Long> limitMicros(Budget b) {
        try {
            return Result.ok(Money.parseMicros(b.getSpec().getLimit()));
        } catch (IllegalArgumentException e) {
            return problem(b, "InvalidSpec", "limit: " + e.getMessage());
        }
    }

    /**
     * The Budget's period (monthly when unset), or InvalidSpec: the same check, and message, as the Budget's own
     * status, so that a Budget its status calls invalid is not enforced by a gateway either.
     */
    public static Result<String> period(Budget b) {
        String period = b.getSpec().getPeriod() == null ? "monthly" : b.getSpec().getPeriod();
        try {
            BudgetPeriods.current(period, ZoneOffset.UTC, null, Instant.EPOCH);
            return Result.ok(period);
        } catch (IllegalArgumentException e) {
            return problem(b, "InvalidSpec", "period: " + e.getMessage() + " (or use daily, weekly, monthly)");
        }
    }

    public static Result<ZoneId> zone(Budget b) {
        String tz = b.getSpec().getTimeZone() == null ? "UTC" : b.getSpec().getTimeZone();
        try {
            return Result.ok(ZoneId.of(tz));
        } catch (DateTimeException e) {
            return problem(b, "InvalidTimeZone", "timeZone '" + tz + "' is not a time zone: use an IANA name such as UTC or Europe/Berlin (or a fixed offset such as +02:00)");
        }
    }

    private static Long micros(String s) {
        return s == null ? null : Money.parseMicros(s);
    }

    static <T> Result<T> problem(io.fabric8.kubernetes.api.model.HasMetadata r, String reason, String message) {
        return Result.fail(new Problem(r.getKind(), r.getMetadata().getNamespace(), r.getMetadata().getName(), reason, message));
    }
}
