package dev.detour.core.spend;

/**
 * A key's spend over a rolling period ({@code budget.period}), on the wall clock so it means the
 * same after a restart. Kept as {@value #SLOTS} slots of {@code period / }{@value #SLOTS} plus the
 * current one; a slot's spend counts until all of it has left the period, so the total covers a
 * little more than the period (one slot: 1 h of a 30-day budget) and never less. Memory is fixed
 * per key; an update is O(1) amortised.
 *
 * <p>Not thread-safe: the gateway calls it from its one event loop.
 */
public final class SpendWindow {
    /** Slots per period. */
    static final int SLOTS = 720;

    private final long slotMillis;
    private final double[] amounts = new double[SLOTS + 1];
    private double total;
    /** The slot number ({@code epochMillis / slotMillis}) of the newest slot, or -1. */
    private long newest = -1;

    /** @param periodMillis the rolling period, at least {@value #SLOTS} ms */
    public SpendWindow(long periodMillis) {
        if (periodMillis < SLOTS) {
            throw new IllegalArgumentException("period must be at least " + SLOTS + " ms, was " + periodMillis);
        }
        this.slotMillis = periodMillis / SLOTS;
    }

    /** Adds {@code usd} spent at {@code epochMillis}. */
    public void add(long epochMillis, double usd) {
        long slot = Math.floorDiv(epochMillis, slotMillis);
        advance(slot);
        if (usd <= 0) {
            return;
        }
        // A clock that stepped back adds to the newest slot: spend is never lost.
        amounts[index(Math.max(slot, newest))] += usd;
        total += usd;
    }

    /** The spend within the period at {@code epochMillis}. */
    public double total(long epochMillis) {
        advance(Math.floorDiv(epochMillis, slotMillis));
        return Math.max(0, total);
    }

    /**
     * Milliseconds from {@code epochMillis} until the spend in the period is below {@code limit}
     * (0 when it already is): when the oldest spend has left the period.
     */
    public long millisUntilBelow(long epochMillis, double limit) {
        long slot = Math.floorDiv(epochMillis, slotMillis);
        advance(slot);
        double left = total;
        if (left < limit) {
            return 0;
        }
        for (long s = slot - SLOTS; s <= slot; s++) {
            left -= amounts[index(s)];
            if (left < limit) {
                return Math.max(1, (s + SLOTS + 1) * slotMillis - epochMillis);
            }
        }
        return (SLOTS + 1) * slotMillis;
    }

    /**
     * A copy of the spend at {@code epochMillis}, to be {@link Snapshot#encode encoded} elsewhere:
     * an array copy, so the event loop hands a key's spend to the store's worker without formatting it.
     */
    public Snapshot snapshot(long epochMillis) {
        advance(Math.floorDiv(epochMillis, slotMillis));
        return new Snapshot(slotMillis, newest, amounts.clone());
    }

    /** The spend as text for the store (see {@link Snapshot#encode}). */
    public String encode(long epochMillis) {
        return snapshot(epochMillis).encode();
    }

    /** A window's spend at one moment. */
    public record Snapshot(long slotMillis, long newest, double[] amounts) {
        /**
         * The spend as text: the slot length, then each non-empty slot as {@code slot=usd} (slot
         * numbers are absolute, so they keep their meaning across a restart).
         */
        public String encode() {
            StringBuilder sb = new StringBuilder(32).append(slotMillis);
            if (newest >= 0) {
                for (long s = newest - SLOTS; s <= newest; s++) {
                    double a = amounts[index(s)];
                    if (a > 0) {
                        sb.append(' ').append(s).append('=').append(a);
                    }
                }
            }
            return sb.toString();
        }
    }

    /**
     * Adds spend read back by {@link #encode}; spend already out of the period is dropped. Text
     * from a period of another length is mapped by each slot's start time. Text that does not
     * parse is ignored and reported as false.
     */
    public boolean decode(String text, long epochMillis) {
        String[] parts = text.trim().split(" ");
        try {
            long stored = Long.parseLong(parts[0]);
            if (stored <= 0) {
                return false;
            }
            long now = Math.floorDiv(epochMillis, slotMillis);
            advance(now);
            for (int i = 1; i < parts.length; i++) {
                int eq = parts[i].indexOf('=');
                long slot = Math.floorDiv(Long.parseLong(parts[i].substring(0, eq)) * stored, slotMillis);
                double usd = Double.parseDouble(parts[i].substring(eq + 1));
                if (slot >= now - SLOTS && slot <= now && usd > 0 && Double.isFinite(usd)) {
                    amounts[index(slot)] += usd;
                    total += usd;
                }
            }
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void advance(long slot) {
        if (newest < 0) {
            newest = slot;
            return;
        }
        if (slot <= newest) {
            return;
        }
        long steps = Math.min(slot - newest, SLOTS + 1);
        for (long s = newest + 1; s < newest + 1 + steps; s++) {
            int i = index(s);
            total -= amounts[i];
            amounts[i] = 0;
        }
        if (steps == SLOTS + 1) {
            total = 0;   // everything left: no rounding residue either
        }
        newest = slot;
    }

    private static int index(long slot) {
        return (int) Math.floorMod(slot, (long) SLOTS + 1);
    }
}
