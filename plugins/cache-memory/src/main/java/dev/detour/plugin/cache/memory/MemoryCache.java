package dev.detour.plugin.cache.memory;

import dev.detour.api.Clock;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import io.vertx.core.Future;

import java.time.Duration;

/**
 * The {@code memory} cache: exact matches on {@link RequestKey}, in this process, bounded by
 * {@code max_entries} and {@code max_bytes} (see {@link TimedStore}). Chat answers and embeddings
 * share the store; a lookup and a store are a hash and a map operation, done on the caller's thread.
 */
public final class MemoryCache implements ResponseCache {
    /** Caffeine's node, the entry object and the key, beside the answer itself. */
    static final int OVERHEAD = 160;

    private final TimedStore<Stored> store;

    /** An answer as stored. */
    static final class Stored extends TimedStore.Entry {
        final Object response;
        final String target;

        Stored(Clock clock, Duration ttl, Duration maxStale, Object response, String target, long bytes) {
            super(clock, ttl, maxStale, bytes);
            this.response = response;
            this.target = target;
        }
    }

    public MemoryCache(MemoryOptions options, Clock clock) {
        this.store = new TimedStore<>(clock, options.maxEntries(), options.maxBytesValue(), null);
    }

    @Override
    public Future<CachedResponse<ChatResponse>> get(String namespace, ChatRequest request, boolean includeStale) {
        return Future.succeededFuture(find(RequestKey.chat(namespace, request), includeStale));
    }

    @Override
    public Future<Void> put(String namespace, ChatRequest request, ChatResponse response, String target,
                            Duration ttl, Duration maxStale) {
        store(RequestKey.chat(namespace, request), response, Sizes.of(response), target, ttl, maxStale);
        return Future.succeededFuture();
    }

    @Override
    public Future<CachedResponse<EmbeddingResponse>> getEmbeddings(String namespace, EmbeddingRequest request,
                                                                  boolean includeStale) {
        return Future.succeededFuture(find(RequestKey.embeddings(namespace, request), includeStale));
    }

    @Override
    public Future<Void> putEmbeddings(String namespace, EmbeddingRequest request, EmbeddingResponse response,
                                      String target, Duration ttl, Duration maxStale) {
        store(RequestKey.embeddings(namespace, request), response, Sizes.of(response), target, ttl, maxStale);
        return Future.succeededFuture();
    }

    @SuppressWarnings("unchecked")
    private <R> CachedResponse<R> find(CacheKey key, boolean includeStale) {
        Stored s = store.get(key, includeStale);
        if (s == null) {
            return null;
        }
        return new CachedResponse<>((R) s.response, s.target, s.storedAtMillis(), store.isStale(s), 1.0);
    }

    private void store(CacheKey key, Object response, long size, String target, Duration ttl, Duration maxStale) {
        if (response == null || ttl == null || ttl.isNegative() || ttl.isZero()) {
            return;
        }
        Duration stale = maxStale == null || maxStale.isNegative() ? Duration.ZERO : maxStale;
        store.put(key, new Stored(store.clock(), ttl, stale, response, target,
                size + Sizes.of(target) + OVERHEAD));
    }

    @Override
    public dev.detour.api.cache.CacheStats stats() {
        return store.stats();
    }

    /** The store, for statistics (entries, bytes, evictions). */
    public TimedStore<?> store() {
        return store;
    }

    @Override
    public Future<Void> close() {
        store.clear();
        return Future.succeededFuture();
    }
}
