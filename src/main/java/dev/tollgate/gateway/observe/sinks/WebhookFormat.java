package dev.tollgate.gateway.observe.sinks;

import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import java.util.List;

/**
 * The Webhook sink's format (see {@link SinkFormat}): its documented ingestion API.
 *
 * <p>CONTRACT PLACEHOLDER: implemented by the callbacks work (helper B).
 */
public final class WebhookFormat implements SinkFormat {
    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        throw new UnsupportedOperationException("contract placeholder");
    }
}
