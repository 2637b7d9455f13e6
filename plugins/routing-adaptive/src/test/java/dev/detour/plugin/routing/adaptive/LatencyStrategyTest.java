package dev.detour.plugin.routing.adaptive;

import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.detour.plugin.routing.adaptive.Plans.REQUEST;
import static dev.detour.plugin.routing.adaptive.Plans.assertPermutation;
import static dev.detour.plugin.routing.adaptive.Plans.ids;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LatencyStrategyTest {

    private static RoutingStrategy strategy(String metric, double band, double explore, long seed) {
        return new LatencyStrategyFactory().create(new LatencyOptions(metric, band, explore), Plans.context(seed));
    }

    private static Map<String, Integer> leaders(RoutingStrategy s, List<TargetView> candidates, int draws) {
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < draws; i++) {
            List<TargetView> plan = s.plan(REQUEST, candidates);
            assertPermutation(candidates, plan);
            firsts.merge(plan.get(0).id(), 1, Integer::sum);
        }
        return firsts;
    }

    private static void assertShare(double expected, double tolerance, Integer count, int draws) {
        double share = count == null ? 0 : count / (double) draws;
        assertTrue(Math.abs(share - expected) <= tolerance, "share " + share + " is not within " + tolerance + " of "
                + expected);
    }

    @Test
    void orders_by_smoothed_latency_fastest_first() {
        List<TargetView> c = List.of(FakeTarget.of("slow", "m").latency(900, 0),
                FakeTarget.of("fast", "m").latency(300, 0), FakeTarget.of("mid", "m").latency(600, 0));
        assertEquals(List.of("fast/m", "mid/m", "slow/m"), ids(strategy("latency", 0, 0, 1).plan(REQUEST, c)));
    }

    @Test
    void targets_within_the_tie_band_share_the_lead_and_the_rest_follow_in_order() {
        RoutingStrategy s = strategy("latency", 0.2, 0, 42);
        List<TargetView> c = List.of(FakeTarget.of("c", "m").latency(500, 0), FakeTarget.of("a", "m").latency(300, 0),
                FakeTarget.of("b", "m").latency(355, 0));
        int draws = 10_000;
        Map<String, Integer> firsts = leaders(s, c, draws);
        assertShare(0.5, 0.03, firsts.get("a/m"), draws);
        assertShare(0.5, 0.03, firsts.get("b/m"), draws);
        assertEquals(null, firsts.get("c/m"));
        for (int i = 0; i < 100; i++) {
            assertEquals("c/m", s.plan(REQUEST, c).get(2).id());
        }
    }

    @Test
    void an_unmeasured_target_is_explored_at_explore_share() {
        RoutingStrategy s = strategy("latency", 0.2, 0.05, 7);
        List<TargetView> c = List.of(FakeTarget.of("new", "m"), FakeTarget.of("known", "m").latency(400, 0),
                FakeTarget.of("slow", "m").latency(2000, 0));
        int draws = 20_000;
        Map<String, Integer> firsts = leaders(s, c, draws);
        assertShare(0.05, 0.01, firsts.get("new/m"), draws);
        assertShare(0.95, 0.01, firsts.get("known/m"), draws);
        // The unmeasured one is explored before a measured slower one
        assertEquals(null, firsts.get("slow/m"));
        // Otherwise it comes after every measured target
        List<String> plan = ids(strategy("latency", 0.2, 0, 7).plan(REQUEST, c));
        assertEquals(List.of("known/m", "slow/m", "new/m"), plan);
    }

    @Test
    void slower_targets_get_probe_traffic_at_explore_share() {
        RoutingStrategy s = strategy("latency", 0.2, 0.1, 9);
        List<TargetView> c = List.of(FakeTarget.of("fast", "m").latency(300, 0),
                FakeTarget.of("slow", "m").latency(1500, 0));
        int draws = 20_000;
        Map<String, Integer> firsts = leaders(s, c, draws);
        assertShare(0.1, 0.01, firsts.get("slow/m"), draws);
    }

    @Test
    void keeps_config_order_while_nothing_is_measured() {
        RoutingStrategy s = strategy("latency", 0.2, 0.05, 3);
        List<TargetView> c = List.of(FakeTarget.of("a", "m"), FakeTarget.of("b", "m"), FakeTarget.of("c", "m"));
        for (int i = 0; i < 100; i++) {
            assertEquals(List.of("a/m", "b/m", "c/m"), ids(s.plan(REQUEST, c)));
        }
    }

    @Test
    void puts_unhealthy_then_non_callable_targets_last_and_keeps_degraded_ones_by_speed() {
        RoutingStrategy s = strategy("latency", 0, 0, 5);
        List<TargetView> c = List.of(
                FakeTarget.of("open", "m").latency(100, 0).open(),
                FakeTarget.of("sick", "m").latency(150, 0).health(HealthState.UNHEALTHY, 0.1),
                FakeTarget.of("degraded", "m").latency(200, 0).health(HealthState.DEGRADED, 0.6),
                FakeTarget.of("healthy", "m").latency(800, 0));
        assertEquals(List.of("degraded/m", "healthy/m", "sick/m", "open/m"), ids(s.plan(REQUEST, c)));
    }

    @Test
    void ranks_by_time_to_first_token_when_asked_or_for_streams_in_auto() {
        List<TargetView> c = List.of(FakeTarget.of("a", "m").latency(500, 400),
                FakeTarget.of("b", "m").latency(900, 100));
        assertEquals("a/m", strategy("latency", 0, 0, 1).plan(REQUEST, c).get(0).id());
        assertEquals("b/m", strategy("ttft", 0, 0, 1).plan(REQUEST, c).get(0).id());
        RoutingStrategy auto = strategy("auto", 0, 0, 1);
        assertEquals("a/m", auto.plan(Plans.request(null, null, false), c).get(0).id());
        assertEquals("b/m", auto.plan(Plans.request(null, null, true), c).get(0).id());
    }

    @Test
    void the_same_seed_gives_the_same_plans() {
        List<TargetView> c = List.of(FakeTarget.of("a", "m").latency(300, 0), FakeTarget.of("b", "m").latency(310, 0),
                FakeTarget.of("c", "m"));
        RoutingStrategy one = strategy("latency", 0.2, 0.3, 99);
        RoutingStrategy two = strategy("latency", 0.2, 0.3, 99);
        for (int i = 0; i < 200; i++) {
            assertEquals(ids(one.plan(REQUEST, c)), ids(two.plan(REQUEST, c)));
        }
    }

    @Test
    void handles_empty_and_single_candidate_lists() {
        RoutingStrategy s = strategy("latency", 0.2, 0.5, 1);
        assertEquals(List.of(), s.plan(REQUEST, List.of()));
        List<TargetView> one = List.of(FakeTarget.of("a", "m").latency(300, 0));
        assertEquals(List.of("a/m"), ids(s.plan(REQUEST, one)));
    }
}
