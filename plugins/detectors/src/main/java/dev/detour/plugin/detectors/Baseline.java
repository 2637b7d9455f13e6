package dev.detour.plugin.detectors;

import java.util.Arrays;

/**
 * A robust, online baseline of a positive quantity (a latency per token, a throughput, a length).
 *
 * <p>It starts neutral: the first {@code minSamples} values are only collected, and their median
 * becomes the baseline. After that it follows the quantity slowly with an exponentially weighted
 * mean in log space whose innovations are clipped to ±{@value #CLIP} (a factor of about 1.28), so
 * one outlier, however large, moves it by at most {@code rate × 25%}. Callers feed it only values
 * seen while the target looked healthy ({@link #learn}), which freezes the baseline during a
 * degradation instead of letting it drift towards the bad values. Not thread-safe.
 */
final class Baseline {

    /** Largest log-space step one sample may contribute, before weighting. */
    static final double CLIP = 0.25;

    private final double rate;
    private final double[] initial;
    private int collected;
    private double log = Double.NaN;

    /**
     * @param minSamples values collected before the baseline exists (at least 1)
     * @param rate       weight of a new value once it exists (0..1)
     */
    Baseline(int minSamples, double rate) {
        this.initial = new double[minSamples];
        this.rate = rate;
    }

    /** Whether the baseline has been learned (enough samples seen). */
    boolean ready() {
        return !Double.isNaN(log);
    }

    /** The baseline; only meaningful when {@link #ready()}. */
    double value() {
        return Math.exp(log);
    }

    /** Feeds a positive, finite value; others are ignored. */
    void learn(double x) {
        if (!(x > 0) || Double.isInfinite(x)) {
            return;
        }
        if (!ready()) {
            initial[collected++] = x;
            if (collected == initial.length) {
                log = Math.log(Windows.median(Arrays.copyOf(initial, collected)));
            }
            return;
        }
        double d = Math.log(x) - log;
        log += rate * Math.max(-CLIP, Math.min(CLIP, d));
    }
}
