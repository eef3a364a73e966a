package dev.tollgate.gateway.fakes;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One request as a fake upstream received it, before any validation: rejected requests (bad key, missing
 * header, bad body) are recorded too, so a test can assert exactly what the gateway sent upstream.
 *
 * @param method     HTTP method, e.g. {@code POST}
 * @param path       the path without the query, e.g. {@code /v1/chat/completions}
 * @param query      the raw query string, or {@code ""} when there is none
 * @param queryParams decoded query parameters
 * @param headers    request headers, names lower-cased
 * @param pathParams values the fake read from the path (e.g. Azure's {@code deployment})
 * @param body       the raw body text ({@code ""} when empty)
 * @param json       the body parsed as JSON, or {@code null} when it is empty or not JSON
 */
public record RecordedRequest(
        String method,
        String path,
        String query,
        Map<String, List<String>> queryParams,
        Map<String, List<String>> headers,
        Map<String, String> pathParams,
        String body,
        JsonNode json) {

    public RecordedRequest {
        queryParams = Map.copyOf(queryParams);
        headers = Map.copyOf(headers);
        pathParams = Map.copyOf(pathParams);
    }

    /** First value of a header (case-insensitive name), or {@code null}. */
    public String header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** First value of a query parameter, or {@code null}. */
    public String queryParam(String name) {
        List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    /** A value read from the path (Azure: {@code deployment}), or {@code null}. */
    public String pathParam(String name) {
        return pathParams.get(name);
    }

    /** True when the body asked for a streamed answer ({@code "stream": true}). */
    public boolean streamed() {
        return json != null && json.path("stream").asBoolean(false);
    }
}
