package dev.detour.core.failover;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.readiness.Readiness;
import dev.detour.core.readiness.ReadinessCase;
import dev.detour.core.readiness.ReadinessCheck;
import dev.detour.core.readiness.ReadinessReport;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Readiness runs on the real engine with a manual clock and scheduler: each target called once
 * per case outside failover, with its own overrides and timeouts; the opt-in schedule.
 */
class ReadinessRunTest {
    private final EngineFixture f = new EngineFixture();
    private static final ReadinessCase JSON_CASE = new ReadinessCase("json",
            ChatRequest.builder("readiness", List.of(Message.text("user", "status as JSON"))).build(),
            new ReadinessCheck(true, null, List.of(), null, Duration.ofSeconds(2)));

    private Readiness readiness(Duration every) {
        return readiness(f.route(), every);
    }

    private Readiness readiness(RouteRuntime route, Duration every) {
        return new Readiness(Map.of("r", route), f.engine, f.scheduler, f.clock,
                new GatewayConfig.Readiness(List.of(JSON_CASE), null, every, null), "");
    }

    @Test
    void every_target_is_called_once_per_case_and_failures_are_reported_not_failed_over() {
        Readiness r = readiness(null);
        Future<ReadinessReport> run = r.run(null, List.of(JSON_CASE));
        assertEquals(1, f.adapterA.calls.size());
        assertEquals(1, f.adapterB.calls.size());
        f.scheduler.advanceMillis(300);
        f.adapterA.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{\"status\": \"open\"}"));
        f.scheduler.advanceMillis(2700);
        f.adapterB.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("Sure: status is open"));
        assertTrue(run.succeeded());
        ReadinessReport report = run.result();
        assertFalse(report.passed());
        ReadinessReport.TargetResult a = report.routes().get(0).targets().get(0);
        ReadinessReport.TargetResult b = report.routes().get(0).targets().get(1);
        assertEquals("a/m", a.target());
        assertEquals(List.of(), a.cases().get(0).failures());
        assertEquals(300, a.cases().get(0).latencyMs());
        assertEquals(List.of("max_latency: took 3000ms, more than 2s", "json: the answer is not valid JSON"),
                b.cases().get(0).failures());
        // No failover: a's answer did not stand in for b, and nobody was called again.
        assertEquals(1, f.adapterA.calls.size());
        assertEquals(1, f.adapterB.calls.size());
        assertEquals(new Readiness.Flag(0, 1, report.at()), r.flag("b/m"));
        assertEquals(1, r.flag("a/m").passed());
        assertTrue(report.toTable().contains("similarity was not computed: readiness.embedder is not configured"));
    }

    @Test
    void a_target_that_never_answers_fails_on_its_first_token_timeout() {
        Readiness r = readiness(null);
        Future<ReadinessReport> run = r.run(null, List.of(JSON_CASE));
        f.adapterA.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{}"));
        f.scheduler.advanceMillis(GatewayConfig.Timeouts.DEFAULTS.firstToken().toMillis());
        assertTrue(run.succeeded());
        List<String> why = run.result().routes().get(0).targets().get(1).cases().get(0).failures();
        assertEquals(1, why.size());
        assertTrue(why.get(0).startsWith("call failed: timeout: no first token within 30s"), why.get(0));
        assertEquals(ErrorKind.TIMEOUT, ((ProviderException) f.adapterB.last().cancelledWith).kind());
    }

    @Test
    void each_target_gets_its_prompt_and_params_overrides() {
        GatewayConfig.Target plain = new GatewayConfig.Target("a", "m", 1, 0, 0, null, null, null);
        GatewayConfig.Target overridden = new GatewayConfig.Target("b", "m", 1, 0, 0,
                new GatewayConfig.Prompt("Reply in JSON only.", "replace"),
                JsonNodeFactory.instance.objectNode().put("temperature", 0.1), null);
        RouteRuntime base = f.route();
        RouteRuntime route = new RouteRuntime("r", "priority", base.strategy(), base.runtimes(), base.policy(),
                Map.of("a/m", plain, "b/m", overridden), List.of(), java.util.Set.of(), base.degradation(),
                base.stream(), false);
        ChatRequest[] seen = new ChatRequest[2];
        FailoverEngine engine = new FailoverEngine(Map.of("a", recording(seen, 0), "b", recording(seen, 1)),
                new dev.detour.core.envelope.EnvelopeGuard(GatewayConfig.Envelope.OPEN), new Scrubber(java.util.Set.of()),
                f.scheduler, f.clock, f.random, EngineListener.NONE);
        Readiness r = new Readiness(Map.of("r", route), engine, f.scheduler, f.clock, GatewayConfig.Readiness.OFF, "");
        assertTrue(r.run("r", List.of(JSON_CASE)).result().passed());
        assertEquals("m", seen[0].model());
        assertEquals(1, seen[0].messages().size());
        assertNull(seen[0].temperature());
        assertEquals("system", seen[1].messages().get(0).role());
        assertEquals("Reply in JSON only.", seen[1].messages().get(0).text());
        assertEquals(0.1, seen[1].temperature());
        assertFalse(seen[1].stream());
    }

    private static dev.detour.api.provider.ProviderAdapter recording(ChatRequest[] seen, int i) {
        return new dev.detour.api.provider.ProviderAdapter() {
            @Override
            public Future<dev.detour.api.model.ChatResponse> chat(ChatRequest request, dev.detour.api.provider.Call call) {
                seen[i] = request;
                return Future.succeededFuture(EngineFixture.answer("{\"ok\": true}"));
            }

            @Override
            public Future<Void> stream(ChatRequest request, dev.detour.api.provider.Call call,
                                       dev.detour.api.provider.ChunkSink sink) {
                return Future.failedFuture(new IllegalStateException("readiness never streams"));
            }
        };
    }

    @Test
    void the_embedder_route_is_never_sent_chat_cases() {
        Readiness r = new Readiness(Map.of("r", f.route()), f.engine, f.scheduler, f.clock,
                new GatewayConfig.Readiness(List.of(JSON_CASE), null, null, "r"), "");
        assertEquals("route 'r' is the readiness embedder (an embeddings route)", r.routeProblem("r"));
        assertEquals("no such route", r.routeProblem("x").startsWith("no route 'x'") ? "no such route" : r.routeProblem("x"));
        Future<ReadinessReport> all = r.run(null, List.of(JSON_CASE));
        assertTrue(all.failed());
        assertTrue(all.cause().getMessage().startsWith("no route to check"), all.cause().getMessage());
        assertEquals(0, f.adapterA.calls.size());
        assertFalse(r.running());
    }

    @Test
    void nothing_is_scheduled_by_default() {
        Readiness r = readiness(null);
        r.start();
        assertEquals(0, f.scheduler.pending());
        f.scheduler.advanceMillis(Duration.ofDays(2).toMillis());
        assertEquals(0, f.adapterA.calls.size());
        assertNull(r.last());
    }

    @Test
    void readiness_every_runs_on_the_injected_scheduler_until_stopped() {
        Readiness r = readiness(Duration.ofHours(1));
        r.start();
        f.scheduler.advanceMillis(Duration.ofMinutes(59).toMillis());
        assertEquals(0, f.adapterA.calls.size());
        f.scheduler.advanceMillis(Duration.ofMinutes(1).toMillis());
        assertEquals(1, f.adapterA.calls.size());
        assertTrue(r.running());
        f.adapterA.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{}"));
        f.adapterB.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{}"));
        assertFalse(r.running());
        assertTrue(r.last().passed());
        // A manual run while none is going is allowed; one while one goes is refused.
        f.scheduler.advanceMillis(Duration.ofHours(1).toMillis());
        assertEquals(2, f.adapterA.calls.size());
        assertTrue(r.run(null, List.of(JSON_CASE)).failed());
        r.stop();
        f.adapterA.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{}"));
        f.adapterB.<dev.detour.api.model.ChatResponse>last().succeed(EngineFixture.answer("{}"));
        f.scheduler.advanceMillis(Duration.ofHours(5).toMillis());
        assertEquals(2, f.adapterA.calls.size());
        assertEquals(0, f.scheduler.pending());
    }
}
