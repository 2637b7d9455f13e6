package dev.detour.plugin.cache.memory;

import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.cache.ResponseCache;
import org.pf4j.Extension;

/** {@code cache: {type: memory}}: exact matches in this process; see {@link MemoryCache}. */
@Extension
public final class MemoryCacheFactory implements CacheFactory<MemoryOptions> {
    /** The {@code type:} of this cache. */
    public static final String TYPE = "memory";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<MemoryOptions> optionsType() {
        return MemoryOptions.class;
    }

    @Override
    public ResponseCache create(MemoryOptions options, CacheContext context) {
        return new MemoryCache(options, context.clock());
    }
}
