package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/** {@code strategy: cost}: cheapest healthy target first; see {@link CostStrategy}. */
@Extension
public final class CostStrategyFactory implements RoutingStrategyFactory<CostOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "cost";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<CostOptions> optionsType() {
        return CostOptions.class;
    }

    @Override
    public RoutingStrategy create(CostOptions options, StrategyContext context) {
        return new CostStrategy(options);
    }
}
