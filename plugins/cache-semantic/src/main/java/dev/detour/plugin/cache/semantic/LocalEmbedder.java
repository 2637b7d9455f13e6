package dev.detour.plugin.cache.semantic;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;

import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code embedder: local}: the {@link LocalModel} on a small named worker pool shared by every
 * route, never on the event loop. Past the deadline a lookup is a miss (the embedding still
 * finishes and is kept for the store that follows); past {@link #MAX_QUEUED} waiting texts,
 * a lookup is a miss at once, so a burst never builds an unbounded queue.
 */
final class LocalEmbedder implements Embedder {
    static final String POOL = "detour-cache-embedder";
    static final int MAX_QUEUED = 64;

    private final Vertx vertx;
    private final WorkerExecutor worker;
    private final long timeoutMillis;
    private final AtomicInteger queued = new AtomicInteger();

    LocalEmbedder(Vertx vertx, long timeoutMillis, java.nio.file.Path dataDir) {
        this.vertx = vertx;
        this.worker = vertx.createSharedWorkerExecutor(POOL, 2);
        this.timeoutMillis = timeoutMillis;
        // Load the model now, off the event loop, so the first request does not pay for it.
        worker.executeBlocking(() -> LocalModel.get(dataDir), false).onFailure(e -> org.slf4j.LoggerFactory
                .getLogger(LocalEmbedder.class).warn("the local embedding model did not load; every lookup by meaning "
                        + "will be a miss", e));
    }

    @Override
    public Future<float[]> embed(String text) {
        if (queued.incrementAndGet() > MAX_QUEUED) {
            queued.decrementAndGet();
            return Future.failedFuture(new IllegalStateException("the local embedder is busy"));
        }
        Promise<float[]> p = Promise.promise();
        long timer = vertx.setTimer(timeoutMillis, id -> p.tryFail(
                new TimeoutException("the local embedder took longer than " + timeoutMillis + "ms")));
        worker.executeBlocking(() -> LocalModel.embed(text), false).onComplete(ar -> {
            queued.decrementAndGet();
            vertx.cancelTimer(timer);
            if (ar.succeeded()) {
                p.tryComplete(ar.result());
            } else {
                p.tryFail(ar.cause());
            }
        });
        return p.future();
    }

    void close() {
        worker.close();
    }
}
