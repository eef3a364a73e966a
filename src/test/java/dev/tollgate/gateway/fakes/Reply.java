package dev.tollgate.gateway.fakes;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a fake upstream answers to one request, in provider-neutral terms; each fake renders it in its own
 * provider's documented wire format. Whether the answer is streamed is decided by the request
 * ({@code "stream": true}), as with the real APIs.
 *
 * <pre>{@code
 * fake.enqueue(Reply.text("Hello there").usage(12, 3).chunks(3).every(Duration.ofMillis(20)));
 * fake.enqueue(Reply.toolCalls(ToolCall.of("get_weather", "{\"city\":\"Paris\"}").fragments(3)));
 * fake.enqueue(Reply.error(503, "server_error", "The server is overloaded"));
 * fake.enqueue(Reply.text("never finished").cutAfter(3));        // connection closed after 3 SSE events
 * fake.enqueue(Reply.text("slow").hangAfter(2));                  // stays open until the client goes away
 * fake.enqueue(Reply.hang());                                     // no status line at all, until the client goes away
 * fake.enqueue(Reply.text("never said").cutBeforeContent());      // stream: the role chunk, then the connection closes
 * fake.enqueue(Reply.contentPolicy());                            // the provider's own content-policy refusal
 * fake.enqueueFor("gpt-4o-eu", FakeOpenAi.rateLimited(Duration.ofSeconds(1))); // one deployment of a shared fake
 * }</pre>
 *
 * <p>A reply is a plain mutable builder: configure it before handing it to the fake, then leave it alone.
 * Rendering only reads it, so one instance may serve many requests (see {@code FakeUpstream#behaviour}).
 */
public final class Reply {

    /** A tool (function) call the model makes. {@code argumentsJson} must be a JSON object text. */
    public static final class ToolCall {
        private final String id;
        private final String name;
        private final String argumentsJson;
        private int fragments = 1;

        private ToolCall(String id, String name, String argumentsJson) {
            this.id = id;
            this.name = name;
            this.argumentsJson = argumentsJson;
        }

        /** A call whose id the fake generates in the provider's style ({@code call_…}, {@code toolu_…}). */
        public static ToolCall of(String name, String argumentsJson) {
            return new ToolCall(null, name, argumentsJson);
        }

        public static ToolCall of(String id, String name, String argumentsJson) {
            return new ToolCall(id, name, argumentsJson);
        }

        /** In a stream, send the arguments in this many pieces (OpenAI: {@code function.arguments} deltas;
         * Anthropic: {@code input_json_delta.partial_json}). */
        public ToolCall fragments(int count) {
            if (count < 1) {
                throw new IllegalArgumentException("fragments must be >= 1");
            }
            this.fragments = count;
            return this;
        }

        public String id() {
            return id;
        }

        public String name() {
            return name;
        }

        public String argumentsJson() {
            return argumentsJson;
        }

        /** The arguments split into the configured number of pieces; joined they give {@link #argumentsJson()}. */
        public List<String> argumentFragments() {
            return split(argumentsJson, fragments);
        }
    }

    private String text;
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private Integer chunks;
    private Integer promptTokens;
    private Integer completionTokens;
    private int cacheReadTokens;
    private int cacheWriteTokens;
    private String model;
    private String finishReason;
    private Duration every = Duration.ZERO;
    private Duration delay = Duration.ZERO;
    private Integer cutAfter;
    private Integer hangAfter;
    private Integer streamErrorAfter;
    private boolean indented;
    private boolean contextTooLong;
    private boolean contentPolicy;
    private boolean hang;
    private boolean cutBeforeContent;
    private boolean hangBeforeContent;

    private Integer status;
    private String errorType;
    private String errorMessage;
    private String errorCode;
    private String errorParam;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private Reply() {
    }

    /** A normal answer with this text. */
    public static Reply text(String text) {
        Reply reply = new Reply();
        reply.text = text;
        return reply;
    }

    /** An answer that calls tools; several calls are parallel tool calls. */
    public static Reply toolCalls(ToolCall... calls) {
        Reply reply = new Reply();
        reply.toolCalls.addAll(List.of(calls));
        return reply;
    }

    /**
     * An error reply: the fake answers this HTTP status with its provider's documented error body built from
     * {@code type} and {@code message}.
     */
    public static Reply error(int status, String type, String message) {
        Reply reply = new Reply();
        reply.status = status;
        reply.errorType = type;
        reply.errorMessage = message;
        return reply;
    }

    /**
     * The provider's own answer to a prompt longer than the model's context window: each fake renders its provider's
     * real error (status, body, wording), so the gateway's mapping to 400 {@code context_length_exceeded} is tested
     * against what the provider really says.
     */
    public static Reply contextTooLong() {
        Reply reply = error(400, "invalid_request_error", "the prompt is longer than the model's context window");
        reply.contextTooLong = true;
        return reply;
    }

    /**
     * The provider's own refusal on content policy, as each documents it: OpenAI a 400 {@code invalid_request_error}
     * with code {@code content_policy_violation}; Azure OpenAI a 400 with code {@code content_filter} and the
     * {@code innererror} {@code ResponsibleAIPolicyViolation} verdict; Anthropic (which has no such error) a 200
     * message with {@code stop_reason: "refusal"}. See each fake for the exact body and its source.
     */
    public static Reply contentPolicy() {
        Reply reply = error(400, "invalid_request_error", "the prompt was refused on content policy");
        reply.contentPolicy = true;
        return reply;
    }

    /**
     * An upstream that accepts the connection and the request but never sends a status line, until the client goes
     * away (a connect that succeeds, then silence: what a gateway's timeout before headers is for).
     */
    public static Reply hang() {
        Reply reply = text("never sent");
        reply.hang = true;
        return reply;
    }

    /**
     * Stream only: send the status, headers and the events that precede any content (OpenAI's first chunk with
     * {@code delta: {"role":"assistant","content":""}}, Azure's prompt-filter chunk before it; Anthropic's
     * {@code message_start}, {@code content_block_start} and {@code ping}), then close the connection: a stream that
     * failed before a single token was generated.
     */
    public Reply cutBeforeContent() {
        this.cutBeforeContent = true;
        return this;
    }

    /**
     * Stream only: send the events that precede any content (see {@link #cutBeforeContent()}), then keep the
     * response open, silent, until the client disconnects: a stream whose first token never comes.
     */
    public Reply hangBeforeContent() {
        this.hangBeforeContent = true;
        return this;
    }

    /** Adds tool calls after the text (a text block followed by tool-use blocks). */
    public Reply withToolCalls(ToolCall... calls) {
        toolCalls.addAll(List.of(calls));
        return this;
    }

    /** Token usage to report: prompt/input tokens and completion/output tokens. */
    public Reply usage(int promptTokens, int completionTokens) {
        this.promptTokens = promptTokens;
        this.completionTokens = completionTokens;
        return this;
    }

    /**
     * Prompt-cache activity to report, as part of the prompt tokens of {@link #usage}: {@code read} tokens read from
     * the provider's cache and {@code written} tokens written to it. Each fake reports them in its provider's fields
     * (OpenAI {@code prompt_tokens_details.cached_tokens}, Anthropic {@code cache_read_input_tokens} /
     * {@code cache_creation_input_tokens} beside a smaller {@code input_tokens}, Gemini {@code cachedContentTokenCount},
     * Bedrock {@code cacheReadInputTokens} / {@code cacheWriteInputTokens}).
     */
    public Reply cached(int read, int written) {
        this.cacheReadTokens = read;
        this.cacheWriteTokens = written;
        return this;
    }

    public int cacheReadTokens() {
        return cacheReadTokens;
    }

    public int cacheWriteTokens() {
        return cacheWriteTokens;
    }

    /** The prompt tokens that were neither read from nor written to the cache (Anthropic's {@code input_tokens}). */
    public int uncachedPromptTokens(int fallback) {
        return promptTokens(fallback) - cacheReadTokens - cacheWriteTokens;
    }

    /** In a stream, send the text as this many content deltas (default: one per word). */
    public Reply chunks(int count) {
        if (count < 1) {
            throw new IllegalArgumentException("chunks must be >= 1");
        }
        this.chunks = count;
        return this;
    }

    /** In a stream, wait this long between two SSE events (Vert.x timers, never a sleep). */
    public Reply every(Duration interval) {
        this.every = interval;
        return this;
    }

    /**
     * Send a non-streamed JSON answer indented over several lines, as api.openai.com does (its bodies start
     * {@code "{\n  \"id\": …"}); default: compact. JSON either way, so a client must not care.
     */
    public Reply indented() {
        this.indented = true;
        return this;
    }

    /** Wait this long before answering at all (before the status line). */
    public Reply delay(Duration delay) {
        this.delay = delay;
        return this;
    }

    /** The {@code model} to report (default: the model the request named). */
    public Reply model(String model) {
        this.model = model;
        return this;
    }

    /**
     * The provider's own finish/stop reason verbatim (OpenAI {@code length}, Anthropic {@code max_tokens} …);
     * default: {@code stop}/{@code tool_calls} for OpenAI, {@code end_turn}/{@code tool_use} for Anthropic.
     */
    public Reply finishReason(String reason) {
        this.finishReason = reason;
        return this;
    }

    /** Stream only: write the first {@code events} SSE events, then close the connection without the
     * terminating event ({@code [DONE]} / {@code message_stop}) or the final empty HTTP chunk, so the client
     * sees a truncated body. */
    public Reply cutAfter(int events) {
        this.cutAfter = events;
        return this;
    }

    /** Write the first {@code events} SSE events (fewer than the stream has, or it simply ends), then keep
     * the response open until the client disconnects. For a non-streamed request the fake never answers. */
    public Reply hangAfter(int events) {
        this.hangAfter = events;
        return this;
    }

    /** Stream only: after {@code events} SSE events send the provider's in-stream error event built from
     * {@code type}/{@code message}, then end the response. */
    public Reply streamErrorAfter(int events, String type, String message) {
        this.streamErrorAfter = events;
        this.errorType = type;
        this.errorMessage = message;
        return this;
    }

    /** OpenAI/Azure error {@code code} (e.g. {@code rate_limit_exceeded}); Anthropic has none. */
    public Reply code(String code) {
        this.errorCode = code;
        return this;
    }

    /** OpenAI/Azure error {@code param}. */
    public Reply param(String param) {
        this.errorParam = param;
        return this;
    }

    /** An extra response header, e.g. {@code retry-after}. */
    public Reply header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    // ---- read side, used by the fakes ----

    public boolean isContextTooLong() {
        return contextTooLong;
    }

    public boolean isContentPolicy() {
        return contentPolicy;
    }

    /** Whether the fake never answers at all (see {@link #hang()}). */
    public boolean isHang() {
        return hang;
    }

    public boolean isCutBeforeContent() {
        return cutBeforeContent;
    }

    public boolean isHangBeforeContent() {
        return hangBeforeContent;
    }

    public boolean isError() {
        return status != null;
    }

    public int status() {
        return status == null ? 200 : status;
    }

    public String text() {
        return text;
    }

    public List<ToolCall> toolCallList() {
        return List.copyOf(toolCalls);
    }

    /** The text split into stream deltas; empty when there is no text. */
    public List<String> textPieces() {
        if (text == null || text.isEmpty()) {
            return List.of();
        }
        if (chunks != null) {
            return split(text, chunks);
        }
        List<String> words = new ArrayList<>();
        for (String piece : text.split("(?<=\\s)")) {
            words.add(piece);
        }
        return words;
    }

    /** Prompt tokens, or {@code fallback} when the test did not set usage. */
    public int promptTokens(int fallback) {
        return promptTokens == null ? fallback : promptTokens;
    }

    /** Completion tokens; by default one per text delta and per argument fragment. */
    public int completionTokens() {
        if (completionTokens != null) {
            return completionTokens;
        }
        int count = textPieces().size();
        for (ToolCall call : toolCalls) {
            count += call.fragments;
        }
        return Math.max(count, 1);
    }

    public String modelOr(String fallback) {
        return model == null ? fallback : model;
    }

    public String finishReasonOr(String fallback) {
        return finishReason == null ? fallback : finishReason;
    }

    public Duration every() {
        return every;
    }

    public Duration delay() {
        return delay;
    }

    public boolean isIndented() {
        return indented;
    }

    public Integer cutAfter() {
        return cutAfter;
    }

    public Integer hangAfter() {
        return hangAfter;
    }

    public Integer streamErrorAfter() {
        return streamErrorAfter;
    }

    public String errorType() {
        return errorType;
    }

    public String errorMessage() {
        return errorMessage;
    }

    public String errorCode() {
        return errorCode;
    }

    public String errorParam() {
        return errorParam;
    }

    public Map<String, String> headers() {
        return Map.copyOf(headers);
    }

    /** Splits {@code s} into {@code n} consecutive pieces of near-equal length (fewer when s is shorter). */
    static List<String> split(String s, int n) {
        int parts = Math.max(1, Math.min(n, s.length()));
        List<String> pieces = new ArrayList<>(parts);
        int start = 0;
        for (int i = 0; i < parts; i++) {
            int end = (int) ((long) s.length() * (i + 1) / parts);
            pieces.add(s.substring(start, end));
            start = end;
        }
        return pieces;
    }
}
