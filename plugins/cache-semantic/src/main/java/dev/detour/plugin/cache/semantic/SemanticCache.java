package dev.detour.plugin.cache.semantic;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import dev.detour.api.Clock;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Message;
import dev.detour.plugin.cache.memory.CacheKey;
import dev.detour.plugin.cache.memory.MemoryOptions;
import dev.detour.plugin.cache.memory.RequestKey;
import dev.detour.plugin.cache.memory.Sizes;
import dev.detour.plugin.cache.memory.TimedStore;
import io.vertx.core.Future;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The {@code semantic} cache: a request hits an entry whose request is the same in every part but
 * the last user message (same route, system prompt, earlier turns, tools, parameters — the
 * "bucket", keyed as {@link RequestKey#chatWithout}), and whose last user message is within
 * {@code similarity} by cosine and has the same {@link Guards} (numbers, names, negations and
 * opposite words). An identical request is found first by its exact key, without an embedding.
 *
 * <p>Only a last message from the user made of text is compared by meaning; any other request
 * (an image, a tool result last) is cached exactly. Embeddings requests are cached exactly.
 *
 * <p>The search within a bucket is exact (every vector compared), capped at {@link #MAX_BUCKET}
 * entries per bucket, the oldest dropped first: measured at well under a millisecond for a full
 * bucket on the reference machine.
 */
public final class SemanticCache implements ResponseCache {
    /** The most entries compared by meaning for one lookup. */
    static final int MAX_BUCKET = 2048;
    private static final int OVERHEAD = 256;

    private final double similarity;
    private final Embedder embedder;
    private final TimedStore<Entry> store;
    private final ConcurrentHashMap<CacheKey, Entry[]> buckets = new ConcurrentHashMap<>();
    /** Embeddings of recent lookups, so the store after a miss need not embed again. */
    private final Cache<String, float[]> recent;

    static final class Entry extends TimedStore.Entry {
        final CacheKey key;
        final CacheKey bucket;
        final float[] vector;
        final Guards guards;
        final Object response;
        final String target;

        Entry(Clock clock, Duration ttl, Duration maxStale, long bytes, CacheKey key, CacheKey bucket, float[] vector,
              Guards guards, Object response, String target) {
            super(clock, ttl, maxStale, bytes);
            this.key = key;
            this.bucket = bucket;
            this.vector = vector;
            this.guards = guards;
            this.response = response;
            this.target = target;
        }
    }

    SemanticCache(double similarity, MemoryOptions bounds, Clock clock, Embedder embedder) {
        this.similarity = similarity;
        this.embedder = embedder;
        this.store = new TimedStore<>(clock, bounds.maxEntries(), bounds.maxBytesValue(), (k, e) -> unindex(e));
        this.recent = Caffeine.newBuilder().ticker(clock::nanos).executor(Runnable::run)
                .maximumSize(1024).expireAfterWrite(1, TimeUnit.MINUTES).build();
    }

    /** The part of a request compared by meaning. */
    private record Query(int index, String text) {
        static Query of(ChatRequest r) {
            int last = r.messages().size() - 1;
            Message m = r.messages().get(last);
            if (!m.role().equals("user") || m.content() == null || m.content().isEmpty()) {
                return null;
            }
            for (ContentPart p : m.content()) {
                if (!(p instanceof ContentPart.Text)) {
                    return null;
                }
            }
            String text = m.text();
            return text.isBlank() ? null : new Query(last, text);
        }
    }

    @Override
    public Future<CachedResponse<ChatResponse>> get(String namespace, ChatRequest request, boolean includeStale) {
        Entry exact = store.get(RequestKey.chat(namespace, request), includeStale);
        if (exact != null) {
            return Future.succeededFuture(hit(exact, 1.0));
        }
        Query q = Query.of(request);
        if (q == null) {
            return Future.succeededFuture();
        }
        CacheKey bucket = RequestKey.chatWithout(namespace, request, q.index);
        if (!buckets.containsKey(bucket)) {
            return Future.succeededFuture();
        }
        return vector(q.text).map(v -> search(bucket, v, Guards.of(q.text), includeStale));
    }

    private CachedResponse<ChatResponse> search(CacheKey bucket, float[] v, Guards guards, boolean includeStale) {
        Entry[] entries = buckets.get(bucket);
        if (entries == null) {
            return null;
        }
        Entry best = null;
        double bestSim = similarity;
        for (Entry e : entries) {
            if (e.vector == null) {
                continue;
            }
            double s = dot(v, e.vector);
            if (s >= bestSim && !store.isExpired(e) && (includeStale || !store.isStale(e)) && guards.sameAs(e.guards)) {
                best = e;
                bestSim = s;
            }
        }
        return best == null ? null : hit(best, Math.min(1.0, bestSim));
    }

    static double dot(float[] a, float[] b) {
        float s0 = 0;
        float s1 = 0;
        float s2 = 0;
        float s3 = 0;
        int n = Math.min(a.length, b.length);
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < n; i++) {
            s0 += a[i] * b[i];
        }
        return (double) s0 + s1 + s2 + s3;
    }

    @SuppressWarnings("unchecked")
    private <R> CachedResponse<R> hit(Entry e, double sim) {
        return new CachedResponse<>((R) e.response, e.target, e.storedAtMillis(), store.isStale(e), sim);
    }

    private Future<float[]> vector(String text) {
        float[] v = recent.getIfPresent(text);
        if (v != null) {
            return Future.succeededFuture(v);
        }
        return embedder.embed(text).onSuccess(r -> recent.put(text, r));
    }

    @Override
    public Future<Void> put(String namespace, ChatRequest request, ChatResponse response, String target,
                            Duration ttl, Duration maxStale) {
        if (!storable(response, ttl)) {
            return Future.succeededFuture();
        }
        CacheKey key = RequestKey.chat(namespace, request);
        long size = Sizes.of(response) + Sizes.of(target) + OVERHEAD;
        Query q = Query.of(request);
        if (q == null) {
            store.put(key, new Entry(store.clock(), ttl, stale(maxStale), size, key, null, null, null, response, target));
            return Future.succeededFuture();
        }
        CacheKey bucket = RequestKey.chatWithout(namespace, request, q.index);
        return vector(q.text).map(v -> {
            Guards g = Guards.of(q.text);
            long bytes = size + 16 + 4L * v.length + 4 * Sizes.of(q.text);
            Entry e = new Entry(store.clock(), ttl, stale(maxStale), bytes, key, bucket, v, g, response, target);
            Entry[] dropped = new Entry[1];
            buckets.compute(bucket, (k, old) -> {
                if (old == null) {
                    return new Entry[]{e};
                }
                Entry[] grown;
                if (old.length >= MAX_BUCKET) {
                    dropped[0] = old[0];
                    grown = Arrays.copyOfRange(old, 1, old.length + 1);
                } else {
                    grown = Arrays.copyOf(old, old.length + 1);
                }
                grown[grown.length - 1] = e;
                return grown;
            });
            store.put(key, e);
            if (dropped[0] != null) {
                store.remove(dropped[0].key);
            }
            return null;
        });
    }

    private void unindex(Entry e) {
        if (e.bucket == null) {
            return;
        }
        buckets.computeIfPresent(e.bucket, (k, old) -> {
            for (int i = 0; i < old.length; i++) {
                if (old[i] == e) {
                    if (old.length == 1) {
                        return null;
                    }
                    Entry[] shrunk = new Entry[old.length - 1];
                    System.arraycopy(old, 0, shrunk, 0, i);
                    System.arraycopy(old, i + 1, shrunk, i, old.length - i - 1);
                    return shrunk;
                }
            }
            return old;
        });
    }

    @Override
    public Future<CachedResponse<EmbeddingResponse>> getEmbeddings(String namespace, EmbeddingRequest request,
                                                                  boolean includeStale) {
        Entry e = store.get(RequestKey.embeddings(namespace, request), includeStale);
        return Future.succeededFuture(e == null ? null : hit(e, 1.0));
    }

    @Override
    public Future<Void> putEmbeddings(String namespace, EmbeddingRequest request, EmbeddingResponse response,
                                      String target, Duration ttl, Duration maxStale) {
        if (storable(response, ttl)) {
            CacheKey key = RequestKey.embeddings(namespace, request);
            store.put(key, new Entry(store.clock(), ttl, stale(maxStale), Sizes.of(response) + Sizes.of(target) + OVERHEAD,
                    key, null, null, null, response, target));
        }
        return Future.succeededFuture();
    }

    private static boolean storable(Object response, Duration ttl) {
        return response != null && ttl != null && !ttl.isNegative() && !ttl.isZero();
    }

    private static Duration stale(Duration maxStale) {
        return maxStale == null || maxStale.isNegative() ? Duration.ZERO : maxStale;
    }

    @Override
    public dev.detour.api.cache.CacheStats stats() {
        return store.stats();
    }

    /** The store, for statistics (entries, bytes, evictions). */
    public TimedStore<?> store() {
        return store;
    }

    /** Entries in the bucket of {@code request}'s other parts (for tests and statistics). */
    int bucketSize(String namespace, ChatRequest request) {
        Query q = Query.of(request);
        Entry[] b = q == null ? null : buckets.get(RequestKey.chatWithout(namespace, request, q.index));
        return b == null ? 0 : b.length;
    }

    @Override
    public Future<Void> close() {
        store.clear();
        buckets.clear();
        if (embedder instanceof LocalEmbedder l) {
            l.close();
        }
        return Future.succeededFuture();
    }
}
