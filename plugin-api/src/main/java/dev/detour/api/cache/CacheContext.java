package dev.detour.api.cache;

import dev.detour.api.Clock;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.nio.file.Path;

/**
 * What core hands a cache factory, once per route that configures the cache.
 *
 * @param routeName  the route the cache serves
 * @param vertx      the gateway's Vert.x: for timers, and for CPU-heavy work on a worker
 *                   ({@code executeBlocking} or a named worker executor), never on the event loop
 * @param clock      the time source: TTLs and staleness must use it, never System time
 * @param embeddings the gateway's own embeddings routes, for a cache that compares by meaning
 *                   with {@code embedder: {route: NAME}} (with that route's failover)
 * @param dataDir    a directory the plugin may write to (files a library must unpack, such as a
 *                   native library), kept across restarts; null when the gateway has none, then
 *                   use {@code java.io.tmpdir}
 */
public record CacheContext(String routeName, Vertx vertx, Clock clock, Embeddings embeddings, Path dataDir) {

    /** Embeddings from a route of this gateway. */
    @FunctionalInterface
    public interface Embeddings {
        /**
         * Embeds through the route {@code route} as a client of the gateway would (admission and
         * the client's key aside). Fails with {@link dev.detour.api.ProviderException} when every
         * target failed, and with {@link IllegalArgumentException} when there is no such route.
         */
        Future<EmbeddingResponse> embed(String route, EmbeddingRequest request);
    }
}
