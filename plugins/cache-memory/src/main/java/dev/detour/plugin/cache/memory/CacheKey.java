package dev.detour.plugin.cache.memory;

/**
 * A SHA-256 digest of a canonical request, as four longs (cheap to hash and compare, 48 bytes on
 * the heap). Built by {@link RequestKey}.
 */
public record CacheKey(long a, long b, long c, long d) {
    /** Heap size of one key, for the cache's weigher. */
    public static final int BYTES = 48;
}
