package dev.detour.core.admission;

/**
 * A sliding-window token limit ({@code limits.tpm}): at most {@code limit} tokens in any window,
 * kept as {@value #SLOTS} slots plus the current one (a slot counts until all of it has left the
 * window, so the limit holds over every window; {@link RateLimiter} is this with one token a
 * request). A request is counted
 * before its call with an estimate, in the slot it was admitted in, and that slot is corrected by
 * {@link #correct} once the real usage is known. A request bigger than the whole limit is admitted
 * only into an empty window, so it is never refused for ever.
 *
 * <p>Not thread-safe: the gateway calls it from its one event loop.
 */
public final class TokenLimiter {
    /** Slots per window. */
    static final int SLOTS = 60;

    private final long limit;
    private final long slotMillis;
    private final long[] counts = new long[SLOTS + 1];
    private long sum;
    /** The slot number ({@code millis / slotMillis}) of the newest slot written, or -1. */
    private long newest = -1;

    /**
     * @param limit        tokens per window, at least 1
     * @param windowMillis the window, at least {@value #SLOTS} ms
     */
    public TokenLimiter(long limit, long windowMillis) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1, was " + limit);
        }
        if (windowMillis < SLOTS) {
            throw new IllegalArgumentException("window must be at least " + SLOTS + " ms, was " + windowMillis);
        }
        this.limit = limit;
        this.slotMillis = windowMillis / SLOTS;
    }

    /** The slot a request admitted at {@code nowMillis} is counted in, for {@link #correct}. */
    public long slot(long nowMillis) {
        return Math.floorDiv(nowMillis, slotMillis);
    }

    /**
     * Counts {@code tokens} at {@code nowMillis} (a monotonic clock) when they fit, or says how
     * long until they would.
     *
     * @return 0 when admitted (and counted in {@link #slot}); otherwise {@link #waitFor}
     */
    public long tryAcquire(long nowMillis, long tokens) {
        long wait = waitFor(nowMillis, tokens);
        if (wait == 0) {
            add(nowMillis, tokens);
        }
        return wait;
    }

    /**
     * How long until {@code tokens} fit, counting nothing.
     *
     * @return 0 when they fit now; otherwise the milliseconds until enough of the counted tokens
     *         have left the window for them to fit (at least 1): a request sent again then is
     *         admitted, unless others were counted meanwhile
     */
    public long waitFor(long nowMillis, long tokens) {
        long slot = slot(nowMillis);
        advance(slot);
        if (sum == 0 || sum + tokens <= limit) {
            return 0;
        }
        long left = sum;
        for (long s = slot - SLOTS; s <= slot; s++) {
            left -= counts[index(s)];
            if (left == 0 || left + tokens <= limit) {
                return Math.max(1, (s + SLOTS + 1) * slotMillis - nowMillis);
            }
        }
        return (SLOTS + 1) * slotMillis;
    }

    /** Counts {@code tokens} at {@code nowMillis}, whether they fit or not; returns the slot they are in. */
    public long add(long nowMillis, long tokens) {
        long slot = slot(nowMillis);
        advance(slot);
        counts[index(Math.max(slot, newest))] += tokens;
        sum += tokens;
        return Math.max(slot, newest);
    }

    /**
     * Corrects what was counted in {@code slot} by {@code delta} tokens (the usage minus the
     * estimate); nothing once that slot has left the window.
     */
    public void correct(long nowMillis, long slot, long delta) {
        advance(slot(nowMillis));
        if (slot > newest || slot < newest - SLOTS) {
            return;
        }
        int i = index(slot);
        long corrected = Math.max(0, counts[i] + delta);
        sum += corrected - counts[i];
        counts[i] = corrected;
    }

    /** Tokens counted in the window now. */
    public long used(long nowMillis) {
        advance(slot(nowMillis));
        return sum;
    }

    /** The limit per window. */
    public long limit() {
        return limit;
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
