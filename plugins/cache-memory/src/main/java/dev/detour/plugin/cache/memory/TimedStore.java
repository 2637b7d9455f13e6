package dev.detour.plugin.cache.memory;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import dev.detour.api.Clock;

import java.time.Duration;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BiConsumer;

/**
 * A bounded map from {@link CacheKey} to entries that are fresh for their TTL and then stale for
 * their {@code max_stale}, on the injected clock (Caffeine's ticker reads it, so a test advances
 * time by hand).
 *
 * <p>Bounded by entries and bytes at once with one Caffeine weight: an entry weighs its estimated
 * size, but never less than {@code maxBytes / maxEntries}. The weights' sum stays within
 * {@code maxBytes}, so the estimated bytes do, and so does the count (each weighs at least a
 * {@code maxEntries}-th of it). The price: with entries much smaller than that share, the entry
 * bound is the one that holds, and a mix of small and large entries is evicted a little earlier
 * than either bound alone would. Eviction is Caffeine's (W-TinyLFU), run on the calling thread.
 *
 * @param <E> the entry type
 */
public final class TimedStore<E extends TimedStore.Entry> {

    /** What a store keeps: its own times and weight, fixed when stored. */
    public abstract static class Entry {
        final long storedAtMillis;
        final long freshUntilNanos;
        final long expireAtNanos;
        final long bytes;
        int weight;

        /**
         * @param clock    the store's clock
         * @param ttl      how long the entry is fresh, positive
         * @param maxStale how long it is kept as stale after that, zero or more
         * @param bytes    an upper estimate of its heap size, key and bookkeeping included
         */
        protected Entry(Clock clock, Duration ttl, Duration maxStale, long bytes) {
            long now = clock.nanos();
            this.storedAtMillis = clock.now().toEpochMilli();
            this.freshUntilNanos = now + saturatedNanos(ttl);
            this.expireAtNanos = freshUntilNanos + saturatedNanos(maxStale);
            this.bytes = bytes;
        }

        /** When it was stored, in the clock's epoch milliseconds. */
        public long storedAtMillis() {
            return storedAtMillis;
        }

        /** Its estimated heap size. */
        public long bytes() {
            return bytes;
        }

        private static long saturatedNanos(Duration d) {
            try {
                return Math.min(d.toNanos(), Long.MAX_VALUE / 4);
            } catch (ArithmeticException e) {
                return Long.MAX_VALUE / 4;
            }
        }
    }

    private final Clock clock;
    private final long minWeight;
    private final Cache<CacheKey, E> cache;
    private final LongAdder evictions = new LongAdder();
    private final LongAdder expirations = new LongAdder();
    private final LongAdder bytes = new LongAdder();

    /**
     * @param clock     the time source for freshness and expiry
     * @param maxEntries the most entries
     * @param maxBytes  the most estimated bytes
     * @param onRemoved called on the thread that caused it whenever an entry leaves the store
     *                  (evicted, expired, replaced or removed), or null
     */
    public TimedStore(Clock clock, long maxEntries, long maxBytes, BiConsumer<CacheKey, E> onRemoved) {
        this.clock = clock;
        this.minWeight = Math.max(1, Math.min(Integer.MAX_VALUE, (maxBytes + maxEntries - 1) / maxEntries));
        this.cache = Caffeine.newBuilder()
                .ticker(clock::nanos)
                .executor(Runnable::run)
                .maximumWeight(maxBytes)
                .<CacheKey, E>weigher((k, e) -> e.weight)
                .expireAfter(new Expiry<CacheKey, E>() {
                    @Override
                    public long expireAfterCreate(CacheKey key, E e, long currentTime) {
                        return Math.max(0, e.expireAtNanos - currentTime);
                    }

                    @Override
                    public long expireAfterUpdate(CacheKey key, E e, long currentTime, long currentDuration) {
                        return Math.max(0, e.expireAtNanos - currentTime);
                    }

                    @Override
                    public long expireAfterRead(CacheKey key, E e, long currentTime, long currentDuration) {
                        return currentDuration;
                    }
                })
                .removalListener((CacheKey k, E e, RemovalCause cause) -> {
                    if (e == null) {
                        return;
                    }
                    bytes.add(-e.bytes);
                    if (cause == RemovalCause.SIZE) {
                        evictions.increment();
                    } else if (cause == RemovalCause.EXPIRED) {
                        expirations.increment();
                    }
                    if (onRemoved != null) {
                        onRemoved.accept(k, e);
                    }
                })
                .build();
    }

    /**
     * The entry for {@code key} when it is fresh, or stale but within its {@code max_stale} and
     * {@code includeStale}; else null.
     */
    public E get(CacheKey key, boolean includeStale) {
        E e = cache.getIfPresent(key);
        if (e == null) {
            return null;
        }
        long now = clock.nanos();
        if (now - e.expireAtNanos >= 0 || (!includeStale && isStale(e, now))) {
            return null;
        }
        return e;
    }

    /** Whether {@code e}'s TTL has passed. */
    public boolean isStale(E e) {
        return isStale(e, clock.nanos());
    }

    /** Whether {@code e} is past its stale window too, i.e. gone. */
    public boolean isExpired(E e) {
        return clock.nanos() - e.expireAtNanos >= 0;
    }

    private static boolean isStale(Entry e, long now) {
        return now - e.freshUntilNanos >= 0;
    }

    /** Stores {@code e} under {@code key}, replacing what was there. */
    public void put(CacheKey key, E e) {
        e.weight = (int) Math.max(minWeight, Math.min(Integer.MAX_VALUE, e.bytes));
        bytes.add(e.bytes);
        cache.put(key, e);
    }

    /** Removes the entry for {@code key}, if any. */
    public void remove(CacheKey key) {
        cache.invalidate(key);
    }

    /** Runs pending evictions and expirations now. */
    public void cleanUp() {
        cache.cleanUp();
    }

    /** The four counts at once, as the extension point reports them. */
    public dev.detour.api.cache.CacheStats stats() {
        return new dev.detour.api.cache.CacheStats(entries(), bytes(), evictions(), expirations());
    }

    /** Entries held (expired ones not yet cleaned up included). */
    public long entries() {
        return cache.estimatedSize();
    }

    /** Estimated heap bytes of the entries held. */
    public long bytes() {
        return bytes.sum();
    }

    /** Entries evicted to stay within the bounds. */
    public long evictions() {
        return evictions.sum();
    }

    /** Entries dropped because their stale window passed. */
    public long expirations() {
        return expirations.sum();
    }

    /** The store's clock. */
    public Clock clock() {
        return clock;
    }

    /** Drops every entry. */
    public void clear() {
        cache.invalidateAll();
        cache.cleanUp();
    }
}
