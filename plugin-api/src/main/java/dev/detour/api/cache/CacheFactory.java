package dev.detour.api.cache;

import dev.detour.api.DetourExtension;

/**
 * Extension point for response caches ({@code cache: {type: memory, ttl: 10m}}). Core reads the
 * keys every cache has ({@code ttl}, {@code max_stale}, {@code serve_stale_on_failure},
 * {@code scope}) itself; every other key of the block goes to the options.
 *
 * @param <O> the options record
 */
public interface CacheFactory<O> extends DetourExtension<O> {
    /** A cache for one route. */
    ResponseCache create(O options, CacheContext context);
}
