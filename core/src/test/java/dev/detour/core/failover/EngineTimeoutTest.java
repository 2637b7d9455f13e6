package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatResponse;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * An attempt's deadlines and cancellation: each timeout fires at exactly its deadline, not a
 * millisecond before, on a manual clock and scheduler; the client leaving or the shutdown grace
 * running out cancels the call at once.
 */
class EngineTimeoutTest {
    final EngineFixture f = new EngineFixture();

    EngineTimeoutTest() {
        f.targets = List.of(f.a);
    }

    static GatewayConfig.Timeouts timeouts(Duration firstToken, Duration idle, Duration total) {
        return new GatewayConfig.Timeouts(Duration.ofSeconds(5), firstToken, idle, total);
    }

    static void assertCancelled(EngineFixture.Pending<?> p, String message) {
        ProviderException e = p.cancelledWith;
        assertEquals(ErrorKind.TIMEOUT, e == null ? null : e.kind(), "cancelled by a timeout");
        assertEquals(message, e.getMessage());
        assertTrue(p.call.cancelled());
    }

    @Test
    void the_connect_timeout_is_handed_to_the_adapter_which_sets_it_on_its_request() {
        f.timeouts = new GatewayConfig.Timeouts(Duration.ofMillis(750), null, Duration.ofSeconds(7), null);
        f.chat();

        EngineFixture.Pending<?> call = f.adapterA.last();
        assertEquals(Duration.ofMillis(750), call.call.connectTimeout());
        assertEquals(Duration.ofSeconds(7), call.call.idleTimeout());
    }

    @Test
    void no_first_token_within_the_first_token_timeout_cancels_the_call_at_its_deadline() {
        f.timeouts = timeouts(Duration.ofSeconds(2), null, null);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.scheduler.advanceMillis(1_999);
        assertNull(call.cancelledWith);
        assertFalse(result.isComplete());

        f.scheduler.advanceMillis(1);
        assertCancelled(call, "no first token within 2s");
        assertEquals(504, result.result().failure().status());
        assertEquals("upstream_timeout", result.result().failure().code());
    }

    @Test
    void a_chunk_without_content_is_not_a_first_token() {
        f.timeouts = timeouts(Duration.ofSeconds(2), null, null);
        EngineFixture.Client client = new EngineFixture.Client();
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.scheduler.advanceMillis(500);
        call.send(EngineFixture.roleOnly());
        f.scheduler.advanceMillis(1_499);
        assertNull(call.cancelledWith);

        f.scheduler.advanceMillis(1);
        assertCancelled(call, "no first token within 2s");
        assertEquals(504, result.result().failure().status());
        assertEquals(List.of(), client.events, "nothing reached the client");
    }

    @Test
    void the_idle_timeout_runs_from_the_last_chunk() {
        f.timeouts = timeouts(null, Duration.ofSeconds(1), null);
        EngineFixture.Client client = new EngineFixture.Client();
        Future<EngineResult<Void>> result = f.stream(client);
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.scheduler.advanceMillis(100);
        call.send(EngineFixture.content("x"));
        f.scheduler.advanceMillis(999);
        call.send(EngineFixture.content("y"));
        f.scheduler.advanceMillis(999);
        assertNull(call.cancelledWith);

        f.scheduler.advanceMillis(1);
        assertCancelled(call, "no chunk within the idle timeout of 1s");
        assertEquals(List.of("commit a/m", "x", "y"), client.events);
        assertEquals("stream_interrupted", result.result().failure().code());
        assertEquals(502, result.result().failure().status());
    }

    @Test
    void the_idle_timeout_does_not_run_while_the_client_holds_the_upstream_back() {
        f.timeouts = timeouts(null, Duration.ofSeconds(1), null);
        f.stream(new EngineFixture.Client());
        EngineFixture.Pending<?> call = f.adapterA.last();
        call.send(EngineFixture.content("x"));

        f.abort.clientBehind();
        f.scheduler.advanceMillis(5_000);
        assertNull(call.cancelledWith, "a slow client is not the upstream's fault");

        f.abort.clientCaughtUp();
        f.scheduler.advanceMillis(999);
        assertNull(call.cancelledWith);
        f.scheduler.advanceMillis(1);
        assertCancelled(call, "no chunk within the idle timeout of 1s");
    }

    @Test
    void the_total_timeout_cancels_the_call_at_its_deadline() {
        f.timeouts = timeouts(null, null, Duration.ofSeconds(1));
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.scheduler.advanceMillis(999);
        assertNull(call.cancelledWith);

        f.scheduler.advanceMillis(1);
        assertCancelled(call, "total timeout reached");
        assertEquals(504, result.result().failure().status());
    }

    @Test
    void the_total_timeout_is_one_deadline_across_all_attempts() {
        // Given two targets and a total of 1 s
        f.targets = List.of(f.a, f.b);
        f.timeouts = timeouts(null, null, Duration.ofSeconds(1));
        Future<EngineResult<ChatResponse>> result = f.chat();

        // When the first fails after 600 ms
        f.scheduler.advanceMillis(600);
        f.adapterA.last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 503, "busy"));
        EngineFixture.Pending<?> second = f.adapterB.last();

        // Then the second has what is left: 400 ms
        f.scheduler.advanceMillis(399);
        assertNull(second.cancelledWith);
        f.scheduler.advanceMillis(1);
        assertCancelled(second, "total timeout reached");
        assertEquals(504, result.result().failure().status());
        assertEquals(2, result.result().calls());
    }

    @Test
    void a_late_answer_after_a_timeout_is_ignored() {
        f.timeouts = timeouts(Duration.ofSeconds(2), null, null);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<ChatResponse> call = f.adapterA.last();
        f.scheduler.advanceMillis(2_000);

        call.succeed(EngineFixture.answer("too late"));

        assertEquals(504, result.result().failure().status());
        assertEquals(0, f.a.inFlight(), "the timed-out call was given back once");
        assertEquals(0, f.scheduler.pending(), "no timer left behind");
    }

    @Test
    void the_client_leaving_cancels_the_call_and_ends_the_request() {
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.abort.abort();

        assertEquals(ErrorKind.CONNECTION, call.cancelledWith.kind());
        assertEquals(499, result.result().failure().status());
        assertEquals("client_closed", result.result().failure().code());
        assertEquals(0, f.a.inFlight());
        assertEquals(0, f.scheduler.pending(), "its first-token timer went with it");
    }

    @Test
    void the_shutdown_grace_running_out_cancels_the_call_and_answers_503() {
        f.targets = List.of(f.a, f.b);
        Future<EngineResult<ChatResponse>> result = f.chat();
        EngineFixture.Pending<?> call = f.adapterA.last();

        f.abort.shutdown();

        assertEquals("the gateway is shutting down", call.cancelledWith.getMessage());
        assertEquals(503, result.result().failure().status());
        assertEquals("shutting_down", result.result().failure().code());
        assertEquals(0, f.adapterB.calls.size(), "no fallback once the gateway gives up");
    }
}
