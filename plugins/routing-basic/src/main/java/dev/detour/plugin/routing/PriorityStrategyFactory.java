package dev.detour.plugin.routing;

import dev.detour.api.NoOptions;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

import java.util.List;

/**
 * {@code strategy: priority}: the plan is the route's targets in config order. The first target
 * is the primary; every later one is a fallback. Open breakers are skipped by core, so the plan
 * does not look at health at all.
 */
@Extension
public final class PriorityStrategyFactory implements RoutingStrategyFactory<NoOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "priority";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<NoOptions> optionsType() {
        return NoOptions.class;
    }

    @Override
    public RoutingStrategy create(NoOptions options, StrategyContext context) {
        // The candidates list is already in config order; returning a copy keeps core free to
        // reuse its list without the plan aliasing it.
        return (request, candidates) -> List.copyOf(candidates);
    }
}
