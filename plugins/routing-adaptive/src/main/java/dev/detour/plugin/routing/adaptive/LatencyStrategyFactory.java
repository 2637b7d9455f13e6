package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/** {@code strategy: latency}: fastest healthy target first, with a tie band and exploration; see {@link LatencyStrategy}. */
@Extension
public final class LatencyStrategyFactory implements RoutingStrategyFactory<LatencyOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "latency";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<LatencyOptions> optionsType() {
        return LatencyOptions.class;
    }

    @Override
    public RoutingStrategy create(LatencyOptions options, StrategyContext context) {
        return new LatencyStrategy(options, context.random());
    }
}
