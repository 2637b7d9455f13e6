package dev.detour.core;

import dev.detour.core.admission.Resolution;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.core.telemetry.Metrics;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectRoutesTest {
    final ManualClock clock = new ManualClock();
    final Metrics metrics = new Metrics();

    RouteRuntime route(String name) {
        int slash = name.indexOf('/');
        TargetRuntime t = Targets.target(name.substring(0, slash), name.substring(slash + 1), clock,
                GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, HealthEvents.NONE);
        return new RouteRuntime(name, "direct", (req, c) -> c, List.of(t), null, Map.of(), List.of(), Set.of(), null, null, true);
    }

    Resolution use(DirectRoutes d, String name) {
        Resolution r = d.get(name, () -> route(name));
        if (r != null) {
            metrics.request(name, 200, 0.01);
            metrics.attempt(r.route(), r.route().runtimes().get(0), new dev.detour.core.failover.AttemptRecord(name, 200,
                    null, 10, null, null));
        }
        return r;
    }

    List<String> ids(DirectRoutes d) {
        return d.targets().stream().map(TargetRuntime::id).toList();
    }

    @Test
    void a_name_seen_again_is_the_same_route() {
        DirectRoutes d = new DirectRoutes(3, metrics, Set.of());
        Resolution first = use(d, "p/a");
        assertSame(first, use(d, "p/a"));
        assertEquals(1, d.size());
    }

    @Test
    void past_the_bound_the_least_recently_used_route_is_evicted_with_its_series() {
        DirectRoutes d = new DirectRoutes(3, metrics, Set.of());
        use(d, "p/a");
        use(d, "p/b");
        use(d, "p/c");
        use(d, "p/a");   // a is now the most recently used
        use(d, "p/d");
        assertEquals(List.of("p/c", "p/a", "p/d"), ids(d));
        String text = metrics.render(d.targets());
        assertFalse(text.contains("p/b"), text);
        assertTrue(text.contains("detour_requests_total{route=\"p/a\",status=\"200\"} 2"), text);
        assertTrue(text.contains("detour_attempts_total{target=\"p/d\",outcome=\"success\"} 1"), text);
    }

    @Test
    void a_flood_of_names_keeps_the_table_and_the_metrics_bounded() {
        DirectRoutes d = new DirectRoutes(8, metrics, Set.of());
        for (int i = 0; i < 2000; i++) {
            assertNotNull(use(d, "p/m" + i));
        }
        assertEquals(8, d.size());
        long requestSeries = metrics.render(d.targets()).lines().filter(l -> l.startsWith("detour_requests_total{")).count();
        assertEquals(8, requestSeries);
    }

    @Test
    void a_route_with_a_call_in_flight_is_never_evicted() {
        DirectRoutes d = new DirectRoutes(2, metrics, Set.of());
        use(d, "p/busy").route().runtimes().get(0).callStarted();
        use(d, "p/idle");
        use(d, "p/new");
        assertEquals(List.of("p/busy", "p/new"), ids(d));
    }

    @Test
    void a_new_name_is_refused_while_every_route_has_a_call_in_flight() {
        DirectRoutes d = new DirectRoutes(2, metrics, Set.of());
        TargetRuntime a = use(d, "p/a").route().runtimes().get(0);
        TargetRuntime b = use(d, "p/b").route().runtimes().get(0);
        a.callStarted();
        b.callStarted();
        assertNull(use(d, "p/c"));
        assertFalse(metrics.render(d.targets()).contains("p/c"));
        b.callEnded();
        assertNotNull(use(d, "p/c"));
        assertEquals(List.of("p/a", "p/c"), ids(d));
    }

    @Test
    void a_configured_target_keeps_its_series_when_its_direct_route_goes() {
        metrics.allowTarget("p/shared");
        DirectRoutes d = new DirectRoutes(1, metrics, Set.of("p/shared"));
        use(d, "p/shared");
        use(d, "p/other");
        String text = metrics.render(List.of());
        assertTrue(text.contains("detour_attempts_total{target=\"p/shared\",outcome=\"success\"} 1"), text);
        assertFalse(text.contains("route=\"p/shared\""), text);
    }
}
