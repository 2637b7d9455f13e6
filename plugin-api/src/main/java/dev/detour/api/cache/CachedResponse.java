package dev.detour.api.cache;

/**
 * A stored answer, as a lookup finds it.
 *
 * @param response       the answer (a {@code ChatResponse} or an {@code EmbeddingResponse})
 * @param target         the id of the target that produced it
 * @param storedAtMillis when it was stored, in the context clock's epoch milliseconds
 * @param stale          whether its TTL has passed: core serves a stale entry only when every target
 *                       failed and the route has {@code serve_stale_on_failure}
 * @param similarity     how close the stored request is to the one looked up: 1 for an exact match,
 *                       the cosine similarity for a match by meaning (core reports it as a metric)
 * @param <R> the answer's type
 */
public record CachedResponse<R>(R response, String target, long storedAtMillis, boolean stale, double similarity) {
    public CachedResponse {
        if (response == null) {
            throw new IllegalArgumentException("response must not be null");
        }
    }
}
