package dev.tollgate.operator.alerts;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What was sent, so that each event goes out once per cluster, across re-reconciles, operator restarts and changes
 * of leader: the identities of the events sent ({@link AlertEvent#identity()}), each with the time until which it is
 * remembered at least. Kept in the ConfigMap {@code <gateway>-alerts} (owned by the GatewayDeployment, so it goes with
 * it) as lines {@code <identity> <keepUntil>}: names and times only, never a secret.
 *
 * <ul>
 * <li>An active event whose identity is not remembered is new: it is remembered, the ConfigMap written, and only then
 * sent (at most once: if the write fails nothing is sent, and the next evaluation tries again).</li>
 * <li>An active event that is remembered keeps its identity: its {@code keepUntil} moves with it (written when it
 * moved by more than half the window, so a lasting event does not write at every evaluation).</li>
 * <li>An identity that is not active and whose {@code keepUntil} has passed is forgotten: a budget's once its period
 * reset, an event that clears (error rate, cooldown, slow or hanging requests, a failing pod) a window after it was
 * last active, so it may be sent again if it comes back later.</li>
 * </ul>
 */
public final class AlertLedger {
    /** The ConfigMap key holding the lines. */
    public static final String SENT = "sent";

    private final Map<String, Instant> entries = new TreeMap<>();
    private boolean dirty;

    /** Reads the lines of a ConfigMap (null or blank: nothing remembered); lines it cannot read are skipped. */
    public static AlertLedger parse(String text) {
        AlertLedger l = new AlertLedger();
        if (text != null) {
            for (String line : text.split("\n")) {
                String[] parts = line.trim().split(" ");
                if (parts.length == 2) {
                    try {
                        l.entries.put(parts[0], Instant.parse(parts[1]));
                    } catch (java.time.format.DateTimeParseException skipped) {
                        // a line written by hand, or by a newer operator: not ours to read
                    }
                }
            }
        }
        return l;
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        entries.forEach((id, until) -> out.append(id).append(' ').append(until).append('\n'));
        return out.toString();
    }

    public boolean contains(String identity) {
        return entries.containsKey(identity);
    }

    public Set<String> identities() {
        return java.util.Collections.unmodifiableSet(entries.keySet());
    }

    /**
     * Takes the active events of one evaluation: returns those to send (their identity was not remembered; it is now),
     * moves the {@code keepUntil} of the others, and forgets the inactive identities whose time has passed.
     *
     * @param slack how far a remembered {@code keepUntil} may lag behind before it is moved (and the ConfigMap written)
     */
    public List<AlertEvent> admit(List<AlertEvent> active, Instant now, Duration slack) {
        List<AlertEvent> fresh = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (AlertEvent e : active) {
            if (!seen.add(e.identity())) {
                continue;
            }
            Instant was = entries.get(e.identity());
            if (was == null) {
                entries.put(e.identity(), e.keepUntil());
                fresh.add(e);
                dirty = true;
            } else if (e.keepUntil().isAfter(was.plus(slack))) {
                entries.put(e.identity(), e.keepUntil());
                dirty = true;
            }
        }
        if (entries.entrySet().removeIf(en -> !seen.contains(en.getKey()) && now.isAfter(en.getValue()))) {
            dirty = true;
        }
        return fresh;
    }

    /** Forgets identities just admitted whose remembering could not be written (they are tried again). */
    public void forget(List<AlertEvent> events) {
        events.forEach(e -> entries.remove(e.identity()));
    }

    /** Whether the lines changed since {@link #clean()}. */
    public boolean dirty() {
        return dirty;
    }

    public void clean() {
        dirty = false;
    }
}
