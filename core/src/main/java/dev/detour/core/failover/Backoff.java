package dev.detour.core.failover;

import java.time.Duration;
import java.util.random.RandomGenerator;

/** Exponential backoff with full jitter: a uniform delay in [0, min(max, base * 2^(retry-1))]. */
final class Backoff {
    private Backoff() {
    }

    /** The delay before retry number {@code retry} (1 = the first retry). */
    static long delayMs(Duration base, Duration max, int retry, RandomGenerator random) {
        long cap = Math.min(max.toMillis(), base.toMillis() << Math.min(20, Math.max(0, retry - 1)));
        return cap <= 0 ? 0 : random.nextLong(cap + 1);
    }
}
