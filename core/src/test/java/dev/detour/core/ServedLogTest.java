package dev.detour.core;

import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** Who served which request, for feedback: the most recent ones, found by id. */
class ServedLogTest {
    final ManualClock clock = new ManualClock();
    final TargetRuntime a = Targets.target("a", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, HealthEvents.NONE);
    final TargetRuntime b = Targets.target("b", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, HealthEvents.NONE);
    final RouteRuntime route = new RouteRuntime("r", "test", (req, c) -> c, List.of(a, b), GatewayConfig.Policy.DEFAULTS,
            Map.of(), List.of(), Set.of(), Targets.DEGRADATION, GatewayConfig.StreamPolicy.DEFAULTS, false);

    @Test
    void finds_who_served_a_request() {
        ServedLog log = new ServedLog(100);
        log.add("req_1", route, a, null);
        log.add("req_2", route, b, null);

        assertSame(a, log.find("req_1").target());
        assertSame(b, log.find("req_2").target());
        assertSame(route, log.find("req_2").route());
        assertNull(log.find("req_3"));
        assertNull(log.find("req_"));
    }

    @Test
    void keeps_only_the_most_recent_requests() {
        ServedLog log = new ServedLog(10);
        for (int i = 0; i < 25; i++) {
            log.add("req_" + i, route, i % 2 == 0 ? a : b, null);
        }

        for (int i = 0; i < 15; i++) {
            assertNull(log.find("req_" + i), "req_" + i + " was forgotten");
        }
        for (int i = 15; i < 25; i++) {
            assertEquals(i % 2 == 0 ? a : b, log.find("req_" + i).target());
        }
    }

    @Test
    void a_repeated_id_means_its_latest_request() {
        ServedLog log = new ServedLog(10);
        log.add("same", route, a, null);
        log.add("same", route, b, null);

        assertSame(b, log.find("same").target());
    }

    @Test
    void feedback_is_claimed_once_and_only_by_the_key_that_made_the_request() {
        ServedLog log = new ServedLog(10);
        log.add("req_1", route, a, "team-a");

        assertNull(log.claimFeedback("req_1", "team-b").served());
        assertNull(log.claimFeedback("req_1", null).served());
        assertNull(log.claimFeedback("req_2", "team-a").served());
        Gateway.FeedbackClaim first = log.claimFeedback("req_1", "team-a");
        assertSame(a, first.served().target());
        assertFalse(first.already());
        Gateway.FeedbackClaim second = log.claimFeedback("req_1", "team-a");
        assertTrue(second.already());
    }
}
