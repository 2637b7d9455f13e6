package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/** {@code strategy: least-busy}: fewest calls in flight relative to capacity; see {@link LeastBusyStrategy}. */
@Extension
public final class LeastBusyStrategyFactory implements RoutingStrategyFactory<LeastBusyOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "least-busy";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<LeastBusyOptions> optionsType() {
        return LeastBusyOptions.class;
    }

    @Override
    public RoutingStrategy create(LeastBusyOptions options, StrategyContext context) {
        return new LeastBusyStrategy(options);
    }
}
