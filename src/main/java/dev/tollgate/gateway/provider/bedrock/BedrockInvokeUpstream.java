package dev.tollgate.gateway.provider.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.tollgate.gateway.provider.Authenticator;
import dev.tollgate.gateway.provider.Call;
import dev.tollgate.gateway.provider.Cancellation;
import dev.tollgate.gateway.provider.HubUpstream;
import dev.tollgate.gateway.provider.JsonBody;
import dev.tollgate.gateway.provider.Operation;
import dev.tollgate.gateway.provider.StreamSink;
import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.provider.Upstream;
import dev.tollgate.gateway.provider.WireFormat;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * Bedrock InvokeModel for {@code /v1/embeddings} and {@code /v1/images/generations}, in the hub's dialect. A request
 * that fits one InvokeModel call is one {@link HubUpstream} exchange of {@link BedrockInvokeAdapter}. One that does
 * not — an {@code input} array for Titan Text Embeddings (one text per call), more than 96 texts for Cohere Embed,
 * {@code n} above what one call of the image model makes (Titan/Nova 5, Stability 1) — fans out into one call per
 * part, at most {@value #MAX_IN_FLIGHT} at a time, and the answers are merged in the request's order (embeddings
 * renumbered, token counts summed). Any part that fails fails the whole request with that part's error (the first to
 * fail), and the parts still in flight are cancelled: a client never gets a partial list. The parts already answered
 * are billed by AWS all the same.
 *
 * <p>Nothing streams: a streamed request is refused with 400 on {@code stream}. Call it on a Vert.x context, as
 * {@link HubUpstream}.
 */
public final class BedrockInvokeUpstream implements Upstream {
    /** Calls of one fanned-out request in flight at once. */
    static final int MAX_IN_FLIGHT = 8;

    private final BedrockInvokeAdapter adapter;
    private final HubUpstream hub;

    public BedrockInvokeUpstream(Supplier<HttpClient> client, Authenticator authenticator, Clock clock) {
        this.adapter = new BedrockInvokeAdapter(authenticator, clock);
        this.hub = new HubUpstream(client, adapter);
    }

    public BedrockInvokeAdapter adapter() {
        return adapter;
    }

    @Override
    public WireFormat format() {
        return WireFormat.OPENAI;
    }

    @Override
    public boolean supports(Operation operation) {
        return adapter.supports(operation);
    }

    @Override
    public Future<JsonNode> send(Call call) {
        List<ObjectNode> parts;
        try {
            parts = BedrockInvokeAdapter.split(call);
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        if (parts.size() == 1) {
            return hub.send(call);
        }
        Cancellation cancellation = new Cancellation();
        cancellation.observer(call.cancellation().observer()); // each part's request joins the attempt's trace
        call.cancellation().onCancel(cancellation::cancel);
        List<Call> calls = new ArrayList<>(parts.size());
        for (ObjectNode part : parts) {
            calls.add(new Call(call.model(), call.credential(), call.operation(), JsonBody.of(part), cancellation));
        }
        try {
            // the parts differ only in their input or n: one translation checks them all, and says what was dropped
            adapter.request(calls.get(0), false);
            call.dropped().addAll(calls.get(0).dropped());
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
        return fanOut(calls, cancellation).map(answers -> call.operation() == Operation.EMBEDDINGS
                ? BedrockInvokeEmbeddings.merge(answers) : BedrockInvokeImages.merge(answers));
    }

    /** Runs every call, at most {@link #MAX_IN_FLIGHT} at once; their answers in order, or the first failure. */
    private Future<List<JsonNode>> fanOut(List<Call> calls, Cancellation cancellation) {
        Promise<List<JsonNode>> result = Promise.promise();
        AtomicReferenceArray<JsonNode> answers = new AtomicReferenceArray<>(calls.size());
        AtomicInteger next = new AtomicInteger();
        AtomicInteger done = new AtomicInteger();
        Runnable[] launch = new Runnable[1];
        launch[0] = () -> {
            int i = next.getAndIncrement();
            if (i >= calls.size() || result.future().isComplete()) {
                return;
            }
            Future<JsonNode> answer;
            try {
                answer = hub.send(calls.get(i));
            } catch (RuntimeException e) {
                answer = Future.failedFuture(e);
            }
            answer.onComplete(ar -> {
                if (ar.failed()) {
                    if (result.tryFail(ar.cause())) {
                        cancellation.cancel(); // the others' answers would be thrown away
                    }
                    return;
                }
                answers.set(i, ar.result());
                if (done.incrementAndGet() == calls.size()) {
                    List<JsonNode> ordered = new ArrayList<>(calls.size());
                    for (int k = 0; k < calls.size(); k++) {
                        ordered.add(answers.get(k));
                    }
                    result.tryComplete(ordered);
                } else {
                    launch[0].run();
                }
            });
        };
        for (int k = 0; k < Math.min(MAX_IN_FLIGHT, calls.size()); k++) {
            launch[0].run();
        }
        return result.future();
    }

    @Override
    public Future<Void> stream(Call call, StreamSink sink) {
        return Future.failedFuture(TranslationException.badRequest("stream", "Bedrock's embedding and image models "
                + "do not stream: send the request without 'stream'."));
    }
}
