package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.view.HealthState;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hedged requests on a manual clock and scheduler: the hedge goes out exactly at its wait and not
 * a millisecond before, the first attempt to produce content wins and the other is cancelled,
 * {@code max_share} caps the hedged share, {@code after: p95} reads the first target's recent
 * first-content times, and a probe of a demoted target is hedged after the healthy target's p95.
 */
class HedgeTest {
    final EngineFixture f = new EngineFixture();

    static Hedging hedging(Duration after, double maxShare) {
        return new Hedging(new GatewayConfig.Hedge(after, after == null, maxShare));
    }

    static String describe(AttemptRecord r) {
        return r.target() + " " + (r.kind() == null ? r.status() : r.kind()) + (r.hedge() ? " hedge" : "");
    }

    static List<String> describe(EngineResult<?> r) {
        return r.attempts().stream().map(HedgeTest::describe).toList();
    }

    @Test
    void no_first_content_after_the_wait_sends_the_hedge_exactly_then_and_the_first_answer_wins() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> primary = f.adapterA.last();

        f.scheduler.advanceMillis(49);
        assertTrue(f.adapterB.calls.isEmpty(), "no hedge before its wait");
        f.scheduler.advanceMillis(1);
        assertEquals(1, f.adapterB.calls.size(), "the hedge goes out at its wait");
        assertEquals(1, f.a.inFlight());
        assertEquals(1, f.b.inFlight());

        EngineFixture.Pending<ChatResponse> backup = f.adapterB.last();
        f.scheduler.advanceMillis(20);
        backup.succeed(EngineFixture.answer("from b"));

        EngineResult<ChatResponse> r = result.result();
        assertNull(r.failure());
        assertEquals("from b", r.value().text());
        assertEquals(f.b, r.target());
        assertTrue(r.hedged());
        assertTrue(r.failover());
        assertEquals(2, r.calls(), "the hedge counts as an attempt");
        assertEquals(List.of("a/m cancelled", "b/m 200 hedge"), describe(r));
        assertNotNull(primary.cancelledWith, "the loser's call is cancelled: its connection is closed");
        assertTrue(primary.call.cancelled());
        assertEquals(70, r.attempts().get(0).latencyMs());
        assertEquals(0, f.a.inFlight());
        assertEquals(0, f.b.inFlight());

