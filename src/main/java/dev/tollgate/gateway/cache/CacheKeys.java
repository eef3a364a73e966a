package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.WireFormat;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Iterator;

/**
 * The exact cache's key of a request. Pure.
 *
 * <p>The request is not written out as JSON text: its tree is walked once and fed to SHA-256 in a canonical,
 * type-tagged and length-prefixed form (so no two different requests feed the same bytes), through one reusable
 * buffer per thread. Objects feed their members sorted by name; numbers feed their value as a decimal with trailing
 * zeros stripped ({@code 1}, {@code 1.0}, {@code 1e0} and {@code 10e-1} feed the same); strings feed their exact
 * characters.
 */
public final class CacheKeys {
    private CacheKeys() {}

    /** Top-level members that never change the answer (the javadoc of {@link #exactKey} says why each). */
    private static final String[] IGNORED = {"user", "stream", "stream_options", "cache", "metadata"};

    private static final byte OBJECT = 'o';
    private static final byte ARRAY = 'a';
    private static final byte STRING = 's';
    private static final byte NUMBER = 'n';
    private static final byte BIG_NUMBER = 'N';
    private static final byte SPECIAL_NUMBER = 'd';
    private static final byte TRUE = 't';
    private static final byte FALSE = 'f';
    private static final byte NULL = 'z';
    private static final byte OTHER = 'x';

    private static final ThreadLocal<Sink> SINK = ThreadLocal.withInitial(Sink::new);

    /**
     * The SHA-256 (hex) of the request normalised: its endpoint (dialect and operation) and every body field that may
     * change the answer, in a canonical form (object members sorted, numbers by value: {@code 1}, {@code 1.0} and
     * {@code 1e0} alike). Left out: {@code user}, {@code stream}, {@code stream_options}, {@code cache},
     * {@code metadata} (and nothing else that could change the answer). {@code model} is the public name asked for.
     */
    public static String exactKey(WireFormat ingress, Operation operation, ObjectNode body) {
        Sink sink = SINK.get();
        sink.reset();
        sink.string(ingress.name());
        sink.string(operation.name());
        String[] names = sortedNames(body, true);
        sink.b(OBJECT);
        sink.i(names.length);
        for (String name : names) {
            sink.string(name);
            value(sink, body.get(name));
        }
        return sink.hex();
    }

    private static void value(Sink sink, JsonNode v) {
        switch (v.getNodeType()) {
            case OBJECT: {
                String[] names = sortedNames(v, false);
                sink.b(OBJECT);
                sink.i(names.length);
                for (String name : names) {
                    sink.string(name);
                    value(sink, v.get(name));
                }
                break;
            }
            case ARRAY: {
                int n = v.size();
                sink.b(ARRAY);
                sink.i(n);
                for (int i = 0; i < n; i++) {
                    value(sink, v.get(i));
                }
                break;
            }
            case STRING:
                sink.b(STRING);
                sink.string(v.textValue());
                break;
            case NUMBER:
                number(sink, v);
                break;
            case BOOLEAN:
                sink.b(v.booleanValue() ? TRUE : FALSE);
                break;
            case NULL:
                sink.b(NULL);
                break;
            default: // binary, POJO or missing: not produced by parsing a request, but never silently equal
                sink.b(OTHER);
                sink.string(v.getNodeType().name());
                sink.string(v.toString());
                break;
        }
    }

    /** The value as (unscaled, scale) with trailing zeros stripped: equal numbers feed equal bytes. */
    private static void number(Sink sink, JsonNode v) {
        if (v.canConvertToLong() && v.isIntegralNumber()) {
            long u = v.longValue();
            int scale = 0;
            while (u != 0 && u % 10 == 0) {
                u /= 10;
                scale--;
            }
            sink.b(NUMBER);
            sink.number(u, scale);
            return;
        }
        BigDecimal d;
        if (v.isDouble() || v.isFloat()) {
            double x = v.doubleValue();
            if (Double.isNaN(x) || Double.isInfinite(x)) {
                sink.b(SPECIAL_NUMBER);
                sink.string(Double.toString(x));
                return;
            }
            d = BigDecimal.valueOf(x);
        } else {
            d = v.decimalValue();
        }
        if (d.signum() == 0) {
            sink.b(NUMBER);
            sink.number(0, 0);
            return;
        }
        d = d.stripTrailingZeros();
        BigInteger u = d.unscaledValue();
        if (u.bitLength() < 64) {
            sink.b(NUMBER);
            sink.number(u.longValue(), d.scale());
        } else {
            sink.b(BIG_NUMBER);
            sink.string(u.toString());
            sink.i(d.scale());
        }
    }

    private static String[] sortedNames(JsonNode object, boolean topLevel) {
        String[] names = new String[object.size()];
        int n = 0;
        Iterator<String> it = object.fieldNames();
        while (it.hasNext()) {
            String name = it.next();
            if (!topLevel || !ignored(name)) {
                names[n++] = name;
            }
        }
        if (n != names.length) {
            names = Arrays.copyOf(names, n);
        }
        if (n > 1) {
            Arrays.sort(names);
        }
        return names;
    }

    private static boolean ignored(String name) {
        for (String i : IGNORED) {
            if (i.equals(name)) {
                return true;
            }
        }
        return false;
    }

    /** A SHA-256 fed through a reusable buffer (one per thread): no allocation per string or number. */
    private static final class Sink {
        private final MessageDigest digest;
        private final byte[] buf = new byte[4096];
        private int pos;

        Sink() {
            digest = dev.tollgate.gateway.Sha256.newDigest();
        }

        void reset() {
            digest.reset();
            pos = 0;
        }

        private void room(int n) {
            if (pos + n > buf.length) {
                digest.update(buf, 0, pos);
                pos = 0;
            }
        }

        void b(byte x) {
            room(1);
            buf[pos++] = x;
        }

        void i(int x) {
            room(4);
            buf[pos++] = (byte) (x >>> 24);
            buf[pos++] = (byte) (x >>> 16);
            buf[pos++] = (byte) (x >>> 8);
            buf[pos++] = (byte) x;
        }

        void l(long x) {
            room(8);
            for (int s = 56; s >= 0; s -= 8) {
                buf[pos++] = (byte) (x >>> s);
            }
        }

        void number(long unscaled, int scale) {
            l(unscaled);
            i(scale);
        }

        /**
         * The length in chars, then each char on its own as UTF-8 (a surrogate as three bytes): a prefix-free code per
         * char, so with the count in front the bytes name exactly one string.
         */
        void string(String s) {
            int n = s.length();
            i(n);
            int k = 0;
            while (k < n) {
                // as many chars as surely fit (3 bytes each at most), then without a check per char
                if (buf.length - pos < 3) {
                    room(3);
                }
                int end = Math.min(n, k + (buf.length - pos) / 3);
                byte[] b = buf;
                int p = pos;
                for (; k < end; k++) {
                    char c = s.charAt(k);
                    if (c < 0x80) {
                        b[p++] = (byte) c;
                    } else if (c < 0x800) {
                        b[p++] = (byte) (0xc0 | (c >> 6));
                        b[p++] = (byte) (0x80 | (c & 0x3f));
                    } else {
                        b[p++] = (byte) (0xe0 | (c >> 12));
                        b[p++] = (byte) (0x80 | ((c >> 6) & 0x3f));
                        b[p++] = (byte) (0x80 | (c & 0x3f));
                    }
                }
                pos = p;
            }
        }

        String hex() {
            digest.update(buf, 0, pos);
            pos = 0;
            return dev.tollgate.gateway.Sha256.hex(digest.digest(), 32);
        }
    }
}
