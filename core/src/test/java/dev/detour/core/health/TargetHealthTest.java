package dev.detour.core.health;

import dev.detour.api.detector.Signal;
import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TargetHealthTest {
    final ManualClock clock = new ManualClock();
    final Targets.Recorder events = new Targets.Recorder();
    final TargetRuntime t = Targets.target("a", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, events);

    void severity(double s) {
        t.signal(new Signal("latency", t.id(), s, "test"));
    }

    @Test
    void a_new_target_is_healthy() {
        assertEquals(HealthState.HEALTHY, t.state());
        assertEquals(1.0, t.score());
    }

    @Test
    void the_score_is_the_product_of_the_detectors_judgements() {
        t.signal(new Signal("latency", t.id(), 0.5, "slow"));
        t.signal(new Signal("errors", t.id(), 0.5, "errors"));
        assertEquals(0.25, t.score(), 1e-9);
        assertEquals(HealthState.DEGRADED, t.state(), "the first signal made it degraded; the hold delays the next change");
        clock.advanceMillis(10_000);
        t.signal(new Signal("errors", t.id(), 0.5, "errors"));
        assertEquals(HealthState.UNHEALTHY, t.state());
    }

    @Test
    void leaving_a_worse_state_needs_a_margin() {
        severity(0.3);
        assertEquals(HealthState.DEGRADED, t.state());
        clock.advanceMillis(10_000);
        severity(0.15);
        assertEquals(HealthState.DEGRADED, t.state(), "0.85 is above the floor but below the 0.9 margin");
        severity(0.05);
        assertEquals(HealthState.HEALTHY, t.state());
    }

    @Test
    void a_flapping_target_changes_state_at_most_once_per_hold() {
        for (int i = 0; i < 100; i++) {
            severity(i % 2 == 0 ? 0.5 : 0.0);
            clock.advanceMillis(1_000);
        }
        // 100 s of flapping every second, hold 10 s: at most one change per 10 s.
        assertTrue(events.changes.size() <= 10, events.changes.toString());
        assertTrue(events.changes.size() >= 2, "it still follows the signal eventually: " + events.changes);
    }

    @Test
    void a_target_judged_unusable_by_its_signals_is_demoted_but_never_closed() {
        severity(1.0);
        assertEquals(HealthState.UNHEALTHY, t.state());
        assertEquals(0.0, t.score());
        assertEquals(CircuitState.CLOSED, t.circuit(), "signals rank a target; only failed calls open its breaker");
        assertTrue(t.callable());
        assertEquals(CircuitBreaker.Grant.NORMAL, t.breaker().tryAcquire(),
                "the last resort still gets its calls while the signal says it is slow");
        assertEquals(List.of("healthy->unhealthy"), events.changes);
    }

    @Test
    void a_slow_but_answering_target_stays_callable_for_as_long_as_it_is_judged_slow() {
        for (int i = 0; i < 1_000; i++) {
            severity(1.0);
            t.breaker().onSuccess(t.breaker().tryAcquire());
            t.recordOutcome(true, 400, -1);
            assertEquals(CircuitState.CLOSED, t.circuit(), "call " + i);
            clock.advanceMillis(20);
        }
        assertEquals(HealthState.UNHEALTHY, t.state());
    }

    @Test
    void failed_calls_still_open_the_breaker_of_a_demoted_target() {
        severity(1.0);
        for (int i = 0; i < GatewayConfig.Breaker.DEFAULTS.minCalls(); i++) {
            t.breaker().onFailure(t.breaker().tryAcquire());
        }
        assertEquals(CircuitState.OPEN, t.circuit());
        assertTrue(!t.callable());
    }

    @Test
    void probes_come_by_share_and_at_least_once_per_interval() {
        java.util.random.RandomGenerator never = new java.util.Random(1) {
            @Override
            public double nextDouble() {
                return 0.99;
            }
        };
        assertTrue(!t.takeProbe(0.05, Duration.ofSeconds(5).toNanos(), never));
        clock.advanceMillis(5_000);
        assertTrue(t.takeProbe(0.05, Duration.ofSeconds(5).toNanos(), never));
        assertTrue(!t.takeProbe(0.05, Duration.ofSeconds(5).toNanos(), never));
    }

    @Test
    void a_change_the_hold_deferred_is_made_once_the_hold_is_over_without_a_new_signal() {
        severity(0.8);
        assertEquals(HealthState.UNHEALTHY, t.state());
        clock.advanceMillis(2_000);
        // Recovered while the hold runs: the change waits...
        severity(0.0);
        assertEquals(HealthState.UNHEALTHY, t.state());
        clock.advanceMillis(7_999);
        t.refresh();
        assertEquals(HealthState.UNHEALTHY, t.state());
        // ...and is made at the first look after the hold, not at the next signal (a demoted target gets few)
        clock.advanceMillis(1);
        t.refresh();
        assertEquals(HealthState.HEALTHY, t.state());
        assertEquals(List.of("healthy->unhealthy", "unhealthy->healthy"), events.changes);
        t.refresh();
        assertEquals(2, events.changes.size(), "nothing pending, nothing changes");
    }
}
