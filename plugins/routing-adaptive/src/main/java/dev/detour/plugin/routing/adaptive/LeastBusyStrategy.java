package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Least loaded first: load is {@code inFlight / concurrencyLimit}, or
 * {@code inFlight / unlimited_capacity} for a target without a limit. Within each {@link Tiers}
 * tier (usable, unhealthy, non-callable — a target at its limit is not callable) targets go by
 * load, equal loads in config order. Deterministic: no randomness.
 */
final class LeastBusyStrategy implements RoutingStrategy {

    private final LeastBusyOptions options;

    LeastBusyStrategy(LeastBusyOptions options) {
        this.options = options == null ? LeastBusyOptions.defaults() : options;
    }

    double load(TargetView t) {
        int limit = t.health().concurrencyLimit();
        double capacity = limit > 0 ? limit : options.unlimitedCapacity();
        return Math.max(0, t.health().inFlight()) / capacity;
    }

    @Override
    public List<TargetView> plan(RequestContext request, List<TargetView> candidates) {
        List<TargetView> plan = new ArrayList<>(candidates);
        plan.sort(Comparator.comparingInt(Tiers::of).thenComparingDouble(this::load));
        return plan;
    }
}
