package dev.detour.plugin.routing;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/**
 * {@code strategy: weighted}: the first target is drawn at random among the callable targets,
 * with probability proportional to {@code weight}; the others follow as fallbacks, heaviest first.
 * See {@link WeightedStrategy} for the exact ordering.
 */
@Extension
public final class WeightedStrategyFactory implements RoutingStrategyFactory<WeightedOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "weighted";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<WeightedOptions> optionsType() {
        return WeightedOptions.class;
    }

    @Override
    public RoutingStrategy create(WeightedOptions options, StrategyContext context) {
        return new WeightedStrategy(context.random());
    }
}
