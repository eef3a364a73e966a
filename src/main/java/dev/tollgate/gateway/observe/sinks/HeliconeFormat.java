package dev.tollgate.gateway.observe.sinks;

import dev.tollgate.gateway.observe.CallRecord;
import dev.tollgate.gateway.observe.SinkFormat;
import dev.tollgate.gateway.observe.SinkRequest;
import dev.tollgate.gateway.observe.SinkTarget;
import java.util.List;

/**
 * The Helicone sink's format (see {@link SinkFormat}): its documented ingestion API.
 *
 * <p>CONTRACT PLACEHOLDER: implemented by the second sinks work (helper C).
 */
public final class HeliconeFormat implements SinkFormat {
    /** The URL used when the resource gives none. */
    public static final String DEFAULT_URL = "https://api.worker.helicone.ai";

    @Override
    public List<SinkRequest> encode(List<CallRecord> batch, SinkTarget target) {
        throw new UnsupportedOperationException("contract placeholder");
    }
}
