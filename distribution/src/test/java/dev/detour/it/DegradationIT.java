package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The degradation figures of the routing issue, through the real gateway with the detectors and
 * routing plugins loaded from their jars, on an injected clock: each fake upstream advances the
 * clock by its latency before answering, so latencies and windows are exact and nothing sleeps.
 * A steady stream of sequential requests runs at 10 per clock-second.
 */
class DegradationIT {
    Vertx vertx;
    FakeUpstream a;
    FakeUpstream b;
    Harness.ManualClock clock;
    Detour gw;

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        clock = new Harness.ManualClock();
        a = await(new FakeUpstream(vertx, "a").start());
        b = await(new FakeUpstream(vertx, "b").start());
        a.always(taking(100));
        b.always(taking(100));
        gw = Harness.start(vertx, """
                providers:
                  a: { type: openai, base_url: "%s" }
                  b: { type: openai, base_url: "%s" }
                routes:
                  r:
                    strategy: priority
                    targets: [ { provider: a, model: m }, { provider: b, model: m } ]
                    retry: { attempts: 1 }
                    circuit_breaker: { failure_ratio: 1.0, min_calls: 100000, window: 60s, cooldown: 5s }
                    detectors: [latency, errors, quality]
                    degradation: { shift: gradual, probe_share: 0.05, probe_interval: 5s, hold: 10s }
                """.formatted(a.baseUrl(), b.baseUrl()), clock);
    }

    @AfterEach
    void stop() {
        await(gw.stop());
        a.close();
        b.close();
        await(vertx.close());
    }

    /** Answers normally after advancing the clock by {@code ms}. */
    Behaviour taking(long ms) {
        return (up, req, body) -> {
            clock.advanceMillis(ms);
            Behaviour.ok().answer(up, req, body);
        };
    }

    Behaviour every(int n, Behaviour bad, Behaviour good) {
        AtomicInteger i = new AtomicInteger();
        return (up, req, body) -> (i.incrementAndGet() % n == 0 ? bad : good).answer(up, req, body);
    }

    Behaviour failing503(long ms) {
        return (up, req, body) -> {
            clock.advanceMillis(ms);
            Behaviour.status(503, "server_error", null, "busy").answer(up, req, body);
        };
    }

    /** The circuits target a was seen in after each request, when a test watches them (else null). */
    Set<String> circuitsOfA;

    /** Sends n requests; returns how many of them reached target a. */
    int send(int n) {
        int before = a.calls();
        for (int i = 0; i < n; i++) {
            Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", false));
            assertEquals(200, r.status(), r.body());
            if (circuitsOfA != null) {
                Harness.get(vertx, gw.port(), "/admin/targets").json().path("targets").forEach(t -> {
                    if (t.path("id").asText().equals("a/m")) {
                        circuitsOfA.add(t.path("circuit").asText());
                    }
                });
            }
        }
        return a.calls() - before;
    }

    /** The signals shed the traffic by themselves: the breaker, which only failed calls open, stays closed. */
    void assertShiftedWithTheBreakerClosed(String what) {
        circuitsOfA = new java.util.TreeSet<>();
        assertShifted(what);
        assertEquals(Set.of("closed"), circuitsOfA, what + ": a target that answers is demoted, never closed");
        circuitsOfA = null;
    }

    void assertShifted(String what) {
        int onset = send(40);
        int next = send(40);
        int lasting = send(100);
        assertTrue(next < 10, what + ": share of requests 41-80 after onset must be < 25 %, was " + next + "/40 (first 40: "
                + onset + ")");
        assertTrue(lasting < 10, what + ": share while it lasts must be < 10 %, was " + lasting + "/100");
        assertTrue(lasting >= 1, what + ": the degraded target keeps receiving probes");
    }

    /** Clock milliseconds until a's share over the last 10 requests exceeds 50 %. */
    long recoveryMillis() {
        long start = clock.millis();
        List<Boolean> lastTen = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            lastTen.add(send(1) == 1);
            if (lastTen.size() > 10) {
                lastTen.remove(0);
            }
            if (lastTen.size() == 10 && lastTen.stream().filter(x -> x).count() > 5) {
                return clock.millis() - start;
            }
        }
        return Long.MAX_VALUE;
    }

    @Test
    void a_target_three_times_slower_sheds_its_traffic_keeps_probes_and_wins_it_back() {
        assertEquals(40, send(40), "healthy: the priority target serves everything");
        a.always(taking(350));
        assertShiftedWithTheBreakerClosed("latency x3.5");
        a.always(taking(100));
        long recovery = recoveryMillis();
        assertTrue(recovery <= 30_000, "share back above 50 % within 30 s of recovery, took " + recovery + " ms");
    }

    @Test
    void a_target_failing_20_percent_with_503_sheds_its_traffic_and_wins_it_back() {
        assertEquals(40, send(40));
        a.always(every(5, failing503(100), taking(100)));
        assertShifted("20 % 503s");
        a.always(taking(100));
        long recovery = recoveryMillis();
        assertTrue(recovery <= 30_000, "share back above 50 % within 30 s of recovery, took " + recovery + " ms");
    }

    @Test
    void a_target_answering_empty_200s_sheds_its_traffic() {
        assertEquals(40, send(40));
        a.always((up, req, body) -> {
            clock.advanceMillis(100);
            Behaviour.text("").answer(up, req, body);
        });
        assertShiftedWithTheBreakerClosed("empty answers");
    }

    @Test
    void isolated_errors_and_single_slow_outliers_move_no_traffic() {
        assertEquals(40, send(40));
        AtomicInteger n = new AtomicInteger();
        a.always((up, req, body) -> {
            int i = n.incrementAndGet();
            if (i % 100 == 0) {
                failing503(100).answer(up, req, body);
            } else {
                taking(i % 50 == 25 ? 800 : 100).answer(up, req, body);
            }
        });
        int share = send(300);
        assertTrue(share >= 297, "1 % isolated errors and single outliers keep the traffic: " + share + "/300");
        assertTrue(events().isEmpty(), "no state change: " + events());
    }

    @Test
    void a_flapping_target_changes_state_at_most_once_per_hold() {
        assertEquals(40, send(40));
        long start = clock.millis();
        a.always((up, req, body) -> {
            boolean bad = ((clock.millis() - start) / 3000) % 2 == 1;
            (bad ? failing503(100) : taking(100)).answer(up, req, body);
        });
        send(1200); // two clock-minutes of good and bad phases of 3 s each
        List<Instant> changes = new ArrayList<>();
        for (JsonNode e : events()) {
            if (e.path("target").asText().equals("a/m")) {
                changes.add(Instant.parse(e.path("time").asText()));
            }
        }
        assertTrue(!changes.isEmpty(), "the flapping target was noticed");
        for (int i = 1; i < changes.size(); i++) {
            long gap = changes.get(i).toEpochMilli() - changes.get(i - 1).toEpochMilli();
            assertTrue(gap >= 10_000, "state changes " + gap + " ms apart: " + changes);
        }
    }

    List<JsonNode> events() {
        List<JsonNode> out = new ArrayList<>();
        Harness.get(vertx, gw.port(), "/admin/events").json().path("events").forEach(e -> {
            if (e.path("type").asText().equals("health")) {
                out.add(e);
            }
        });
        return out;
    }
}
