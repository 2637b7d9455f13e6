package dev.detour.core.failover;

import dev.detour.api.ProviderException;
import dev.detour.core.config.GatewayConfig;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When a failed call is tried again on the same target, and after how long: the route's
 * {@code retry} block applied to one failure. Exponential backoff with full jitter (a uniform delay
 * in [0, min(max_backoff, backoff * 2^(retry-1))]), unless the provider sent a Retry-After: then
 * exactly that, as long as it is within {@code max_retry_after} (a longer wait is not worth it:
 * the request moves on instead).
 */
final class RetryPolicy {
    /** What {@link #nextDelay} answers when the failure is not retried. */
    static final long NO_RETRY = -1;
    /** Doublings beyond this would overflow a long of milliseconds; max_backoff caps long before. */
    private static final int MAX_DOUBLINGS = 20;

    private final RandomGenerator random;

    /** @param random the jitter's source (the gateway's, seeded in tests) */
    RetryPolicy(RandomGenerator random) {
        this.random = random;
    }

    /**
     * The delay before trying the same target again after {@code error}, or {@link #NO_RETRY}.
     * A failure is retried while calls remain ({@code retry.attempts} counts every call to the
     * target, the first included), when its kind is {@link dev.detour.api.ErrorKind#retryable()
     * retryable}, and when {@code retry.on_status} lists its status (a failure without a status:
     * when it failed {@link dev.detour.api.ErrorKind#inTransit() in transit}).
     *
     * @param rule    the route's retry policy
     * @param attempt the calls made to this target so far (1 after the first), so the coming retry's number
     * @param error   how the last call failed
     */
    long nextDelay(GatewayConfig.Retry rule, int attempt, ProviderException error) {
        if (attempt >= rule.attempts() || !error.kind().retryable()) {
            return NO_RETRY;
        }
        boolean eligible = error.status() > 0 ? rule.onStatus().contains(error.status()) : error.kind().inTransit();
        if (!eligible) {
            return NO_RETRY;
        }
        if (error.retryAfter() != null) {
            return error.retryAfter().compareTo(rule.maxRetryAfter()) > 0 ? NO_RETRY : error.retryAfter().toMillis();
        }
        return backoffMs(rule.backoff(), rule.maxBackoff(), attempt);
    }

    /** Full jitter: uniform in [0, min(max, base * 2^(retry-1))]; {@code retry} 1 is the first retry. */
    private long backoffMs(Duration base, Duration max, int retry) {
        long cap = Math.min(max.toMillis(), base.toMillis() << Math.min(MAX_DOUBLINGS, Math.max(0, retry - 1)));
        return cap <= 0 ? 0 : random.nextLong(cap + 1);
    }
}
