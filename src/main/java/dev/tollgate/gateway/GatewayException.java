package dev.tollgate.gateway;

import java.util.Map;

/** A request refused by the gateway itself, with the error the client sees and extra response headers. */
public final class GatewayException extends RuntimeException {
    private final transient ApiError error;
    private final transient Map<String, String> headers;

    public GatewayException(ApiError error) {
        this(error, Map.of());
    }

    public GatewayException(ApiError error, Map<String, String> headers) {
        super(error.message(), null, false, false);
        this.error = error;
        this.headers = headers;
    }

    public ApiError error() { return error; }

    public Map<String, String> headers() { return headers; }

    public static GatewayException of(int status, String code, String message) {
        return new GatewayException(ApiError.of(status, message, null).withCode(code));
    }
}
