package dev.tollgate.gateway;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpVersion;
import java.util.function.Consumer;

/**
 * Reads a request body into one buffer, as bytes, whatever its Content-Type says: the API routes only ever take JSON,
 * and curl's default {@code application/x-www-form-urlencoded} (or a stray {@code multipart/form-data}) must not send
 * a JSON body through a form decoder, whose limits (Vert.x' form attribute size) turned a 300 KB prompt into a 500.
 * Vert.x' BodyHandler decodes forms whenever the Content-Type names one; this reader never asks for that
 * ({@code setExpectMultipart} stays false), so no form decoder ever runs on the gateway's API routes.
 *
 * <p>A body over the limit is refused without reading it when Content-Length announces it, else as soon as the bytes
 * read pass the limit; either way the caller answers 413 in the endpoint's own error shape and the connection is
 * closed (the rest of the body is never read). The buffer is sized by Content-Length (at most 64 KB up front), so the
 * usual body lands in one exact array that the JSON pass reads in place.
 */
final class BodyReader implements Handler<Buffer> {
    private static final int PREALLOCATE_MAX = 64 * 1024;

    /** What the reader found wrong with the transfer itself (not the body's content). */
    enum Refusal { TOO_LARGE, EXPECTATION_FAILED }

    private final HttpServerRequest request;
    private final long limit;
    private final Consumer<Buffer> then;
    private final Consumer<Refusal> refused;
    private Buffer body;
    private boolean failed;

    private BodyReader(HttpServerRequest request, long limit, long announced, Consumer<Buffer> then,
            Consumer<Refusal> refused) {
        this.request = request;
        this.limit = limit;
        this.then = then;
        this.refused = refused;
        this.body = Buffer.buffer(announced > 0 ? (int) Math.min(announced, PREALLOCATE_MAX) : 1024);
    }

    /**
     * Reads the body of {@code request} (at most {@code limit} bytes) and passes it to {@code then}, or tells
     * {@code refused} why it cannot; exactly one of the two is called, once.
     */
    static void read(HttpServerRequest request, long limit, Consumer<Buffer> then, Consumer<Refusal> refused) {
        long announced = contentLength(request);
        if (announced > limit) {
            refused.accept(Refusal.TOO_LARGE); // before a 100-continue: the client need not send it at all
            return;
        }
        String expect = request.getHeader(HttpHeaders.EXPECT);
        if (expect != null) {
            if (!"100-continue".equalsIgnoreCase(expect)) {
                refused.accept(Refusal.EXPECTATION_FAILED);
                return;
            }
            if (request.version() != HttpVersion.HTTP_1_0) {
                request.response().writeContinue();
            }
        }
        if (request.isEnded()) {
            then.accept(Buffer.buffer(0)); // no body at all (nothing was sent, or it was read before)
            return;
        }
        BodyReader reader = new BodyReader(request, limit, announced, then, refused);
        request.handler(reader).endHandler(reader::end).resume();
    }

    @Override
    public void handle(Buffer chunk) {
        if (failed) {
            return;
        }
        if ((long) body.length() + chunk.length() > limit) {
            failed = true; // what is still coming is dropped; the answer closes the connection
            refused.accept(Refusal.TOO_LARGE);
            return;
        }
        body.appendBuffer(chunk);
    }

    private void end(Void ignored) {
        if (!failed) {
            then.accept(body);
        }
    }

    /** The announced body size, or -1 when there is none (chunked, HTTP/2) or it cannot be read. */
    private static long contentLength(HttpServerRequest request) {
        String value = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (value == null || value.isEmpty()) {
            return -1;
        }
        try {
            return Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            return -1; // Netty refuses a malformed Content-Length before a route sees it
        }
    }
}
