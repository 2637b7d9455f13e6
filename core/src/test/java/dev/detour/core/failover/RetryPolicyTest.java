package dev.detour.core.failover;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The retry policy alone: which failures are retried, and the delay before the retry. */
class RetryPolicyTest {
    final EngineFixture.ScriptedRandom random = new EngineFixture.ScriptedRandom();
    final RetryPolicy policy = new RetryPolicy(random);
    final GatewayConfig.Retry rule = new GatewayConfig.Retry(4, Duration.ofMillis(200), Duration.ofMillis(700),
            Set.of(503), Duration.ofSeconds(5));

    static ProviderException status(int status) {
        return new ProviderException(ErrorKind.SERVER_ERROR, status, "upstream said " + status);
    }

    @Test
    void backoff_is_full_jitter_below_a_doubling_cap_bounded_by_max_backoff() {
        // Given a draw scripted for each retry
        random.script.addAll(List.of(0L, 123L, 700L));

        // When three retries follow one another, Then each delay is the draw, in [0, min(max, base * 2^(n-1))]
        assertEquals(0, policy.nextDelay(rule, 1, status(503)));
        assertEquals(123, policy.nextDelay(rule, 2, status(503)));
        assertEquals(700, policy.nextDelay(rule, 3, status(503)));
        assertEquals(List.of(201L, 401L, 701L), random.bounds);
    }

    @Test
    void retry_after_overrides_the_backoff_within_max_retry_after() {
        ProviderException asked = new ProviderException(ErrorKind.RATE_LIMITED, 503, "slow down",
                Duration.ofMillis(3_500), null);
        ProviderException tooLong = new ProviderException(ErrorKind.RATE_LIMITED, 503, "slow down",
                Duration.ofSeconds(6), null);

        assertEquals(3_500, policy.nextDelay(rule, 1, asked));
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 1, tooLong));
        assertEquals(List.of(), random.bounds, "no jitter drawn when the provider says how long");
    }

    @Test
    void retry_attempts_count_every_call_to_the_target() {
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 4, status(503)));
    }

    @Test
    void a_status_is_retried_only_when_on_status_lists_it() {
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 1, status(500)));
    }

    @Test
    void a_kind_that_is_not_retryable_is_not_retried_whatever_its_status() {
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 1,
                new ProviderException(ErrorKind.AUTHENTICATION, 503, "no")));
    }

    @Test
    void without_a_status_only_failures_in_transit_are_retried() {
        assertEquals(200, policy.nextDelay(rule, 1, new ProviderException(ErrorKind.TIMEOUT, 0, "t")));
        assertEquals(200, policy.nextDelay(rule, 1, new ProviderException(ErrorKind.CONNECTION, 0, "reset")));
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 1, new ProviderException(ErrorKind.SERVER_ERROR, 0, "?")));
        assertEquals(RetryPolicy.NO_RETRY, policy.nextDelay(rule, 1, new ProviderException(ErrorKind.UNKNOWN, 0, "?")));
    }
}
