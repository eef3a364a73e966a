package dev.tollgate.gateway.provider.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.GatewayConfig;
import dev.tollgate.config.Provider;
import dev.tollgate.config.Provider.Capability;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.Json;
import dev.tollgate.gateway.provider.Adapter;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.ParamPolicy;
import dev.tollgate.gateway.provider.StreamDecoder;
import dev.tollgate.gateway.provider.UnsupportedParams;
import dev.tollgate.gateway.provider.UpstreamErrors;
import dev.tollgate.gateway.provider.UpstreamException;
import dev.tollgate.gateway.provider.UpstreamRequest;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A named preset of the OpenAI-compatible family (Mistral, Groq, Together, DeepSeek, Fireworks, OpenRouter, xAI,
 * Perplexity, vLLM): OpenAI's request and answer shapes at the provider's default base URL, with the provider's
 * documented differences handled by its {@link Preset}. Requests go to {@code {apiBase}/{chat/completions |
 * completions | embeddings}} with {@code Authorization: Bearer <key>} (none for a vLLM without a key). Streams are
 * OpenAI's SSE chunks ending in {@code [DONE]}; wherever the provider puts the usage (on the finishing chunk, on every
 * chunk, in Groq's {@code x_groq}), it leaves as one usage-only chunk at the end, as the hub expects. Errors in every
 * shape these providers use ({@code {"error":{…}}}, Mistral's and vLLM's {@code {"object":"error","message":…}} with
 * FastAPI's validation details, xAI's {@code {"code","error"}}) map as OpenAI's do; a prompt over the context window
 * becomes 400 {@code context_length_exceeded}.
 *
 * <p>Provider {@code openai} keeps {@link OpenAiUpstream}'s byte relay: nothing here is on its path.
 */
public final class PresetAdapter implements Adapter {
    private final Provider provider;
    private final Preset preset;
    private final String label;
    /** The registry's capabilities, read once (supports() is asked on every request). */
    private final java.util.Set<Capability> capabilities;

    public PresetAdapter(Provider provider) {
        this(provider, Map.of());
    }

    /** @param openRouterHeaders OpenRouter's attribution headers ({@code HTTP-Referer}, {@code X-Title}), if any */
    public PresetAdapter(Provider provider, Map<String, String> openRouterHeaders) {
        this.provider = provider;
        this.capabilities = provider.capabilities();
        this.preset = Preset.of(provider, openRouterHeaders);
        if (preset == null) {
            throw new IllegalArgumentException(provider.wireName() + " is not an OpenAI-compatible preset");
        }
        this.label = switch (provider) {
            case MISTRAL -> "Mistral";
            case GROQ -> "Groq";
            case TOGETHER_AI -> "Together AI";
            case DEEPSEEK -> "DeepSeek";
            case FIREWORKS_AI -> "Fireworks AI";
            case OPENROUTER -> "OpenRouter";
            case XAI -> "xAI";
            case PERPLEXITY -> "Perplexity";
            default -> provider.wireName();
        };
    }

