package dev.detour.api.detector;

import dev.detour.api.Clock;

/**
 * What core hands a detector factory.
 *
 * @param routeName the route the detector watches
 * @param clock     the time source; windows and baselines must use it, never System time
 */
public record DetectorContext(String routeName, Clock clock) {
}
