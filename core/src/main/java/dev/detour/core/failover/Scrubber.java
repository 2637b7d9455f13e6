package dev.detour.core.failover;

import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.buffer.BufferInternal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Removes every configured secret (provider keys and other credentials) from what Detour sends
 * back to a client or writes to a log, whatever field of an answer an upstream echoed it in.
 *
 * <p>The byte filter ({@link #scrub(byte[])}, {@link #scrub(Buffer)}) is applied to every response
 * body and stream write as it leaves. It finds a secret in UTF-8 bytes as it is and JSON-escaped:
 * any of its characters may be written <code>&#92;uXXXX</code> (hex in either case; a character outside the
 * BMP as its surrogate pair), a {@code /} as {@code \/}, and a character with a short escape
 * ({@code \" \\ \b \f \n \r \t}) as that escape. A run of backslashes before an escape is taken as
 * the same escape at a deeper level of JSON in JSON (tool-call arguments are JSON inside a JSON
 * string), so <code>&#92;&#92;u0073</code> counts as {@code s} too. The whole matched span is replaced with
 * {@link #MASK}; overlapping or adjacent matches, of one secret or several (one containing another
 * included), become one mask. A match that begins inside an escape (a key made of hex digits right
 * after <code>&#92;u00</code>) is widened to the escape's start, so the output stays valid JSON.
 *
 * <p>The common case, no secret present, costs one pass over the bytes with a two-byte filter and
 * returns the very same array or buffer: nothing is copied or allocated.
 *
 * <p>Secrets shorter than {@link #MIN_LENGTH} characters are ignored: real credentials are far
 * longer, and masking a short placeholder key ({@code ollama}, {@code EMPTY}) would corrupt ordinary
 * answers. Immutable and thread-safe.
 */
public final class Scrubber {
    /** What a secret is replaced with; valid inside a JSON string and out of one. */
    public static final String MASK = "[REDACTED]";
    /** The shortest value treated as a secret, in characters. */
    public static final int MIN_LENGTH = 8;

    private static final byte[] MASK_BYTES = MASK.getBytes(StandardCharsets.US_ASCII);
    private static final int[] NONE = new int[0];

    /** Longest first. */
    private final String[] secrets;
    /** Each secret's code points. */
    private final int[][] points;
    /** Each secret's UTF-8 bytes, and where each code point's bytes start (one more entry: the end). */
    private final byte[][] utf8;
    private final int[][] offsets;
    /** The secrets whose literal form starts with a byte; for {@code \} every secret. */
    private final int[][] byFirstByte = new int[256][];
    /** The first UTF-16 unit of each secret, which an escape at a match's start must stand for. */
    private final char[] firstUnits;
    /** Non-zero where two bytes can begin a match (see {@link #candidates}). */
    private final byte[] pairs = new byte[1 << 16];
    /** Whether some secret begins with a backslash (which then needs no escape to begin a match). */
    private final boolean backslashFirst;
    /** The fewest bytes a match can take (the shortest secret, unescaped). */
    private final int minBytes;
    /** The longest secret, in UTF-16 units. */
    private final int maxChars;

    /**
     * @param secrets the values to remove; null ones, and ones shorter than {@link #MIN_LENGTH},
     *                are ignored
     */
    public Scrubber(Set<String> secrets) {
        List<String> s = secrets.stream().filter(x -> x != null && x.length() >= MIN_LENGTH)
                .sorted(Comparator.comparingInt(String::length).reversed().thenComparing(Comparator.naturalOrder()))
                .toList();
        int n = s.size();
        this.secrets = s.toArray(new String[0]);
        this.points = new int[n][];
        this.utf8 = new byte[n][];
        this.offsets = new int[n][];
        this.firstUnits = new char[n];
        Arrays.fill(byFirstByte, NONE);
        int min = Integer.MAX_VALUE;
        int max = 0;
        List<List<Integer>> byFirst = new ArrayList<>(256);
        for (int b = 0; b < 256; b++) {
            byFirst.add(new ArrayList<>(1));
        }
        for (int i = 0; i < n; i++) {
            String secret = this.secrets[i];
            points[i] = secret.codePoints().toArray();
            utf8[i] = secret.getBytes(StandardCharsets.UTF_8);
            offsets[i] = new int[points[i].length + 1];
            for (int u = 0, off = 0; u < points[i].length; u++) {
                offsets[i][u] = off;
                off += new String(Character.toChars(points[i][u])).getBytes(StandardCharsets.UTF_8).length;
                offsets[i][u + 1] = off;
            }
            firstUnits[i] = secret.charAt(0);
            min = Math.min(min, utf8[i].length);
            max = Math.max(max, secret.length());
            byte[] b = utf8[i];
            int b0 = b[0] & 0xff;
            byFirst.get(b0).add(i);
            byFirst.get('\\').add(i);
            // The first two bytes of each way a match can begin: literal (the second byte being the
            // next character's, or the backslash of its escape), or an escape of the first character.
            pair(b0, b[1] & 0xff);
            if (offsets[i][1] == 1) {
                pair(b0, '\\');
            }
            pair('\\', 'u');
            pair('\\', '\\');
            int first = points[i][0];
            for (char letter : "bfnrt/\"".toCharArray()) {
                if (shortEscape(letter) == first) {
                    pair('\\', letter);
                }
            }
            if (first == '\\') {
                pair('\\', b[1] & 0xff);
            }
        }
        for (int b = 0; b < 256; b++) {
            if (!byFirst.get(b).isEmpty()) {
                byFirstByte[b] = byFirst.get(b).stream().mapToInt(Integer::intValue).toArray();
            }
        }
        this.backslashFirst = indexOf(firstUnits, '\\') >= 0;
        this.minBytes = n == 0 ? Integer.MAX_VALUE : min;
        this.maxChars = max;
    }

    private void pair(int first, int second) {
        pairs[(first << 8) | second] = 1;
    }

    /** Whether there are secrets to look for at all. */
    public boolean active() {
        return secrets.length > 0;
    }

    /** The longest secret's length in UTF-16 units (0 when there is none). */
    int maxLength() {
        return maxChars;
    }

    // ------------------------------------------------------------------ bytes

    /**
     * {@code bytes} (UTF-8, typically JSON or SSE) without any secret, in any encoding described
     * above. Returns the same array when nothing matched, else a new one.
     */
    public byte[] scrub(byte[] bytes) {
        if (bytes == null) {
            return null;
        }
        byte[] out = filter(bytes, 0, bytes.length);
        return out == null ? bytes : out;
    }

    /**
     * {@code buffer} without any secret. Returns the same buffer when nothing matched (its bytes are
     * read in place, not copied), else a new one.
     */
    public Buffer scrub(Buffer buffer) {
        if (buffer == null || buffer.length() < minBytes) {
            return buffer;
        }
        byte[] out;
        // Vert.x's buffers are heap Netty buffers: scan their array in place rather than copy it out.
        ByteBuf bb = buffer instanceof BufferInternal bi ? bi.getByteBuf() : null;
        if (bb != null && bb.hasArray()) {
            int from = bb.arrayOffset() + bb.readerIndex();
            out = filter(bb.array(), from, from + bb.readableBytes());
        } else {
            out = filter(buffer.getBytes(), 0, buffer.length());
        }
        return out == null ? buffer : Buffer.buffer(out);
    }

    /**
     * {@code text} (a log line, an error message) without any secret, as it is or JSON-escaped
     * within it; the same instance when nothing matched.
     */
    public String scrub(String text) {
        if (text == null || text.length() < MIN_LENGTH || secrets.length == 0) {
            return text;
        }
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        byte[] out = filter(b, 0, b.length);
        return out == null ? text : new String(out, StandardCharsets.UTF_8);
    }

    /**
     * {@code a[from, end)} with every match masked, or null when there is none. One pass: a byte
     * pair that can begin a match (rare in ordinary text) is checked against the secrets; every
     * match extends the current mask span, so overlapping matches merge.
     */
    private byte[] filter(byte[] a, int from, int end) {
        if (end - from < minBytes) {
            return null;
        }
        byte[] pairs = this.pairs;
        Out out = null;
        int spanStart = -1;
        int spanEnd = -1;
        int prev = a[from] & 0xff;
        // The last byte alone cannot begin a match: every secret is several bytes long.
        for (int i = from + 1; i < end; i++) {
            int cur = a[i] & 0xff;
            if (pairs[(prev << 8) | cur] != 0) {
                int c = i - 1;
                int e = matchAt(a, from, end, c);
                if (e >= 0) {
                    int s = prev == '\\' ? c : escapeStart(a, from, c);
                    if (spanEnd >= 0 && s <= spanEnd) {
                        spanEnd = Math.max(spanEnd, e);
                    } else {
                        if (out == null) {
                            out = new Out(end - from);
                            out.copied = from;
                        } else {
                            out.mask(a, spanStart, spanEnd);
                        }
                        spanStart = s;
                        spanEnd = e;
                    }
                }
            }
            prev = cur;
        }
        if (out == null) {
            return null;
        }
        out.mask(a, spanStart, spanEnd);
        out.append(a, out.copied, end);
        return out.bytes();
    }

    /** The end of the longest match that begins at {@code c}, or -1. */
    private int matchAt(byte[] a, int from, int end, int c) {
        int b = a[c] & 0xff;
        if (b == '\\') {
            if (c > from && a[c - 1] == '\\') {
                // Inside a run of backslashes: a match begins at the run's start or not at all.
                return -1;
            }
            long esc = escape(a, c, end);
            if (!backslashFirst && (esc < 0 || indexOf(firstUnits, (char) (esc >>> 32)) < 0)) {
                // An escape (a newline's, or one of another character) that begins no secret: the usual case.
                return -1;
            }
        }
        return matchAny(a, end, c, byFirstByte[b]);
    }

    private int matchAny(byte[] a, int end, int c, int[] candidates) {
        int best = -1;
        for (int s : candidates) {
            int e = matchEnd(a, c, end, s);
            if (e > best) {
                best = e;
            }
        }
        return best;
    }

    private static int indexOf(char[] units, char u) {
        for (int i = 0; i < units.length; i++) {
            if (units[i] == u) {
                return i;
            }
        }
        return -1;
    }

    /** Where secret {@code s} ends if it is written from {@code p} on, or -1. */
    private int matchEnd(byte[] a, int p, int end, int s) {
        int[] cps = points[s];
        for (int u = 0; u < cps.length; u++) {
            if (p >= end) {
                return -1;
            }
            p = unit(a, p, end, s, u);
            if (p < 0) {
                return -1;
            }
        }
        return p;
    }

    /** Where code point {@code u} of secret {@code s} ends if it is written at {@code p}, or -1. */
    private int unit(byte[] a, int p, int end, int s, int u) {
        int cp = points[s][u];
        if (cp != '\\') {
            byte[] lit = utf8[s];
            int lo = offsets[s][u];
            int n = offsets[s][u + 1] - lo;
            if (p + n <= end) {
                int k = 0;
                while (k < n && a[p + k] == lit[lo + k]) {
                    k++;
                }
                if (k == n) {
                    return p + n;
                }
            }
        }
        if (a[p] != '\\') {
            return -1;
        }
        if (cp >= Character.MIN_SUPPLEMENTARY_CODE_POINT) {
            int q = escaped(a, p, end, Character.highSurrogate(cp));
            return q < 0 || q >= end ? -1 : escaped(a, q, end, Character.lowSurrogate(cp));
        }
        int q = escaped(a, p, end, cp);
        if (q >= 0 || cp != '\\') {
            return q;
        }
        // A backslash of the secret: escaped as a pair, or as it is.
        return p + 1 < end && a[p + 1] == '\\' ? p + 2 : p + 1;
    }

    /** Where an escape at {@code p} ends if it stands for UTF-16 unit {@code c}, or -1. */
    private static int escaped(byte[] a, int p, int end, int c) {
        long e = escape(a, p, end);
        return e >= 0 && (int) (e >>> 32) == c ? (int) e : -1;
    }

    /**
     * The escape at {@code p} (a run of backslashes, then {@code uXXXX} or a short-escape letter):
     * the unit it stands for in the high half, where it ends in the low half; -1 when there is none.
     */
    private static long escape(byte[] a, int p, int end) {
        if (a[p] != '\\') {
            return -1;
        }
        int q = p + 1;
        while (q < end && a[q] == '\\') {
            q++;
        }
        if (q >= end) {
            return -1;
        }
        int x = a[q];
        if (x == 'u') {
            if (q + 4 >= end) {
                return -1;
            }
            int v = 0;
            for (int k = 1; k <= 4; k++) {
                int h = hex(a[q + k]);
                if (h < 0) {
                    return -1;
                }
                v = (v << 4) | h;
            }
            return ((long) v << 32) | (q + 5);
        }
        int d = shortEscape(x);
        return d < 0 ? -1 : ((long) d << 32) | (q + 1);
    }

    private static int shortEscape(int letter) {
        return switch (letter) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '/', '"' -> letter;
            default -> -1;
        };
    }

    private static int hex(byte b) {
        if (b >= '0' && b <= '9') {
            return b - '0';
        }
        if (b >= 'a' && b <= 'f') {
            return b - 'a' + 10;
        }
        if (b >= 'A' && b <= 'F') {
            return b - 'A' + 10;
        }
        return -1;
    }

    /**
     * Where the mask of a match found at literal byte {@code c} must begin: {@code c}, unless
     * {@code c} is part of an escape (the letter after an unescaped backslash, or a digit of a
     * <code>&#92;uXXXX</code>), whose backslash it then is, so no half escape is left before the mask.
     */
    private static int escapeStart(byte[] a, int from, int c) {
        for (int j = c - 1; j >= from && j >= c - 5; j--) {
            if (a[j] == '\\') {
                boolean inside = j == c - 1 || a[j + 1] == 'u';
                return inside && oddRun(a, from, j) ? j : c;
            }
        }
        return c;
    }

    /** Whether the backslash at {@code j} ends an odd run, i.e. begins an escape rather than ends one. */
    private static boolean oddRun(byte[] a, int from, int j) {
        int k = j;
        while (k > from && a[k - 1] == '\\') {
            k--;
        }
        return ((j - k) & 1) == 0;
    }

    /** The filtered copy, built only once a match is found. */
    private static final class Out {
        byte[] buf;
        int len;
        int copied;

        Out(int capacity) {
            buf = new byte[capacity + MASK_BYTES.length];
        }

        void mask(byte[] a, int start, int end) {
            append(a, copied, start);
            ensure(MASK_BYTES.length);
            System.arraycopy(MASK_BYTES, 0, buf, len, MASK_BYTES.length);
            len += MASK_BYTES.length;
            copied = end;
        }

        void append(byte[] a, int from, int to) {
            int n = to - from;
            ensure(n);
            System.arraycopy(a, from, buf, len, n);
            len += n;
        }

        private void ensure(int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
        }

        byte[] bytes() {
            return len == buf.length ? buf : Arrays.copyOf(buf, len);
        }
    }

    // ------------------------------------------------------------------ decoded text (stream deltas)

    /**
     * Where the longest suffix of {@code text} that is a proper prefix of some secret begins, or
     * {@code text.length()} when there is none: the part a stream must hold back until it knows
     * whether the secret continues in the next delta. Cheap when the tail begins no secret.
     */
    int pendingFrom(CharSequence text) {
        int len = text.length();
        for (int t = Math.max(0, len - maxChars + 1); t < len; t++) {
            char ch = text.charAt(t);
            for (int s = 0; s < secrets.length; s++) {
                String secret = secrets[s];
                if (firstUnits[s] == ch && secret.length() > len - t && startsWith(secret, text, t)) {
                    return t;
                }
            }
        }
        return len;
    }

    private static boolean startsWith(String secret, CharSequence text, int t) {
        for (int k = 1, n = text.length() - t; k < n; k++) {
            if (secret.charAt(k) != text.charAt(t + k)) {
                return false;
            }
        }
        return true;
    }

    /**
     * {@code text} from {@code boundary} on, with every secret that ends after {@code boundary}
     * masked: one that began before it (already sent) loses the part after it; overlapping
     * occurrences become one mask. The same instance when {@code boundary} is 0 and nothing matched.
     */
    String maskFrom(String text, int boundary) {
        int[] spans = null;
        int count = 0;
        for (String s : secrets) {
            int i = text.indexOf(s, Math.max(0, boundary - s.length() + 1));
            while (i >= 0) {
                if (spans == null) {
                    spans = new int[8];
                } else if (count * 2 == spans.length) {
                    spans = Arrays.copyOf(spans, spans.length * 2);
                }
                spans[count * 2] = Math.max(i, boundary);
                spans[count * 2 + 1] = i + s.length();
                count++;
                i = text.indexOf(s, i + 1);
            }
        }
        if (count == 0) {
            return boundary == 0 ? text : text.substring(boundary);
        }
        long[] sorted = new long[count];
        for (int k = 0; k < count; k++) {
            sorted[k] = ((long) spans[k * 2] << 32) | spans[k * 2 + 1];
        }
        Arrays.sort(sorted);
        StringBuilder out = new StringBuilder(text.length() - boundary + MASK.length());
        int copied = boundary;
        int start = -1;
        int stop = -1;
        for (long span : sorted) {
            int s = (int) (span >>> 32);
            int e = (int) span;
            if (stop >= 0 && s <= stop) {
                stop = Math.max(stop, e);
                continue;
            }
            if (stop >= 0) {
                out.append(text, copied, start).append(MASK);
                copied = stop;
            }
            start = s;
            stop = e;
        }
        out.append(text, copied, start).append(MASK).append(text, stop, text.length());
        return out.toString();
    }
}
