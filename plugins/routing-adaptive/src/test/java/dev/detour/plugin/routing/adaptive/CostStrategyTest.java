package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.plugin.routing.adaptive.Plans.REQUEST;
import static dev.detour.plugin.routing.adaptive.Plans.assertPermutation;
import static dev.detour.plugin.routing.adaptive.Plans.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;

class CostStrategyTest {

    private static RoutingStrategy strategy(CostOptions o) {
        return new CostStrategyFactory().create(o, Plans.context(1));
    }

    @Test
    void orders_by_estimated_cost_with_unpriced_targets_last() {
        List<TargetView> c = List.of(FakeTarget.of("unpriced", "m"), FakeTarget.of("gpt", "4o").price(2.5, 10),
                FakeTarget.of("big", "m").price(3, 15), FakeTarget.of("mini", "m").price(0.15, 0.6),
                FakeTarget.of("half", "m").price(2.5, -1));
        List<TargetView> plan = strategy(CostOptions.defaults()).plan(REQUEST, c);
        assertPermutation(c, plan);
        assertEquals(List.of("mini/m", "gpt/4o", "big/m", "unpriced/m", "half/m"), ids(plan));
    }

    @Test
    void output_ratio_weighs_the_output_price() {
        List<TargetView> c = List.of(FakeTarget.of("x", "m").price(1, 10), FakeTarget.of("y", "m").price(4, 2));
        // 1 + 0.5*10 = 6 vs 4 + 0.5*2 = 5
        assertEquals(List.of("y/m", "x/m"), ids(strategy(CostOptions.defaults()).plan(REQUEST, c)));
        // 1 + 0.1*10 = 2 vs 4 + 0.1*2 = 4.2
        assertEquals(List.of("x/m", "y/m"), ids(strategy(new CostOptions(null, 0.1)).plan(REQUEST, c)));
    }

    @Test
    void targets_below_min_score_unhealthy_or_blocked_go_after_healthier_ones() {
        List<TargetView> c = List.of(
                FakeTarget.of("open", "m").price(0, 0).open(),
                FakeTarget.of("weak", "m").price(0.1, 0.1).health(HealthState.DEGRADED, 0.4),
                FakeTarget.of("sick", "m").price(0.01, 0.01).health(HealthState.UNHEALTHY, 0.2),
                FakeTarget.of("ok", "m").price(1, 1).health(HealthState.DEGRADED, 0.6),
                FakeTarget.of("dear", "m").price(10, 30));
        assertEquals(List.of("ok/m", "dear/m", "sick/m", "weak/m", "open/m"),
                ids(strategy(CostOptions.defaults()).plan(REQUEST, c)));
        // A lower threshold lets the weak one compete on price
        assertEquals(List.of("weak/m", "ok/m", "dear/m", "sick/m", "open/m"),
                ids(strategy(new CostOptions(0.3, null)).plan(REQUEST, c)));
    }

    @Test
    void equal_prices_keep_config_order() {
        List<TargetView> c = List.of(FakeTarget.of("b", "m").price(1, 2), FakeTarget.of("a", "m").price(1, 2),
                FakeTarget.of("free", "m").price(0, 0));
        assertEquals(List.of("free/m", "b/m", "a/m"), ids(strategy(CostOptions.defaults()).plan(REQUEST, c)));
    }
}
