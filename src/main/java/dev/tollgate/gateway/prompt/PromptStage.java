package dev.tollgate.gateway.prompt;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.PromptTemplates;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.GatewayException;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.RequestContext;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Serves a chat request that names a prompt ({@code prompt_id}, optional {@code prompt_version} or
 * {@code prompt_label}, {@code prompt_variables}: LiteLLM's request fields): resolves the Prompt (by name in the key's
 * namespace, or {@code <namespace>/<name>}), checks the key may use it, renders the version and returns the body the
 * request goes on with. The chat rules let a body that names a prompt leave {@code messages} out (or send none).
 *
 * <p>Which version: {@code prompt_version} (an integer, 1 or more) or {@code prompt_label} (a label of the Prompt's
 * {@code spec.labels}), not both; neither: the label {@code production} when the Prompt has it, else its highest
 * version. A field sent as JSON null counts as absent.
 *
 * <p>The model: the version's, unless the version lists {@code model} in {@code overridable} and the request names one
 * (the official OpenAI SDKs always send a model: a request's model is ignored, not refused, when the version fixes
 * it). Other parameters: the version's apply where the request has none; a request that sets a parameter the version
 * sets without listing it in {@code overridable} is refused (400 {@code parameter_fixed_by_prompt}); parameters the
 * version does not set are the client's.
 *
 * <p>Who may: the keys the Prompt allows ({@link GatewayConfig.Prompt#allows}). A key of the Prompt's own namespace
 * it does not allow gets 403 {@code prompt_not_allowed}; a key of another namespace gets the 404 {@code prompt_not_found}
 * of a Prompt that does not exist, word for word, so other namespaces cannot probe which Prompts there are.
 *
 * <p>Once the version is known, the answer (success or error) carries {@code x-tollgate-prompt: <id>@<version>} and
 * {@code ctx.prompt} is set, so a request refused for its variables (or its size) names the version in its answer,
 * callbacks and traces; it is not counted in the version's usage (only requests that reached an upstream or the cache
 * are).
 */
public final class PromptStage {
    /** The label a request that names neither a version nor a label gets, when the Prompt has it. */
    public static final String DEFAULT_LABEL = "production";
    /** The request fields that name a prompt: the gateway's, removed before the body goes on (not prompt_cache_key). */
    public static final java.util.Set<String> FIELDS = java.util.Set.of("prompt_id", "prompt_version", "prompt_label",
            "prompt_variables");

    private PromptStage() {}

    /**
     * The body to serve for a request that names a prompt ({@code ctx.body} has {@code prompt_id}): the version's messages (rendered) before
     * the client's own {@code messages} (which may then be absent), the version's model and parameters applied (a
     * request value replaces one only when the version lists it in {@code overridable}; otherwise setting it is a
     * 400), and the {@code prompt_*} fields removed; {@code ctx.prompt} set. Throws {@link dev.tollgate.gateway.GatewayException}: 400 (bad fields, variables), 403
     * ({@code prompt_not_allowed}), 404 ({@code prompt_not_found}, unknown version or label), 413
     * ({@code request_too_large}, param {@code prompt_variables}: the rendered body would pass {@code maxBodyBytes},
     * the gateway's {@code tollgate.gateway.max-body-bytes}; rendering stops as soon as it passes), each with its param.
     */
    public static Buffer apply(RequestContext ctx, Buffer raw, long maxBodyBytes) {
        ObjectNode body = ctx.body.tree();
        String id = promptId(ctx, body.get("prompt_id"));
        GatewayConfig.Prompt prompt = ctx.snapshot.prompt(id);
        if (prompt == null || (!prompt.allows(ctx.key.id()) && !namespace(ctx.key.id()).equals(namespace(id)))) {
            // a key of another namespace may not tell a Prompt it may not use from one that does not exist
            throw error(404, "prompt_not_found", "prompt_id", "there is no Prompt '" + id + "' on this gateway: "
                    + "prompt_id is the Prompt's name (looked up in your key's namespace) or <namespace>/<name>");
        }
        if (!prompt.allows(ctx.key.id())) {
            throw error(403, "prompt_not_allowed", "prompt_id", "your key (VirtualKey " + ctx.key.id()
                    + ") may not use the Prompt '" + id + "': the Prompt's spec.keys decides which keys may");
        }
        String label = text(body, "prompt_label");
        GatewayConfig.PromptVersion version = version(prompt, body.get("prompt_version"), label);
        ctx.response.putHeader(HeaderNames.PROMPT, id + "@" + version.version());
        ctx.prompt = new PromptUse(id, version.version(), label);
        ArrayNode messages;
        try {
            Map<String, String> values = PromptTemplates.values(version, variables(raw, body));
            messages = PromptTemplates.messages(version, values, maxBodyBytes);
        } catch (PromptTemplates.Invalid e) {
            throw error(400, "invalid_prompt_variables", e.param(), e.getMessage());
        } catch (PromptTemplates.TooLarge e) {
            throw tooLarge(id, version, maxBodyBytes);
        }
        byte[] out = Json.writeBytes(render(body, version, messages, id));
        if (out.length > maxBodyBytes) {
            throw tooLarge(id, version, maxBodyBytes);
        }
        return Buffer.buffer(out);
    }

    /** The 413 of a prompt whose rendered body would pass the gateway's body limit. */
    private static GatewayException tooLarge(String id, GatewayConfig.PromptVersion version, long maxBodyBytes) {
        return error(413, "request_too_large", "prompt_variables", "the request the prompt " + id + "@"
                + version.version() + " renders is larger than this gateway's limit of " + maxBodyBytes
                + " bytes (tollgate.gateway.max-body-bytes): send shorter prompt_variables (or fewer messages)");
    }

    /** The request body the version makes of {@code body}: its messages first, its model and parameters, no prompt_*. */
    static ObjectNode render(ObjectNode body, GatewayConfig.PromptVersion version, ArrayNode messages, String id) {
        JsonNode parameters = version.parameters();
        if (parameters != null && parameters.isObject()) {
            for (Iterator<String> it = parameters.fieldNames(); it.hasNext(); ) {
                String name = it.next();
                if (settable(name) && body.has(name) && !version.overridable().contains(name)) {
                    throw error(400, "parameter_fixed_by_prompt", name, "the prompt " + id + "@" + version.version()
                            + " sets '" + name + "' and does not let a request change it: leave '" + name
                            + "' out of the request, or list it in the version's overridable");
                }
            }
        }
        ObjectNode out = Json.object();
        boolean modelFixed = version.model() != null
                && !(version.overridable().contains("model") && isText(body.get("model")));
        if (modelFixed && !body.has("model")) {
            out.put("model", version.model());
        }
        JsonNode own = body.get("messages");
        if (!body.has("messages")) {
            out.set("messages", messages);
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = body.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String name = e.getKey();
            if (FIELDS.contains(name)) {
                continue;
            }
            if (name.equals("model") && modelFixed) {
                out.put("model", version.model());
            } else if (name.equals("messages")) {
                ArrayNode all = Json.array();
                all.addAll(messages);
                if (own != null && own.isArray()) {
                    all.addAll((ArrayNode) own);
                }
                out.set("messages", all);
            } else {
                out.set(name, e.getValue());
            }
        }
        if (parameters != null && parameters.isObject()) {
            for (Iterator<Map.Entry<String, JsonNode>> it = parameters.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (settable(e.getKey()) && !out.has(e.getKey())) {
                    out.set(e.getKey(), e.getValue().deepCopy());
                }
            }
        }
        return out;
    }

    /** Whether a version's parameter may be applied: never the request's messages, model or prompt fields. */
    private static boolean settable(String name) {
        return !name.equals("messages") && !name.equals("model") && !FIELDS.contains(name);
    }

    /** The Prompt id {@code prompt_id} names: {@code name} in the key's namespace, or {@code <namespace>/<name>}. */
    static String promptId(RequestContext ctx, JsonNode field) {
        if (!isText(field) || field.textValue().isBlank()) {
            throw error(400, "invalid_value", "prompt_id", "'prompt_id' must be a Prompt's name (a string), or "
                    + "<namespace>/<name>");
        }
        String name = field.textValue();
        if (name.indexOf('/') >= 0) {
            return name;
        }
        return namespace(ctx.key.id()) + "/" + name;
    }

    /** The namespace of a key or Prompt id: the part before '/' ({@code default} without one). */
    static String namespace(String id) {
        int slash = id.indexOf('/');
        return slash < 0 ? "default" : id.substring(0, slash);
    }

    /** The version the request asks for (see the class comment). */
    static GatewayConfig.PromptVersion version(GatewayConfig.Prompt prompt, JsonNode versionField, String label) {
        boolean hasVersion = versionField != null && !versionField.isNull();
        if (label != null && hasVersion) {
            throw error(400, "invalid_value", "prompt_label", "give prompt_version or prompt_label, not both");
        }
        if (hasVersion) {
            if (!versionField.isIntegralNumber() || !versionField.canConvertToInt() || versionField.intValue() < 1) {
                throw error(400, "invalid_value", "prompt_version", "'prompt_version' must be an integer of 1 or more");
            }
            int n = versionField.intValue();
            GatewayConfig.PromptVersion v = byNumber(prompt, n);
            if (v == null) {
                throw error(404, "prompt_not_found", "prompt_version", "the Prompt '" + prompt.id() + "' has no "
                        + "version " + n + ": it has " + versions(prompt));
            }
            return v;
        }
        if (label != null) {
            Integer n = prompt.labels().get(label);
            GatewayConfig.PromptVersion v = n == null ? null : byNumber(prompt, n);
            if (v == null) {
                throw error(404, "prompt_not_found", "prompt_label", "the Prompt '" + prompt.id() + "' has no label '"
                        + label + "': " + (prompt.labels().isEmpty() ? "it has none"
                        : "it has " + String.join(", ", new TreeMap<>(prompt.labels()).keySet())));
            }
            return v;
        }
        Integer production = prompt.labels().get(DEFAULT_LABEL);
        GatewayConfig.PromptVersion v = production == null ? null : byNumber(prompt, production);
        if (v != null) {
            return v;
        }
        GatewayConfig.PromptVersion highest = null;
        for (GatewayConfig.PromptVersion candidate : prompt.versions()) {
            if (highest == null || candidate.version() > highest.version()) {
                highest = candidate;
            }
        }
        if (highest == null) {
            throw error(404, "prompt_not_found", "prompt_id", "the Prompt '" + prompt.id() + "' has no version");
        }
        return highest;
    }

    private static GatewayConfig.PromptVersion byNumber(GatewayConfig.Prompt prompt, int n) {
        for (GatewayConfig.PromptVersion v : prompt.versions()) {
            if (v.version() == n) {
                return v;
            }
        }
        return null;
    }

    private static String versions(GatewayConfig.Prompt prompt) {
        StringBuilder sb = new StringBuilder();
        for (GatewayConfig.PromptVersion v : prompt.versions()) {
            sb.append(sb.length() == 0 ? "" : ", ").append(v.version());
        }
        return sb.length() == 0 ? "none" : sb.toString();
    }

    /** The request's {@code prompt_label}: null when absent or null; a 400 when not a string. */
    private static String text(ObjectNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return null;
        }
        if (!n.isTextual()) {
            throw error(400, "invalid_value", field, "'" + field + "' must be a string (a label of the Prompt's "
                    + "spec.labels, e.g. production)");
        }
        return n.textValue();
    }

    /**
     * The request's {@code prompt_variables}, with each number as the client wrote it (read again from the client's
     * bytes: a tree would turn {@code 1.50} into {@code 1.5}). Anything but an object is handed over as parsed (the
     * template engine refuses it).
     */
    static JsonNode variables(Buffer raw, ObjectNode body) {
        JsonNode parsed = body.get("prompt_variables");
        if (parsed == null || !parsed.isObject() || !hasNumber(parsed)) {
            return parsed;
        }
        try (JsonParser p = Json.mapper().createParser(Json.exactArray(raw))) {
            ObjectNode found = null;
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken t = p.nextToken();
                if (name.equals("prompt_variables") && t == JsonToken.START_OBJECT) {
                    found = Json.object(); // the last one wins, as everywhere in Tollgate
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String variable = p.currentName();
                        JsonToken v = p.nextToken();
                        if (v == JsonToken.VALUE_NUMBER_INT || v == JsonToken.VALUE_NUMBER_FLOAT) {
                            found.put(variable, p.getText());
                        } else {
                            found.set(variable, p.readValueAsTree());
                        }
                    }
                } else {
                    p.skipChildren();
                }
            }
            return found == null ? parsed : found;
        } catch (IOException e) {
            return parsed; // the body was read once already: cannot happen
        }
    }

    private static boolean hasNumber(JsonNode object) {
        for (JsonNode v : object) {
            if (v.isNumber()) {
                return true;
            }
        }
        return false;
    }

    private static boolean isText(JsonNode n) {
        return n != null && n.isTextual();
    }

    private static GatewayException error(int status, String code, String param, String message) {
        return new GatewayException(ApiError.of(status, message, param).withCode(code));
    }
}
