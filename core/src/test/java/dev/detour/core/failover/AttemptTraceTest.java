package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Usage;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The engine's tracing hooks on the manual clock: every upstream call gets its own span, numbered
 * in launch order, each ended once with how it went, and each call carries its span's headers.
 */
class AttemptTraceTest {
    final EngineFixture f = new EngineFixture();
    final List<String> log = new ArrayList<>();

    /** Records what the engine tells the trace, one line per event. */
    final RequestTrace trace = new RequestTrace() {
        @Override
        public AttemptTrace attempt(TargetRuntime target, String operation, int number, boolean failover, boolean hedge,
                                    boolean resume, Object request) {
            String name = operation + " " + target.id() + " #" + number + (failover ? " failover" : "")
                    + (hedge ? " hedge" : "") + (resume ? " resume" : "");
            log.add("start " + name);
            return new AttemptTrace() {
                @Override
                public Map<String, String> headers() {
                    return Map.of("traceparent", "tp-" + number);
                }

                @Override
                public void answered(String model, Usage usage, FinishReason finish, String text) {
                    log.add("answered " + name + " " + model + " " + (usage == null ? "-" : usage.completionTokens())
                            + " " + finish + " " + text);
                }

                @Override
                public void failed(ProviderException e, boolean cancelled) {
                    log.add("failed " + name + " " + (cancelled ? "cancelled" : e.kind().configName()));
                }
            };
        }

        @Override
        public void skipped(TargetRuntime target, String why) {
            log.add("skipped " + target.id() + ": " + why);
        }

        @Override
        public boolean capturesContent() {
            return false;
        }
    };

    static ProviderException busy() {
        return new ProviderException(ErrorKind.SERVER_ERROR, 503, "busy");
    }

    @Test
    void a_retry_and_a_fallback_are_each_their_own_span_and_carry_their_own_headers() {
        f.retry = new GatewayConfig.Retry(2, Duration.ofMillis(10), Duration.ofMillis(10), java.util.Set.of(503),
                Duration.ofSeconds(5));
        f.abort.trace(trace);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> first = f.adapterA.last();
        assertEquals(Map.of("traceparent", "tp-1"), first.call.extraHeaders());
        first.fail(busy());
        f.scheduler.advanceMillis(10);
        EngineFixture.Pending<ChatResponse> retry = f.adapterA.last();
        assertEquals(Map.of("traceparent", "tp-2"), retry.call.extraHeaders());
        retry.fail(busy());
        EngineFixture.Pending<ChatResponse> fallback = f.adapterB.last();
        assertEquals(Map.of("traceparent", "tp-3"), fallback.call.extraHeaders());
        fallback.succeed(new ChatResponse("id", "m-2024", 0, EngineFixture.answer("hi").choices(), Usage.of(3, 4), null));

        assertNull(result.result().failure());
        assertEquals(List.of(
                "start chat a/m #1",
                "failed chat a/m #1 server_error",
                "start chat a/m #2",
                "failed chat a/m #2 server_error",
                "start chat b/m #3 failover",
                "answered chat b/m #3 failover m-2024 4 STOP null"), log);
    }

    @Test
    void the_loser_of_a_hedged_race_ends_its_span_as_cancelled() {
        f.hedging = new Hedging(new GatewayConfig.Hedge(Duration.ofMillis(50), false, 1.0));
        f.abort.trace(trace);
        Future<EngineResult<ChatResponse>> result = f.chat();
        f.scheduler.advanceMillis(50);
        f.adapterB.<ChatResponse>last().succeed(EngineFixture.answer("from b"));
        assertEquals("from b", result.result().value().text());
        assertEquals(List.of(
                "start chat a/m #1",
                "start chat b/m #2 failover hedge",
                "failed chat a/m #1 cancelled",
                "answered chat b/m #2 failover hedge m - STOP null"), log);
    }

    @Test
    void without_a_trace_no_headers_are_sent() {
        Future<EngineResult<ChatResponse>> plain = f.chat();
        assertTrue(f.adapterA.last().call.extraHeaders().isEmpty(), "tracing off: nothing extra upstream");
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("ok"));
        assertNull(plain.result().failure());
        assertTrue(log.isEmpty());
    }

    @Test
    void a_cut_stream_resumed_on_the_next_target_is_a_second_span_marked_as_a_resume() {
        f.stream = new GatewayConfig.StreamPolicy(0, Duration.ofSeconds(1), true);
        f.abort.trace(trace);
        Future<EngineResult<Void>> result = f.stream(new EngineFixture.Client());
        EngineFixture.Pending<Void> first = f.adapterA.last();
        first.send(EngineFixture.roleOnly());
        first.send(EngineFixture.content("Hel"));
        first.fail(new ProviderException(ErrorKind.CONNECTION, 0, "connection reset"));
        EngineFixture.Pending<Void> second = f.adapterB.last();
        second.send(EngineFixture.content("lo"));
        second.send(new dev.detour.api.model.ChatChunk("id", "m", 0, 0, null, null, null, List.of(), FinishReason.STOP,
                Usage.of(2, 3), null));
        second.succeed(null);
        assertNull(result.result().failure());
        assertEquals(List.of(
                "start chat a/m #1",
                "failed chat a/m #1 connection",
                "start chat b/m #2 failover resume",
                "answered chat b/m #2 failover resume null 3 STOP null"), log);
    }
}
