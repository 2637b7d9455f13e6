package dev.detour.api.cache;

/**
 * What a cache holds and has dropped since it was created, for metrics (per route).
 *
 * @param entries     entries held now (stale ones included)
 * @param bytes       their estimated size in bytes
 * @param evictions   entries dropped to stay within a bound
 * @param expirations entries dropped because their TTL and stale time passed
 */
public record CacheStats(long entries, long bytes, long evictions, long expirations) {
}
