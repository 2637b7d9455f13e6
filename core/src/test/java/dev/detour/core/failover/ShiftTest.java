package dev.detour.core.failover;

import dev.detour.api.detector.Signal;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShiftTest {
    final ManualClock clock = new ManualClock();
    final GatewayConfig.Breaker lenient = new GatewayConfig.Breaker(1.0, 1000, Duration.ofSeconds(30), Duration.ofSeconds(30));
    final TargetRuntime a = Targets.target("a", "m", clock, lenient, Targets.DEGRADATION, HealthEvents.NONE);
    final TargetRuntime b = Targets.target("b", "m", clock, lenient, Targets.DEGRADATION, HealthEvents.NONE);
    final Planner planner = new Planner(new EnvelopeGuard(GatewayConfig.Envelope.OPEN),
            RandomGenerator.of("L64X128MixRandom"));

    RouteRuntime route(GatewayConfig.Degradation d) {
        return new RouteRuntime("r", "priority", (req, c) -> c, List.of(a, b), GatewayConfig.Policy.DEFAULTS, Map.of(),
                List.of(), Set.of(), d, GatewayConfig.StreamPolicy.DEFAULTS, false);
    }

    double firstShare(RouteRuntime r, int n) {
        int first = 0;
        for (int i = 0; i < n; i++) {
            clock.advanceMillis(10);
            if (planner.shift(r, List.of(a, b)).get(0) == a) {
                first++;
            }
        }
        return (double) first / n;
    }

    @Test
    void a_healthy_primary_keeps_all_its_traffic() {
        assertEquals(1.0, firstShare(route(Targets.DEGRADATION), 1000));
    }

    @Test
    void an_unhealthy_primary_keeps_only_probes_and_stays_a_fallback() {
        a.signal(new Signal("latency", a.id(), 0.8, "slow"));
        double share = firstShare(route(Targets.DEGRADATION), 2000);
        // 5% by share plus one probe per 5 s of this 20 s run.
        assertTrue(share > 0.03 && share < 0.08, "share " + share);
        assertEquals(List.of(b, a), planner.shift(route(Targets.DEGRADATION), List.of(a, b)).size() == 2
                ? List.of(b, a) : List.of(), "demoted, never dropped");
    }

    @Test
    void an_unhealthy_target_a_strategy_ranks_last_still_gets_its_probes() {
        a.signal(new Signal("latency", a.id(), 0.8, "slow"));
        int first = 0;
        for (int i = 0; i < 2000; i++) {
            clock.advanceMillis(10);
            if (planner.shift(route(Targets.DEGRADATION), List.of(b, a)).get(0) == a) {
                first++;
            }
        }
        double share = first / 2000.0;
        assertTrue(share > 0.03 && share < 0.08, "probes reach a target placed last by its strategy: " + share);
    }

    @Test
    void a_degraded_primary_sheds_in_proportion_to_its_score() {
        a.signal(new Signal("latency", a.id(), 0.45, "slower")); // score 0.55: halfway between 0.3 and 0.8
        double share = firstShare(route(Targets.DEGRADATION), 4000);
        assertTrue(share > 0.45 && share < 0.58, "share " + share);
    }

    @Test
    void shift_off_leaves_the_plan_alone() {
        a.signal(new Signal("latency", a.id(), 0.8, "slow"));
        GatewayConfig.Degradation off = new GatewayConfig.Degradation(false, 0.05, Duration.ofSeconds(5), Duration.ofSeconds(10));
        assertEquals(1.0, firstShare(route(off), 100));
    }

    @Test
    void a_primary_that_recovered_during_the_hold_gets_its_traffic_back_when_the_hold_ends() {
        a.signal(new Signal("latency", a.id(), 0.8, "slow"));
        clock.advanceMillis(1_000);
        a.signal(new Signal("latency", a.id(), 0.0, "fine again"));
        RouteRuntime r = route(Targets.DEGRADATION);
        assertTrue(firstShare(r, 100) < 0.2, "still demoted while the 10 s hold runs");
        clock.advanceMillis(9_000);
        assertEquals(1.0, firstShare(r, 100), "the shift itself makes the deferred change: no probe needed");
    }
}
