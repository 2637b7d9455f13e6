package dev.detour.core.quota;

/**
 * A sliding one-minute sum (requests, or tokens) kept in one-second slots plus the current one. A
 * slot counts until all of it has left the minute, so the sum covers a little more than a minute
 * and never less: a limit checked against it holds over every minute, across slot boundaries (a
 * fixed window lets through twice the limit around its boundary), at the price of refusing up to
 * a second early. An amount added as an estimate is corrected in its own slot ({@link #adjust}).
 * Fixed memory, O(1) amortised.
 *
 * <p>Not thread-safe: the gateway's event loop only.
 */
final class Window {
    /** One-second slots per minute. */
    static final int SLOTS = 60;
    static final long SLOT_MS = 1000;

    private final long[] amounts = new long[SLOTS + 1];
    private long sum;
    /** The slot number ({@code millis / SLOT_MS}) of the newest slot written, or -1. */
    private long newest = -1;

    /** Adds {@code amount} at {@code nowMs}; returns the slot it went into, for {@link #adjust}. */
    long add(long amount, long nowMs) {
        long slot = advance(nowMs);
        amounts[index(slot)] += amount;
        sum += amount;
        return slot;
    }

    /**
     * Corrects an amount added to {@code slot} by {@code delta} (an estimate that turned out too
     * high or too low), in that slot, so the correction leaves the minute with what it corrects;
     * nothing once that slot has left. A slot never goes below zero.
     */
    void adjust(long slot, long delta, long nowMs) {
        long current = advance(nowMs);
        if (slot > current || slot < current - SLOTS) {
            return;
        }
        int i = index(slot);
        long d = Math.max(-amounts[i], delta);
        amounts[i] += d;
        sum += d;
    }

    /** The sum over the last minute at {@code nowMs}. */
    long sum(long nowMs) {
        advance(nowMs);
        return sum;
    }

    /**
     * Milliseconds from {@code nowMs} until the sum has fallen to at most {@code target}, as the
     * oldest slots leave the minute: 0 when it already has.
     */
    long msUntil(long target, long nowMs) {
        long slot = advance(nowMs);
        if (sum <= target) {
            return 0;
        }
        long left = sum;
        for (long s = slot - SLOTS; s <= slot; s++) {
            left -= amounts[index(s)];
            if (left <= target) {
                return Math.max(1, (s + SLOTS + 1) * SLOT_MS - nowMs);
            }
        }
        return (SLOTS + 1) * SLOT_MS;
    }

    private long advance(long nowMs) {
        long slot = Math.floorDiv(nowMs, SLOT_MS);
        if (newest < 0) {
            newest = slot;
            return slot;
        }
        if (slot <= newest) {
            return newest;   // same slot, or a clock that stepped back: keep counting where we are
        }
        long steps = Math.min(slot - newest, SLOTS + 1);
        for (long s = newest + 1; s < newest + 1 + steps; s++) {
            int i = index(s);
            sum -= amounts[i];
            amounts[i] = 0;
        }
        newest = slot;
        return slot;
    }

    private static int index(long slot) {
        return (int) Math.floorMod(slot, (long) SLOTS + 1);
    }
}
