package dev.detour.core.health;

import dev.detour.api.view.CircuitState;
import dev.detour.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CircuitBreakerTest {
    final ManualClock clock = new ManualClock();
    final CircuitBreaker breaker = new CircuitBreaker(new GatewayConfig.Breaker(0.5, 4, Duration.ofSeconds(10),
            Duration.ofSeconds(30)), clock);

    void outcome(boolean ok) {
        CircuitBreaker.Grant g = breaker.tryAcquire();
        assertNotNull(g);
        if (ok) {
            breaker.onSuccess(g);
        } else {
            breaker.onFailure(g);
        }
    }

    @Test
    void stays_closed_below_min_calls_even_when_every_call_fails() {
        outcome(false);
        outcome(false);
        outcome(false);
        assertEquals(CircuitState.CLOSED, breaker.state());
    }

    @Test
    void opens_at_the_failure_ratio_once_min_calls_is_reached() {
        outcome(true);
        outcome(false);
        outcome(true);
        assertEquals(CircuitState.CLOSED, breaker.state());
        outcome(false);
        assertEquals(CircuitState.OPEN, breaker.state());
        assertNull(breaker.tryAcquire(), "an open breaker refuses calls");
    }

    @Test
    void failures_outside_the_window_do_not_count() {
        outcome(false);
        outcome(false);
        outcome(false);
        clock.advanceMillis(11_000);
        outcome(true);
        outcome(true);
        outcome(true);
        outcome(false);
        assertEquals(CircuitState.CLOSED, breaker.state());
    }

    @Test
    void grants_one_probe_after_cooldown_and_closes_on_its_success() {
        breaker.open();
        clock.advanceMillis(29_999);
        assertNull(breaker.tryAcquire());
        clock.advanceMillis(1);
        assertEquals(CircuitState.HALF_OPEN, breaker.state());
        CircuitBreaker.Grant probe = breaker.tryAcquire();
        assertEquals(CircuitBreaker.Grant.PROBE, probe);
        assertNull(breaker.tryAcquire(), "only one probe at a time");
        breaker.onSuccess(probe);
        assertEquals(CircuitState.CLOSED, breaker.state());
    }

    @Test
    void a_failed_probe_reopens_for_another_cooldown() {
        breaker.open();
        clock.advanceMillis(30_000);
        breaker.onFailure(breaker.tryAcquire());
        assertEquals(CircuitState.OPEN, breaker.state());
        clock.advanceMillis(29_000);
        assertNull(breaker.tryAcquire());
    }

    @Test
    void a_released_probe_lets_the_next_request_probe() {
        breaker.open();
        clock.advanceMillis(30_000);
        breaker.release(breaker.tryAcquire());
        assertEquals(CircuitBreaker.Grant.PROBE, breaker.tryAcquire());
    }

    @Test
    void a_peer_opened_breaker_refuses_for_the_rest_of_the_peers_cooldown_and_is_not_republished() {
        breaker.openByPeer(Duration.ofSeconds(12).toNanos());
        assertEquals(CircuitState.OPEN, breaker.state());
        assertNull(breaker.tryAcquire());
        assertFalse(breaker.openedHere(), "a peer's breaker is not published again as this instance's");
        assertEquals(12_000, breaker.openRemainingNanos() / 1_000_000);
        clock.advanceMillis(12_000);
        assertEquals(CircuitState.HALF_OPEN, breaker.state(), "then it probes on its own");
        CircuitBreaker.Grant probe = breaker.tryAcquire();
        assertEquals(CircuitBreaker.Grant.PROBE, probe);
        breaker.onFailure(probe);
        assertTrue(breaker.openedHere(), "its own probe failed: now it is this instance's to publish");
        assertEquals(30_000, breaker.openRemainingNanos() / 1_000_000);
    }

    @Test
    void a_peer_never_shortens_a_breaker_open_here() {
        outcome(false);
        outcome(false);
        outcome(false);
        outcome(false);
        assertTrue(breaker.openedHere());
        breaker.openByPeer(Duration.ofSeconds(5).toNanos());
        assertEquals(30_000, breaker.openRemainingNanos() / 1_000_000);
        assertTrue(breaker.openedHere());
    }
}
