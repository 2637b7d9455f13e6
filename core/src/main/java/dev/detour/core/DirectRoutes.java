package dev.detour.core;

import dev.detour.core.admission.Resolution;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.telemetry.Metrics;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The direct {@code provider/model} routes clients have called, at most {@code max} of them: the
 * names come from clients, so the table is bounded, not grown by traffic. A new name past the
 * bound evicts the least recently used route whose target has no call in flight; its health
 * goes with it, and its {@code /metrics} series are dropped ({@link Metrics#forgetRoute},
 * {@link Metrics#forgetTarget}; a target that is also configured on a route keeps its series).
 * When every route has a call in flight, a new name is refused. Thread-safe (one lock; a hit is
 * a map lookup).
 */
final class DirectRoutes {
    private final int max;
    private final Metrics metrics;
    private final Set<String> configuredTargets;
    /** Access-ordered: least recently used first. Guarded by {@code this}. */
    private final LinkedHashMap<String, Resolution> routes = new LinkedHashMap<>(64, 0.75f, true);

    /**
     * @param max               how many direct routes are kept at most
     * @param metrics           told which names may have series
     * @param configuredTargets ids of the targets of configured routes (they outlive a direct route)
     */
    DirectRoutes(int max, Metrics metrics, Set<String> configuredTargets) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1 (was " + max + ")");
        }
        this.max = max;
        this.metrics = metrics;
        this.configuredTargets = Set.copyOf(configuredTargets);
    }

    /**
     * The route for {@code name}, created with {@code create} when absent (evicting an idle one
     * if the table is full); null when the table is full and every route has a call in flight.
     */
    synchronized Resolution get(String name, Supplier<RouteRuntime> create) {
        Resolution r = routes.get(name);
        if (r != null) {
            return r;
        }
        if (routes.size() >= max && !evictIdle()) {
            return null;
        }
        RouteRuntime route = create.get();
        r = new Resolution(route, null, null);
        metrics.allowRoute(name);
        metrics.allowTarget(route.runtimes().get(0).id());
        routes.put(name, r);
        return r;
    }

    /** The target runtimes of the routes kept now, least recently used first. */
    synchronized List<TargetRuntime> targets() {
        List<TargetRuntime> out = new ArrayList<>(routes.size());
        routes.values().forEach(r -> out.add(r.route().runtimes().get(0)));
        return out;
    }

    /** How many direct routes are kept. */
    synchronized int size() {
        return routes.size();
    }

    private boolean evictIdle() {
        for (Iterator<Map.Entry<String, Resolution>> it = routes.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Resolution> e = it.next();
            TargetRuntime t = e.getValue().route().runtimes().get(0);
            if (t.inFlight() == 0) {
                it.remove();
                metrics.forgetRoute(e.getKey());
                if (!configuredTargets.contains(t.id())) {
                    metrics.forgetTarget(t.id());
                }
                return true;
            }
        }
        return false;
    }
}
