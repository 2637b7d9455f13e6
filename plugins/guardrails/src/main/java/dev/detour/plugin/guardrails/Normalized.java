package dev.detour.plugin.guardrails;

import java.text.Normalizer;

/**
 * A text as the detectors see it: NFKC per code point (full-width digits and letters become ASCII),
 * every Unicode decimal digit as its ASCII digit, dash punctuation as '-', and invisible characters
 * (zero-width spaces and joiners, soft hyphens, bidi controls, variation selectors) removed, with the
 * map from each of its positions back to the original text, so a match is replaced where it was
 * written. A text that is all ASCII is its own normalisation and costs one pass.
 *
 * <p>Limits: code points are normalised one by one, so a base letter and a separate combining mark
 * stay apart; look-alike letters of other scripts (Cyrillic 'а' for Latin 'a') are not folded.
 */
final class Normalized {

    /** The normalised text. */
    final String text;
    private final String original;
    /** For each position of {@link #text}, the original position it came from; null when the same. */
    private final int[] toOriginal;

    private Normalized(String text, String original, int[] toOriginal) {
        this.text = text;
        this.original = original;
        this.toOriginal = toOriginal;
    }

    static Normalized of(String s) {
        int n = s.length();
        int ascii = 0;
        while (ascii < n && s.charAt(ascii) < 0x80) {
            ascii++;
        }
        if (ascii == n) {
            return new Normalized(s, s, null);
        }
        StringBuilder sb = new StringBuilder(n);
        int[] map = new int[n + 16];
        sb.append(s, 0, ascii);
        for (int k = 0; k < ascii; k++) {
            map[k] = k;
        }
        int i = ascii;
        while (i < n) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            if (cp < 0x80) {
                map = put(map, sb.length(), i);
                sb.append((char) cp);
            } else if (!invisible(cp)) {
                String nf = fold(cp, s, i, len);
                for (int k = 0; k < nf.length(); k++) {
                    map = put(map, sb.length(), i);
                    sb.append(nf.charAt(k));
                }
            }
            i += len;
        }
        map = put(map, sb.length(), n);
        return new Normalized(sb.toString(), s, map);
    }

    private static int[] put(int[] map, int at, int value) {
        if (at >= map.length) {
            map = java.util.Arrays.copyOf(map, map.length * 2);
        }
        map[at] = value;
        return map;
    }

    private static String fold(int cp, String s, int i, int len) {
        int type = Character.getType(cp);
        if (type == Character.DECIMAL_DIGIT_NUMBER) {
            return String.valueOf((char) ('0' + Character.digit(cp, 10)));
        }
        if (type == Character.DASH_PUNCTUATION) {
            return "-";
        }
        String one = s.substring(i, i + len);
        String nf = Normalizer.normalize(one, Normalizer.Form.NFKC);
        if (nf.length() == 1 && Character.getType(nf.charAt(0)) == Character.DECIMAL_DIGIT_NUMBER) {
            return String.valueOf((char) ('0' + Character.digit(nf.charAt(0), 10)));
        }
        if (nf.length() == 1 && Character.getType(nf.charAt(0)) == Character.DASH_PUNCTUATION) {
            return "-";
        }
        return nf;
    }

    /** Characters that render as nothing and would split a value without showing. */
    static boolean invisible(int cp) {
        int type = Character.getType(cp);
        if (type == Character.FORMAT) {
            return true; // zero-width space/joiners, soft hyphen, bidi controls, BOM, tags
        }
        return (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0xE0100 && cp <= 0xE01EF) // variation selectors
                || cp == 0x034F || cp == 0x115F || cp == 0x1160 || cp == 0x3164 || cp == 0xFFA0
                || cp == 0x180B || cp == 0x180C || cp == 0x180D || cp == 0x180E;
    }

    /** Whether the normalised text is the original itself. */
    boolean identity() {
        return toOriginal == null;
    }

    /** The original position of the normalised position {@code start}, where a match begins. */
    int originalStart(int start) {
        return toOriginal == null ? start : toOriginal[start];
    }

    /** The original position just past the normalised end {@code end} (exclusive) of a match. */
    int originalEnd(int end) {
        if (toOriginal == null || end == 0) {
            return end;
        }
        int last = toOriginal[end - 1];
        return last + Character.charCount(original.codePointAt(last));
    }
}
