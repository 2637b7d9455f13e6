package dev.detour.api.routing;

import dev.detour.api.Clock;

import java.util.random.RandomGenerator;

/**
 * What core hands a routing strategy factory.
 *
 * @param routeName the route the strategy serves
 * @param clock     the time source
 * @param random    the random source (seeded in tests and by {@code detour demo --seed})
 */
public record StrategyContext(String routeName, Clock clock, RandomGenerator random) {
}