        primary.succeed(EngineFixture.answer("late"));
        assertEquals("from b", result.result().value().text(), "the loser's late answer is ignored");
        assertEquals(0, f.scheduler.pending(), "no timer left behind");
    }

    @Test
    void the_first_attempt_answering_first_cancels_the_hedge() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> primary = f.adapterA.last();
        f.scheduler.advanceMillis(50);
        EngineFixture.Pending<ChatResponse> backup = f.adapterB.last();

        f.scheduler.advanceMillis(5);
        primary.succeed(EngineFixture.answer("from a"));

        EngineResult<ChatResponse> r = result.result();
        assertEquals("from a", r.value().text());
        assertEquals(f.a, r.target());
        assertFalse(r.failover());
        assertTrue(r.hedged(), "a hedge was sent");
        assertEquals(List.of("b/m cancelled hedge", "a/m 200"), describe(r));
        assertNotNull(backup.cancelledWith);
        assertEquals(0, f.b.inFlight());
        assertEquals(0, f.scheduler.pending());
    }

    @Test
    void an_answer_before_the_wait_sends_no_hedge() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        f.scheduler.advanceMillis(30);
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));
        f.scheduler.advanceMillis(1_000);

        assertTrue(f.adapterB.calls.isEmpty());
        assertFalse(result.result().hedged());
        assertEquals(1, result.result().calls());
        assertEquals(0, f.scheduler.pending(), "the hedge's timer is cancelled with the answer");
    }

    @Test
    void a_route_without_hedge_waits_on_its_first_target() {
        Future<EngineResult<ChatResponse>> result = f.chat();
        f.scheduler.advanceMillis(10_000);
        assertTrue(f.adapterB.calls.isEmpty());
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));
        assertFalse(result.result().hedged());
    }

    @Test
    void max_share_caps_the_hedged_share_of_the_window() {
        f.hedging = hedging(Duration.ofMillis(50), 0.25);
        int hedged = 0;
        for (int i = 1; i <= 8; i++) {
            Future<EngineResult<ChatResponse>> result = f.chat();
            f.scheduler.advanceMillis(60);
            f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));
            if (result.result().hedged()) {
                hedged++;
                assertTrue(i == 4 || i == 8, "hedge " + hedged + " at request " + i);
            }
        }
        assertEquals(2, hedged, "a quarter of 8 requests");
        assertEquals(2, f.adapterB.calls.size());
    }

    @Test
    void the_share_window_slides_on_the_clock() {
        Hedging h = hedging(Duration.ofMillis(50), 0.5);
        long t = 0;
        h.request(t);
        h.request(t);
        assertTrue(h.tryHedge(t));
        assertFalse(h.tryHedge(t), "1 of 2 already hedged");
        t += Hedging.BUCKETS * Hedging.BUCKET_NANOS;
        h.request(t);
        assertFalse(h.tryHedge(t), "the old requests left the window with their hedge: 1 hedge of 1 is over half");
        h.request(t);
        assertTrue(h.tryHedge(t));
    }

    @Test
    void a_failed_hedge_leaves_the_first_attempt_running() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> primary = f.adapterA.last();
        f.scheduler.advanceMillis(50);
        f.adapterB.<ChatResponse>last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 503, "down"));
        assertFalse(result.isComplete(), "the first attempt may yet answer");
        assertEquals(1, f.adapterB.calls.size(), "no retry beside a running attempt");

        primary.succeed(EngineFixture.answer("from a"));
        EngineResult<ChatResponse> r = result.result();
        assertEquals("from a", r.value().text());
        assertEquals(List.of("b/m server_error hedge", "a/m 200"), describe(r));
    }

    @Test
    void when_both_fail_the_request_decides_on_the_last_failure() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> primary = f.adapterA.last();
        f.scheduler.advanceMillis(50);
        primary.fail(new ProviderException(ErrorKind.SERVER_ERROR, 500, "a broke"));
        assertFalse(result.isComplete());
        f.adapterB.<ChatResponse>last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 502, "b broke"));

        EngineResult<ChatResponse> r = result.result();
        assertEquals(502, r.failure().status());
        assertEquals("all_targets_failed", r.failure().code());
        assertEquals(List.of("a/m server_error", "b/m server_error hedge"), describe(r));
        assertTrue(r.hedged());
    }

    @Test
    void a_hedge_respects_the_next_targets_breaker() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        f.b.breaker().open();
        Future<EngineResult<ChatResponse>> result = f.chat();
        f.scheduler.advanceMillis(50);
        assertTrue(f.adapterB.calls.isEmpty());
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));

        EngineResult<ChatResponse> r = result.result();
        assertEquals("from a", r.value().text());
        assertEquals("circuit open", r.attempts().get(0).skipped());
        assertFalse(r.hedged(), "no hedge could be sent");
    }

    @Test
    void a_streamed_hedge_commits_the_first_to_produce_content_and_the_loser_never_reaches_the_client() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        EngineFixture.Client client = new EngineFixture.Client();
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<Void> primary = f.adapterA.last();
        primary.send(EngineFixture.roleOnly());
        f.scheduler.advanceMillis(50);
        EngineFixture.Pending<Void> backup = f.adapterB.last();
        assertTrue(client.events.isEmpty());

        backup.send(EngineFixture.roleOnly());
        backup.send(EngineFixture.content("Hello"));
        assertEquals(f.b, client.committedTo);
        assertNotNull(primary.cancelledWith, "the loser is cancelled at the winner's first content");
        primary.send(EngineFixture.content("LOSER"));
        backup.send(EngineFixture.content(" world"));
        backup.succeed(null);

        assertEquals(List.of("commit b/m", "(assistant)", "Hello", " world"), client.events);
        EngineResult<Void> r = result.result();
        assertNull(r.failure());
        assertEquals(List.of("a/m cancelled", "b/m 200 hedge"), describe(r));
        assertEquals(0, f.a.inFlight());
        assertEquals(0, f.b.inFlight());
    }

    @Test
    void the_first_stream_producing_content_cancels_the_streamed_hedge() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        EngineFixture.Client client = new EngineFixture.Client();
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<Void> primary = f.adapterA.last();
        f.scheduler.advanceMillis(50);
        EngineFixture.Pending<Void> backup = f.adapterB.last();
        backup.send(EngineFixture.roleOnly());

        primary.send(EngineFixture.content("Hi"));
        assertNotNull(backup.cancelledWith);
        backup.send(EngineFixture.content("LOSER"));
        primary.succeed(null);

        assertEquals(List.of("commit a/m", "Hi"), client.events);
        assertEquals(List.of("b/m cancelled hedge", "a/m 200"), describe(result.result()));
    }

    @Test
    void after_p95_waits_for_the_first_targets_recent_p95_once_it_has_enough_samples() {
        f.hedging = hedging(null, 1.0);
        EngineFixture.Client client = new EngineFixture.Client();
        f.stream(client);
        f.scheduler.advanceMillis(10_000);
        assertTrue(f.adapterB.calls.isEmpty(), "too few samples: no hedge");
        f.adapterA.<Void>last().succeed(null);

        for (int i = 1; i <= Hedging.MIN_SAMPLES; i++) {
            f.a.recordOutcome(true, 500, i * 10); // first content after 10 .. 200 ms
        }
        f.stream(new EngineFixture.Client());
        f.scheduler.advanceMillis(199);
        assertTrue(f.adapterB.calls.isEmpty());
        f.scheduler.advanceMillis(1);
        assertEquals(1, f.adapterB.calls.size(), "hedged at the p95, 200 ms");
    }

    @Test
    void a_probe_of_an_unhealthy_target_is_hedged_after_the_healthy_targets_p95_whatever_max_share() {
        f.degradation = new GatewayConfig.Degradation(true, 0.1, Duration.ofSeconds(5), Duration.ofSeconds(10));
        f.a.signal(new Signal("latency", f.a.id(), 0.9, "slow"));
        assertEquals(HealthState.UNHEALTHY, f.a.state());
        for (int i = 0; i < Hedging.MIN_SAMPLES; i++) {
            f.b.recordOutcome(true, 40, -1);
        }
        Future<EngineResult<ChatResponse>> result = f.chat();
        assertEquals(1, f.adapterA.calls.size(), "the demoted target gets its probe first");
        EngineFixture.Pending<ChatResponse> probe = f.adapterA.last();

        f.scheduler.advanceMillis(39);
        assertTrue(f.adapterB.calls.isEmpty());
        f.scheduler.advanceMillis(1);
        f.adapterB.<ChatResponse>last().succeed(EngineFixture.answer("from b"));

        EngineResult<ChatResponse> r = result.result();
        assertEquals("from b", r.value().text(), "the client does not wait on the slow probe");
        assertNotNull(probe.cancelledWith);
        assertEquals(List.of("a/m cancelled", "b/m 200 hedge"), describe(r));
    }

    @Test
    void a_half_open_breakers_probe_is_hedged_too() {
        f.a.breaker().open();
        f.scheduler.advanceMillis(30_000); // the breaker's cooldown: its next call is the half-open probe
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> probe = f.adapterA.last();

        f.scheduler.advanceMillis(Hedging.DEFAULT_PROBE_WAIT_MS - 1);
        assertTrue(f.adapterB.calls.isEmpty());
        f.scheduler.advanceMillis(1);
        assertEquals(1, f.adapterB.calls.size(), "no p95 known for b yet: hedged after the default wait");
        f.adapterB.<ChatResponse>last().succeed(EngineFixture.answer("from b"));

        assertEquals("from b", result.result().value().text());
        assertNotNull(probe.cancelledWith);
        assertEquals(dev.detour.api.view.CircuitState.OPEN, f.a.breaker().state(),
                "a probe outrun by its hedge did not answer: another cooldown, not a probe per request");
    }

    @Test
    void a_slow_unhealthy_target_keeps_its_probe_share_and_its_breaker_stays_closed() {
        // A strict breaker (half the calls failing, of 5, opens it) on a target that never answers
        // its probes: each probe loses to its hedge, which is no failure, so the probes go on at
        // probe_share instead of the breaker shutting the target out for a cooldown.
        GatewayConfig.Breaker strict = new GatewayConfig.Breaker(0.5, 5, Duration.ofSeconds(30), Duration.ofSeconds(30));
        dev.detour.core.health.TargetRuntime slow = dev.detour.core.health.Targets.target("a", "m", f.clock, strict,
                EngineFixture.STEADY, dev.detour.core.health.HealthEvents.NONE);
        slow.signal(new Signal("latency", slow.id(), 0.9, "slow"));
        f.targets = List.of(slow, f.b);
        f.degradation = new GatewayConfig.Degradation(true, 0.1, Duration.ofSeconds(5), Duration.ofSeconds(10));
        FailoverEngine engine = new FailoverEngine(java.util.Map.of("a", f.adapterA, "b", f.adapterB),
                new dev.detour.core.envelope.EnvelopeGuard(GatewayConfig.Envelope.OPEN), new Scrubber(java.util.Set.of()),
                f.scheduler, f.clock, java.util.random.RandomGeneratorFactory.of("L64X128MixRandom").create(42),
                EngineListener.NONE);
        int n = 400;
        for (int i = 0; i < n; i++) {
            int probes = f.adapterA.calls.size();
            Future<EngineResult<ChatResponse>> r = engine.chat(f.route(), EngineFixture.REQUEST, EngineFixture.context(false),
                    new AbortSignal());
            if (f.adapterA.calls.size() > probes) {
                f.scheduler.advanceMillis(Hedging.DEFAULT_PROBE_WAIT_MS);
            }
            f.adapterB.<ChatResponse>last().succeed(EngineFixture.answer("from b"));
            assertEquals("from b", r.result().value().text());
            f.scheduler.advanceMillis(50); // 20 requests a second
        }
        int probes = f.adapterA.calls.size();
        // probe_share 0.1 of 400, plus one per probe_interval (5 s) of a run of about 20 s
        assertTrue(probes >= 30 && probes <= 60, probes + " probes of " + n);
        assertEquals(dev.detour.api.view.CircuitState.CLOSED, slow.breaker().state());
        for (EngineFixture.Pending<?> p : f.adapterA.calls) {
            assertNotNull(p.cancelledWith, "every probe was cancelled by its hedge");
        }
    }

    @Test
    void a_recovered_probe_answers_before_its_hedge_is_sent() {
        f.degradation = new GatewayConfig.Degradation(true, 0.1, Duration.ofSeconds(5), Duration.ofSeconds(10));
        f.a.signal(new Signal("latency", f.a.id(), 0.9, "slow"));
        Future<EngineResult<ChatResponse>> result = f.chat();
        f.scheduler.advanceMillis(30);
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));

        assertEquals("from a", result.result().value().text());
        assertTrue(f.adapterB.calls.isEmpty());
        assertEquals(0, f.scheduler.pending());
    }

    /** What the detectors were shown: target, and the error kind or "ok". */
    List<String> observeAll() {
        List<String> seen = new java.util.ArrayList<>();
        f.detectors = List.of(o -> {
            seen.add(o.target().id() + " " + (o.success() ? "ok" : o.errorKind().configName() + " " + (long) o.latencyMs()));
            return null;
        });
        return seen;
    }

    @Test
    void the_detectors_see_an_outrun_first_attempt_as_a_timeout_and_a_late_hedge_not_at_all() {
        List<String> seen = observeAll();
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> won = f.chat();
        f.scheduler.advanceMillis(50);
        f.scheduler.advanceMillis(30);
        f.adapterB.<ChatResponse>last().succeed(EngineFixture.answer("from b"));
        assertEquals("from b", won.result().value().text());
        assertEquals(List.of("a/m timeout 80", "b/m ok"), seen);
        assertEquals(0, f.a.errorRate(), "outrun is no failure of the target's own statistics");

        seen.clear();
        Future<EngineResult<ChatResponse>> lost = f.chat();
        f.scheduler.advanceMillis(60);
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("from a"));
        assertEquals("from a", lost.result().value().text());
        assertEquals(List.of("a/m ok"), seen, "the hedge had less time: it says nothing about b");
    }

    @Test
    void the_client_leaving_cancels_both_racing_attempts() {
        f.hedging = hedging(Duration.ofMillis(50), 1.0);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> primary = f.adapterA.last();
        f.scheduler.advanceMillis(50);
        EngineFixture.Pending<ChatResponse> backup = f.adapterB.last();

        f.abort.abort();
        assertNotNull(primary.cancelledWith);
        assertNotNull(backup.cancelledWith);
        assertEquals(499, result.result().failure().status());
        assertEquals(0, f.a.inFlight());
        assertEquals(0, f.b.inFlight());
    }
}
