package dev.detour.plugin.detectors;

import java.util.ArrayDeque;

/**
 * The last observations of one target, bounded both by count and by age on the observations' own
 * time axis ({@code atNanos}): an entry leaves when more than {@code maxCount} newer ones exist or
 * when it is more than {@code maxAgeNanos} older than the newest. Each entry carries a weight
 * (e.g. 0 for a success, 1 for a failure) and a bit set of flags. Not thread-safe.
 */
final class EventWindow {

    private record Entry(long atNanos, double weight, int flags) {
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
                || (!entries.isEmpty() && nowNanos - entries.peekFirst().atNanos() > maxAgeNanos)) {
            weightSum -= entries.removeFirst().weight();
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

    /** How many entries carry any of the flags in {@code mask}. */
    int countFlags(int mask) {
        int n = 0;
        for (Entry e : entries) {
            if ((e.flags() & mask) != 0) {
                n++;
            }
        }
        return n;
    }
}
