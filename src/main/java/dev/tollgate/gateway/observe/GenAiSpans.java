package dev.tollgate.gateway.observe;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.config.Money;
import dev.tollgate.gateway.Json;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanId;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceId;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.common.InstrumentationLibraryInfo;
import io.opentelemetry.sdk.common.InstrumentationScopeInfo;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.data.StatusData;
import io.vertx.core.buffer.Buffer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Finished requests as OpenTelemetry spans following the GenAI semantic conventions: one span per gateway request
 * (kind SERVER), a child per upstream attempt (kind CLIENT), encoded as an OTLP {@code ExportTraceServiceRequest}
 * (protobuf) for {@code POST <endpoint>/v1/traces}. Used by the gateway's own tracing (sink type {@code otlp}) and
 * by Traceloop's sink.
 *
 * <p>The spans are the OpenTelemetry SDK's own data model ({@link SpanData}) and the bytes are written by the SDK's
 * OTLP marshaler ({@link TraceRequestMarshaler}, opentelemetry-exporter-otlp-common): the same encoding the SDK's
 * OTLP exporters send, with no protobuf written here. Pure: no I/O, no clock (times come from the records).
 *
 * <p>Conventions followed (GenAI conventions are at Development status; names as in the registry today):
 * <ul>
 *   <li>spans: https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/ — name
 *       {@code {gen_ai.operation.name} {gen_ai.request.model}}, the attempt (the real GenAI client call) of kind
 *       CLIENT; the request's span is the gateway serving it, so kind SERVER;</li>
 *   <li>attributes: https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/registry/attributes/gen-ai.md
 *       ({@code gen_ai.usage.input_tokens} includes the cached tokens; {@code gen_ai.usage.cache_read.input_tokens},
 *       {@code gen_ai.usage.cache_creation.input_tokens}, {@code gen_ai.request.stream},
 *       {@code gen_ai.response.time_to_first_chunk} in seconds);</li>
 *   <li>content (opt-in): {@code gen_ai.input.messages}, {@code gen_ai.output.messages},
 *       {@code gen_ai.system_instructions} as JSON strings following the schemas
 *       https://github.com/open-telemetry/semantic-conventions-genai/blob/main/docs/gen-ai/gen-ai-input-messages.json
 *       (and gen-ai-output-messages.json, gen-ai-system-instructions.json);</li>
 *   <li>status: https://opentelemetry.io/docs/specs/semconv/general/recording-errors/ and the HTTP span status rule
 *       (https://opentelemetry.io/docs/specs/semconv/http/http-spans/#status): the SERVER span is ERROR for a 5xx only
 *       (a 4xx is the client's), a CLIENT attempt span is ERROR whenever it failed; {@code error.type} is set on any
 *       failure: the gateway's error type, else the status code.</li>
 * </ul>
 *
 * <p>Tollgate's own attributes are under {@code tollgate.*}: {@code tollgate.request_id}, {@code tollgate.key.id},
 * {@code tollgate.key.namespace}, {@code tollgate.key.attributes.<name>} (the VirtualKey's chargeback attributes),
 * {@code tollgate.budget.ids}, {@code tollgate.cost_usd} (a decimal string: money is never a float),
 * {@code tollgate.cache.status}, {@code tollgate.model_group}, {@code tollgate.deployment}, {@code tollgate.ingress},
 * {@code tollgate.attempts}; on attempts {@code tollgate.attempt} and {@code tollgate.superseded}. A record holds no
 * secret, and nothing here adds one: a sink's credentials travel only in the request headers.
 */
public final class GenAiSpans {
    /** The instrumentation scope of every span. */
    public static final String SCOPE = "dev.tollgate.gateway";
    /** A status description is cut to this many characters. */
    static final int MAX_DESCRIPTION = 512;

    private static final InstrumentationScopeInfo SCOPE_INFO = InstrumentationScopeInfo.create(SCOPE);

    private GenAiSpans() {}

    /**
     * The OTLP/HTTP protobuf body carrying these requests' spans.
     *
     * @param serviceName     the resource's {@code service.name}
     * @param serviceInstance the resource's {@code service.instance.id} (the gateway id and pod), or null
     * @param withContent     add the prompt and answer as span events/attributes (Traceloop with logContent)
     */
    public static byte[] encode(List<CallRecord> records, String serviceName, String serviceInstance, boolean withContent) {
        Resource resource = resource(serviceName, serviceInstance);
        List<SpanData> spans = new ArrayList<>();
        for (CallRecord r : records) {
            spans(r, resource, withContent, spans);
        }
        TraceRequestMarshaler marshaler = TraceRequestMarshaler.create(spans);
        ByteArrayOutputStream out = new ByteArrayOutputStream(marshaler.getBinarySerializedSize());
        try {
            marshaler.writeBinaryTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        }
        return out.toByteArray();
    }

    /**
     * The OTLP sink format of the gateway's own tracing (type {@code otlp}): {@code <url>/v1/traces}. The resource's
     * {@code service.name} is {@link SinkTarget#serviceName()}, its {@code service.instance.id} the pod's host name
     * ({@code HOSTNAME}, the pod name in Kubernetes) when set.
     */
    public static SinkFormat otlpFormat() {
        return otlpFormat(System.getenv("HOSTNAME"));
    }

    /** The OTLP sink format with this {@code service.instance.id} (null: none). */
    public static SinkFormat otlpFormat(String serviceInstance) {
        return new OtlpFormat(serviceInstance);
    }

    /**
     * The OTLP/HTTP trace export (https://opentelemetry.io/docs/specs/otlp/#otlphttp): a binary protobuf
     * {@code ExportTraceServiceRequest} POSTed with {@code Content-Type: application/x-protobuf} to
     * {@code <endpoint>/v1/traces}; the target's headers and credentials (header name -> value, e.g.
     * {@code authorization}) as headers. Retried as the spec says: 429, 502, 503, 504 only.
     */
    static final class OtlpFormat implements SinkFormat {
        static final String CONTENT_TYPE = "application/x-protobuf";
        private final String serviceInstance;

        OtlpFormat(String serviceInstance) {
            this.serviceInstance = serviceInstance == null || serviceInstance.isBlank() ? null : serviceInstance;
        }

        @Override
        public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
            if (batch.isEmpty()) {
                return List.of();
            }
            Map<String, String> headers = Headers.merge(target.headers(), target.credentials(),
                    Map.of("content-type", CONTENT_TYPE));
            String service = target.serviceName() == null ? "tollgate-gateway" : target.serviceName();
            byte[] body = GenAiSpans.encode(batch, service, serviceInstance, target.logContent());
            return List.of(new SinkRequest("POST", tracesUrl(target.url()), headers, Buffer.buffer(body),
                    batch.size()));
        }

        @Override
        public boolean retryable(int status) {
            return status == 429 || status == 502 || status == 503 || status == 504;
        }
    }

    /** {@code <base>/v1/traces} (a base already ending so is kept). */
    static String tracesUrl(String base) {
        return signalUrl(base, "/v1/traces");
    }

    /** {@code <base><signal path>}: the OTLP/HTTP path of a signal appended to a base URL. */
    public static String signalUrl(String base, String path) {
        return SinkUrls.join(base, path);
    }

    /**
     * Tollgate's provider name as the semconv's {@code gen_ai.provider.name}: a well-known value where one applies
     * (https://opentelemetry.io/docs/specs/semconv/gen-ai/gen-ai-spans/, "gen_ai.provider.name has the following list
     * of well-known values"), else the provider's own name; {@code none} when there was none (a cache hit, or a
     * request refused before routing).
     */
    public static String providerName(String provider) {
        if (provider == null) {
            return "none";
        }
        switch (provider) {
            case "azure": return "azure.ai.openai";
            case "gemini":
            case "palm": return "gcp.gemini"; // generativelanguage.googleapis.com
            case "vertex": return "gcp.vertex_ai";
            case "bedrock": return "aws.bedrock";
            case "mistral": return "mistral_ai";
            case "xai": return "x_ai";
            case "watsonx": return "ibm.watsonx.ai";
            default: return provider; // openai, anthropic, cohere, groq, deepseek, perplexity are the same; others as-is
        }
    }

    /** The semconv's {@code error.type}: the error's type, else the status when not 2xx, else null. */
    public static String errorType(int status, String errorType) {
        if (errorType != null && !errorType.isEmpty()) {
            return errorType;
        }
        return status >= 200 && status < 300 ? null : Integer.toString(status);
    }

    static Resource resource(String serviceName, String serviceInstance) {
        AttributesBuilder a = Attributes.builder().put("service.name", serviceName == null ? "tollgate-gateway" : serviceName);
        if (serviceInstance != null) {
            a.put("service.instance.id", serviceInstance);
        }
        return Resource.getDefault().merge(Resource.create(a.build())); // telemetry.sdk.{name,language,version}
    }

    private static void spans(CallRecord r, Resource resource, boolean withContent, List<SpanData> out) {
        if (!TraceId.isValid(r.traceId()) || !SpanId.isValid(r.spanId())) {
            return; // no valid span can be made of it (the request path always sets both)
        }
        TraceFlags flags = r.sampled() ? TraceFlags.getSampled() : TraceFlags.getDefault();
        SpanContext self = SpanContext.create(r.traceId(), r.spanId(), flags, TraceState.getDefault());
        SpanContext parent = !SpanId.isValid(r.parentSpanId()) ? SpanContext.getInvalid()
                : SpanContext.createFromRemoteParent(r.traceId(), r.parentSpanId(), flags, TraceState.getDefault());
        String requestModel = r.requestedModel() != null ? r.requestedModel() : r.model();
        String error = errorType(r.status(), r.errorType());

        AttributesBuilder a = Attributes.builder();
        common(a, r.operation(), r.provider(), requestModel, r.serverAddress(), r.serverPort(), r.stream(), r.requestParams());
        response(a, r);
        usage(a, r.inputTokens(), r.outputTokens());
        putLong(a, "gen_ai.usage.cache_read.input_tokens", r.cachedInputTokens());
        putLong(a, "gen_ai.usage.cache_creation.input_tokens", r.cacheWriteTokens());
        if (r.stream() && r.firstTokenNanos() != null) {
            a.put("gen_ai.response.time_to_first_chunk", r.firstTokenNanos() / 1e9);
        }
        if (error != null) {
            a.put("error.type", error);
        }
        a.put("http.response.status_code", (long) r.status());
        putString(a, "url.path", r.path());
        putString(a, "tollgate.request_id", r.requestId());
        putString(a, "tollgate.key.id", r.keyId());
        putString(a, "tollgate.key.namespace", r.keyNamespace());
        for (Map.Entry<String, String> e : r.keyAttributes().entrySet()) {
            putString(a, "tollgate.key.attributes." + e.getKey(), e.getValue());
        }
        if (!r.budgets().isEmpty()) {
            a.put(AttributeKey.stringArrayKey("tollgate.budget.ids"), strings(r.budgets()));
        }
        if (!r.tags().isEmpty()) {
            a.put(AttributeKey.stringArrayKey("tollgate.tags"), strings(r.tags()));
        }
        if (r.promptId() != null) {
            putString(a, "tollgate.prompt.id", r.promptId());
            a.put("tollgate.prompt.version", (long) r.promptVersion());
        }
        if (r.costMicros() != null) {
            a.put("tollgate.cost_usd", Money.format(r.costMicros()));
        }
        putString(a, "tollgate.cache.status", r.cacheStatus());
        putString(a, "tollgate.model_group", r.model());
        putString(a, "tollgate.deployment", r.deploymentId());
        putString(a, "tollgate.ingress", r.ingress());
        a.put("tollgate.attempts", (long) r.attempts().size());
        if (withContent) {
            Content.put(a, r);
        }
        StatusData status = r.status() >= 500
                ? StatusData.create(StatusCode.ERROR, description(r.errorMessage() != null ? r.errorMessage() : error))
                : StatusData.unset();
        out.add(new Span(name(r.operation(), requestModel), SpanKind.SERVER, self, parent, status, r.startEpochNanos(),
                r.endEpochNanos(), a.build(), resource));

        AttemptRecord last = r.attempts().isEmpty() ? null : r.attempts().get(r.attempts().size() - 1);
        for (AttemptRecord at : r.attempts()) {
            if (!SpanId.isValid(at.spanId())) {
                continue;
            }
            SpanContext child = SpanContext.create(r.traceId(), at.spanId(), flags, TraceState.getDefault());
            String atError = errorType(at.status(), at.errorType());
            AttributesBuilder b = Attributes.builder();
            common(b, r.operation(), at.provider(), at.upstreamModel(), at.serverAddress(), at.serverPort(), r.stream(),
                    r.requestParams());
            if (at == last && atError == null) {
                response(b, r); // the attempt that answered: the answer's model, id and finish reasons
            }
            usage(b, at.inputTokens(), at.outputTokens());
            if (atError != null) {
                b.put("error.type", atError);
            }
            b.put("http.response.status_code", (long) at.status());
            b.put("tollgate.attempt", (long) at.attempt());
            b.put("tollgate.superseded", at.superseded());
            putString(b, "tollgate.model_group", at.model());
            putString(b, "tollgate.deployment", at.deploymentId());
            if (at.costMicros() != null) {
                b.put("tollgate.cost_usd", Money.format(at.costMicros()));
            }
            StatusData atStatus = atError == null ? StatusData.unset() : StatusData.create(StatusCode.ERROR, atError);
            out.add(new Span(name(r.operation(), at.upstreamModel()), SpanKind.CLIENT, child, self, atStatus,
                    at.startEpochNanos(), at.endEpochNanos(), b.build(), resource));
        }
    }

    private static void common(AttributesBuilder a, String operation, String provider, String requestModel,
            String serverAddress, Integer serverPort, boolean stream, Map<String, Object> params) {
        putString(a, "gen_ai.operation.name", operation);
        a.put("gen_ai.provider.name", providerName(provider));
        putString(a, "gen_ai.request.model", requestModel);
        putString(a, "server.address", serverAddress);
        if (serverAddress != null && serverPort != null) {
            a.put("server.port", (long) serverPort);
        }
        a.put("gen_ai.request.stream", stream);
        requestParams(a, params);
    }

    private static void response(AttributesBuilder a, CallRecord r) {
        putString(a, "gen_ai.response.model", r.responseModel());
        putString(a, "gen_ai.response.id", r.responseId());
        if (!r.finishReasons().isEmpty()) {
            a.put(AttributeKey.stringArrayKey("gen_ai.response.finish_reasons"), strings(r.finishReasons()));
        }
    }

    private static void usage(AttributesBuilder a, Long input, Long output) {
        putLong(a, "gen_ai.usage.input_tokens", input);
        putLong(a, "gen_ai.usage.output_tokens", output);
    }

    /** The request's sampling parameters, by their OpenAI names, as {@code gen_ai.request.*}. */
    private static void requestParams(AttributesBuilder a, Map<String, Object> p) {
        if (p.isEmpty()) {
            return;
        }
        longParam(a, "gen_ai.request.max_tokens", p.get("max_tokens"));
        doubleParam(a, "gen_ai.request.temperature", p.get("temperature"));
        doubleParam(a, "gen_ai.request.top_p", p.get("top_p"));
        doubleParam(a, "gen_ai.request.frequency_penalty", p.get("frequency_penalty"));
        doubleParam(a, "gen_ai.request.presence_penalty", p.get("presence_penalty"));
        longParam(a, "gen_ai.request.seed", p.get("seed"));
        Object n = p.get("n");
        if (n instanceof Number && ((Number) n).longValue() != 1) { // "if available, in the request, and !=1"
            a.put("gen_ai.request.choice.count", ((Number) n).longValue());
        }
        Object stop = p.get("stop");
        List<String> stops = new ArrayList<>();
        if (stop instanceof String) {
            stops.add((String) stop);
        } else if (stop instanceof List) {
            for (Object s : (List<?>) stop) {
                if (s != null) {
                    stops.add(s.toString());
                }
            }
        }
        if (!stops.isEmpty()) {
            a.put(AttributeKey.stringArrayKey("gen_ai.request.stop_sequences"), stops);
        }
    }

    private static void longParam(AttributesBuilder a, String key, Object v) {
        if (v instanceof Number) {
            a.put(key, ((Number) v).longValue());
        }
    }

    private static void doubleParam(AttributesBuilder a, String key, Object v) {
        if (v instanceof Number) {
            a.put(key, ((Number) v).doubleValue());
        }
    }

    private static List<String> strings(List<String> values) {
        List<String> out = new ArrayList<>(values.size());
        for (String v : values) {
            if (v != null) {
                out.add(v);
            }
        }
        return out;
    }

    private static void putString(AttributesBuilder a, String key, String v) {
        if (v != null) {
            a.put(key, v);
        }
    }

    private static void putLong(AttributesBuilder a, String key, Long v) {
        if (v != null) {
            a.put(key, v.longValue());
        }
    }

    private static String name(String operation, String model) {
        String op = operation == null ? "unknown" : operation;
        return model == null ? op : op + " " + model; // "{gen_ai.operation.name} {gen_ai.request.model}"
    }

    private static String description(String s) {
        if (s == null) {
            return "";
        }
        return s.length() <= MAX_DESCRIPTION ? s : s.substring(0, MAX_DESCRIPTION);
    }

    /**
     * The opt-in content attributes, as JSON strings (the semconv allows a JSON string on spans): the client's request
     * in either dialect (OpenAI chat / completions / embeddings, Anthropic Messages) as {@code gen_ai.input.messages}
     * (+ Anthropic's {@code system} as {@code gen_ai.system_instructions}), and the answer as
     * {@code gen_ai.output.messages}: one message per choice of a JSON answer, or the stream's assembled text.
     */
    static final class Content {
        private Content() {}

        static void put(AttributesBuilder a, CallRecord r) {
            JsonNode req = r.request();
            if (req != null && req.isObject()) {
                ArrayNode input = input(req);
                if (!input.isEmpty()) {
                    a.put("gen_ai.input.messages", input.toString());
                }
                JsonNode system = req.get("system"); // Anthropic: instructions apart from the chat history
                if (system != null && !system.isNull() && req.has("messages")) {
                    ArrayNode parts = parts(system);
                    if (!parts.isEmpty()) {
                        a.put("gen_ai.system_instructions", parts.toString());
                    }
                }
            }
            if (r.answer() != null && !"embeddings".equals(r.operation())) {
                ArrayNode output = output(r.answer(), r.finishReasons());
                if (!output.isEmpty()) {
                    a.put("gen_ai.output.messages", output.toString());
                }
            }
        }

        static ArrayNode input(JsonNode req) {
            ArrayNode out = Json.array();
            JsonNode messages = req.get("messages");
            if (messages != null && messages.isArray()) {
                for (JsonNode m : messages) {
                    String role = m.path("role").asText("user");
                    ObjectNode msg = out.addObject();
                    msg.put("role", role);
                    ArrayNode parts = msg.putArray("parts");
                    if ("tool".equals(role)) { // OpenAI: a tool's result answering tool_call_id
                        ObjectNode p = parts.addObject().put("type", "tool_call_response");
                        putText(p, "id", m.get("tool_call_id"));
                        p.put("response", text(m.get("content")));
                    } else {
                        parts.addAll(parts(m.get("content")));
                        for (JsonNode call : m.path("tool_calls")) {
                            ObjectNode p = parts.addObject().put("type", "tool_call");
                            putText(p, "id", call.get("id"));
                            p.put("name", call.path("function").path("name").asText(""));
                            p.set("arguments", arguments(call.path("function").get("arguments")));
                        }
                    }
                    if (m.hasNonNull("name") && m.get("name").isTextual()) {
                        msg.put("name", m.get("name").asText());
                    }
                }
                return out;
            }
            JsonNode text = req.has("prompt") ? req.get("prompt") : req.get("input"); // completions, embeddings
            if (text != null && !text.isNull()) {
                ObjectNode msg = out.addObject().put("role", "user");
                ArrayNode parts = msg.putArray("parts");
                if (text.isArray()) {
                    for (JsonNode t : text) {
                        parts.addObject().put("type", "text").put("content", t.isTextual() ? t.asText() : t.toString());
                    }
                } else {
                    parts.addObject().put("type", "text").put("content", text.isTextual() ? text.asText() : text.toString());
                }
            }
            return out;
        }

        /** A message's content (a string, or an array of OpenAI parts / Anthropic blocks) as semconv parts. */
        static ArrayNode parts(JsonNode content) {
            ArrayNode parts = Json.array();
            if (content == null || content.isNull()) {
                return parts;
            }
            if (content.isTextual()) {
                parts.addObject().put("type", "text").put("content", content.asText());
                return parts;
            }
            if (!content.isArray()) {
                parts.addObject().put("type", "text").put("content", content.toString());
                return parts;
            }
            for (JsonNode block : content) {
                String type = block.path("type").asText("");
                switch (type) {
                    case "text":
                        parts.addObject().put("type", "text").put("content", block.path("text").asText(""));
                        break;
                    case "image_url": { // OpenAI: a URL, or a data: URL (inline bytes)
                        String url = block.path("image_url").path("url").asText("");
                        image(parts, url);
                        break;
                    }
                    case "image": { // Anthropic: source base64 | url
                        JsonNode source = block.path("source");
                        if ("base64".equals(source.path("type").asText())) {
                            parts.addObject().put("type", "blob").put("modality", "image")
                                    .put("mime_type", source.path("media_type").asText(null))
                                    .put("content", source.path("data").asText(""));
                        } else {
                            parts.addObject().put("type", "uri").put("modality", "image")
                                    .put("uri", source.path("url").asText(""));
                        }
                        break;
                    }
                    case "tool_use": { // Anthropic: a tool call the model made
                        ObjectNode p = parts.addObject().put("type", "tool_call");
                        putText(p, "id", block.get("id"));
                        p.put("name", block.path("name").asText(""));
                        p.set("arguments", block.has("input") ? block.get("input").deepCopy() : Json.object());
                        break;
                    }
                    case "tool_result": { // Anthropic: a tool's result
                        ObjectNode p = parts.addObject().put("type", "tool_call_response");
                        putText(p, "id", block.get("tool_use_id"));
                        p.put("response", text(block.get("content")));
                        break;
                    }
                    case "thinking":
                        parts.addObject().put("type", "reasoning").put("content", block.path("thinking").asText(""));
                        break;
                    default:
                        parts.addObject().put("type", type.isEmpty() ? "unknown" : type); // GenericPart
                }
            }
            return parts;
        }

        private static void image(ArrayNode parts, String url) {
            if (url.startsWith("data:") && url.contains(",")) {
                int comma = url.indexOf(',');
                String meta = url.substring(5, comma);
                int semi = meta.indexOf(';');
                parts.addObject().put("type", "blob").put("modality", "image")
                        .put("mime_type", semi < 0 ? meta : meta.substring(0, semi))
                        .put("content", url.substring(comma + 1));
            } else {
                parts.addObject().put("type", "uri").put("modality", "image").put("uri", url);
            }
        }

        /** The answer: a JSON answer's choices (OpenAI) or content blocks (Anthropic), else the text as one message. */
        static ArrayNode output(String answer, List<String> finishReasons) {
            ArrayNode out = Json.array();
            JsonNode body = null;
            String trimmed = answer.trim();
            if (trimmed.startsWith("{")) {
                try {
                    body = Json.mapper().readTree(trimmed);
                } catch (IOException | RuntimeException e) {
                    body = null; // not JSON after all: the text itself
                }
            }
            if (body != null && body.path("choices").isArray()) { // OpenAI chat / completions
                for (JsonNode choice : body.get("choices")) {
                    ObjectNode msg = out.addObject().put("role", "assistant");
                    ArrayNode parts = msg.putArray("parts");
                    JsonNode message = choice.get("message");
                    if (message != null) {
                        parts.addAll(parts(message.get("content")));
                        for (JsonNode call : message.path("tool_calls")) {
                            ObjectNode p = parts.addObject().put("type", "tool_call");
                            putText(p, "id", call.get("id"));
                            p.put("name", call.path("function").path("name").asText(""));
                            p.set("arguments", arguments(call.path("function").get("arguments")));
                        }
                    } else if (choice.has("text")) {
                        parts.addObject().put("type", "text").put("content", choice.path("text").asText(""));
                    }
                    if (choice.hasNonNull("finish_reason")) {
                        msg.put("finish_reason", choice.get("finish_reason").asText());
                    }
                }
                return out;
            }
            if (body != null && body.path("content").isArray()) { // Anthropic Messages
                ObjectNode msg = out.addObject().put("role", body.path("role").asText("assistant"));
                msg.set("parts", parts(body.get("content")));
                if (body.hasNonNull("stop_reason")) {
                    msg.put("finish_reason", body.get("stop_reason").asText());
                }
                return out;
            }
            ObjectNode msg = out.addObject().put("role", "assistant");
            msg.putArray("parts").addObject().put("type", "text").put("content", answer);
            if (!finishReasons.isEmpty()) {
                msg.put("finish_reason", finishReasons.get(0));
            }
            return out;
        }

        private static JsonNode arguments(JsonNode args) {
            if (args == null || args.isNull()) {
                return Json.object();
            }
            if (args.isTextual()) { // OpenAI sends the arguments as a JSON string: an object where it parses
                try {
                    JsonNode parsed = Json.mapper().readTree(args.asText());
                    return parsed == null ? args : parsed;
                } catch (IOException | RuntimeException e) {
                    return args;
                }
            }
            return args.deepCopy();
        }

        private static String text(JsonNode content) {
            if (content == null || content.isNull()) {
                return "";
            }
            if (content.isTextual()) {
                return content.asText();
            }
            if (content.isArray()) {
                StringBuilder s = new StringBuilder();
                for (JsonNode b : content) {
                    if (b.has("text")) {
                        s.append(b.get("text").asText());
                    }
                }
                return s.toString();
            }
            return content.toString();
        }

        private static void putText(ObjectNode o, String field, JsonNode v) {
            if (v != null && v.isTextual()) {
                o.put(field, v.asText());
            }
        }
    }

    /** One finished span as the SDK's exporters see it. */
    private static final class Span implements SpanData {
        private final String name;
        private final SpanKind kind;
        private final SpanContext context;
        private final SpanContext parent;
        private final StatusData status;
        private final long start;
        private final long end;
        private final Attributes attributes;
        private final Resource resource;

        Span(String name, SpanKind kind, SpanContext context, SpanContext parent, StatusData status, long start, long end,
                Attributes attributes, Resource resource) {
            this.name = name;
            this.kind = kind;
            this.context = context;
            this.parent = parent;
            this.status = status;
            this.start = start;
            this.end = Math.max(start, end);
            this.attributes = attributes;
            this.resource = resource;
        }

        @Override public String getName() { return name; }
        @Override public SpanKind getKind() { return kind; }
        @Override public SpanContext getSpanContext() { return context; }
        @Override public SpanContext getParentSpanContext() { return parent; }
        @Override public StatusData getStatus() { return status; }
        @Override public long getStartEpochNanos() { return start; }
        @Override public Attributes getAttributes() { return attributes; }
        @Override public List<EventData> getEvents() { return List.of(); }
        @Override public List<LinkData> getLinks() { return List.of(); }
        @Override public long getEndEpochNanos() { return end; }
        @Override public boolean hasEnded() { return true; }
        @Override public int getTotalRecordedEvents() { return 0; }
        @Override public int getTotalRecordedLinks() { return 0; }
        @Override public int getTotalAttributeCount() { return attributes.size(); }
        @Override public InstrumentationScopeInfo getInstrumentationScopeInfo() { return SCOPE_INFO; }
        @Override public Resource getResource() { return resource; }

        @Override
        @SuppressWarnings("deprecation")
        public InstrumentationLibraryInfo getInstrumentationLibraryInfo() {
            return InstrumentationLibraryInfo.create(SCOPE, null);
        }
    }
}
