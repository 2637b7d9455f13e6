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

class LeastBusyStrategyTest {

    private static RoutingStrategy strategy(LeastBusyOptions o) {
        return new LeastBusyStrategyFactory().create(o, Plans.context(1));
    }

    @Test
    void orders_by_in_flight_relative_to_the_concurrency_limit() {
        List<TargetView> c = List.of(FakeTarget.of("half", "m").busy(5, 10), FakeTarget.of("tenth", "m").busy(1, 10),
                FakeTarget.of("unlimited", "m").busy(20, 0));
        List<TargetView> plan = strategy(LeastBusyOptions.defaults()).plan(REQUEST, c);
        assertPermutation(c, plan);
        // 0.5, 0.1, 20/100 = 0.2
        assertEquals(List.of("tenth/m", "unlimited/m", "half/m"), ids(plan));
        // With a smaller assumed capacity the unlimited one looks busier: 20/10 = 2
        assertEquals(List.of("tenth/m", "half/m", "unlimited/m"),
                ids(strategy(new LeastBusyOptions(10)).plan(REQUEST, c)));
    }

    @Test
    void equal_loads_keep_config_order() {
        List<TargetView> c = List.of(FakeTarget.of("c", "m"), FakeTarget.of("a", "m").busy(2, 20),
                FakeTarget.of("b", "m").busy(1, 10), FakeTarget.of("d", "m"));
        assertEquals(List.of("c/m", "d/m", "a/m", "b/m"), ids(strategy(LeastBusyOptions.defaults()).plan(REQUEST, c)));
    }

    @Test
    void full_unhealthy_and_open_targets_go_last() {
        List<TargetView> c = List.of(FakeTarget.of("full", "m").busy(4, 4), FakeTarget.of("open", "m").open(),
                FakeTarget.of("sick", "m").health(HealthState.UNHEALTHY, 0.1),
                FakeTarget.of("busy", "m").busy(9, 10));
        assertEquals(List.of("busy/m", "sick/m", "open/m", "full/m"),
                ids(strategy(LeastBusyOptions.defaults()).plan(REQUEST, c)));
    }
}
