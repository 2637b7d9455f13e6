package dev.detour.plugin.cache.memory;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code memory} cache (core reads {@code ttl}, {@code max_stale},
 * {@code serve_stale_on_failure} and {@code scope} itself).
 *
 * <pre>{@code
 * cache: { type: memory, ttl: 10m, max_entries: 10000, max_bytes: 256MB }
 * }</pre>
 *
 * @param maxEntries the most entries kept; default {@value #DEFAULT_MAX_ENTRIES}, at least 1
 * @param maxBytes   the most memory the entries may take, estimated per entry, as a size ({@code 256MB},
 *                   {@code 64KB}, or a bare number of bytes); default {@value #DEFAULT_MAX_BYTES}, at
 *                   least 64KB
 */
public record MemoryOptions(@JsonProperty("max_entries") Integer maxEntries,
                            @JsonProperty("max_bytes") String maxBytes) {

    public static final int DEFAULT_MAX_ENTRIES = 10_000;
    public static final String DEFAULT_MAX_BYTES = "256MB";

    public MemoryOptions {
        maxEntries = maxEntries == null ? DEFAULT_MAX_ENTRIES : maxEntries;
        if (maxEntries < 1) {
            throw new IllegalArgumentException("max_entries must be at least 1, was " + maxEntries);
        }
        maxBytes = maxBytes == null ? DEFAULT_MAX_BYTES : maxBytes;
        Sizes.parse("max_bytes", maxBytes);
    }

    /** Every option at its default. */
    public static MemoryOptions defaults() {
        return new MemoryOptions(null, null);
    }

    /** {@link #maxBytes()} in bytes. */
    public long maxBytesValue() {
        return Sizes.parse("max_bytes", maxBytes);
    }
}
