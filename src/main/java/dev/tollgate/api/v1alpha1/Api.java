package dev.tollgate.api.v1alpha1;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonFormatVisitorWrapper;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonStringFormatVisitor;
import com.fasterxml.jackson.databind.jsonFormatVisitors.JsonValueFormat;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/** Constants of the API group. */
public final class Api {
    public static final String GROUP = "llm.tollgate.dev";
    public static final String VERSION = "v1alpha1";
    public static final String API_VERSION = GROUP + "/" + VERSION;
    /** Label a Secret must carry for Tollgate to read it (provider credentials, bring-your-own keys). */
    public static final String SECRET_LABEL = GROUP + "/secret";
    static final String READY_JSON_PATH = ".status.conditions[?(@.type==\"Ready\")].status";
    static final String REASON_JSON_PATH = ".status.conditions[?(@.type==\"Ready\")].reason";
    /** The category of every Tollgate kind: {@code kubectl get tollgate} lists them all. */
    static final String CATEGORY = "tollgate";
    /** Pattern of a decimal USD amount: no sign, at most 6 fractional digits (micro-dollars). */
    static final String MONEY_PATTERN = "^[0-9]{1,12}(\\.[0-9]{1,6})?$";
    /** Pattern of a duration such as 500ms, 30s, 5m, 2h, 1d. */
    /** A request tag: a letter or digit, then up to 63 of letters, digits and {@code _ . : / -}. */
    public static final String TAG_PATTERN = "^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}$";
    /** An allowed tag: a tag, a tag prefix followed by '*', or '*' alone (any tag). */
    public static final String ALLOWED_TAG_PATTERN = "^(\\*|[A-Za-z0-9][A-Za-z0-9_.:/-]{0,63}\\*?)$";
    static final String DURATION_PATTERN = "^[0-9]+(ms|s|m|h|d)$";
    /**
     * Pattern of a size in bytes, a Kubernetes quantity without fractions or exponents: a plain number of bytes, or
     * one with a binary (Ki, Mi, Gi) or decimal (k, M, G) suffix, e.g. 256Ki or 64Mi.
     */
    public static final String SIZE_PATTERN = "^[0-9]{1,15}(Ki|Mi|Gi|k|M|G)?$";
    /**
     * Longest GatewayDeployment name. The name is also the gateway's Service, and the operator derives the names
     * of the gateway's other objects by appending suffixes to it; the longest suffix of a Service ({@code -metrics},
     * 8 characters) must still leave a DNS label of at most 63 characters. Other suffixes ({@code -config},
     * {@code -secrets}, {@code -gateway}, {@code -spend}, {@code -keys-<i>}) name ConfigMaps, Secrets and RBAC
     * objects, which may be up to 253 characters.
     */
    public static final int GATEWAY_NAME_MAX_LENGTH = 55; // 63 - "-metrics".length()
    /**
     * Longest VirtualKey name when Tollgate generates the key: the Secret {@code <name>-key} may be at most 253
     * characters (a DNS subdomain).
     */
    public static final int VIRTUAL_KEY_NAME_MAX_LENGTH = 249; // 253 - "-key".length()

    private Api() {}

    /**
     * Serializer of a String field holding an RFC 3339 time ({@code @JsonSerialize(using = Api.DateTime.class)}): it
     * writes the string as it is, and tells schema generators the value is a {@code date-time}, so the CRD says
     * {@code format: date-time} (the API server then checks it and {@code kubectl explain} shows it). The fields
     * stay Strings, so what is on the wire does not change.
     */
    public static final class DateTime extends StdSerializer<String> {
        public DateTime() {
            super(String.class);
        }

        @Override
        public void serialize(String value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeString(value);
        }

        @Override
        public void acceptJsonFormatVisitor(JsonFormatVisitorWrapper visitor, JavaType hint) throws JsonMappingException {
            JsonStringFormatVisitor v = visitor.expectStringFormat(hint);
            if (v != null) {
                v.format(JsonValueFormat.DATE_TIME);
            }
        }
    }
}
