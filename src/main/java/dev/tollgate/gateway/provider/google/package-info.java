/**
 * The Google family's wire formats behind the hub: {@link dev.tollgate.gateway.provider.google.GeminiAdapter}
 * serves the Gemini API (Google AI Studio through {@code GeminiAdapter.aiStudio}; Vertex AI reuses it with its own
 * URLs and an OAuth authenticator). Translation is pure functions on Jackson trees
 * ({@code GeminiRequest}, {@code GeminiResponse}, {@code GeminiStream}, {@code GeminiSchema}, {@code GeminiErrors},
 * {@code ToolCallIds}); nothing here blocks or does I/O besides what {@code HubUpstream} runs.
 */
package dev.tollgate.gateway.provider.google;
