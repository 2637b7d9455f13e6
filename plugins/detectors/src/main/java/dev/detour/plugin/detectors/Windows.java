package dev.detour.plugin.detectors;

import java.util.Arrays;

/** Small numeric helpers for the detectors' windows. */
final class Windows {

    private Windows() {
    }

    /** The median of the values; sorts the given array in place. NaN when empty. */
    static double median(double[] values) {
        int n = values.length;
        if (n == 0) {
            return Double.NaN;
        }
        Arrays.sort(values);
        return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    }

    /** A fixed-size ring of the last values, with their median. Not thread-safe. */
    static final class Ring {
        private final double[] values;
        private int count;

        Ring(int size) {
            values = new double[size];
        }

        void add(double v) {
            values[count++ % values.length] = v;
            if (count >= 2 * values.length) {
                // Keep the counter bounded while preserving the write position.
                count -= values.length;
            }
        }

        int size() {
            return Math.min(count, values.length);
        }

        double median() {
            return Windows.median(Arrays.copyOf(values, size()));
        }
    }
}
