package dev.tollgate.config;

import dev.tollgate.api.v1alpha1.CacheExact;
import dev.tollgate.api.v1alpha1.CacheSemantic;
import dev.tollgate.api.v1alpha1.CacheSpec;
import dev.tollgate.api.v1alpha1.GatewayCacheSpec;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A model group's {@link GatewayConfig.Cache} from the two levels that may declare it: the GatewayDeployment's
 * {@code spec.cache} (defaults for every group) under the group's LlmModel {@code spec.cache}, field by field (inside
 * {@code exact} and {@code semantic} too), then the built-in defaults. Pure: the renderer's helper, unit-tested
 * through it.
 *
 * <p>A part ({@code exact}, {@code semantic}) is on when either level declares it and the merged {@code enabled} is
 * not false; {@code purge} is not merged but joined ({@link #purgeToken}), so either level's change drops the group's
 * entries.
 */
public final class Caches {
    /** LlmModels of one group declare caches that resolve differently: the oldest one's applies. */
    public static final String CONFLICT = "CacheConflict";
    /** semantic.embeddingModel names a group this gateway does not serve: the semantic cache is left out. */
    public static final String UNKNOWN_EMBEDDING_MODEL = "UnknownEmbeddingModel";
    /** semantic.embeddingModel names a group a deployment of which cannot embed: the semantic cache is left out. */
    public static final String EMBEDDINGS_NOT_SERVED = "EmbeddingsNotServed";
    /** A semantic cache is on without any level naming its embeddingModel: it is left out. */
    public static final String NO_EMBEDDING_MODEL = "NoEmbeddingModel";
    /**
     * The reasons of the renderer's warnings about caches: the operator reports them as {@code CacheResolved=False}
     * (the others, about routing, as {@code RoutingResolved=False}); none makes a resource not Ready.
     */
    public static final Set<String> WARNING_REASONS = Set.of(CONFLICT, UNKNOWN_EMBEDDING_MODEL, EMBEDDINGS_NOT_SERVED,
            NO_EMBEDDING_MODEL);

    private static final Pattern SIZE = Pattern.compile("([0-9]{1,15})(Ki|Mi|Gi|k|M|G)?");

    private Caches() {}

    /**
     * What is wrong with one level's own values that the schema lets through (a duration or size too large to read,
     * a threshold above 1, what the CEL rules refuse, which standalone mode does not run), as a message naming the
     * field; empty when nothing is.
     *
     * @param modelName the group's name for an LlmModel's cache (it may not embed itself), null for a
     *                  GatewayDeployment's
     */
    static Optional<String> invalid(CacheSpec s, String modelName) {
        if (s == null) {
            return Optional.empty();
        }
        try {
            if (s.getScope() != null && !GatewayConfig.Cache.SCOPES.contains(s.getScope())) {
                return Optional.of("spec.cache.scope '" + s.getScope() + "' is not known: use one of "
                        + String.join(", ", GatewayConfig.Cache.SCOPES));
            }
            CacheExact e = s.getExact();
            if (e != null) {
                positiveMillis("spec.cache.exact.ttl", e.getTtl());
                positiveBytes("spec.cache.exact.maxEntrySize", e.getMaxEntrySize());
            }
            CacheSemantic m = s.getSemantic();
            if (m != null) {
                positiveMillis("spec.cache.semantic.ttl", m.getTtl());
                positiveBytes("spec.cache.semantic.maxEntrySize", m.getMaxEntrySize());
                threshold(m.getThreshold());
                if (modelName != null && modelName.equals(m.getEmbeddingModel())) {
                    return Optional.of("spec.cache.semantic.embeddingModel names '" + modelName + "', the model's own "
                            + "group: a model group cannot embed its own prompts; name the embedding model group "
                            + "(e.g. text-embedding-3-small)");
                }
                if (modelName == null && m.getEmbeddingModel() == null && !Boolean.FALSE.equals(m.getEnabled())) {
                    return Optional.of("spec.cache.semantic needs embeddingModel, the model group that embeds "
                            + "prompts (e.g. text-embedding-3-small), or enabled: false to give only defaults for "
                            + "the groups that turn it on");
                }
            }
            if (s instanceof GatewayCacheSpec g) {
                positiveBytes("spec.cache.maxSize", g.getMaxSize());
                Integer n = g.getMaxSemanticEntries();
                if (n != null && (n < 1 || n > 1_000_000)) {
                    return Optional.of("spec.cache.maxSemanticEntries is " + n + ": it must be between 1 and 1000000");
                }
            }
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
        return Optional.empty();
    }

    /**
     * {@code over}'s fields over {@code under}'s, field by field (an LlmModel's over a GatewayDeployment's); null when
     * both are null. The gateway-only fields and {@code purge} are not carried: see {@link #caching} and
     * {@link #purgeToken}.
     */
    static CacheSpec merge(CacheSpec under, CacheSpec over) {
        if (under == null && over == null) {
            return null;
        }
        CacheSpec u = under == null ? new CacheSpec() : under;
        CacheSpec o = over == null ? new CacheSpec() : over;
        CacheSpec m = new CacheSpec();
        m.setScope(or(o.getScope(), u.getScope()));
        m.setExact(exact(u.getExact(), o.getExact()));
        m.setSemantic(semantic(u.getSemantic(), o.getSemantic()));
        return m;
    }

    /**
     * The rendered cache of a group from its merged spec, or null when neither part is on. The semantic part keeps a
     * null embeddingModel when no level names one (the renderer then warns and leaves it out). Expects values
     * {@link #invalid} accepted.
     */
    static GatewayConfig.Cache resolve(CacheSpec merged, String purge) {
        if (merged == null) {
            return null;
        }
        GatewayConfig.Exact exact = null;
        CacheExact e = merged.getExact();
        if (e != null && !Boolean.FALSE.equals(e.getEnabled())) {
            exact = new GatewayConfig.Exact(orMillis(e.getTtl(), GatewayConfig.Exact.DEFAULT_TTL_MILLIS),
                    orBytes(e.getMaxEntrySize(), GatewayConfig.Exact.DEFAULT_MAX_ENTRY_BYTES));
        }
        GatewayConfig.Semantic semantic = null;
        CacheSemantic s = merged.getSemantic();
        if (s != null && !Boolean.FALSE.equals(s.getEnabled())) {
            semantic = new GatewayConfig.Semantic(s.getEmbeddingModel(),
                    s.getThreshold() == null ? GatewayConfig.Semantic.DEFAULT_THRESHOLD : threshold(s.getThreshold()),
                    orMillis(s.getTtl(), GatewayConfig.Exact.DEFAULT_TTL_MILLIS),
                    orBytes(s.getMaxEntrySize(), GatewayConfig.Exact.DEFAULT_MAX_ENTRY_BYTES));
        }
        if (exact == null && semantic == null) {
            return null;
        }
        return new GatewayConfig.Cache(exact, semantic, merged.getScope(), purge);
    }

    /**
     * The group's purge token: the GatewayDeployment's {@code spec.cache.purge} and the group's, joined as
     * {@code <gateway's>/<group's>} (an absent one empty); null when neither is set. Tokens hold no {@code /} (the
     * schema's pattern), so two different pairs never join to the same token.
     */
    static String purgeToken(String gateway, String group) {
        if (gateway == null && group == null) {
            return null;
        }
        return (gateway == null ? "" : gateway) + "/" + (group == null ? "" : group);
    }

    /** The gateway-wide part, with {@code groups} (null when no group is cached: nothing to render). */
    static GatewayConfig.Caching caching(GatewayCacheSpec g, java.util.Map<String, GatewayConfig.Cache> groups) {
        if (groups.isEmpty()) {
            return null;
        }
        long maxBytes = g == null ? GatewayConfig.Caching.DEFAULT_MAX_BYTES
                : orBytes(g.getMaxSize(), GatewayConfig.Caching.DEFAULT_MAX_BYTES);
        int entries = g == null || g.getMaxSemanticEntries() == null ? GatewayConfig.Caching.DEFAULT_MAX_SEMANTIC_ENTRIES
                : g.getMaxSemanticEntries();
        return new GatewayConfig.Caching(maxBytes, entries, g != null && Boolean.TRUE.equals(g.getChargeHits()), groups);
    }

    /**
     * Bytes of a size as the spec writes it: a number of bytes, or with a binary (Ki, Mi, Gi) or decimal (k, M, G)
     * suffix, as Kubernetes quantities read.
     */
    public static long bytes(String text) {
        Matcher m = text == null ? null : SIZE.matcher(text.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size: write a number of bytes, or one with "
                    + "Ki, Mi, Gi, k, M or G, e.g. 256Ki or 64Mi");
        }
        long n = Long.parseLong(m.group(1));
        long unit = m.group(2) == null ? 1 : switch (m.group(2)) {
            case "Ki" -> 1L << 10;
            case "Mi" -> 1L << 20;
            case "Gi" -> 1L << 30;
            case "k" -> 1_000L;
            case "M" -> 1_000_000L;
            default -> 1_000_000_000L;
        };
        try {
            return Math.multiplyExact(n, unit);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("'" + text + "' is too large a size");
        }
    }

    private static double threshold(String text) {
        if (text == null) {
            return GatewayConfig.Semantic.DEFAULT_THRESHOLD;
        }
        BigDecimal t;
        try {
            t = new BigDecimal(text.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("spec.cache.semantic.threshold '" + text + "' is not a decimal: write "
                    + "a similarity between 0 and 1, e.g. \"0.95\"");
        }
        if (t.signum() < 0 || t.compareTo(BigDecimal.ONE) > 0) {
            throw new IllegalArgumentException("spec.cache.semantic.threshold is " + text + ": it must be between 0 "
                    + "and 1, e.g. \"0.95\"");
        }
        return t.doubleValue();
    }

    private static CacheExact exact(CacheExact under, CacheExact over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        CacheExact m = new CacheExact();
        m.setEnabled(or(over.getEnabled(), under.getEnabled()));
        m.setTtl(or(over.getTtl(), under.getTtl()));
        m.setMaxEntrySize(or(over.getMaxEntrySize(), under.getMaxEntrySize()));
        return m;
    }

    private static CacheSemantic semantic(CacheSemantic under, CacheSemantic over) {
        if (under == null || over == null) {
            return under == null ? over : under;
        }
        CacheSemantic m = new CacheSemantic();
        m.setEnabled(or(over.getEnabled(), under.getEnabled()));
        m.setEmbeddingModel(or(over.getEmbeddingModel(), under.getEmbeddingModel()));
        m.setThreshold(or(over.getThreshold(), under.getThreshold()));
        m.setTtl(or(over.getTtl(), under.getTtl()));
        m.setMaxEntrySize(or(over.getMaxEntrySize(), under.getMaxEntrySize()));
        return m;
    }

    private static long orMillis(String duration, long d) {
        return duration == null ? d : Durations.parse(duration).toMillis();
    }

    private static long orBytes(String size, long d) {
        return size == null ? d : bytes(size);
    }

    private static void positiveMillis(String field, String duration) {
        if (duration == null) {
            return;
        }
        long ms;
        try {
            ms = Durations.parse(duration).toMillis();
        } catch (IllegalArgumentException | ArithmeticException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
        if (ms <= 0) {
            throw new IllegalArgumentException(field + " must be longer than 0 (e.g. 1h)");
        }
    }

    private static void positiveBytes(String field, String size) {
        if (size == null) {
            return;
        }
        long b;
        try {
            b = bytes(size);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + ": " + e.getMessage());
        }
        if (b <= 0) {
            throw new IllegalArgumentException(field + " must be more than 0 (e.g. 256Ki)");
        }
    }

    private static <T> T or(T a, T b) {
        return a != null ? a : b;
    }
}
