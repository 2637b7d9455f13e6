package dev.detour.testkit;

import dev.detour.api.NoOptions;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.view.TargetView;
import org.pf4j.Extension;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Test strategies: {@code tenant} plans only the targets of the provider named by the request's
 * {@code x-tenant} header and records every header map it was shown; {@code nothing} plans nothing.
 */
public final class TenantStrategyFactory {
    static final List<Map<String, String>> SEEN = new CopyOnWriteArrayList<>();

    private TenantStrategyFactory() {
    }

    @Extension
    public static final class Tenant implements RoutingStrategyFactory<NoOptions> {
        @Override
        public String type() {
            return "tenant";
        }

        @Override
        public Class<NoOptions> optionsType() {
            return NoOptions.class;
        }

        @Override
        public RoutingStrategy create(NoOptions options, StrategyContext context) {
            return (request, candidates) -> {
                SEEN.add(request.headers());
                String tenant = request.header("X-Tenant");
                return candidates.stream().filter(t -> t.provider().equals(tenant)).toList();
            };
        }
    }

    @Extension
    public static final class Nothing implements RoutingStrategyFactory<NoOptions> {
        @Override
        public String type() {
            return "nothing";
        }

        @Override
        public Class<NoOptions> optionsType() {
            return NoOptions.class;
        }

        @Override
        public RoutingStrategy create(NoOptions options, StrategyContext context) {
            return (request, candidates) -> List.<TargetView>of();
        }
    }
}
