package dev.detour.plugin.routing;

import dev.detour.api.Clock;
import dev.detour.api.routing.RoutingStrategy;
import dev.detour.api.routing.StrategyContext;
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.view.RequestContext;
import dev.detour.api.view.TargetView;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WeightedStrategyTest {

    private static final RequestContext REQUEST =
            new RequestContext("req-1", "support", null, null, null, null, null, false, "openai");

    private static RoutingStrategy strategy(long seed) {
        return new WeightedStrategyFactory()
                .create(new WeightedOptions(), new StrategyContext("support", Clock.SYSTEM, new SplittableRandom(seed)));
    }

    private static List<String> ids(List<TargetView> plan) {
        return plan.stream().map(TargetView::id).toList();
    }

    @Test
    void picks_the_primary_in_proportion_to_the_weights() {
        // Given weights 1 : 3 : 6 and a seeded random source
        RoutingStrategy strategy = strategy(42);
        List<TargetView> candidates = List.of(FakeTarget.of("a/m").weight(1), FakeTarget.of("b/m").weight(3),
                FakeTarget.of("c/m").weight(6));
        int draws = 10_000;

        // When planning many times
        Map<String, Integer> firsts = new HashMap<>();
        for (int i = 0; i < draws; i++) {
            firsts.merge(strategy.plan(REQUEST, candidates).get(0).id(), 1, Integer::sum);
        }

        // Then each target leads about weight/sum of the plans (±2 points; the seed makes this deterministic)
        assertShare(0.1, firsts.get("a/m"), draws);
        assertShare(0.3, firsts.get("b/m"), draws);
        assertShare(0.6, firsts.get("c/m"), draws);
    }

    private static void assertShare(double expected, Integer count, int draws) {
        double share = count == null ? 0 : count / (double) draws;
        assertTrue(Math.abs(share - expected) < 0.02, "share " + share + " is not within 0.02 of " + expected);
    }

    @Test
    void never_puts_a_non_callable_target_first() {
        // Given the heaviest target's breaker is open
        RoutingStrategy strategy = strategy(7);
        List<TargetView> candidates = List.of(FakeTarget.of("heavy/m").weight(100).open(), FakeTarget.of("a/m").weight(1),
                FakeTarget.of("b/m").weight(1));

        for (int i = 0; i < 1_000; i++) {
            List<String> plan = ids(strategy.plan(REQUEST, candidates));
            // Then it is never the primary but stays in the plan, last
            assertNotEquals("heavy/m", plan.get(0));
            assertEquals("heavy/m", plan.get(2));
            assertEquals(3, plan.size());
        }
    }

    @Test
    void keeps_a_target_its_detectors_judge_unusable_as_a_callable_last_resort() {
        // Given the primary's breaker is open and the backup, still answering, is judged unusable by its
        // detectors (core demotes such a target but never closes it)
        RoutingStrategy strategy = strategy(9);
        List<TargetView> candidates = List.of(FakeTarget.of("primary/m").weight(5).open(),
                FakeTarget.of("backup/m").weight(1).state(dev.detour.api.view.HealthState.UNHEALTHY).score(0));
        for (int i = 0; i < 100; i++) {
            // Then the backup leads, the open primary stays in the plan behind it
            assertEquals(List.of("backup/m", "primary/m"), ids(strategy.plan(REQUEST, candidates)));
        }
    }

    @Test
    void orders_fallbacks_by_weight_descending_with_config_order_for_ties() {
        // Given one clear primary and fallbacks of mixed weights, one of them not callable
        RoutingStrategy strategy = strategy(3);
        List<TargetView> candidates = List.of(FakeTarget.of("light/m").weight(0), FakeTarget.of("closed/m").weight(9).open(),
                FakeTarget.of("mid1/m").weight(0), FakeTarget.of("primary/m").weight(5), FakeTarget.of("mid2/m").weight(0));
        // Weights 0 make "primary" the only possible draw; then a tie among zero weights
        List<String> plan = ids(strategy.plan(REQUEST, candidates));
        assertEquals(List.of("primary/m", "light/m", "mid1/m", "mid2/m", "closed/m"), plan);

        // And with distinct weights the fallbacks go heaviest first
        List<TargetView> weighted = List.of(FakeTarget.of("w1/m").weight(1), FakeTarget.of("w4/m").weight(4),
                FakeTarget.of("w2/m").weight(2), FakeTarget.of("w3/m").weight(3));
        for (int i = 0; i < 200; i++) {
            List<String> p = ids(strategy.plan(REQUEST, weighted));
            List<String> rest = p.subList(1, p.size());
            List<String> sorted = rest.stream()
                    .sorted((x, y) -> Integer.compare(y.charAt(1), x.charAt(1))).toList();
            assertEquals(sorted, rest, "fallbacks of " + p);
        }
    }

    @Test
    void never_puts_a_zero_weight_target_first_while_a_weighted_one_is_callable() {
        RoutingStrategy strategy = strategy(11);
        List<TargetView> candidates = List.of(FakeTarget.of("zero/m").weight(0), FakeTarget.of("one/m").weight(1),
                FakeTarget.of("zero2/m").weight(0));
        for (int i = 0; i < 1_000; i++) {
            assertEquals("one/m", strategy.plan(REQUEST, candidates).get(0).id());
        }
    }

    @Test
    void falls_back_to_weight_order_when_no_callable_target_has_weight() {
        // Given every weighted target is open and only a zero-weight one is callable
        RoutingStrategy strategy = strategy(5);
        List<TargetView> candidates = List.of(FakeTarget.of("a/m").weight(2).open(), FakeTarget.of("z/m").weight(0),
                FakeTarget.of("b/m").weight(3).open());
        assertEquals(List.of("z/m", "b/m", "a/m"), ids(strategy.plan(REQUEST, candidates)));
    }

    @Test
    void declares_type_weighted_with_its_own_options_record() {
        WeightedStrategyFactory f = new WeightedStrategyFactory();
        assertEquals("weighted", f.type());
        assertEquals(WeightedOptions.class, f.optionsType());
    }
}
