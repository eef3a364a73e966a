package dev.tollgate.operator.alerts;

import dev.tollgate.config.Money;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The daily spend report: one message per namespace the gateway serves (its keys, models or budgets), sent at
 * {@code dailyReport.at} in its time zone, about the day before. A report holds what status shows: each key's and each
 * model's spend since the previous report (their {@code status.usage.totalSpend} now, less what it was then: the
 * <em>baseline</em>, kept in its own ConfigMap {@code <gateway>-alerts-baseline}, so that its size never holds back
 * the alerts' ledger; past {@link #MAX_CHARS} it keeps each namespace's keys' sum and the models, not each key), the namespace's total (the keys' sum: a model's
 * spend is the same money seen per deployment), and each budget's spend in its current period against its limit.
 *
 * <p>The baseline is taken when the report is first declared; a report is due at {@code at} of a day when the baseline
 * is older than that moment, so the first report comes at the first {@code at} after the report was declared, and each
 * report covers the time since the one before (a day, unless the operator was down at {@code at}: then the report
 * comes late and covers the longer time, saying so).
 */
public final class DailySpend {
    /** The ConfigMap key of the baseline. */
    public static final String BASELINE = "spend-baseline";
    static final int TOP = 20;

    private DailySpend() {}

    /** The most characters a baseline's lines take (a ConfigMap holds 1 MiB): past it, keys' lines are left out. */
    static final int MAX_CHARS = 768 * 1024;
    /** The line saying keys' lines were left out. */
    static final String KEYS_OMITTED = "keys-omitted";

    /**
     * Spend as status shows it now: a key's or model's lifetime total, by {@code VirtualKey/ns/name} or
     * {@code LlmModel/ns/name}, and each namespace's keys' sum by {@code Namespace/ns}.
     *
     * @param keysOmitted the keys' lines were left out (too many to keep): a report then gives the namespace's total
     *                    (from {@code Namespace/ns}) without the per-key lines
     */
    public record Totals(Instant at, Map<String, Long> micros, boolean keysOmitted) {
        public Totals {
            micros = micros == null ? Map.of() : Map.copyOf(micros);
        }

        public Totals(Instant at, Map<String, Long> micros) {
            this(at, micros, false);
        }

        /**
         * Lines {@code at <instant>} then {@code <id> <micros>} (ids with spend only); when those exceed
         * {@link #MAX_CHARS}, the {@code VirtualKey/} lines are left out and {@value #KEYS_OMITTED} says so.
         */
        public String format() {
            String all = lines(true);
            return all.length() <= MAX_CHARS ? all : lines(false);
        }

        private String lines(boolean keys) {
            StringBuilder out = new StringBuilder("at ").append(at).append('\n');
            if (!keys || keysOmitted) {
                out.append(KEYS_OMITTED).append(" 1\n");
            }
            new TreeMap<>(micros).forEach((id, v) -> {
                if (v != 0 && (keys || !id.startsWith("VirtualKey/"))) {
                    out.append(id).append(' ').append(v).append('\n');
                }
            });
            return out.toString();
        }

        /** Null when there is none, or it cannot be read. */
        public static Totals parse(String text) {
            if (text == null || !text.startsWith("at ")) {
                return null;
            }
            Instant at = null;
            boolean omitted = false;
            Map<String, Long> m = new TreeMap<>();
            try {
                for (String line : text.split("\n")) {
                    String[] p = line.trim().split(" ");
                    if (p.length != 2) {
                        continue;
                    }
                    if ("at".equals(p[0])) {
                        at = Instant.parse(p[1]);
                    } else if (KEYS_OMITTED.equals(p[0])) {
                        omitted = true;
                    } else {
                        m.put(p[0], Long.parseLong(p[1]));
                    }
                }
            } catch (RuntimeException unreadable) {
                return null;
            }
            return at == null ? null : new Totals(at, m, omitted);
        }
    }

    /** The moment the report of {@code now}'s day is due: {@code at} of today in the zone. */
    public static Instant dueAt(Instant now, AlertRules.Daily d) {
        ZonedDateTime z = now.atZone(d.zone());
        return z.toLocalDate().atTime(d.at()).atZone(d.zone()).toInstant();
    }

