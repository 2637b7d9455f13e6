package dev.detour.plugin.routing.adaptive;

/**
 * Options of {@code strategy: region}. There are none: the preferred region comes from the
 * request ({@code x-detour-region}) or the gateway ({@code server.region}), and the targets'
 * regions from their providers. A record of its own so options can be added later.
 */
public record RegionOptions() {
}
