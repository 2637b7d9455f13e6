package dev.detour.plugin.cache.semantic;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.plugin.cache.memory.MemoryOptions;

import java.util.Locale;

/**
 * Options of the {@code semantic} cache (core reads {@code ttl}, {@code max_stale},
 * {@code serve_stale_on_failure} and {@code scope} itself).
 *
 * <pre>{@code
 * cache: { type: semantic, ttl: 1h, similarity: 0.9, embedder: local }
 * cache: { type: semantic, ttl: 1h, embedder: { route: embed } }
 * }</pre>
 *
 * @param similarity   the least cosine similarity between the last user messages for a hit, within
 *                     (0, 1]; default {@value #DEFAULT_SIMILARITY} (measured: see the README)
 * @param embedder     {@code local} (the model inside this plugin; the default) or {@code {route: NAME}}
 *                     (an embeddings route of this gateway)
 * @param store        {@code memory} (the default; {@code redis} comes with cluster support)
 * @param maxEntries   the most entries; default {@value MemoryOptions#DEFAULT_MAX_ENTRIES}
 * @param maxBytes     the most memory, e.g. {@code 256MB}; default {@value MemoryOptions#DEFAULT_MAX_BYTES}
 * @param embedTimeout the longest a lookup waits for an embedding before it is a miss, e.g.
 *                     {@code 250ms}; default {@value #DEFAULT_EMBED_TIMEOUT}
 */
public record SemanticOptions(@JsonProperty("similarity") Double similarity,
                              @JsonProperty("embedder") JsonNode embedder,
                              @JsonProperty("store") String store,
                              @JsonProperty("max_entries") Integer maxEntries,
                              @JsonProperty("max_bytes") String maxBytes,
                              @JsonProperty("embed_timeout") String embedTimeout) {

    public static final double DEFAULT_SIMILARITY = 0.90;
    public static final String DEFAULT_EMBED_TIMEOUT = "250ms";

    public SemanticOptions {
        similarity = similarity == null ? DEFAULT_SIMILARITY : similarity;
        if (!(similarity > 0 && similarity <= 1)) {
            throw new IllegalArgumentException("similarity must be within (0, 1], was " + similarity);
        }
        if (embedder == null || embedder.isNull()) {
            embedder = com.fasterxml.jackson.databind.node.TextNode.valueOf("local");
        }
        embedderRoute(embedder);
        store = store == null ? "memory" : store;
        if (store.equals("redis")) {
            throw new IllegalArgumentException("store: redis is not available yet (it comes with cluster support); use memory");
        }
        if (!store.equals("memory")) {
            throw new IllegalArgumentException("store must be memory, was '" + store + "'");
        }
        MemoryOptions m = new MemoryOptions(maxEntries, maxBytes);
        maxEntries = m.maxEntries();
        maxBytes = m.maxBytes();
        embedTimeout = embedTimeout == null ? DEFAULT_EMBED_TIMEOUT : embedTimeout;
        millis("embed_timeout", embedTimeout);
    }

    /** Every option at its default. */
    public static SemanticOptions defaults() {
        return new SemanticOptions(null, null, null, null, null, null);
    }

    /** The embeddings route of {@code embedder: {route: NAME}}, or null for {@code local}. */
    public String embedderRoute() {
        return embedderRoute(embedder);
    }

    /** {@link #embedTimeout()} in milliseconds. */
    public long embedTimeoutMillis() {
        return millis("embed_timeout", embedTimeout);
    }

    /** The memory bounds, as the {@code memory} cache reads them. */
    public MemoryOptions memory() {
        return new MemoryOptions(maxEntries, maxBytes);
    }

    private static String embedderRoute(JsonNode e) {
        if (e.isTextual() && e.textValue().equals("local")) {
            return null;
        }
        if (e.isObject() && e.size() == 1 && e.path("route").isTextual() && !e.path("route").textValue().isBlank()) {
            return e.path("route").textValue();
        }
        throw new IllegalArgumentException("embedder must be local or {route: NAME}, was " + e);
    }

    private static long millis(String field, String text) {
        String v = text.trim().toLowerCase(Locale.ROOT);
        long unit = v.endsWith("ms") ? 1 : v.endsWith("s") ? 1000 : 0;
        try {
            if (unit > 0) {
                long n = Long.parseLong(v.substring(0, v.length() - (unit == 1 ? 2 : 1)).trim()) * unit;
                if (n > 0 && n <= 60_000) {
                    return n;
                }
            }
        } catch (NumberFormatException ignored) {
            // reported below
        }
        throw new IllegalArgumentException(field + " must be a duration from 1ms to 60s like 250ms or 2s, was '" + text + "'");
    }

}
