package dev.tollgate.config;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The period spend already known for the budgets one gateway enforces: what a gateway process starts from, so a
 * restarted or added replica does not start the period again from zero. Without Redis each gateway process keeps
 * its budgets in memory; the operator, which collects every process's spend, writes this document into the
 * ConfigMap {@code <gateway>-spend} ({@link #FILE}) at most once per {@code usageSyncInterval}, and every pod of
 * the gateway watches it. Standalone mode builds the same document from the usage it saved in its state directory.
 *
 * <p>A gateway process counts {@code spendMicros − incarnations[its own id]} (floored at 0) on top of what it
 * settles itself: its own spend that the operator already counted is not counted twice. With Redis the budgets are
 * exact in Redis and the gateway does not need this document.
 *
 * <p>Versioned by {@link #schema}; read tolerantly (unknown fields are ignored), so a newer operator can add fields.
 *
 * @param gateway the GatewayDeployment ({@code namespace/name}) this seed is for
 * @param budgets one entry per budget period with spend, sorted by budget id
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
public record SpendSeed(String schema, String gateway, List<Slot> budgets) {
    public static final String SCHEMA = "tollgate.dev/spend-seed/v1";
    /** The key of the document in the ConfigMap {@code <gateway>-spend}. */
    public static final String FILE = "spend.json";
    /** The ConfigMap's name is the GatewayDeployment's name followed by this. */
    public static final String CONFIG_MAP_SUFFIX = "-spend";

    public SpendSeed {
        budgets = budgets == null ? List.of() : List.copyOf(budgets);
    }

    public SpendSeed(String gateway, List<Slot> budgets) {
        this(SCHEMA, gateway, budgets);
    }

    /**
     * One budget's period.
     *
     * @param budget       the Budget's id ({@code namespace/name})
     * @param periodStart  start of the period (RFC 3339)
     * @param periodEnd    end of the period (RFC 3339), or null when unknown; an entry whose period has ended is ignored
     * @param spendMicros  the period's spend the writer knows, over every gateway process (micro-USD)
     * @param incarnations the part of {@code spendMicros} each still running gateway process contributed, by its
     *                     incarnation id (micro-USD)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record Slot(String budget, String periodStart, String periodEnd, long spendMicros, Map<String, Long> incarnations) {
        public Slot {
            incarnations = incarnations == null ? Map.of() : Map.copyOf(incarnations);
        }

        public long periodStartMillis() {
            return Instant.parse(periodStart).toEpochMilli();
        }

        /** Whether the period is over at {@code now} (false when its end is unknown). */
        public boolean endedAt(Instant now) {
            return periodEnd != null && !now.isBefore(Instant.parse(periodEnd));
        }

        /** What a process other than {@code incarnation} spent: the whole figure less that process's own part, at least 0. */
        public long spentByOthers(String incarnation) {
            return Math.max(0, spendMicros - incarnations.getOrDefault(incarnation, 0L));
        }
    }

    /** Canonical JSON (sorted map keys): equal seeds give equal bytes. */
    public String toJson() {
        return ConfigCodec.toJson(this);
    }

    /** Reads a seed; unknown fields are ignored, another schema is refused with a message that says which. */
    public static SpendSeed read(String json) throws IOException {
        SpendSeed s = ConfigCodec.read(json, SpendSeed.class, false);
        if (!SCHEMA.equals(s.schema())) {
            throw new IOException("unsupported spend seed schema '" + s.schema() + "', this gateway reads " + SCHEMA);
        }
        for (Slot slot : s.budgets()) {
            if (slot.budget() == null || slot.periodStart() == null) {
                throw new IOException("a spend seed entry has no budget or periodStart");
            }
            try {
                slot.periodStartMillis();
                slot.endedAt(Instant.EPOCH);
            } catch (RuntimeException e) {
                throw new IOException("budget " + slot.budget() + ": " + e.getMessage());
            }
        }
        return s;
    }
}
