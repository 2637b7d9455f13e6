package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatResponse;
import dev.detour.core.config.GatewayConfig;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Retry, backoff and fallback through the real engine, on a manual clock and scheduler. */
class EngineRetryTest {
    final EngineFixture f = new EngineFixture();

    static ProviderException unavailable() {
        return new ProviderException(ErrorKind.SERVER_ERROR, 503, "busy");
    }

    static List<Integer> statuses(EngineResult<?> r) {
        return r.attempts().stream().map(AttemptRecord::status).toList();
    }

    @Test
    void retries_on_the_same_target_after_the_jittered_backoff() {
        // Given three calls per target and two scripted jitter draws
        f.retry = new GatewayConfig.Retry(3, Duration.ofMillis(200), Duration.ofSeconds(2), Set.of(503),
                Duration.ofSeconds(5));
        f.random.script.addAll(List.of(150L, 320L));
        Future<EngineResult<ChatResponse>> result = f.chat();

        // When the first call fails with 503, Then the retry waits exactly the first draw
        f.adapterA.last().fail(unavailable());
        f.scheduler.advanceMillis(149);
        assertEquals(1, f.adapterA.calls.size());
        f.scheduler.advanceMillis(1);
        assertEquals(2, f.adapterA.calls.size());

        // When the retry fails too, Then the next waits the second draw, from a doubled cap
        f.adapterA.last().fail(unavailable());
        f.scheduler.advanceMillis(319);
        assertEquals(2, f.adapterA.calls.size());
        f.scheduler.advanceMillis(1);
        assertEquals(3, f.adapterA.calls.size());
        assertEquals(List.of(201L, 401L), f.random.bounds, "full jitter in [0, 200] then [0, 400]");

        // When the third call answers, Then it is served by the same target, no fallback
        f.adapterA.<ChatResponse>last().succeed(EngineFixture.answer("hi"));
        EngineResult<ChatResponse> r = result.result();
        assertEquals("hi", r.value().text());
        assertEquals(f.a, r.target());
        assertEquals(List.of(503, 503, 200), statuses(r));
        assertFalse(r.failover());
        assertEquals(0, f.adapterB.calls.size());
    }

    @Test
    void retry_after_sets_the_delay_exactly_and_draws_no_jitter() {
        f.retry = new GatewayConfig.Retry(2, Duration.ofMillis(200), Duration.ofSeconds(2), Set.of(429),
                Duration.ofSeconds(5));
        f.chat();

        f.adapterA.last().fail(new ProviderException(ErrorKind.RATE_LIMITED, 429, "slow down", Duration.ofSeconds(3),
                null));
        f.scheduler.advanceMillis(2_999);
        assertEquals(1, f.adapterA.calls.size());
        f.scheduler.advanceMillis(1);

        assertEquals(2, f.adapterA.calls.size());
        assertEquals(List.of(), f.random.bounds);
    }

    @Test
    void a_retry_after_beyond_max_retry_after_falls_back_at_once() {
        f.retry = new GatewayConfig.Retry(2, Duration.ofMillis(200), Duration.ofSeconds(2), Set.of(429),
                Duration.ofSeconds(5));
        f.chat();

        f.adapterA.last().fail(new ProviderException(ErrorKind.RATE_LIMITED, 429, "slow down", Duration.ofSeconds(10),
                null));

        assertEquals(1, f.adapterA.calls.size());
        assertEquals(1, f.adapterB.calls.size(), "429 is in fallback_on: the next target is called without waiting");
    }

    @Test
    void no_retry_whose_delay_would_reach_the_total_deadline() {
        // Given a total of 1 s and a backoff draw of exactly 1 s
        f.timeouts = new GatewayConfig.Timeouts(null, null, null, Duration.ofSeconds(1));
        f.retry = new GatewayConfig.Retry(2, Duration.ofSeconds(2), Duration.ofSeconds(2), Set.of(503),
                Duration.ofSeconds(5));
        f.random.script.add(1_000L);
        f.chat();

        // When the first call fails at once, Then the request moves on instead of sleeping past its deadline
        f.adapterA.last().fail(unavailable());

        assertEquals(1, f.adapterA.calls.size());
        assertEquals(1, f.adapterB.calls.size());
    }

    @Test
    void a_client_error_is_returned_as_it_is_without_fallback() {
        Future<EngineResult<ChatResponse>> result = f.chat();

        f.adapterA.last().fail(new ProviderException(ErrorKind.INVALID_REQUEST, 400, "bad temperature", null,
                "invalid_value"));

        EngineResult.Failure failure = result.result().failure();
        assertEquals(400, failure.status());
        assertEquals("invalid_value", failure.code());
        assertEquals("invalid_request_error", failure.type());
        assertEquals(0, f.adapterB.calls.size());
    }

    @Test
    void only_failures_that_are_the_targets_fault_count_against_it() {
        Future<EngineResult<ChatResponse>> result = f.chat();

        // a's context window is too small (its fault? no), b fails with a 500 (yes)
        f.adapterA.last().fail(new ProviderException(ErrorKind.CONTEXT_LENGTH, 400, "too long"));
        f.adapterB.last().fail(new ProviderException(ErrorKind.SERVER_ERROR, 500, "boom"));

        assertEquals(0.0, f.a.errorRate());
        assertEquals(1.0, f.b.errorRate());
        EngineResult.Failure failure = result.result().failure();
        assertEquals(502, failure.status());
        assertEquals("all_targets_failed", failure.code());
        assertTrue(failure.message().contains("boom"), failure.message());
    }
}
