package dev.detour.plugin.cache.semantic;

import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.cache.ResponseCache;
import org.pf4j.Extension;

/** {@code cache: {type: semantic}}: matches by meaning of the last user message; see {@link SemanticCache}. */
@Extension
public final class SemanticCacheFactory implements CacheFactory<SemanticOptions> {
    /** The {@code type:} of this cache. */
    public static final String TYPE = "semantic";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<SemanticOptions> optionsType() {
        return SemanticOptions.class;
    }

    @Override
    public ResponseCache create(SemanticOptions options, CacheContext context) {
        String route = options.embedderRoute();
        Embedder embedder = route == null
                ? new LocalEmbedder(context.vertx(), options.embedTimeoutMillis(), context.dataDir())
                : new RouteEmbedder(context.vertx(), context.embeddings(), route, options.embedTimeoutMillis());
        return new SemanticCache(options.similarity(), options.memory(), context.clock(), embedder);
    }
}
