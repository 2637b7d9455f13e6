package dev.detour.core.admission;

/**
 * A sliding-window request limit: at most {@code limit} admissions in any {@code window}. It is a
 * {@link TokenLimiter} where each request weighs one token: the window is kept as
 * {@value TokenLimiter#SLOTS} slots plus the current one, and a slot counts until all of it has
 * left the window, so the count covers a little more than the window and never less: the limit
 * holds over every window, across slot and window boundaries alike (a fixed window lets through
 * twice the limit around its boundary). The price is that a request may be refused up to one
 * slot ({@code window / }{@value TokenLimiter#SLOTS}) early. Memory is fixed per limiter; each
 * call is O(1) amortised.
 *
 * <p>Not thread-safe: the gateway calls it from its one event loop.
 */
public final class RateLimiter {
    private final TokenLimiter window;

    /**
     * @param limit        admissions per window, at least 1
     * @param windowMillis the window, at least {@value TokenLimiter#SLOTS} ms
     */
    public RateLimiter(int limit, long windowMillis) {
        this.window = new TokenLimiter(limit, windowMillis);
    }

    /**
     * Admits one request at {@code nowMillis} (a monotonic clock), or says how long until one would
     * be admitted.
     *
     * @return 0 when admitted (and counted); otherwise the milliseconds until the oldest counted
     *         requests have left the window far enough for one more (at least 1)
     */
    public long tryAcquire(long nowMillis) {
        return window.tryAcquire(nowMillis, 1);
    }

    /** Admissions counted in the window now. */
    public long used(long nowMillis) {
        return window.used(nowMillis);
    }
}
