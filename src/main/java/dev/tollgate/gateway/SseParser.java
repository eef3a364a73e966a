package dev.tollgate.gateway;

import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * Incremental parser for {@code text/event-stream} (the WHATWG server-sent events format): feed it buffers as
 * they arrive; it emits one event per blank-line-terminated block. Handles CRLF, LF and CR line ends, comments
 * (lines starting with ':'), multi-line data and lines split across buffers. Never holds more than one event.
 */
public final class SseParser {
    /** One event: its {@code event:} field (null when absent) and its data lines joined with '\n'. */
    public record Event(String event, String data) {}

    private final Consumer<Event> sink;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private String eventName;
    private boolean hasData;
    private boolean lastWasCr;
    private byte[] pending = new byte[0];

    public SseParser(Consumer<Event> sink) {
        this.sink = sink;
    }

    public void feed(Buffer buffer) {
        byte[] bytes = buffer.getBytes();
        // Decode only complete UTF-8 sequences; keep a split multi-byte character for the next buffer.
        byte[] all = pending.length == 0 ? bytes : concat(pending, bytes);
        int end = completeUtf8(all);
        pending = java.util.Arrays.copyOfRange(all, end, all.length);
        String text = new String(all, 0, end, StandardCharsets.UTF_8);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\n' && lastWasCr) {
                lastWasCr = false;
                continue;
            }
            lastWasCr = c == '\r';
            if (c == '\n' || c == '\r') {
                endOfLine();
            } else {
                line.append(c);
            }
        }
    }

    /** True when nothing of an unfinished event is buffered (a stream may end cleanly here). */
    public boolean idle() {
        return line.length() == 0 && !hasData && eventName == null && pending.length == 0;
    }

    private void endOfLine() {
        if (line.length() == 0) {
            if (hasData) {
                sink.accept(new Event(eventName, data.toString()));
            }
            data.setLength(0);
            hasData = false;
            eventName = null;
            return;
        }
        String l = line.toString();
        line.setLength(0);
        if (l.startsWith(":")) {
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        switch (field) {
            case "data" -> {
                if (hasData) {
                    data.append('\n');
                }
                data.append(value);
                hasData = true;
            }
            case "event" -> eventName = value;
            default -> {
                // id, retry and unknown fields carry nothing the gateway relays
            }
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = new byte[a.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** Length of the longest prefix that does not end inside a UTF-8 multi-byte sequence. */
    private static int completeUtf8(byte[] b) {
        int n = b.length;
        for (int back = 1; back <= Math.min(3, n); back++) {
            int x = b[n - back] & 0xFF;
            if ((x & 0xC0) == 0x80) {
                continue; // continuation byte: look further back for the lead byte
            }
            int need = x >= 0xF0 ? 4 : x >= 0xE0 ? 3 : x >= 0xC0 ? 2 : 1;
            return need > back ? n - back : n;
        }
        return n;
    }
}
