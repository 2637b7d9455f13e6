package dev.detour.api.cache;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import io.vertx.core.Future;

import java.time.Duration;

/**
 * Looks up and stores whole answers. Implementations decide what "the same request" means (an
 * exact match on the parts of the request that change the answer, or a match by meaning); core
 * decides when to look up and what may be stored (never errors, cut streams, answers that failed
 * the quality gate), and turns a stored answer into a stream when the client asked for one.
 *
 * <p>{@code namespace} is opaque to the cache and must partition it completely: an entry stored
 * under one namespace is never returned for another (core derives it from the route and, with
 * {@code scope: key}, the client's virtual key). Requests arrive as the client sent them, with the
 * route's name as the model, before any target's overrides.
 *
 * <p>Called on the event loop: I/O must be asynchronous, and CPU-heavy work (embeddings) must run
 * on a worker. A lookup that fails is treated as a miss, a store that fails is logged: a cache
 * never fails a request.
 */
public interface ResponseCache {
    /**
     * The stored answer for {@code request}, or null when there is none; a stale one (TTL passed,
     * {@code maxStale} not) only when {@code includeStale}.
     */
    Future<CachedResponse<ChatResponse>> get(String namespace, ChatRequest request, boolean includeStale);

    /**
     * Stores {@code response} for {@code request}: fresh for {@code ttl}, then kept as stale for
     * {@code maxStale} more (zero: dropped when the TTL passes).
     */
    Future<Void> put(String namespace, ChatRequest request, ChatResponse response, String target, Duration ttl,
                     Duration maxStale);

    /** As {@link #get(String, ChatRequest, boolean)}, for embeddings; a cache that keeps none finds none. */
    default Future<CachedResponse<EmbeddingResponse>> getEmbeddings(String namespace, EmbeddingRequest request,
                                                                   boolean includeStale) {
        return Future.succeededFuture();
    }

    /** As {@link #put}, for embeddings; a cache that keeps none ignores it. */
    default Future<Void> putEmbeddings(String namespace, EmbeddingRequest request, EmbeddingResponse response,
                                       String target, Duration ttl, Duration maxStale) {
        return Future.succeededFuture();
    }

    /** What the cache holds and has dropped, or null when it does not count (its metrics then stay absent). */
    default CacheStats stats() {
        return null;
    }

    /** Releases resources (the gateway is stopping, or the route was removed by a reload). */
    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
