/**
 * Response caches (issue 20): the exact cache ({@link dev.tollgate.gateway.cache.ResponseCache}, keyed by the
 * normalised request, {@link dev.tollgate.gateway.cache.CacheKeys}) and the semantic cache
 * ({@link dev.tollgate.gateway.cache.SemanticCache}), both partitioned per tenant
 * ({@link dev.tollgate.gateway.cache.Partition}). A stored answer ({@link dev.tollgate.gateway.cache.CachedAnswer}) is
 * the whole non-streamed answer in its client's dialect: a stream is assembled into one
 * ({@link dev.tollgate.gateway.cache.StreamRecorder}) and a hit for a streamed request is replayed as a stream
 * ({@link dev.tollgate.gateway.cache.Replay}). GatewayRoutes/Attempts wire them into the request path.
 */
package dev.tollgate.gateway.cache;
