package dev.detour.api.cache;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import io.vertx.core.Future;

import java.time.Duration;

/**
 * Looks up and stores whole answers. Implementations decide what "the same request" means (exact
 * match on a canonical key, or by meaning). Called on the event loop; I/O must be asynchronous and
 * CPU-heavy work (embeddings) must run on a worker.
 */
public interface ResponseCache {

    /**
     * Finds an answer for the request, including a stale one when {@code includeStale} is set.
     * Completes with null when there is none.
     */
    Future<CachedResponse> get(String route, ChatRequest request, boolean includeStale);

    /** Stores an answer for {@code ttl}. */
    Future<Void> put(String route, ChatRequest request, ChatResponse response, String target, Duration ttl);

    /** Releases resources. */
    default Future<Void> close() {
        return Future.succeededFuture();
    }
}
