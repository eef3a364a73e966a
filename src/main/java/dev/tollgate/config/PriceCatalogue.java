package dev.tollgate.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The bundled, versioned price catalogue ({@code src/main/resources/pricing/catalogue.json}): public list prices
 * of well-known upstream models, used when an LlmModel has no {@code spec.pricing}. Prices found here carry
 * {@code source = "catalogue/<version>"}.
 *
 * <h2>Matching rule</h2>
 * {@link #find(String, String, String)} looks at the entries of the model's provider (wire name, e.g.
 * {@code openai}); an entry that names an {@code apiBase} (the OpenAI-compatible vendors: DeepSeek, Mistral, Groq)
 * applies only to models whose API base has the same host. Among those entries:
 * <ol>
 *   <li>an entry whose {@code model} or one of whose {@code aliases} equals the upstream model id exactly wins;</li>
 *   <li>otherwise, if the upstream id is a <em>dated snapshot</em> {@code <base>-YYYY-MM-DD} (OpenAI's style) or
 *       {@code <base>-YYYYMMDD} (Anthropic's style), the entry whose model or alias equals {@code <base>} exactly
 *       matches. Only a date may be stripped, so {@code gpt-4o-2024-08-06} matches {@code gpt-4o}, but
 *       {@code gpt-4o-mini} never matches {@code gpt-4o} and {@code claude-sonnet-4-5-20250929} never matches
 *       {@code claude-sonnet-4}; a snapshot priced differently (e.g. {@code gpt-4o-2024-05-13}) has its own entry,
 *       which step 1 finds first;</li>
 *   <li>otherwise nothing matches: the price is unknown (null), never a guess.</li>
 * </ol>
 * Matching is case-sensitive, as the providers' ids are.
 *
 * <p><b>Azure:</b> Azure OpenAI deployments are named by their owners, so a deployment's name says nothing reliable
 * about the model behind it. Models of provider {@code azure} are therefore priced only by their
 * {@code spec.pricing}, or by a catalogue entry with {@code "provider": "azure"} whose model or alias is the
 * deployment name. The bundled catalogue has no such entry.
 *
 * <p><b>Tiers and characters:</b> an entry may give {@code tiers} (prices for prompts above
 * {@code aboveInputTokens}, ascending: Gemini's "prompts &gt; 200k tokens") and per-character prices
 * ({@code inputPerMillionCharacters}, {@code outputPerMillionCharacters}: PaLM 2 and older Vertex AI models, which
 * Google lists per 1,000 characters); see {@link GatewayConfig.Prices}.
 *
 * <p>The bundled file is read once, when this class initialises; a malformed file fails that initialisation
 * (an {@link ExceptionInInitializerError} naming the problem), so a bad catalogue can never price silently.
 */
public final class PriceCatalogue {
    public static final String RESOURCE = "/pricing/catalogue.json";

    private static final Pattern SNAPSHOT = Pattern.compile("^(.+)-(\\d{4}-\\d{2}-\\d{2}|\\d{8})$");
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            // Prices are decimal strings: a JSON number (a float to most readers) is refused, not coerced.
            .withCoercionConfig(LogicalType.Textual, c -> c
                    .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                    .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
            .build();

    private static final PriceCatalogue BUNDLED = loadBundled();

    /** One catalogue entry, prices already in micros. */
    public record Entry(String provider, String model, List<String> aliases, String apiBase,
                        GatewayConfig.Prices prices, String source, String retrieved) {
        boolean names(String id) {
            return model.equals(id) || aliases.contains(id);
        }
    }

    /** The JSON shape: decimal strings, never numbers. */
    record FileEntry(String provider, String model, List<String> aliases, String apiBase, String inputPerMillion,
                     String cachedInputPerMillion, String cacheWritePerMillion, String outputPerMillion,
                     String perImage, String perSecond, String perSearchUnit, String source, String seenAt,
                     String retrieved, String note, List<FileTier> tiers, String inputPerMillionCharacters,
                     String outputPerMillionCharacters) {}

    /** A price tier: prices for prompts above {@code aboveInputTokens} input tokens (see {@link GatewayConfig.Tier}). */
    record FileTier(Long aboveInputTokens, String inputPerMillion, String cachedInputPerMillion,
                    String outputPerMillion) {}

    record File(String version, String comment, List<FileEntry> models) {}

    private final String version;
    private final List<Entry> entries;

    private PriceCatalogue(String version, List<Entry> entries) {
        this.version = version;
        this.entries = List.copyOf(entries);
    }

    /** The catalogue bundled in the jar. */
    public static PriceCatalogue bundled() {
        return BUNDLED;
    }

    /** The catalogue's version, a date such as {@code 2026-11-24}. */
    public String version() {
        return version;
    }

    /** {@code "catalogue/<version>"}: the {@code source} of the prices this catalogue gives. */
    public String sourceName() {
        return "catalogue/" + version;
    }

    public List<Entry> entries() {
        return entries;
    }

    /** {@link #find(String, String, String)} without an API base: entries tied to a vendor's host do not match. */
    public Optional<GatewayConfig.Prices> find(String provider, String upstreamModel) {
        return find(provider, upstreamModel, null);
    }

    /**
     * The prices of {@code upstreamModel} served by {@code provider} at {@code apiBase} (may be null), by the rule in
     * the class comment; empty when the catalogue does not know them.
     */
    public Optional<GatewayConfig.Prices> find(String provider, String upstreamModel, String apiBase) {
        if (provider == null || upstreamModel == null) {
            return Optional.empty();
        }
        List<Entry> candidates = entries.stream()
                .filter(e -> e.provider().equals(provider))
                .filter(e -> e.apiBase() == null || sameHost(e.apiBase(), apiBase))
                .toList();
        Optional<Entry> exact = candidates.stream().filter(e -> e.names(upstreamModel)).findFirst();
        if (exact.isPresent()) {
            return exact.map(Entry::prices);
        }
        Matcher snapshot = SNAPSHOT.matcher(upstreamModel);
        if (snapshot.matches()) {
            String base = snapshot.group(1);
            return candidates.stream().filter(e -> e.names(base)).findFirst().map(Entry::prices);
        }
        return Optional.empty();
    }

    /** Parses and validates a catalogue document; IllegalArgumentException names the first problem. */
    public static PriceCatalogue parse(String json) {
        File file;
        try {
            file = MAPPER.readValue(json, File.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("price catalogue is not valid JSON of the catalogue's shape: "
                    + e.getMessage(), e);
        }
        if (file == null || file.version() == null) {
            throw new IllegalArgumentException("price catalogue has no version");
        }
        date(file.version(), "version");
        if (file.models() == null || file.models().isEmpty()) {
            throw new IllegalArgumentException("price catalogue " + file.version() + " has no models");
        }
        String sourceName = "catalogue/" + file.version();
        List<Entry> entries = new ArrayList<>();
        Set<String> keys = new HashSet<>();
        for (FileEntry f : file.models()) {
            String where = "price catalogue entry " + f.provider() + "/" + f.model();
            if (f.provider() == null || Provider.fromWireName(f.provider()).isEmpty()) {
                throw new IllegalArgumentException(where + ": provider must be one of " + Provider.wireNames());
            }
            if (f.model() == null || f.model().isBlank()) {
                throw new IllegalArgumentException(where + ": model is missing");
            }
            if (f.source() == null || !f.source().startsWith("https://")) {
                throw new IllegalArgumentException(where + ": source must be the https URL the prices come from");
            }
            if (f.retrieved() == null) {
                throw new IllegalArgumentException(where + ": retrieved (the date the prices were looked up) is missing");
            }
            date(f.retrieved(), where + ": retrieved");
            if (f.apiBase() != null && host(f.apiBase()) == null) {
                throw new IllegalArgumentException(where + ": apiBase '" + f.apiBase() + "' is not a URL");
            }
            GatewayConfig.Prices prices;
            try {
                List<GatewayConfig.Tier> tiers = null;
                if (f.tiers() != null && !f.tiers().isEmpty()) {
                    tiers = new ArrayList<>();
                    for (FileTier t : f.tiers()) {
                        if (t.aboveInputTokens() == null) {
                            throw new IllegalArgumentException("tiers: every tier needs aboveInputTokens");
                        }
                        tiers.add(new GatewayConfig.Tier(t.aboveInputTokens(), micros(t.inputPerMillion()),
                                micros(t.outputPerMillion()), micros(t.cachedInputPerMillion())));
                    }
                }
                prices = new GatewayConfig.Prices(micros(f.inputPerMillion()), micros(f.outputPerMillion()),
                        micros(f.cachedInputPerMillion()), micros(f.cacheWritePerMillion()), micros(f.perImage()),
                        micros(f.perSecond()), micros(f.perSearchUnit()), sourceName, tiers,
                        micros(f.inputPerMillionCharacters()), micros(f.outputPerMillionCharacters()));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": " + e.getMessage(), e);
            }
            if (prices.inputMicrosPerMillion() == null && prices.outputMicrosPerMillion() == null
                    && prices.perImageMicros() == null && prices.perSecondMicros() == null
                    && prices.perSearchUnitMicros() == null && !prices.perCharacter()) {
                throw new IllegalArgumentException(where + ": gives no price");
            }
            List<String> aliases = f.aliases() == null ? List.of() : List.copyOf(f.aliases());
            String hostKey = f.apiBase() == null ? "" : host(f.apiBase());
            for (String id : concat(f.model(), aliases)) {
                if (!keys.add(f.provider() + "|" + hostKey + "|" + id)) {
                    throw new IllegalArgumentException(where + ": '" + id + "' is named by more than one entry");
                }
            }
            entries.add(new Entry(f.provider(), f.model(), aliases, f.apiBase(), prices, f.source(), f.retrieved()));
        }
        return new PriceCatalogue(file.version(), entries);
    }

    private static PriceCatalogue loadBundled() {
        try (InputStream in = PriceCatalogue.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the price catalogue " + RESOURCE + " is missing from the jar");
            }
            return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("the price catalogue " + RESOURCE + " cannot be read", e);
        } catch (IllegalArgumentException e) {
            throw new IllegalStateException("the bundled price catalogue " + RESOURCE + " is malformed: "
                    + e.getMessage(), e);
        }
    }

    private static List<String> concat(String first, List<String> rest) {
        List<String> all = new ArrayList<>(rest.size() + 1);
        all.add(first);
        all.addAll(rest);
        return all;
    }

    private static void date(String s, String what) {
        try {
            LocalDate.parse(s);
        } catch (DateTimeParseException e) {
            throw new IllegalArgumentException(what + " '" + s + "' is not a date (YYYY-MM-DD)");
        }
    }

    private static Long micros(String s) {
        return s == null ? null : Money.parseMicros(s);
    }

    private static boolean sameHost(String a, String b) {
        String ha = host(a);
        return ha != null && ha.equals(host(b));
    }

    private static String host(String url) {
        if (url == null) {
            return null;
        }
        try {
            String h = URI.create(url.trim()).getHost();
            return h == null ? null : h.toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
