package dev.detour.plugin.routing.adaptive;

import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetView;

import java.util.ArrayList;
import java.util.List;

/**
 * The coarse health order every strategy of this plugin applies before its own criterion:
 * callable targets that are not unhealthy, then callable unhealthy ones, then targets whose
 * breaker refuses calls now. Degraded targets stay in the first tier on purpose: core's graduated
 * shift sheds their traffic in proportion to their score, for every strategy alike, and would have
 * nothing to graduate if strategies pushed them back already. Non-callable targets stay in the plan
 * (last) because their breaker may close before the engine reaches them.
 */
final class Tiers {

    static final int USABLE = 0;
    static final int UNHEALTHY = 1;
    static final int BLOCKED = 2;

    private Tiers() {
    }

    static int of(TargetView t) {
        if (!t.health().callable()) {
            return BLOCKED;
        }
        return t.health().state() == HealthState.UNHEALTHY ? UNHEALTHY : USABLE;
    }

    /** The candidates split into the three tiers, each in config order. */
    static List<List<TargetView>> split(List<TargetView> candidates) {
        List<List<TargetView>> tiers = List.of(new ArrayList<>(), new ArrayList<>(), new ArrayList<>());
        for (TargetView t : candidates) {
            tiers.get(of(t)).add(t);
        }
        return tiers;
    }
}
