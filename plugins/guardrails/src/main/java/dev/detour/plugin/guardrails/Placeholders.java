package dev.detour.plugin.guardrails;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The placeholders of one request: the same value gets the same numbered placeholder in every
 * message ({@code [EMAIL_1]}, {@code [EMAIL_2]}, ...), and a placeholder issued for the request can
 * be mapped back to the value as the client wrote it. Lives only as long as the request's check.
 */
final class Placeholders {

    /** The longest placeholder: {@code [IP_ADDRESS_999999]} and a margin. */
    static final int MAX_LENGTH = 24;
    private static final int MAX_NUMBER = 999_999;

    private final Map<String, String> byValue = new HashMap<>();
    private final Map<String, String> originals = new HashMap<>();
    private final Map<String, Integer> counters = new HashMap<>();

    /**
     * The placeholder of {@code key} (what identifies the value: normalised, without separators) of
     * kind {@code label}.
     *
     * @param original   the value as written, to restore
     * @param restorable whether an answer's placeholder may be mapped back to it (only values the
     *                   client sent; values an answer made up stay redacted)
     */
    String placeholder(String label, String key, String original, boolean restorable) {
        String k = label + '\u0000' + key;
        String p = byValue.get(k);
        if (p == null) {
            int n = counters.merge(label, 1, Integer::sum);
            p = "[" + label + "_" + Math.min(n, MAX_NUMBER) + "]";
            byValue.put(k, p);
            if (restorable) {
                originals.put(p, original);
            }
        }
        return p;
    }

    /** The original of a restorable placeholder, or null. */
    String original(String placeholder) {
        return originals.get(placeholder);
    }

    /** Whether {@code key} of kind {@code label} is a value the client sent (so an answer may carry it). */
    boolean clientValue(String label, String key) {
        String p = byValue.get(label + '\u0000' + key);
        return p != null && originals.containsKey(p);
    }

    /** Whether no placeholder was issued. */
    boolean isEmpty() {
        return byValue.isEmpty();
    }

    /** Finds this request's placeholders in a text, as {@link Match#RESTORE} matches keyed by the placeholder. */
    static void findPlaceholders(String s, List<Match> out) {
        for (int i = s.indexOf('['); i >= 0; i = s.indexOf('[', i + 1)) {
            int j = i + 1;
            int limit = Math.min(s.length(), i + MAX_LENGTH);
            while (j < limit && ((s.charAt(j) >= 'A' && s.charAt(j) <= 'Z') || s.charAt(j) == '_')) {
                j++;
            }
            if (j == i + 1 || s.charAt(j - 1) != '_') {
                continue;
            }
            int d = j;
            while (j < limit && s.charAt(j) >= '0' && s.charAt(j) <= '9') {
                j++;
            }
            if (j == d || j >= limit || s.charAt(j) != ']') {
                continue;
            }
            out.add(new Match(i, j + 1, Match.RESTORE, null, Match.Run.NONE, s.substring(i, j + 1)));
        }
    }
}
