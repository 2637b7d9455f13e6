package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Core's health model demotes a target its detectors judge unusable but never closes it (only
 * failed calls open a breaker): every strategy must keep such a target in its plan, ahead of the
 * targets whose breaker refuses calls, so a slow last resort is still reached.
 */
class LastResortTest {

    private final Map<String, RoutingStrategy> strategies = Map.of(
            "latency", new LatencyStrategyFactory().create(LatencyOptions.defaults(), Plans.context(1)),
            "cost", new CostStrategyFactory().create(CostOptions.defaults(), Plans.context(1)),
            "region", new RegionStrategyFactory().create(new RegionOptions(), Plans.context(1)),
            "least-busy", new LeastBusyStrategyFactory().create(LeastBusyOptions.defaults(), Plans.context(1)));

    @Test
    void an_unusable_but_answering_target_stays_in_every_plan_ahead_of_open_ones() {
        FakeTarget dead = FakeTarget.of("primary", "m").open();
        FakeTarget slow = FakeTarget.of("backup", "m").latency(400, 0).health(HealthState.UNHEALTHY, 0.0);
        List<TargetView> candidates = List.of(dead, slow);
        strategies.forEach((name, s) -> {
            List<TargetView> plan = s.plan(Plans.request("us-east-1", null, false), candidates);
            Plans.assertPermutation(candidates, plan);
            assertEquals(List.of("backup/m", "primary/m"), Plans.ids(plan), name);
        });
    }

    @Test
    void a_sole_unusable_target_is_the_whole_plan() {
        List<TargetView> candidates = List.of(FakeTarget.of("solo", "m").health(HealthState.UNHEALTHY, 0.0));
        strategies.forEach((name, s) -> assertEquals(List.of("solo/m"),
                Plans.ids(s.plan(Plans.REQUEST, candidates)), name));
    }
}
