package dev.detour.api.routing;

import dev.detour.api.DetourExtension;

/**
 * Extension point for routing strategies. Core creates one strategy per route that names this
 * {@link #type()} ({@code strategy: priority} or {@code strategy: {type: weighted, ...options}}).
 *
 * @param <O> the options record ({@link dev.detour.api.NoOptions} if none)
 */
public interface RoutingStrategyFactory<O> extends DetourExtension<O> {

    RoutingStrategy create(O options, StrategyContext context);
}
