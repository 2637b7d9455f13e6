package dev.detour.plugin.detectors;

/** Validation helpers for options records: each failure names the field and the bad value. */
final class Checks {

    private Checks() {
    }

    static int atLeast(String field, Integer value, int defaultValue, int min) {
        int v = value == null ? defaultValue : value;
        if (v < min) {
            throw new IllegalArgumentException(field + " must be at least " + min + ", was " + v);
        }
        return v;
    }

    static double positive(String field, Double value, double defaultValue) {
        double v = value == null ? defaultValue : value;
        if (!(v > 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(field + " must be a positive number, was " + v);
        }
        return v;
    }

    static double within(String field, Double value, double defaultValue, double min, double max) {
        double v = value == null ? defaultValue : value;
        if (Double.isNaN(v) || v < min || v > max) {
            throw new IllegalArgumentException(field + " must be within " + min + ".." + max + ", was " + v);
        }
        return v;
    }

    static void ordered(String lowField, double low, String highField, double high) {
        if (!(high > low)) {
            throw new IllegalArgumentException(highField + " must be greater than " + lowField + " (" + low
                    + "), was " + high);
        }
    }
}
