package dev.detour.core.config;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses the config's durations ({@code 50us}, {@code 250ms}, {@code 2s}, {@code 5m}, {@code 1h},
 * {@code 30d}) and sizes ({@code 64KB}).
 */
public final class Units {
    private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*(us|µs|ms|s|m|h|d)");
    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(B|KB|MB|GB|KiB|MiB|GiB)?", Pattern.CASE_INSENSITIVE);

    private Units() {
    }

    /** A duration with a unit; throws IllegalArgumentException with a readable message. */
    public static Duration duration(String text) {
        Matcher m = DURATION.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration (use a unit: 250ms, 2s, 5m, 1h, 30d)");
        }
        double v = Double.parseDouble(m.group(1));
        if (m.group(2).endsWith("us") || m.group(2).equals("µs")) {
            return Duration.ofNanos((long) (v * 1000));
        }
        long ms = switch (m.group(2)) {
            case "ms" -> (long) v;
            case "s" -> (long) (v * 1000);
            case "m" -> (long) (v * 60_000);
            case "h" -> (long) (v * 3_600_000);
            default -> (long) (v * 86_400_000);
        };
        return Duration.ofMillis(ms);
    }

    /** A size in bytes ({@code 10MB}; a bare number is bytes). */
    public static long size(String text) {
        Matcher m = SIZE.matcher(text.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("'" + text + "' is not a size (e.g. 64KB, 10MB)");
        }
        long v = Long.parseLong(m.group(1));
        String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
        return switch (unit) {
            case "KB", "KIB" -> v * 1024;
            case "MB", "MIB" -> v * 1024 * 1024;
            case "GB", "GIB" -> v * 1024 * 1024 * 1024;
            default -> v;
        };
    }

    /** Formats a duration the way the config writes it. */
    public static String format(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long s = ms / 1000;
        return s % 60 == 0 && s > 0 ? (s / 60) + "m" : s + "s";
    }
}
