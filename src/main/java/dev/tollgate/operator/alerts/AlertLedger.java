package dev.tollgate.operator.alerts;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

/**
 * What was found and what was delivered, so that each event goes out once per cluster, across re-reconciles, operator
 * restarts and changes of leader, and is not lost when a channel cannot take it for a while. Kept in the ConfigMap
 * {@code <gateway>-alerts} (owned by the GatewayDeployment, so it goes with it): names, times and the pending events'
 * ids and figures only, never a secret. One line per identity ({@link AlertEvent#identity()}):
 * <ul>
 * <li>{@code <identity> <keepUntil>}: delivered (or given up on).</li>
 * <li>{@code <identity> <keepUntil> pending <since> <channel,...> <event as JSON>}: found, not yet accepted by the
 * channels listed; the event is kept so that it can be sent after a restart or a change of leader.</li>
 * </ul>
 *
 * <ul>
 * <li>An active event whose identity is not remembered is new: it is remembered as pending for the channels that take
 * it, the ConfigMap written, and only then sent (if the write fails nothing is sent, and the next evaluation tries
 * again). A channel is taken off the pending list once it answered 2xx ({@link #done}), or for good when it refused
 * the alert, or after the pending time ran out (see {@code Alerts}).</li>
 * <li>An active event that is remembered keeps its identity: its {@code keepUntil} moves with it (written when it
 * moved by more than half the window, so a lasting event does not write at every evaluation).</li>
 * <li>A delivered identity that is not active and whose {@code keepUntil} has passed is forgotten: a budget's once its
 * period reset, an event that clears (error rate, cooldown, slow or hanging requests, a failing pod) a window after it
 * was last active, so it may be sent again if it comes back later. A pending identity is kept until it is
 * delivered or given up on.</li>
 * </ul>
 */
public final class AlertLedger {
    /** The ConfigMap key holding the lines. */
    public static final String SENT = "sent";
    static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);

    /** An event found but not yet accepted by every channel that takes it. */
    public record Pending(String identity, AlertEvent event, Set<String> channels, Instant since) {}

    private static final class Entry {
        Instant keepUntil;
        Set<String> pending = new TreeSet<>();
        Instant since;
        AlertEvent event;

        Entry(Instant keepUntil) {
            this.keepUntil = keepUntil;
        }
    }

    private final Map<String, Entry> entries = new TreeMap<>();
    private boolean dirty;

    /** Reads the lines of a ConfigMap (null or blank: nothing remembered); lines it cannot read are skipped. */
    public static AlertLedger parse(String text) {
        AlertLedger l = new AlertLedger();
        if (text != null) {
            for (String line : text.split("\n")) {
                String[] parts = line.trim().split(" ", 6);
                try {
                    if (parts.length == 2) {
                        l.entries.put(parts[0], new Entry(Instant.parse(parts[1])));
                    } else if (parts.length == 6 && "pending".equals(parts[2])) {
                        Entry e = new Entry(Instant.parse(parts[1]));
                        e.since = Instant.parse(parts[3]);
                        e.pending.addAll(List.of(parts[4].split(",")));
                        e.event = JSON.readValue(parts[5], AlertEvent.class);
                        l.entries.put(parts[0], e);
                    }
                } catch (java.time.format.DateTimeParseException | java.io.IOException skipped) {
                    // a line written by hand, or by a newer operator: not ours to read
                }
            }
        }
        return l;
    }

    public String format() {
        StringBuilder out = new StringBuilder();
        entries.forEach((id, e) -> {
            out.append(id).append(' ').append(e.keepUntil);
            if (!e.pending.isEmpty()) {
                try {
                    out.append(" pending ").append(e.since).append(' ').append(String.join(",", e.pending)).append(' ')
                            .append(JSON.writeValueAsString(e.event));
                } catch (com.fasterxml.jackson.core.JsonProcessingException impossible) {
                    throw new IllegalStateException(impossible);
                }
            }
            out.append('\n');
        });
        return out.toString();
    }

    public boolean contains(String identity) {
        return entries.containsKey(identity);
    }

    public Set<String> identities() {
        return java.util.Collections.unmodifiableSet(entries.keySet());
    }

    /** Whether the identity was found and some channel has not accepted it yet. */
    public boolean pending(String identity) {
        Entry e = entries.get(identity);
        return e != null && !e.pending.isEmpty();
    }

    /** Every pending event with the channels still to take it. */
    public List<Pending> pending() {
        List<Pending> out = new ArrayList<>();
        entries.forEach((id, e) -> {
            if (!e.pending.isEmpty()) {
                out.add(new Pending(id, e.event, Set.copyOf(e.pending), e.since));
            }
        });
        return out;
    }

    /** Same as {@link #admit(List, Instant, Duration, Function)} for events that no channel filters out. */
    public List<AlertEvent> admit(List<AlertEvent> active, Instant now, Duration slack) {
        return admit(active, now, slack, e -> Set.of());
    }

    /**
     * Takes the active events of one evaluation: returns the new ones (their identity was not remembered; it is now,
     * pending for {@code channels} of the event), moves the {@code keepUntil} of the others, and forgets the inactive
     * delivered identities whose time has passed.
     *
     * @param slack    how far a remembered {@code keepUntil} may lag behind before it is moved (and the ConfigMap written)
     * @param channels the channels that take an event (none: it is remembered as delivered at once)
     */
    public List<AlertEvent> admit(List<AlertEvent> active, Instant now, Duration slack,
            Function<AlertEvent, Set<String>> channels) {
        List<AlertEvent> fresh = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (AlertEvent e : active) {
            if (!seen.add(e.identity())) {
                continue;
            }
            Entry was = entries.get(e.identity());
            if (was == null) {
                Entry n = new Entry(e.keepUntil());
                n.pending.addAll(channels.apply(e));
                n.since = now;
                n.event = e;
                entries.put(e.identity(), n);
                fresh.add(e);
                dirty = true;
            } else if (e.keepUntil().isAfter(was.keepUntil.plus(slack))) {
                was.keepUntil = e.keepUntil();
                dirty = true;
            }
        }
        if (entries.entrySet().removeIf(en -> !seen.contains(en.getKey()) && en.getValue().pending.isEmpty()
                && now.isAfter(en.getValue().keepUntil))) {
            dirty = true;
        }
        return fresh;
    }

    /** The channel accepted the event, refused it for good, or it was given up on: it is not sent there again. */
    public void done(String identity, String channel) {
        Entry e = entries.get(identity);
        if (e != null && e.pending.remove(channel)) {
            if (e.pending.isEmpty()) {
                e.event = null;
                e.since = null;
            }
            dirty = true;
        }
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
