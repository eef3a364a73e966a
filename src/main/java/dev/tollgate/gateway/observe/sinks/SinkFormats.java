package dev.tollgate.gateway.observe.sinks;

import dev.tollgate.config.GatewayConfig;
import dev.tollgate.gateway.observe.GenAiSpans;
import dev.tollgate.gateway.observe.SinkFormat;
import java.util.Map;

/** Every sink type's format, by {@link GatewayConfig.Sink#type()}, and each type's default URL. */
public final class SinkFormats {
    private SinkFormats() {}

    /** A fresh map of every format (formats are stateless; one map per {@code Callbacks} is fine). */
    public static Map<String, SinkFormat> all() {
        return Map.of(
                GatewayConfig.Sink.LANGFUSE, new LangfuseFormat(),
                GatewayConfig.Sink.LUNARY, new LunaryFormat(),
                GatewayConfig.Sink.HELICONE, new HeliconeFormat(),
                GatewayConfig.Sink.PROMPTLAYER, new PromptLayerFormat(),
                GatewayConfig.Sink.TRACELOOP, new TraceloopFormat(),
                GatewayConfig.Sink.WEBHOOK, new WebhookFormat(),
                GatewayConfig.Sink.OTLP, GenAiSpans.otlpFormat());
    }

    /** The URL a sink of this type uses when its resource gives none (null: the resource must give one). */
    public static String defaultUrl(String type) {
        switch (type) {
            case GatewayConfig.Sink.LANGFUSE: return LangfuseFormat.DEFAULT_URL;
            case GatewayConfig.Sink.LUNARY: return LunaryFormat.DEFAULT_URL;
            case GatewayConfig.Sink.HELICONE: return HeliconeFormat.DEFAULT_URL;
            case GatewayConfig.Sink.PROMPTLAYER: return PromptLayerFormat.DEFAULT_URL;
            case GatewayConfig.Sink.TRACELOOP: return TraceloopFormat.DEFAULT_URL;
            default: return null;
        }
    }
}
