package dev.tollgate.gateway.provider.huggingface;

import java.net.URI;
import java.util.Locale;

/**
 * Which Hugging Face service an LlmModel's {@code apiBase} names, and its URLs. The Inference Providers router
 * ({@code https://router.huggingface.co/v1}, the provider's default) is told apart by its host; any other base is a
 * dedicated Inference Endpoint ({@code https://xyz.endpoints.huggingface.cloud}) or a self-hosted Text Generation
 * Inference server ({@code http://tgi:8080}), whose native routes sit at its root and whose OpenAI-compatible Messages
 * API sits under {@code /v1}. A TGI base written with a trailing {@code /v1} (configs made for the plain OpenAI
 * adapter) is accepted: the {@code /v1} is taken off for the native routes.
 */
public final class HuggingFaceUrls {
    public static final String ROUTER_HOST = "router.huggingface.co";

    private HuggingFaceUrls() {}

    /** Whether {@code apiBase} is the Inference Providers router. */
    public static boolean router(String apiBase) {
        if (apiBase == null) {
            return true; // the provider's default
        }
        try {
            String host = URI.create(apiBase.trim()).getHost();
            return host != null && host.toLowerCase(Locale.ROOT).equals(ROUTER_HOST);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** The router's OpenAI-compatible base, ending in {@code /v1}. */
    static String routerBase(String apiBase) {
        String base = trim(apiBase == null ? "https://" + ROUTER_HOST + "/v1" : apiBase);
        return base.endsWith("/v1") ? base : base + "/v1";
    }

    /** A TGI server's (or dedicated endpoint's) root: without trailing slashes or {@code /v1}. */
    public static String tgiRoot(String apiBase) {
        String base = trim(apiBase);
        return base.endsWith("/v1") ? base.substring(0, base.length() - 3) : base;
    }

    private static String trim(String s) {
        String base = s.trim();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }
}
