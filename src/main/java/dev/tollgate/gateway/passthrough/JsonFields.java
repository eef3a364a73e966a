package dev.tollgate.gateway.passthrough;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import dev.tollgate.gateway.Json;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Picks a few scalar fields out of a JSON document fed in pieces (Jackson's non-blocking parser), keeping nothing
 * else: a pass-through answer is relayed as it streams and may be large (outputs as data URIs), so it is never held
 * whole. Fields are named by their path of object keys from the root ({@code id}, {@code metrics.predict_time});
 * values inside arrays are not picked. A document that is not JSON leaves the fields unset ({@link #broken()}).
 */
final class JsonFields {
    private final Set<String> wanted;
    private final Map<String, Object> found = new HashMap<>();
    private final List<String> path = new ArrayList<>(); // one entry per open container: its current key, or "[]"
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private boolean broken;

    JsonFields(Set<String> wanted) {
        this.wanted = wanted;
        try {
            this.parser = Json.mapper().getFactory().createNonBlockingByteArrayParser();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /** The fields of a whole document at hand (a request body). */
    static JsonFields of(Buffer document, Set<String> wanted) {
        JsonFields f = new JsonFields(wanted);
        f.feed(document);
        f.end();
        return f;
    }

    void feed(Buffer chunk) {
        if (broken || chunk.length() == 0) {
            return;
        }
        try {
            byte[] bytes = chunk.getBytes();
            feeder.feedInput(bytes, 0, bytes.length);
            drain();
        } catch (IOException | RuntimeException e) {
            broken = true;
        }
    }

    void end() {
        if (broken) {
            return;
        }
        feeder.endOfInput();
        try {
            drain();
        } catch (IOException | RuntimeException e) {
            broken = true;
        }
    }

    /** True when the document was not JSON (what was found before the error stays found). */
    boolean broken() {
        return broken;
    }

    /** The string at {@code field}, or null. */
    String text(String field) {
        Object v = found.get(field);
        return v instanceof String s ? s : null;
    }

    /** The number at {@code field}, exact as written, or null. */
    BigDecimal number(String field) {
        Object v = found.get(field);
        return v instanceof BigDecimal d ? d : null;
    }

    private void drain() throws IOException {
        JsonToken t;
        while ((t = parser.nextToken()) != null && t != JsonToken.NOT_AVAILABLE) {
            switch (t) {
                case START_OBJECT -> path.add("");
                case START_ARRAY -> path.add("[]");
                case END_OBJECT, END_ARRAY -> path.remove(path.size() - 1);
                case FIELD_NAME -> path.set(path.size() - 1, parser.currentName());
                case VALUE_STRING -> pick(parser.getText());
                case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> pick(parser.getDecimalValue());
                default -> { }
            }
        }
    }

    private void pick(Object value) {
        if (path.isEmpty() || path.contains("[]")) {
            return;
        }
        String at = String.join(".", path);
        if (wanted.contains(at)) {
            found.put(at, value);
        }
    }
}
