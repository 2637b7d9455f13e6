package dev.detour.plugin.detectors;

import java.util.Locale;

/** Parses the duration strings used in options ({@code 500ms}, {@code 20s}, {@code 5m}, {@code 1h}). */
final class Durations {

    private Durations() {
    }

    /**
     * @param field the option's snake_case name, for the error message
     * @param value the text, e.g. {@code 20s}
     * @return the duration in nanoseconds, at least 1
     * @throws IllegalArgumentException naming the field and the value when it is not a positive duration
     */
    static long parseNanos(String field, String value) {
        String v = value.trim().toLowerCase(Locale.ROOT);
        long unit;
        String number;
        if (v.endsWith("ms")) {
            unit = 1_000_000L;
            number = v.substring(0, v.length() - 2);
        } else if (v.endsWith("s")) {
            unit = 1_000_000_000L;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("m")) {
            unit = 60_000_000_000L;
            number = v.substring(0, v.length() - 1);
        } else if (v.endsWith("h")) {
            unit = 3_600_000_000_000L;
            number = v.substring(0, v.length() - 1);
        } else {
            throw new IllegalArgumentException(field + " must be a duration like 500ms, 20s, 5m or 1h, was '" + value + "'");
        }
        double amount;
        try {
            amount = Double.parseDouble(number.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " must be a duration like 500ms, 20s, 5m or 1h, was '" + value + "'");
        }
        if (!(amount > 0) || Double.isInfinite(amount) || amount * unit > Long.MAX_VALUE / 2.0) {
            throw new IllegalArgumentException(field + " must be a positive duration, was '" + value + "'");
        }
        return Math.max(1L, Math.round(amount * unit));
    }
}
