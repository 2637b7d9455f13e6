package dev.detour.core.failover;

import dev.detour.api.view.TargetView;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.envelope.EnvelopeGuard;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.api.routing.RoutingStrategy;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The plan: a strategy's order, restricted to the route's own targets inside the envelope. */
class PlanTest {
    final ManualClock clock = new ManualClock();
    final TargetRuntime a = Targets.target("a", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, HealthEvents.NONE);
    final TargetRuntime b = Targets.target("b", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION, HealthEvents.NONE);
    final TargetRuntime stranger = Targets.target("x", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION,
            HealthEvents.NONE);

    FailoverEngine engine(GatewayConfig.Envelope envelope) {
        return new FailoverEngine(Map.of(), new EnvelopeGuard(envelope), new Scrubber(Set.of()), null, clock,
                RandomGenerator.of("L64X128MixRandom"), EngineListener.NONE);
    }

    RouteRuntime route(RoutingStrategy s) {
        return new RouteRuntime("r", "test", s, List.of(a, b), GatewayConfig.Policy.DEFAULTS, Map.of(), List.of(), Set.of(),
                Targets.DEGRADATION, GatewayConfig.StreamPolicy.DEFAULTS, false);
    }

    @Test
    void follows_the_strategys_order() {
        assertEquals(List.of(b, a), engine(GatewayConfig.Envelope.OPEN).plan(route((req, c) -> List.of(c.get(1), c.get(0))), null));
    }

    @Test
    void a_strategy_cannot_invent_or_repeat_a_target() {
        RoutingStrategy rogue = (req, c) -> List.<TargetView>of(stranger, c.get(0), c.get(0), c.get(1));
        assertEquals(List.of(a, b), engine(GatewayConfig.Envelope.OPEN).plan(route(rogue), null));
    }

    @Test
    void nothing_outside_the_envelope_is_planned() {
        GatewayConfig.Envelope onlyA = new GatewayConfig.Envelope(Set.of("a"), null, null);
        assertEquals(List.of(a), engine(onlyA).plan(route((req, c) -> c), null));
    }

    @Test
    void a_failing_strategy_falls_back_to_config_order() {
        assertEquals(List.of(a, b), engine(GatewayConfig.Envelope.OPEN).plan(route((req, c) -> {
            throw new IllegalStateException("bug in a plugin");
        }), null));
    }
}
