package dev.tollgate.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import org.junit.jupiter.api.Test;

/** The exact cache's key: equal for requests equal in meaning, different as soon as an answer-changing field is. */
class CacheKeysTest {
    static final String CHAT = "{\"model\":\"gpt\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}],"
            + "\"temperature\":0.2,\"max_tokens\":100}";

    static String key(String json) {
        return CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, (ObjectNode) Json.parse(json));
    }

    @Test
    void aKeyIsTheHexOfASha256() {
        assertThat(key(CHAT)).matches("[0-9a-f]{64}").isEqualTo(key(CHAT));
    }

    @Test
    void numbersCountByValue() {
        String one = key("{\"model\":\"gpt\",\"temperature\":1}");
        for (String same : List.of("1.0", "1e0", "1E0", "10e-1", "0.1e1", "1.000", "100e-2")) {
            assertThat(key("{\"model\":\"gpt\",\"temperature\":" + same + "}")).as(same).isEqualTo(one);
        }
        for (String other : List.of("1.0000001", "2", "-1", "\"1\"", "true", "null", "10")) {
            assertThat(key("{\"model\":\"gpt\",\"temperature\":" + other + "}")).as(other).isNotEqualTo(one);
        }
        assertThat(key("{\"n\":0}")).isEqualTo(key("{\"n\":0.000}")).isEqualTo(key("{\"n\":-0}"))
                .isEqualTo(key("{\"n\":0e5}"));
        assertThat(key("{\"seed\":100}")).isEqualTo(key("{\"seed\":1e2}")).isNotEqualTo(key("{\"seed\":1000}"));
        String big = "123456789012345678901234567890";
        assertThat(key("{\"seed\":" + big + "}")).isEqualTo(key("{\"seed\":" + big + ".00}"))
                .isNotEqualTo(key("{\"seed\":123456789012345678901234567891}"));
    }

    @Test
    void numbersBuiltInCodeCountByValueToo() {
        ObjectNode parsed = (ObjectNode) Json.parse("{\"temperature\":0.5,\"n\":2}");
        ObjectNode built = Json.object();
        built.put("n", 2L);
        built.put("temperature", 0.5d);
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, built))
                .isEqualTo(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, parsed));
        built.put("n", new BigInteger("2"));
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, built))
                .isEqualTo(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, parsed));
    }

    @Test
    void stringsCountExactly() {
        assertThat(key("{\"prompt\":\"a\"}")).isNotEqualTo(key("{\"prompt\":\"a \"}"))
                .isNotEqualTo(key("{\"prompt\":\"A\"}"));
        assertThat(key("{\"prompt\":\"\\u00e9\"}")).isEqualTo(key("{\"prompt\":\"é\"}"))
                .isNotEqualTo(key("{\"prompt\":\"e\\u0301\"}"));
        assertThat(key("{\"prompt\":\"\\ud83d\\ude00\"}")).isEqualTo(key("{\"prompt\":\"😀\"}"));
        // a string never passes for two: lengths are fed first
        assertThat(key("{\"stop\":[\"ab\",\"c\"]}")).isNotEqualTo(key("{\"stop\":[\"a\",\"bc\"]}"));
        assertThat(key("{\"ab\":\"c\"}")).isNotEqualTo(key("{\"a\":\"bc\"}"));
    }

    @Test
    void memberOrderDoesNotCountButArrayOrderDoes() {
        assertThat(key("{\"max_tokens\":100,\"temperature\":0.2,\"messages\":[{\"content\":\"hello\",\"role\":\"user\"}],"
                + "\"model\":\"gpt\"}")).isEqualTo(key(CHAT));
        assertThat(key("{\"stop\":[\"a\",\"b\"]}")).isNotEqualTo(key("{\"stop\":[\"b\",\"a\"]}"));
        assertThat(key("{\"x\":[]}")).isNotEqualTo(key("{\"x\":{}}")).isNotEqualTo(key("{\"x\":[[]]}"))
                .isNotEqualTo(key("{\"x\":null}")).isNotEqualTo(key("{\"x\":\"\"}")).isNotEqualTo(key("{}"));
    }

    @Test
    void onlyTheFiveNeutralFieldsAreLeftOut() {
        String plain = key(CHAT);
        String decorated = CHAT.substring(0, CHAT.length() - 1) + ",\"user\":\"alice\",\"stream\":true,"
                + "\"stream_options\":{\"include_usage\":true},\"cache\":{\"ttl\":60},\"metadata\":{\"run\":7}}";
        assertThat(key(decorated)).isEqualTo(plain);
        // a member of that name deeper down is content like any other
        assertThat(key("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\",\"user\":\"x\"}]}"))
                .isNotEqualTo(key("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        for (String field : List.of("model", "messages", "temperature", "max_tokens")) {
            ObjectNode body = (ObjectNode) Json.parse(CHAT);
            body.remove(field);
            assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, body)).as(field).isNotEqualTo(plain);
        }
        assertThat(key(CHAT.replace("\"gpt\"", "\"gpt-mini\""))).isNotEqualTo(plain);
        assertThat(key(CHAT.replace("}", ",\"seed\":1}"))).isNotEqualTo(plain);
    }

    @Test
    void theEndpointCounts() {
        ObjectNode body = (ObjectNode) Json.parse(CHAT);
        String chat = CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, body);
        assertThat(CacheKeys.exactKey(WireFormat.ANTHROPIC, Operation.CHAT, body)).isNotEqualTo(chat);
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.COMPLETIONS, body)).isNotEqualTo(chat);
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.EMBEDDINGS, body)).isNotEqualTo(chat);
    }

    @Test
    void aLongBodyThatOverflowsTheBufferStillKeysByItsContent() {
        String a = "{\"prompt\":\"" + "x".repeat(20_000) + "é".repeat(5000) + "\"}";
        String b = "{\"prompt\":\"" + "x".repeat(20_000) + "é".repeat(4999) + "e\"}";
        assertThat(key(a)).isEqualTo(key(a)).isNotEqualTo(key(b));
    }

    // ---- properties ----

    /** A body rewritten with its members shuffled, numbers in other notations and other spacing keys alike. */
    @Property(tries = 300)
    void bodiesEqualInMeaningKeyAlike(@ForAll long seed) {
        Random r = new Random(seed);
        ObjectNode body = randomBody(r);
        String canonical = write(body, null);
        String varied = write(body, r);
        assertThat(key(varied)).as(canonical + "\n" + varied).isEqualTo(key(canonical));
        // the neutral fields may come and go
        ObjectNode decorated = (ObjectNode) Json.parse(varied);
        decorated.put("user", "u" + r.nextInt());
        decorated.put("stream", r.nextBoolean());
        decorated.putObject("stream_options").put("include_usage", r.nextBoolean());
        decorated.putObject("cache").put("ttl", r.nextInt(1000));
        decorated.putObject("metadata").put("m", r.nextInt());
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, decorated)).isEqualTo(key(canonical));
    }

    /** Any change to a field that may change the answer changes the key. */
    @Property(tries = 500)
    void changingAnyAnswerChangingFieldChangesTheKey(@ForAll long seed) {
        Random r = new Random(seed);
        ObjectNode body = randomBody(r);
        String before = CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, body);
        ObjectNode changed = body.deepCopy();
        String what = mutate(changed, r);
        assertThat(CacheKeys.exactKey(WireFormat.OPENAI, Operation.CHAT, changed))
                .as(what + ": " + write(body, null) + " -> " + write(changed, null)).isNotEqualTo(before);
    }

    static final List<String> NAMES = List.of("model", "messages", "temperature", "top_p", "max_tokens", "tools",
            "n", "seed", "stop", "response_format", "content", "role", "a", "b", "ü", "");

    static ObjectNode randomBody(Random r) {
        ObjectNode o = Json.object();
        int n = 1 + r.nextInt(6);
        for (int i = 0; i < n; i++) {
            o.set(NAMES.get(r.nextInt(NAMES.size())), randomValue(r, 3));
        }
        return o;
    }

    static JsonNode randomValue(Random r, int depth) {
        int kind = r.nextInt(depth > 0 ? 7 : 5);
        switch (kind) {
            case 0:
                return Json.NODES.textNode(randomString(r));
            case 1:
                return Json.NODES.numberNode(new BigDecimal(BigInteger.valueOf(r.nextInt(2_000_001) - 1_000_000),
                        r.nextInt(10) - 3));
            case 2:
                return Json.NODES.booleanNode(r.nextBoolean());
            case 3:
                return Json.NODES.nullNode();
            case 4:
                return Json.NODES.numberNode(r.nextInt(100));
            case 5: {
                ArrayNode a = Json.array();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    a.add(randomValue(r, depth - 1));
                }
                return a;
            }
            default: {
                ObjectNode o = Json.object();
                int n = r.nextInt(4);
                for (int i = 0; i < n; i++) {
                    o.set(NAMES.get(r.nextInt(NAMES.size())), randomValue(r, depth - 1));
                }
                return o;
            }
        }
    }

    static String randomString(Random r) {
        String alphabet = "ab \"\\\n\té😀";
        StringBuilder b = new StringBuilder();
        int n = r.nextInt(6);
        for (int i = 0; i < n; i++) {
            b.appendCodePoint(alphabet.codePointAt(alphabet.offsetByCodePoints(0,
                    r.nextInt(alphabet.codePointCount(0, alphabet.length())))));
        }
        return b.toString();
    }

    /** JSON text of the tree: canonical when {@code r} is null, else shuffled, respaced and renotated. */
    static String write(JsonNode n, Random r) {
        StringBuilder b = new StringBuilder();
        write(n, r, b);
        return b.toString();
    }

    private static void write(JsonNode n, Random r, StringBuilder b) {
        String ws = r == null ? "" : List.of("", " ", "\n  ").get(r.nextInt(3));
        if (n.isObject()) {
            List<String> names = new ArrayList<>();
            n.fieldNames().forEachRemaining(names::add);
            if (r != null) {
                Collections.shuffle(names, r);
            }
            b.append('{');
            for (int i = 0; i < names.size(); i++) {
                b.append(i == 0 ? "" : ",").append(ws).append(TextNode.valueOf(names.get(i))).append(ws).append(':');
                write(n.get(names.get(i)), r, b);
            }
            b.append(ws).append('}');
        } else if (n.isArray()) {
            b.append('[');
            for (int i = 0; i < n.size(); i++) {
                b.append(i == 0 ? "" : ",").append(ws);
                write(n.get(i), r, b);
            }
            b.append(']');
        } else if (n.isNumber()) {
            BigDecimal v = n.decimalValue();
            b.append(r == null ? v.toString() : notation(v, r));
        } else {
            b.append(n);
        }
    }

    /** The same value, written another way: plain, with zeros added, or as unscaled e exponent. */
    static String notation(BigDecimal v, Random r) {
        switch (r.nextInt(4)) {
            case 0:
                return v.toPlainString();
            case 1: {
                String p = v.toPlainString();
                return p.contains(".") ? p + "00" : p + ".0";
            }
            case 2:
                return v.unscaledValue() + "e" + (-v.scale());
            default: {
                BigDecimal scaled = v.setScale(Math.max(v.scale(), 0) + 2);
                return scaled.unscaledValue() + "E" + (-scaled.scale());
            }
        }
    }

    /** One change that changes the meaning; says which. */
    static String mutate(ObjectNode body, Random r) {
        List<JsonNode> containers = new ArrayList<>();
        collect(body, containers);
        JsonNode c = containers.get(r.nextInt(containers.size()));
        int choice = r.nextInt(4);
        if (c.isObject()) {
            ObjectNode o = (ObjectNode) c;
            if (o.isEmpty() || choice == 0) {
                o.put("__added", 1);
                return "added a member";
            }
            List<String> names = new ArrayList<>();
            o.fieldNames().forEachRemaining(names::add);
            String name = names.get(r.nextInt(names.size()));
            if (choice == 1) {
                o.remove(name);
                return "removed " + name;
            }
            if (choice == 2) {
                o.set("__renamed", o.remove(name));
                return "renamed " + name;
            }
            o.set(name, changed(o.get(name)));
            return "changed " + name;
        }
        ArrayNode a = (ArrayNode) c;
        if (a.isEmpty() || choice == 0) {
            a.add("__added");
            return "appended";
        }
        int i = r.nextInt(a.size());
        if (choice == 1) {
            a.remove(i);
            return "removed element " + i;
        }
        a.set(i, changed(a.get(i)));
        return "changed element " + i;
    }

    private static void collect(JsonNode n, List<JsonNode> out) {
        if (n.isContainerNode()) {
            out.add(n);
            for (Iterator<JsonNode> it = n.elements(); it.hasNext(); ) {
                collect(it.next(), out);
            }
        }
    }

    private static JsonNode changed(JsonNode v) {
        if (v.isTextual()) {
            return Json.NODES.textNode(v.textValue() + "x");
        }
        if (v.isNumber()) {
            return Json.NODES.numberNode(v.decimalValue().add(BigDecimal.ONE));
        }
        if (v.isBoolean()) {
            return Json.NODES.booleanNode(!v.booleanValue());
        }
        if (v.isNull()) {
            return Json.NODES.numberNode(0);
        }
        return Json.NODES.nullNode(); // a container becomes null
    }
}
