package dev.detour.core.ops;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.detector.Signal;
import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.Timers;
import dev.detour.core.health.Drill;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.core.telemetry.EventLog;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DrillsTest {
    /** Timers on the manual clock: tasks run as the test advances it. */
    static final class ManualTimers implements Timers {
        final ManualClock clock;
        final List<long[]> due = new ArrayList<>();
        final List<Runnable> tasks = new ArrayList<>();

        ManualTimers(ManualClock clock) {
            this.clock = clock;
        }

        @Override
        public Timer schedule(long delayMs, Runnable task) {
            long[] at = {clock.nanos() + delayMs * 1_000_000};
            due.add(at);
            tasks.add(task);
            return () -> at[0] = Long.MAX_VALUE;
        }

        void advanceMillis(long ms) {
            clock.advanceMillis(ms);
            for (int i = 0; i < tasks.size(); i++) {
                if (due.get(i)[0] <= clock.nanos()) {
                    due.get(i)[0] = Long.MAX_VALUE;
                    tasks.get(i).run();
                }
            }
        }
    }

    final ManualClock clock = new ManualClock();
    final ManualTimers timers = new ManualTimers(clock);
    final EventLog events = new EventLog(null, clock, 100);
    final Drills drills = new Drills(clock, timers, RandomGenerator.of("L64X128MixRandom"), events);
    final TargetRuntime target = Targets.target("a", "m", clock,
            new GatewayConfig.Breaker(0.5, 2, Duration.ofSeconds(30), Duration.ofSeconds(30)), Targets.DEGRADATION,
            new Targets.Recorder());

    static JsonNode json(String s) throws Exception {
        return WireJson.MAPPER.readTree(s);
    }

    static Drills.Request request(String s) throws Exception {
        return Drills.parse(json(s));
    }

    @Test
    void parses_a_request_with_defaults() throws Exception {
        Drills.Request r = request("{\"target\":\"a/m\",\"fault\":\"errors\",\"duration\":\"2m\"}");
        assertEquals(new Drills.Request("a/m", Drill.Fault.ERRORS, Duration.ofMinutes(2), 1.0, Drills.DEFAULT_FACTOR), r);
        assertEquals(0.25, request("{\"target\":\"a/m\",\"fault\":\"slow\",\"duration\":\"1s\",\"rate\":0.25}").rate());
    }

    @Test
    void a_bad_request_names_the_field() {
        Map<String, String> cases = Map.of(
                "{\"fault\":\"down\",\"duration\":\"1m\"}", "target",
                "{\"target\":\"a/m\",\"fault\":\"melt\",\"duration\":\"1m\"}", "fault",
                "{\"target\":\"a/m\",\"fault\":\"down\"}", "duration",
                "{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"soon\"}", "duration",
                "{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"48h\"}", "duration",
                "{\"target\":\"a/m\",\"fault\":\"errors\",\"duration\":\"1m\",\"rate\":1.5}", "rate",
                "{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"1m\",\"rate\":0.5}", "rate",
                "{\"target\":\"a/m\",\"fault\":\"errors\",\"duration\":\"1m\",\"factor\":3}", "factor",
                "{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"1m\",\"colour\":1}", "colour");
        cases.forEach((body, field) -> {
            Drills.BadRequest e = assertThrows(Drills.BadRequest.class, () -> request(body), body);
            assertEquals(field, e.param(), body);
            assertTrue(e.getMessage().startsWith(field + ": "), e.getMessage());
        });
    }

    @Test
    void a_down_drill_refuses_the_target_until_it_expires_on_the_clock() throws Exception {
        Drill d = drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"30s\"}"));
        assertSame(d, target.drill());
        assertTrue(d.refusal().startsWith("drill " + d.id() + ": down until"), d.refusal());
        assertNull(drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"slow\",\"duration\":\"30s\"}")),
                "one drill per target");
        drills.attempt(null, target, new AttemptRecord("a/m", 0, null, 0, d.refusal(), null));
        drills.failover(null, target, d.refusal());

        timers.advanceMillis(29_999);
        assertSame(d, target.drill());
        timers.advanceMillis(1);
        assertNull(target.drill());
        assertEquals(List.of(), drills.active());
        JsonNode ended = events.recent().get(1);
        assertEquals("drill_ended", ended.get("type").asText());
        assertEquals("expired", ended.get("reason").asText());
        assertEquals(1, ended.at("/traffic/skipped").asLong());
        assertEquals(1, ended.at("/traffic/failovers").asLong());
        assertEquals(0, ended.at("/traffic/calls").asLong());
        assertEquals("drill_started", events.recent().get(0).get("type").asText());
    }

    @Test
    void the_end_returns_the_target_to_the_health_it_had() throws Exception {
        target.recordOutcome(true, 100, 50);
        Drill d = drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"errors\",\"duration\":\"5m\"}"));
        // What the drill's injected errors do: the breaker opens, a detector's signal makes it unhealthy.
        for (int i = 0; i < 3; i++) {
            assertTrue(d.injectsError());
            target.breaker().onFailure(target.breaker().tryAcquire());
            target.recordOutcome(false, 5, -1);
        }
        clock.advanceMillis(11_000);
        target.signal(new Signal("a/m", "errors", 0.9, "errors"));
        assertEquals(CircuitState.OPEN, target.circuit());
        assertEquals(HealthState.UNHEALTHY, target.state());
        assertEquals(3, d.injected());

        assertSame(d, drills.end(d.id(), "deleted"));
        assertNull(target.drill());
        assertEquals(CircuitState.CLOSED, target.circuit());
        assertEquals(HealthState.HEALTHY, target.state());
        assertEquals(0.0, target.errorRate());
        assertEquals(List.of(), target.signals());
        assertEquals(100.0, target.latencyP50Ms());
        assertNull(drills.end(d.id(), "deleted"), "already ended");
        assertEquals(3, events.recent().get(1).at("/traffic/injected_errors").asLong());
    }

    @Test
    void an_errors_drill_with_a_rate_fails_about_that_share() throws Exception {
        Drill d = drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"errors\",\"duration\":\"5m\",\"rate\":0.3}"));
        int failed = 0;
        for (int i = 0; i < 1000; i++) {
            failed += d.injectsError() ? 1 : 0;
        }
        assertTrue(failed > 240 && failed < 360, "failed " + failed);
        assertEquals(1.0, d.slowdown(), "errors never slows");
    }

    @Test
    void a_slow_drill_slows_what_the_target_is_seen_to_do() throws Exception {
        Drill d = drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"slow\",\"duration\":\"5m\",\"factor\":5}"));
        assertEquals(5.0, d.slowdown());
        assertTrue(!d.injectsError() && d.refusal() == null);
    }

    @Test
    void a_reload_moves_drills_to_their_targets_and_ends_those_of_removed_ones() throws Exception {
        Drill d = drills.start(target, request("{\"target\":\"a/m\",\"fault\":\"down\",\"duration\":\"5m\"}"));
        drills.reattach(id -> id.equals("a/m") ? target : null);
        assertSame(d, target.drill());
        assertNotNull(drills.get(d.id()));
        drills.reattach(id -> null);
        assertNull(target.drill());
        assertEquals("target removed by a reload", events.recent().get(1).get("reason").asText());
    }
}
