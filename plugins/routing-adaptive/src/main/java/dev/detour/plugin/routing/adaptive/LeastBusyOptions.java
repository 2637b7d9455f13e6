package dev.detour.plugin.routing.adaptive;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of {@code strategy: {type: least-busy}}.
 *
 * <pre>{@code
 * strategy:
 *   type: least-busy
 *   unlimited_capacity: 100   # the concurrency assumed for a provider without a concurrency limit
 * }</pre>
 *
 * @param unlimitedCapacity the concurrency a target without a limit is assumed to have, so its load
 *                          {@code in_flight / unlimited_capacity} compares with limited targets'
 *                          {@code in_flight / limit}; default {@value #DEFAULT_UNLIMITED_CAPACITY}, at least 1
 */
public record LeastBusyOptions(@JsonProperty("unlimited_capacity") Integer unlimitedCapacity) {

    public static final int DEFAULT_UNLIMITED_CAPACITY = 100;

    public LeastBusyOptions {
        unlimitedCapacity = unlimitedCapacity == null ? DEFAULT_UNLIMITED_CAPACITY : unlimitedCapacity;
        if (unlimitedCapacity < 1) {
            throw new IllegalArgumentException("unlimited_capacity must be at least 1, was " + unlimitedCapacity);
        }
    }

    /** Every option at its default. */
    public static LeastBusyOptions defaults() {
        return new LeastBusyOptions(null);
    }
}
