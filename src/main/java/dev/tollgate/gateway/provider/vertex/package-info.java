/**
 * Vertex AI (provider {@code vertex}): three wire families under one name, chosen by the model id
 * ({@link dev.tollgate.gateway.provider.vertex.Vertex#family}) — Claude on {@code :rawPredict}/{@code :streamRawPredict}
 * reusing the Anthropic translation, open and partner models on the OpenAI-compatible endpoint, and Gemini through
 * the Gemini adapter with {@link dev.tollgate.gateway.provider.vertex.VertexUrls#gemini} — all authenticated with
 * Google access tokens ({@link dev.tollgate.gateway.provider.vertex.GoogleAccessTokens}: a service-account key from the
 * model's Secret, or the pod's workload identity; refreshed on a worker thread, never on an event loop).
 *
 * <p>Wiring: {@code Vertex.served(client, tokens, clock, geminiHub)} is the {@code Served} of provider {@code vertex}:
 * a hub that dispatches per model ({@link dev.tollgate.gateway.provider.vertex.VertexUpstream}) and a relay for
 * Anthropic clients of Claude models ({@link dev.tollgate.gateway.provider.vertex.VertexAnthropicUpstream}).
 */
package dev.tollgate.gateway.provider.vertex;
