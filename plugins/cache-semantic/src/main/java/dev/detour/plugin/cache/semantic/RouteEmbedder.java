package dev.detour.plugin.cache.semantic;

import dev.detour.api.cache.CacheContext;
import dev.detour.api.model.EmbeddingRequest;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;

import java.util.List;
import java.util.concurrent.TimeoutException;

/**
 * {@code embedder: {route: NAME}}: embeddings from an embeddings route of this gateway, with that
 * route's failover, through {@link CacheContext#embeddings()}; past the deadline, a miss.
 */
final class RouteEmbedder implements Embedder {
    private final Vertx vertx;
    private final CacheContext.Embeddings embeddings;
    private final String route;
    private final long timeoutMillis;

    RouteEmbedder(Vertx vertx, CacheContext.Embeddings embeddings, String route, long timeoutMillis) {
        if (embeddings == null) {
            throw new IllegalArgumentException("embedder: this gateway offers no embeddings routes to caches");
        }
        this.vertx = vertx;
        this.embeddings = embeddings;
        this.route = route;
        this.timeoutMillis = timeoutMillis;
    }

    @Override
    public Future<float[]> embed(String text) {
        Promise<float[]> p = Promise.promise();
        long timer = vertx == null ? -1 : vertx.setTimer(timeoutMillis, id -> p.tryFail(
                new TimeoutException("embeddings route '" + route + "' took longer than " + timeoutMillis + "ms")));
        Future<dev.detour.api.model.EmbeddingResponse> f;
        try {
            f = embeddings.embed(route, new EmbeddingRequest(route, List.of(text), null, null, null, null));
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        f.onComplete(ar -> {
            if (timer >= 0) {
                vertx.cancelTimer(timer);
            }
            if (ar.failed()) {
                p.tryFail(ar.cause());
            } else if (ar.result() == null || ar.result().vectors().size() != 1) {
                p.tryFail(new IllegalStateException("embeddings route '" + route + "' did not answer one vector"));
            } else {
                p.tryComplete(Embedder.normalize(ar.result().vectors().get(0).clone()));
            }
        });
        return p.future();
    }
}
