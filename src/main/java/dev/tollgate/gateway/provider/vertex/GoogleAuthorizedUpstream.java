package dev.tollgate.gateway.provider.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.tollgate.gateway.ApiError;
import dev.tollgate.gateway.HeaderNames;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.HttpUpstream;
import dev.tollgate.gateway.provider.StreamSink;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import java.util.function.Supplier;

/**
 * An {@link HttpUpstream} (relayed bytes, the fast path) behind a Google access token. HttpUpstream sets its headers
 * synchronously, so the token is made ready first: {@link GoogleAccessTokens#token} completes at once when a fresh one
 * is cached (the usual case: no hop, no wait) and otherwise when the refresh, running on a worker thread, is done; the
 * request is opened only then, and {@link #headers} reads the token from the cache, where it now is and stays valid
 * (tokens are replaced minutes before they expire).
 */
abstract class GoogleAuthorizedUpstream extends HttpUpstream {
    protected final GoogleAccessTokens tokens;

    GoogleAuthorizedUpstream(Supplier<HttpClient> client, GoogleAccessTokens tokens) {
        super(client);
        this.tokens = tokens;
    }

    @Override
    public Future<Buffer> sendRaw(Call call) {
        Call c = prepare(call, false);
        return tokens.token(c).compose(token -> super.sendRaw(c));
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        Call c = prepare(call, true);
        return tokens.token(c).compose(token -> super.stream(c, sink));
    }

    /** The call as it goes upstream (a body of the provider's own flavour); the call itself by default. */
    protected Call prepare(Call call, boolean stream) {
        return call;
    }

    @Override
    protected void headers(Call call, MultiMap headers) {
        String token = tokens.cached(call);
        if (token != null) {
            headers.set(HeaderNames.AUTHORIZATION, "Bearer " + token);
        }
    }

    @Override
    protected String retryAfter(MultiMap headers, JsonNode body) {
        return VertexErrors.retryAfter(headers.get("retry-after"), body != null && body.isArray() && body.size() > 0
                ? body.get(0) : body);
    }

    @Override
    protected ApiError parseError(int status, JsonNode body) {
        return VertexErrors.parse(status, body);
    }
}
