package dev.detour.wire.openai;

import dev.detour.wire.http.Bytes;

/**
 * Where some top-level fields of a JSON object sit in its UTF-8 bytes: one pass over the bytes
 * that skips every value it is not asked about, for rewriting a body by splicing instead of
 * parsing and writing it again. Meant for bytes a JSON parser has already accepted; anything
 * unexpected (not an object, a name with escapes, a duplicate of a wanted name, trailing content)
 * gives null, and the caller falls back to writing the JSON.
 */
final class TopLevelFields {
    /** For each wanted name: the value's start (inclusive) and end (exclusive), or -1 when absent. */
    final int[] start;
    final int[] end;
    /** The offset just after the object's opening brace. */
    final int bodyStart;

    private TopLevelFields(int names, int bodyStart) {
        this.start = new int[names];
        this.end = new int[names];
        java.util.Arrays.fill(start, -1);
        this.bodyStart = bodyStart;
    }

    /** Finds the values of {@code names} (ASCII) at the top level of the object in {@code b}, or null. */
    static TopLevelFields scan(byte[] b, String[] names) {
        int i = ws(b, 0);
        if (i >= b.length || b[i] != '{') {
            return null;
        }
        TopLevelFields out = new TopLevelFields(names.length, i + 1);
        i = ws(b, i + 1);
        if (i < b.length && b[i] == '}') {
            return ws(b, i + 1) == b.length ? out : null;
        }
        while (i < b.length) {
            if (b[i] != '"') {
                return null;
            }
            int nameStart = i + 1;
            int nameEnd = stringEnd(b, i);
            if (nameEnd < 0) {
                return null;
            }
            int which = -1;
            for (int n = 0; n < names.length; n++) {
                if (Bytes.is(b, nameStart, nameEnd - 1, names[n])) {
                    which = n;
                    break;
                }
            }
            if (which < 0 && hasEscape(b, nameStart, nameEnd - 1)) {
                return null;   // "mod\u0065l" is "model" too: not worth decoding here
            }
            i = ws(b, nameEnd);
            if (i >= b.length || b[i] != ':') {
                return null;
            }
            int valueStart = ws(b, i + 1);
            int valueEnd = valueEnd(b, valueStart);
            if (valueEnd < 0) {
                return null;
            }
            if (which >= 0) {
                if (out.start[which] >= 0) {
                    return null;   // duplicate name: which one a parser keeps is its own choice
                }
                out.start[which] = valueStart;
                out.end[which] = valueEnd;
            }
            i = ws(b, valueEnd);
            if (i >= b.length) {
                return null;
            }
            if (b[i] == '}') {
                return ws(b, i + 1) == b.length ? out : null;
            }
            if (b[i] != ',') {
                return null;
            }
            i = ws(b, i + 1);
        }
        return null;
    }

    private static int ws(byte[] b, int i) {
        while (i < b.length && (b[i] == ' ' || b[i] == '\n' || b[i] == '\r' || b[i] == '\t')) {
            i++;
        }
        return i;
    }

    /** The offset after the closing quote of the string opening at {@code i}, or -1. */
    private static int stringEnd(byte[] b, int i) {
        for (int j = i + 1; j < b.length; j++) {
            if (b[j] == '\\') {
                j++;
            } else if (b[j] == '"') {
                return j + 1;
            }
        }
        return -1;
    }

    /** The offset after the value starting at {@code i}, or -1. */
    private static int valueEnd(byte[] b, int i) {
        if (i >= b.length) {
            return -1;
        }
        byte c = b[i];
        if (c == '"') {
            return stringEnd(b, i);
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            for (int j = i; j < b.length; j++) {
                byte x = b[j];
                if (x == '"') {
                    j = stringEnd(b, j) - 1;
                    if (j < 0) {
                        return -1;
                    }
                } else if (x == '{' || x == '[') {
                    depth++;
                } else if (x == '}' || x == ']') {
                    if (--depth == 0) {
                        return j + 1;
                    }
                }
            }
            return -1;
        }
        int j = i;
        while (j < b.length && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n'
                && b[j] != '\r' && b[j] != '\t') {
            j++;
        }
        return j > i ? j : -1;
    }

    private static boolean hasEscape(byte[] b, int from, int to) {
        for (int k = from; k < to; k++) {
            if (b[k] == '\\') {
                return true;
            }
        }
        return false;
    }
}
