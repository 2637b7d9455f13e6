package dev.detour.plugin.detectors;

import java.util.ArrayDeque;

/**
 * The last observations of one target, bounded both by count and by age on the observations' own
 * time axis ({@code atNanos}): an entry leaves when more than {@code maxCount} newer ones exist or
 * when it is more than {@code maxAgeNanos} older than the newest. Each entry carries a weight
 * (e.g. 0 for a success, 1 for a failure) and a bit set of flags. Not thread-safe.
 */
final class EventWindow {

    private static final class Entry {
        final long atNanos;
        double weight;
        int flags;

        Entry(long atNanos, double weight, int flags) {
            this.atNanos = atNanos;
            this.weight = weight;
            this.flags = flags;
        }
    }

    private final int maxCount;
    private final long maxAgeNanos;
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private double weightSum;

    EventWindow(int maxCount, long maxAgeNanos) {
        this.maxCount = maxCount;
        this.maxAgeNanos = maxAgeNanos;
    }

    /** Adds an entry observed at {@code atNanos} and evicts what falls out of the window. */
    void add(long atNanos, double weight, int flags) {
        entries.addLast(new Entry(atNanos, weight, flags));
        weightSum += weight;
        evict(atNanos);
    }

    private void evict(long nowNanos) {
        while (entries.size() > maxCount
                || (!entries.isEmpty() && nowNanos - entries.peekFirst().atNanos > maxAgeNanos)) {
            weightSum -= entries.removeFirst().weight;
        }
        if (entries.isEmpty()) {
            // Drops accumulated floating-point error.
            weightSum = 0;
        }
    }

    int size() {
        return entries.size();
    }

    double weightSum() {
        return Math.max(0, weightSum);
    }

    /**
     * Marks the newest {@code n} entries with {@code flag} (they must be the last ones added).
     */
    void markNewest(int n, int flag) {
        java.util.Iterator<Entry> it = entries.descendingIterator();
        for (int i = 0; i < n && it.hasNext(); i++) {
            it.next().flags |= flag;
        }
    }

    /**
     * Multiplies the weight of every entry carrying {@code flag} by {@code factor} (0..1); an
     * entry whose weight falls below {@code 1e-3} loses the flag and its weight, so a faded
     * episode stops costing work. Returns whether any entry still carries the flag.
     */
    boolean scale(int flag, double factor) {
        boolean any = false;
        for (Entry e : entries) {
            if ((e.flags & flag) != 0) {
                double w = e.weight * factor;
                if (w < 1e-3) {
                    w = 0;
                    e.flags &= ~flag;
                } else {
                    any = true;
                }
                weightSum += w - e.weight;
                e.weight = w;
            }
        }
        return any;
    }

    /** The summed weight of the entries carrying {@code flag}. */
    double weightOf(int flag) {
        double sum = 0;
        for (Entry e : entries) {
            if ((e.flags & flag) != 0) {
                sum += e.weight;
            }
        }
        return sum;
    }

    /** How many entries carry any of the flags in {@code mask}. */
    int countFlags(int mask) {
        int n = 0;
        for (Entry e : entries) {
            if ((e.flags & mask) != 0) {
                n++;
            }
        }
        return n;
    }
}
