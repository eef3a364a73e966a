package dev.tollgate.config;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.api.v1alpha1.PromptVersionSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.TreeMap;

/**
 * The content hash of one prompt version, the same wherever it is computed (the renderer's
 * {@link GatewayConfig.PromptVersion#hash()}, the Prompt's {@code status.versions[].hash}): {@code sha256:<hex>} over
 * the canonical JSON of {@code {model, parameters, variables: [{name, default}], messages: [{role, content}],
 * overridable}}: object keys sorted at every depth (the parameters' too), no blanks, absent (null) values left out,
 * lists in their order. A version's description is not part of it (it is for people; editing it changes nothing
 * served).
 */
public final class PromptHash {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private PromptHash() {}

    /** The hash of a version's content. */
    public static String of(String model, JsonNode parameters, List<GatewayConfig.Variable> variables,
            List<GatewayConfig.Message> messages, List<String> overridable) {
        ObjectNode o = NODES.objectNode();
        if (model != null) {
            o.put("model", model);
        }
        if (parameters != null && !parameters.isNull() && !parameters.isMissingNode()) {
            o.set("parameters", parameters);
        }
        ArrayNode vs = o.putArray("variables");
        for (GatewayConfig.Variable v : variables == null ? List.<GatewayConfig.Variable>of() : variables) {
            ObjectNode n = vs.addObject();
            n.put("name", v.name());
            if (v.defaultValue() != null) {
                n.put("default", v.defaultValue());
            }
        }
        ArrayNode ms = o.putArray("messages");
        for (GatewayConfig.Message m : messages == null ? List.<GatewayConfig.Message>of() : messages) {
            ObjectNode n = ms.addObject();
            n.put("role", m.role());
            n.put("content", m.content());
        }
        ArrayNode ov = o.putArray("overridable");
        (overridable == null ? List.<String>of() : overridable).forEach(ov::add);
        return "sha256:" + sha256(canonicalJson(o));
    }

    /** The hash of a rendered version (its own {@code hash} is not part of it). */
    public static String of(GatewayConfig.PromptVersion v) {
        return of(v.model(), v.parameters(), v.variables(), v.messages(), v.overridable());
    }

    /** The hash of a version as the Prompt's spec declares it. */
    public static String of(PromptVersionSpec v) {
        List<GatewayConfig.Variable> vars = new ArrayList<>();
        v.getVariables().forEach(x -> vars.add(new GatewayConfig.Variable(x.getName(), x.getDefaultValue())));
        List<GatewayConfig.Message> msgs = new ArrayList<>();
        v.getMessages().forEach(x -> msgs.add(new GatewayConfig.Message(x.getRole(), x.getContent())));
        return of(v.getModel(), v.getParameters(), vars, msgs, v.getOverridable());
    }

    /** {@code node} as compact JSON with every object's keys sorted and null members left out. */
    static String canonicalJson(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(canonical(node));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode canonical(JsonNode node) {
        if (node.isObject()) {
            TreeMap<String, JsonNode> sorted = new TreeMap<>();
            node.fields().forEachRemaining(e -> {
                if (!e.getValue().isNull()) {
                    sorted.put(e.getKey(), canonical(e.getValue()));
                }
            });
            ObjectNode out = NODES.objectNode();
            sorted.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            ArrayNode out = NODES.arrayNode();
            node.forEach(e -> out.add(canonical(e)));
            return out;
        }
        return node;
    }

    private static String sha256(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
