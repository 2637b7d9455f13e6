package dev.detour.plugin.routing;

/**
 * Options of {@code strategy: {type: weighted}}. There are none yet; the weights live on the
 * targets ({@code weight:}). A record of its own (rather than {@code NoOptions}) so options can be
 * added later without changing the factory's declared type.
 */
public record WeightedOptions() {
}
