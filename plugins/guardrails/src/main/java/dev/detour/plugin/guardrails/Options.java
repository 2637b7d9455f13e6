package dev.detour.plugin.guardrails;

import java.util.List;
import java.util.Locale;

/** Validation shared by the options records; every message names the option and never a secret. */
final class Options {
    private Options() {
    }

    /** {@code value} lower-cased when it is one of {@code allowed}, {@code fallback} when null. */
    static String oneOf(String name, String value, String fallback, String... allowed) {
        if (value == null) {
            return fallback;
        }
        String v = value.trim().toLowerCase(Locale.ROOT);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw new IllegalArgumentException(name + " must be one of " + String.join(", ", allowed) + ", was '"
                + value + "'");
    }

    /** A copy of {@code list} without nulls or blanks, or {@code fallback} when it is null. */
    static List<String> strings(String name, List<String> list, List<String> fallback) {
        if (list == null) {
            return fallback;
        }
        for (int i = 0; i < list.size(); i++) {
            if (list.get(i) == null || list.get(i).isBlank()) {
                throw new IllegalArgumentException(name + "[" + i + "] must not be empty");
            }
        }
        return List.copyOf(list);
    }

    /** {@code value} when at least {@code min}, {@code fallback} when null. */
    static int atLeast(String name, Integer value, int fallback, int min) {
        if (value == null) {
            return fallback;
        }
        if (value < min) {
            throw new IllegalArgumentException(name + " must be at least " + min + ", was " + value);
        }
        return value;
    }
}
