package dev.detour.core.admission;

/**
 * A sliding-window request limit: at most {@code limit} admissions in any {@code window}. The
 * window is kept as {@value #SLOTS} slots plus the current one, and a slot counts until all of it
 * has left the window, so the count covers a little more than the window and never less: the
 * limit holds over every window, across slot and window boundaries alike (a fixed window lets
 * through twice the limit around its boundary). The price is that a request may be refused up to
 * one slot ({@code window / }{@value #SLOTS}) early. Memory is fixed per limiter; each call is
 * O(1) amortised.
 *
 * <p>Not thread-safe: the gateway calls it from its one event loop.
 */
public final class RateLimiter {
    /** Slots per window. */
    static final int SLOTS = 60;

    private final int limit;
    private final long slotMillis;
    private final long[] counts = new long[SLOTS + 1];
    private long sum;
    /** The slot number ({@code millis / slotMillis}) of the newest slot written, or -1. */
    private long newest = -1;

    /**
     * @param limit        admissions per window, at least 1
     * @param windowMillis the window, at least {@value #SLOTS} ms
     */
    public RateLimiter(int limit, long windowMillis) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        if (windowMillis < SLOTS) {
            throw new IllegalArgumentException("window must be at least " + SLOTS + " ms, was " + windowMillis);
        }
        this.limit = limit;
        this.slotMillis = windowMillis / SLOTS;
    }

    /**
     * Admits one request at {@code nowMillis} (a monotonic clock), or says how long until one would
     * be admitted.
     *
     * @return 0 when admitted (and counted); otherwise the milliseconds until the oldest counted
     *         requests have left the window far enough for one more (at least 1)
     */
    public long tryAcquire(long nowMillis) {
        long slot = Math.floorDiv(nowMillis, slotMillis);
        advance(slot);
        if (sum < limit) {
            counts[index(slot)]++;
            sum++;
            return 0;
        }
        // Walk from the oldest slot until enough requests would have left.
        long needed = sum - limit + 1;
        long freed = 0;
        for (long s = slot - SLOTS; s <= slot; s++) {
            freed += counts[index(s)];
            if (freed >= needed) {
                return Math.max(1, (s + SLOTS + 1) * slotMillis - nowMillis);
            }
        }
        return SLOTS * slotMillis;
    }

    /** Admissions counted in the window now. */
    public long used(long nowMillis) {
        advance(Math.floorDiv(nowMillis, slotMillis));
        return sum;
    }

    private void advance(long slot) {
        if (newest < 0) {
            newest = slot;
            return;
        }
        if (slot <= newest) {
            return;   // same slot, or a clock that stepped back: keep counting where we are
        }
        long steps = Math.min(slot - newest, SLOTS + 1);
        for (long s = newest + 1; s < newest + 1 + steps; s++) {
            int i = index(s);
            sum -= counts[i];
            counts[i] = 0;
        }
        newest = slot;
    }

    private static int index(long slot) {
        return (int) Math.floorMod(slot, (long) SLOTS + 1);
    }
}
