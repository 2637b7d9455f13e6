package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import org.pf4j.Extension;

/** {@code strategy: region}: the request's or the gateway's region first; see {@link RegionStrategy}. */
@Extension
public final class RegionStrategyFactory implements RoutingStrategyFactory<RegionOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "region";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<RegionOptions> optionsType() {
        return RegionOptions.class;
    }

    @Override
    public RoutingStrategy create(RegionOptions options, StrategyContext context) {
        return new RegionStrategy();
    }
}