    /**
     * The adapter with the gateway's settings: OpenRouter's attribution headers from
     * {@code tollgate.openrouter.http-referer} and {@code tollgate.openrouter.x-title} (both optional).
     */
    public static PresetAdapter configured(Provider provider) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (provider == Provider.OPENROUTER) {
            try {
                org.eclipse.microprofile.config.Config config = org.eclipse.microprofile.config.ConfigProvider.getConfig();
                config.getOptionalValue("tollgate.openrouter.http-referer", String.class)
                        .ifPresent(v -> headers.put("HTTP-Referer", v));
                config.getOptionalValue("tollgate.openrouter.x-title", String.class)
                        .ifPresent(v -> headers.put("X-Title", v));
            } catch (RuntimeException e) {
                // no configuration (a plain unit test): no attribution
            }
        }
        return new PresetAdapter(provider, headers);
    }

    public Provider provider() {
        return provider;
    }

    @Override
    public boolean supports(Operation operation) {
        Capability needed = switch (operation) {
            case PASSTHROUGH -> null; // a provider's own API, never through an adapter
            case CHAT -> Capability.CHAT;
            case COMPLETIONS -> Capability.COMPLETIONS;
            case EMBEDDINGS -> Capability.EMBEDDINGS;
            case IMAGES -> Capability.IMAGE_GENERATION;
            case RERANK -> Capability.RERANK;
        };
        return needed != null && capabilities.contains(needed);
    }

    @Override
    public UpstreamRequest request(Call call, boolean stream) {
        GatewayConfig.Model model = call.model();
        ObjectNode body = call.body().deepCopy(); // the client's request stays as it came (a fallback may need it)
        if (stream) {
            body.put("stream", true);
        } else {
            body.remove("stream_options"); // OpenAI refuses it without stream
        }
        if (!preset.takesCacheMarkers()) {
            dev.tollgate.gateway.provider.CacheMarkers.strip(body); // hints about cost, not the answer: left out quietly
        }
        ParamPolicy policy = new ParamPolicy("drop".equals(model.unsupportedParams()) ? UnsupportedParams.DROP
                : UnsupportedParams.REJECT, label);
        preset.request(body, call.operation(), stream, model, policy);
        call.dropped().addAll(policy.dropped());
        UpstreamRequest request = UpstreamRequest.post(base(model) + "/" + call.operation().path(),
                Buffer.buffer(Json.writeBytes(body)));
        preset.headers(request);
        return request;
    }

    static String base(GatewayConfig.Model model) {
        String base = model.apiBase() == null ? "" : model.apiBase().trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }

    @Override
    public ObjectNode response(Call call, JsonNode body) {
        ObjectNode answer = (ObjectNode) body;
        if (answer.path("usage").isObject()) {
            preset.usage((ObjectNode) answer.get("usage"));
        }
        return answer;
    }

    @Override
    public StreamDecoder decoder(Call call) {
        return new PresetStream(preset, call.model().id());
    }

    @Override
    public UpstreamException error(Call call, int status, JsonNode body, MultiMap headers) {
        ApiError parsed = parseError(status, body);
        String modelId = call.model().id();
        if ((status == 400 || status == 413 || status == 422) && contextTooLong(parsed)) {
            return UpstreamErrors.from(400, ApiError.of(400, parsed.message() + " (" + modelId + "): shorten the "
                    + "messages or lower max_tokens", "messages").withCode("context_length_exceeded"), null, modelId);
        }
        return UpstreamErrors.from(status, parsed, headers.get("retry-after"), modelId);
    }

    /**
     * The provider's error body as an OpenAI error: {@code {"error":{message,type,param,code}}} (OpenAI, Groq, DeepSeek,
     * Together, Fireworks, OpenRouter, Perplexity, newer vLLM), {@code {"error":"…","code":"…"}} (xAI), or
     * {@code {"object":"error","message":…,"type":…}} where the message may be FastAPI's {@code {"detail":[…]}}
     * (Mistral, older vLLM); a bare {@code {"detail":…}} too. A numeric {@code code} (OpenRouter repeats the status
     * there) is not an error code and is left out.
     */
    static ApiError parseError(int status, JsonNode body) {
        String message = null;
        String type = null;
        String param = null;
        String code = null;
        if (body != null && body.isObject()) {
            JsonNode err = body.get("error");
            JsonNode holder = err != null && err.isObject() ? err : body;
            if (err != null && err.isTextual()) {
                message = err.asText();
            } else {
                JsonNode m = holder.get("message");
                if (m != null && m.isTextual()) {
                    message = m.asText();
                } else if (m != null && (m.isObject() || m.isArray())) {
                    message = detail(m.has("detail") ? m.get("detail") : m);
                    param = bodyField(m.has("detail") ? m.get("detail") : m);
                }
                type = Json.text(holder, "type");
                if (param == null) {
                    param = Json.text(holder, "param");
                }
                JsonNode c = holder.get("code");
                code = c != null && c.isTextual() && !c.asText().chars().allMatch(Character::isDigit) ? c.asText() : null;
            }
            if (message == null && body.has("detail")) {
                message = detail(body.get("detail"));
                param = bodyField(body.get("detail"));
            }
        }
        ObjectNode synthetic = Json.object();
        ObjectNode e = synthetic.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.put("param", param);
        e.put("code", code);
        return ApiError.fromOpenAi(status, synthetic);
    }

    /** FastAPI's validation details as text: "body.seed: Extra inputs are not permitted; …". */
    static String detail(JsonNode d) {
        if (d.isTextual()) {
            return d.asText();
        }
        if (!d.isArray()) {
            return d.toString();
        }
        StringBuilder s = new StringBuilder();
        for (JsonNode e : d) {
            if (s.length() > 0) {
                s.append("; ");
            }
            StringBuilder loc = new StringBuilder();
            for (JsonNode l : e.path("loc")) {
                loc.append(loc.length() == 0 ? "" : ".").append(l.asText());
            }
            s.append(loc.length() == 0 ? "" : loc + ": ").append(e.path("msg").asText(e.toString()));
        }
        return s.toString();
    }

    /** The request field one FastAPI validation error is about ({@code loc: ["body", "<field>", …]}), or null. */
    static String bodyField(JsonNode d) {
        if (d.isArray() && d.size() == 1) {
            JsonNode loc = d.get(0).path("loc");
            if (loc.size() >= 2 && "body".equals(loc.get(0).asText())) {
                return loc.get(1).asText();
            }
        }
        return null;
    }

    private static final List<String> CONTEXT_PHRASES = List.of("context length", "context_length", "context window",
            "maximum context", "too large for model", "prompt is too long", "reduce the length of the messages",
            "must be <=", "input is too long", "too many tokens", "exceeds the model's");

    /**
     * A prompt over the model's window, in the words these servers use: OpenAI's and vLLM's "maximum context length
     * is …", Groq's {@code context_length_exceeded}, Mistral's "… too large for model with N maximum context length",
     * Together's TGI "inputs tokens + max_new_tokens must be <= N".
     */
    static boolean contextTooLong(ApiError e) {
        if ("context_length_exceeded".equals(e.code())) {
            return true;
        }
        String m = e.message() == null ? "" : e.message().toLowerCase(Locale.ROOT);
        return CONTEXT_PHRASES.stream().anyMatch(m::contains) && (m.contains("token") || m.contains("context"));
    }

    @Override
    public boolean takesCacheMarkers() {
        return true; // the preset strips them for providers without the field
    }

    @Override
    public Authenticator authenticator() {
        return Authenticator.header("Authorization", "Bearer ");
    }
}