    /** Whether a report is due now: today's {@code at} has passed and the baseline is older than it. */
    public static boolean due(Instant now, AlertRules.Daily d, Totals baseline) {
        Instant due = dueAt(now, d);
        return baseline != null && !now.isBefore(due) && baseline.at().isBefore(due);
    }

    /**
     * The reports, one per namespace.
     *
     * @param namespaces the namespaces to report on (those of the keys, models and budgets the gateway serves)
     * @param budgets    the budgets the gateway enforces, as their status shows them
     */
    public static List<AlertEvent> reports(String gateway, AlertRules.Daily d, java.util.Collection<String> namespaces,
            Totals baseline, Totals now, List<AlertRules.BudgetView> budgets) {
        Instant due = dueAt(now.at(), d);
        LocalDate day = due.atZone(d.zone()).toLocalDate().minusDays(1);
        Duration covered = Duration.between(baseline.at(), now.at());
        List<AlertEvent> out = new ArrayList<>();
        for (String ns : new TreeSet<>(namespaces)) {
            Map<String, String> details = new LinkedHashMap<>();
            details.put("from", baseline.at().toString());
            details.put("to", now.at().toString());
            details.put("day", day.toString());
            details.put("timeZone", d.zone().getId());
            long keysTotal = 0;
            List<Map.Entry<String, Long>> keys = new ArrayList<>();
            for (Map.Entry<String, Long> e : now.micros().entrySet()) {
                String[] p = e.getKey().split("/", 3);
                if (p.length != 3 || !ns.equals(p[1])) {
                    continue;
                }
                long spent = Math.max(0, e.getValue() - baseline.micros().getOrDefault(e.getKey(), 0L));
                if ("VirtualKey".equals(p[0])) {
                    keysTotal += spent;
                    if (spent > 0) {
                        keys.add(Map.entry(p[2], spent));
                    }
                } else if ("LlmModel".equals(p[0]) && spent > 0) {
                    details.put("model " + p[2], Money.format(spent));
                }
            }
            keys.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry::getKey));
            long others = 0;
            for (int i = 0; i < keys.size(); i++) {
                if (i < TOP) {
                    details.put("key " + keys.get(i).getKey(), Money.format(keys.get(i).getValue()));
                } else {
                    others += keys.get(i).getValue();
                }
            }
            if (others > 0) {
                details.put("other keys (" + (keys.size() - TOP) + ")", Money.format(others));
            }
            Long nsNow = now.micros().get("Namespace/" + ns);
            Long nsThen = baseline.micros().get("Namespace/" + ns);
            if (baseline.keysOmitted()) { // no per-key baseline: the namespace's sum against its sum then
                keysTotal = Math.max(0, (nsNow == null ? 0 : nsNow) - (nsThen == null ? 0 : nsThen));
                keys.clear();
                others = 0;
                details.entrySet().removeIf(en -> en.getKey().startsWith("key ") || en.getKey().startsWith("other keys"));
                details.put("keys", "not broken down: too many keys to keep each one's baseline");
            }
            details.put("total", Money.format(keysTotal));
            for (AlertRules.BudgetView b : budgets) {
                if (ns.equals(AlertRules.ns(b.id())) && b.spend() != null) {
                    details.put("budget " + AlertRules.name(b.id()), b.spend() + " of " + b.limit() + " USD this " + b.period()
                            + " period (since " + b.periodStart() + ")");
                }
            }
            boolean late = covered.compareTo(Duration.ofHours(25)) > 0;
            out.add(new AlertEvent(AlertEvent.DAILY_SPEND_REPORT, AlertEvent.INFO, gateway, "Namespace/" + ns,
                    "Spend in namespace " + ns + " on " + day + " (" + d.zone().getId() + "): " + Money.format(keysTotal)
                            + (baseline.keysOmitted() ? " USD" : " USD over " + keys.size() + " key" + (keys.size() == 1 ? "" : "s"))
                            + (late ? " (covers the " + covered.toHours() + " hours since the previous report)" : ""),
                    details, now.at(), AlertEvent.DAILY_SPEND_REPORT + "/" + ns + "/" + day, due.plus(Duration.ofDays(2))));
        }
        return out;
    }
}
