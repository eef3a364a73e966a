/**
 * Pure, I/O-free translation between the OpenAI Chat Completions wire format and the Anthropic Messages API wire
 * format, on Jackson trees.
 *
 * <p>Entry points:
 * <ul>
 *   <li>{@link dev.tollgate.gateway.provider.anthropic.AnthropicTranslator}: requests and non-streaming responses,
 *       both directions;</li>
 *   <li>{@link dev.tollgate.gateway.provider.anthropic.AnthropicToOpenAiStream}: Anthropic SSE events to OpenAI
 *       {@code chat.completion.chunk} objects;</li>
 *   <li>{@link dev.tollgate.gateway.provider.anthropic.OpenAiToAnthropicStream}: OpenAI chunks to the Anthropic SSE
 *       event sequence;</li>
 *   <li>{@link dev.tollgate.gateway.provider.anthropic.ApiError}: error bodies and HTTP status / error type mapping.</li>
 * </ul>
 *
 * <p>Nothing here performs I/O, reads a clock or depends on Quarkus/CDI; the input trees are never mutated.
 * Problems are reported as {@link dev.tollgate.gateway.provider.TranslationException}.
 */
package dev.tollgate.gateway.provider.anthropic;

import dev.tollgate.gateway.provider.TranslationException;
import dev.tollgate.gateway.ApiError;
