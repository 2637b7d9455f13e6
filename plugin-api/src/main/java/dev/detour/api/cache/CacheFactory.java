package dev.detour.api.cache;

import dev.detour.api.DetourExtension;

/**
 * Extension point for response caches ({@code cache: {type: memory, ttl: 10m}}). Core reads
 * {@code ttl} and {@code serve_stale_on_failure} itself; every other key goes to the options.
 *
 * @param <O> the options record
 */
public interface CacheFactory<O> extends DetourExtension<O> {

    ResponseCache create(O options, CacheContext context);
}
