package dev.tollgate.gateway.cache;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.Json;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A deterministic OpenAI embeddings endpoint, following OpenAI's wire format
 * (https://platform.openai.com/docs/api-reference/embeddings): {@code POST /v1/embeddings} with
 * {@code Authorization: Bearer <key>} and a JSON body {@code {"model", "input": string | string[]}}, answered with
 * {@code {"object": "list", "data": [{"object": "embedding", "index": i, "embedding": [floats]}], "model",
 * "usage": {"prompt_tokens", "total_tokens"}}}; a wrong key gets 401 with OpenAI's error shape
 * {@code {"error": {"message", "type", "param", "code"}}}.
 *
 * <p><b>How it makes vectors</b> (a fake, not a language model): the text is lower-cased and split into words on
 * anything that is not a letter or digit; stop words (articles, question words, pronouns, prepositions, filler such
 * as "please", "like", "terms") are dropped; each word is mapped through a small synonym table (suggest →
 * recommend, compose / author / wrote → write, say → translate, ...), stemmed (a trailing {@code s} of words longer
 * than 3 letters, a trailing {@code ing} of words longer than 5 letters) and mapped through the table again. Each
 * remaining word adds ±1 to one of {@link #DIMENSIONS} dimensions chosen by its FNV-1a hash (the sign by another bit
 * of it), and the vector is scaled to length 1 (OpenAI's vectors are unit length too). So two prompts with the same
 * bag of normalised words are at cosine 1 (paraphrases written with different filler, word forms or synonyms), and
 * prompts differing in a content word are at about {@code shared / total} words: "What is the capital of France?"
 * and "... of Germany?" are {user, capital, france} and {user, capital, germany}, cosine 2/3. Word order is not
 * seen (a known limit of a bag of words: "100 F to C" and "100 C to F" are equal to it, so the suite does not use
 * such a pair). Usage: one token per word of the input, stop words included.
 */
final class FakeEmbeddings implements AutoCloseable {
    static final int DIMENSIONS = 512;
    static final String KEY = "sk-fake-embeddings";

    static final Set<String> STOP = Set.of("a", "an", "the", "is", "are", "was", "were", "be", "what", "whats", "s",
            "how", "which", "who", "when", "where", "why", "do", "does", "did", "i", "you", "me", "my", "your", "we",
            "can", "could", "would", "should", "will", "please", "tell", "give", "of", "in", "on", "into", "to", "for",
            "about", "it", "its", "this", "that", "like", "many", "much", "have", "has", "use", "uses", "with", "and",
            "or", "by", "as", "at", "there", "some", "any", "terms", "degrees", "city", "good", "let", "know");

    static final Map<String, String> SYNONYMS = Map.ofEntries(Map.entry("suggest", "recommend"),
            Map.entry("compose", "write"), Map.entry("author", "write"), Map.entry("wrote", "write"),
            Map.entry("written", "write"), Map.entry("writer", "write"), Map.entry("say", "translate"),
            Map.entry("simply", "simple"), Map.entry("automobile", "car"), Map.entry("purchase", "buy"),
            Map.entry("kilometres", "kilometer"), Map.entry("kilometers", "kilometer"), Map.entry("zones", "zone"),
            Map.entry("film", "movie"), Map.entry("explanation", "explain"), Map.entry("describe", "explain"));

    private final Vertx vertx;
    private final HttpServer server;
    final List<JsonNode> requests = new CopyOnWriteArrayList<>();
    /** 0: answer; else answer with this HTTP status and OpenAI's error shape. */
    volatile int failWith;
    /** Milliseconds to wait before answering. */
    volatile long delayMillis;

    private FakeEmbeddings(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.server = vertx.createHttpServer().requestHandler(http -> http.body().onSuccess(bytes -> {
            if (!http.method().name().equals("POST") || !http.path().equals("/v1/embeddings")) {
                http.response().setStatusCode(404).end(error("Unknown path " + http.path(), "invalid_request_error", null));
                return;
            }
            if (!("Bearer " + KEY).equals(http.getHeader("Authorization"))) {
                http.response().setStatusCode(401).putHeader("content-type", "application/json")
                        .end(error("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"));
                return;
            }
            JsonNode request = Json.parse(bytes.getBytes());
            requests.add(request);
            Runnable answer = () -> {
                if (failWith != 0) {
                    http.response().setStatusCode(failWith).putHeader("content-type", "application/json")
                            .end(error("The server had an error while processing your request.", "server_error", null));
                    return;
                }
                http.response().putHeader("content-type", "application/json").end(Json.write(answer(request)));
            };
            if (delayMillis > 0) {
                vertx.setTimer(delayMillis, t -> answer.run());
            } else {
                answer.run();
            }
        })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    static FakeEmbeddings start(Vertx vertx) throws Exception {
        return new FakeEmbeddings(vertx);
    }

    /** The base URL an OpenAI model's apiBase takes ({@code http://127.0.0.1:<port>/v1}). */
    String apiBase() {
        return "http://127.0.0.1:" + server.actualPort() + "/v1";
    }

    private static String error(String message, String type, String code) {
        ObjectNode e = Json.object();
        ObjectNode inner = e.putObject("error").put("message", message).put("type", type).putNull("param");
        if (code == null) {
            inner.putNull("code");
        } else {
            inner.put("code", code);
        }
        return Json.write(e);
    }

    static ObjectNode answer(JsonNode request) {
        List<String> inputs = new ArrayList<>();
        JsonNode input = request.path("input");
        if (input.isArray()) {
            input.forEach(i -> inputs.add(i.asText()));
        } else {
            inputs.add(input.asText());
        }
        ObjectNode body = Json.object().put("object", "list");
        ArrayNode data = body.putArray("data");
        long tokens = 0;
        for (int i = 0; i < inputs.size(); i++) {
            ArrayNode values = data.addObject().put("object", "embedding").put("index", i).putArray("embedding");
            for (float v : vector(inputs.get(i))) {
                values.add(v);
            }
            tokens += inputs.get(i).split("[^\\p{L}\\p{Nd}]+").length;
        }
        body.put("model", request.path("model").asText());
        body.putObject("usage").put("prompt_tokens", tokens).put("total_tokens", tokens);
        return body;
    }

    /** The normalised words of a text (see the class comment). */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        for (String raw : text.toLowerCase(java.util.Locale.ROOT).replace("'", "").split("[^\\p{L}\\p{Nd}]+")) {
            if (raw.isEmpty() || STOP.contains(raw)) {
                continue;
            }
            String w = SYNONYMS.getOrDefault(raw, raw);
            if (w.length() > 3 && w.endsWith("s") && !w.endsWith("ss")) {
                w = w.substring(0, w.length() - 1);
            } else if (w.length() > 5 && w.endsWith("ing")) {
                w = w.substring(0, w.length() - 3);
            }
            w = SYNONYMS.getOrDefault(w, w);
            if (!STOP.contains(w)) {
                out.add(w);
            }
        }
        return out;
    }

    static float[] vector(String text) {
        float[] v = new float[DIMENSIONS];
        for (String w : words(text)) {
            int h = 0x811c9dc5;
            for (byte b : w.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
                h = (h ^ (b & 0xff)) * 0x01000193;
            }
            v[Math.floorMod(h, DIMENSIONS)] += ((h >>> 20) & 1) == 0 ? 1 : -1;
        }
        double sum = 0;
        for (float x : v) {
            sum += x * x;
        }
        if (sum > 0) {
            float inv = (float) (1 / Math.sqrt(sum));
            for (int i = 0; i < v.length; i++) {
                v[i] *= inv;
            }
        }
        return v;
    }

    @Override
    public void close() {
        server.close();
    }
}
