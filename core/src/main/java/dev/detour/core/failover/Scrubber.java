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
 * any of its characters may be written <code>&#92;uXXXX</code> (hex in either case; a character
 * outside the BMP as its surrogate pair), a {@code /} as {@code \/}, and a character with a short
 * escape ({@code \" \\ \b \f \n \r \t}) as that escape. Escapes are understood at up to three
 * levels of JSON in JSON, each written with the level above's escapes (tool-call arguments are
 * JSON inside a JSON string: there {@code s} may be <code>&#92;&#92;u0073</code>, or
 * <code>&#92;u005c&#92;u0075</code>{@code 0073}). The whole matched span is replaced with
 * {@link #MASK}; overlapping or adjacent matches, of one secret or several (one containing another
 * included), become one mask. A match that begins inside an escape (a key of hex digits right after
 * <code>&#92;u00</code>) is widened to take the escape whole, so the output stays valid JSON.
 *
 * <p>The common case, no secret present, costs one pass over the bytes (a lookup per byte; a pair of
 * bytes that can begin a match, rare in ordinary text, gets a closer look) and returns the very same
 * array or buffer: nothing is copied.
 *
 * <p>For streams, the text-level {@link #pendingFrom} and {@link #spans} let {@link StreamScrubber}
 * keep a secret split across deltas from leaving in pieces.
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
    private static final long[] NO_SPANS = new long[0];
    private static final byte PAIR = 1;
    private static final byte ESCAPE = 2;
    /** How many levels of JSON in JSON a secret is looked for at (tool-call arguments are the second). */
    private static final int LEVELS = 3;

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
    /**
     * The bytes that can begin a match, and the pairs of bytes that can ({@link #PAIR}, or
     * {@link #ESCAPE} for <code>&#92;u</code>, which a closer look at its high byte may rule out);
     * see {@link #candidate}.
     */
    private final boolean[] firstBytes = new boolean[256];
    private final byte[] pairs = new byte[1 << 16];
    /** The high bytes of the secrets' first UTF-16 units, and of a backslash's. */
    private final boolean[] firstHighBytes = new boolean[256];
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
            firstHighBytes[secret.charAt(0) >>> 8] = true;
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
        firstHighBytes['\\' >>> 8] = true;
        this.backslashFirst = indexOf(firstUnits, '\\') >= 0;
        if (backslashFirst) {
            pairs[('\\' << 8) | 'u'] = PAIR;
        }
        this.minBytes = n == 0 ? Integer.MAX_VALUE : min;
        this.maxChars = max;
    }

    private void pair(int first, int second) {
        firstBytes[first] = true;
        pairs[(first << 8) | second] = first == '\\' && second == 'u' ? ESCAPE : PAIR;
    }

    /** Whether there are secrets to look for at all. */
    public boolean active() {
        return secrets.length > 0;
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
        Out out = null;
        int spanStart = -1;
        int spanEnd = -1;
        for (int c = candidate(a, from, end); c >= 0; c = candidate(a, c + 1, end)) {
            int e = matchAt(a, from, end, c);
            if (e < 0) {
                continue;
            }
            int s = a[c] == '\\' ? c : escapeStart(a, from, end, c);
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
        if (out == null) {
            return null;
        }
        out.mask(a, spanStart, spanEnd);
        out.append(a, out.copied, end);
        return out.bytes();
    }

    /**
     * The first position from {@code i} on where two bytes can begin a match, or -1. The hot loop:
     * a byte that begins no secret (most) costs one lookup in a 256-entry table.
     */
    private int candidate(byte[] a, int i, int end) {
        boolean[] first = firstBytes;
        byte[] pairs = this.pairs;
        // The last byte alone cannot begin a match: every secret is several bytes long.
        for (int last = end - 1; i < last; i++) {
            int b = a[i] & 0xff;
            if (first[b]) {
                int p = pairs[(b << 8) | (a[i + 1] & 0xff)];
                if (p == PAIR || p == ESCAPE && mayBegin(a, i, end)) {
                    return i;
                }
            }
        }
        return -1;
    }

    /**
     * Whether the <code>&#92;uXXXX</code> at {@code i} may stand for a secret's first character (or
     * for a backslash, which may begin an escape one level deeper): its high byte tells, so a run of
     * escaped non-Latin text is passed over without a closer look.
     */
    private boolean mayBegin(byte[] a, int i, int end) {
        if (i + 3 >= end) {
            return true;
        }
        int high = (hex(a[i + 2]) << 4) | hex(a[i + 3]);
        return high < 0 || firstHighBytes[high];
    }

    /** The end of the longest match that begins at {@code c}, or -1. */
    private int matchAt(byte[] a, int from, int end, int c) {
        int b = a[c] & 0xff;
        if (b == '\\') {
            if (c > from && a[c - 1] == '\\' && oddRun(a, from, c - 1)) {
                // The second half of an escaped backslash: no match begins there.
                return -1;
            }
            if (!backslashFirst && !beginsSecret(a, c, end)) {
                // An escape (a newline's, or one of another character) that begins no secret: the usual case.
                return -1;
            }
        }
        int best = -1;
        for (int s : byFirstByte[b]) {
            best = Math.max(best, matchEnd(a, c, end, s));
        }
        return best;
    }

    /** Whether the escape at {@code c}, decoded at some level, is the first character of a secret. */
    private boolean beginsSecret(byte[] a, int c, int end) {
        if (c + 5 < end && a[c + 1] == 'u') {
            // The usual escape, a <code>&#92;uXXXX</code> (non-Latin text, escaped): decoded here, at once.
            int v = (hex(a[c + 2]) << 12) | (hex(a[c + 3]) << 8) | (hex(a[c + 4]) << 4) | hex(a[c + 5]);
            if (v >= 0 && v != '\\') {
                return indexOf(firstUnits, (char) v) >= 0;
            }
        }
        for (int level = 1; level <= LEVELS; level++) {
            long d = decode(a, c, end, level);
            if (d < 0) {
                return false;
            }
            char u = (char) (d >>> 32);
            if (indexOf(firstUnits, u) >= 0) {
                return true;
            }
            if (u != '\\') {
                // Not an escape one level deeper either: it stands for this character at every level.
                return false;
            }
        }
        return false;
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
            int q = decodesTo(a, p, end, Character.highSurrogate(cp));
            return q < 0 ? -1 : decodesTo(a, q, end, Character.lowSurrogate(cp));
        }
        int q = decodesTo(a, p, end, cp);
        // A backslash of the secret may also stand as it is.
        return q >= 0 || cp != '\\' ? q : p + 1;
    }

    /** Where the text at {@code p}, decoded at some level, is {@code unit}; -1 when it is not. */
    private static int decodesTo(byte[] a, int p, int end, int unit) {
        for (int level = 1; level <= LEVELS; level++) {
            long d = decode(a, p, end, level);
            if (d < 0) {
                return -1;
            }
            int u = (int) (d >>> 32);
            if (u == unit) {
                return (int) d;
            }
            if (u != '\\') {
                return -1;
            }
        }
        return -1;
    }

    /**
     * The UTF-16 unit that the JSON text at {@code p} stands for once decoded {@code level} times
     * (level 0: the ASCII byte itself), in the high half, and where its encoding ends, in the low
     * half; -1 when there is none there (a non-ASCII byte, a broken escape, the end).
     */
    private static long decode(byte[] a, int p, int end, int level) {
        if (p >= end) {
            return -1;
        }
        if (level == 0) {
            return a[p] < 0 ? -1 : ((long) a[p] << 32) | (p + 1);
        }
        long c = decode(a, p, end, level - 1);
        if (c < 0 || (int) (c >>> 32) != '\\') {
            return c;
        }
        long x = decode(a, (int) c, end, level - 1);
        if (x < 0) {
            return -1;
        }
        int q = (int) x;
        int letter = (int) (x >>> 32);
        if (letter == 'u') {
            int v = 0;
            for (int k = 0; k < 4; k++) {
                long h = decode(a, q, end, level - 1);
                int digit = h < 0 ? -1 : hex((int) (h >>> 32));
                if (digit < 0) {
                    return -1;
                }
                v = (v << 4) | digit;
                q = (int) h;
            }
            return ((long) v << 32) | q;
        }
        int d = shortEscape(letter);
        return d < 0 ? -1 : ((long) d << 32) | q;
    }

    /** The character a short escape's letter stands for ({@code n} for a newline), or -1. */
    private static int shortEscape(int letter) {
        return switch (letter) {
            case 'b' -> '\b';
            case 'f' -> '\f';
            case 'n' -> '\n';
            case 'r' -> '\r';
            case 't' -> '\t';
            case '/', '"', '\\' -> letter;
            default -> -1;
        };
    }

    private static int hex(int b) {
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
     * {@code c} is part of an escape (the letter after a backslash, or a digit of a
     * <code>&#92;uXXXX</code>), which the mask then takes whole, so no half escape is left before it:
     * from its backslash, or from the start of its run of backslashes when that run is even (an
     * escape one level deeper, inside a JSON string within the JSON).
     */
    private static int escapeStart(byte[] a, int from, int end, int c) {
        for (int j = c - 1; j >= from && j >= c - 5; j--) {
            if (a[j] == '\\') {
                boolean escape = j == c - 1 ? a[c] == 'u' || shortEscape(a[c]) >= 0
                        : a[j + 1] == 'u' && hexDigits(a, j + 2, Math.min(j + 6, end));
                if (!escape) {
                    return c;
                }
                int k = j;
                while (k > from && a[k - 1] == '\\') {
                    k--;
                }
                return ((j - k) & 1) == 0 ? j : k;
            }
        }
        return c;
    }

    private static boolean hexDigits(byte[] a, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hex(a[i]) < 0) {
                return false;
            }
        }
        return true;
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

    /** {@link #matchEnd(CharSequence, int, int, int)}: the text ended while the secret could still follow. */
    private static final int PARTIAL = -2;

    /**
     * How far back in a decoded text a secret's beginning can lie: its longest form, each character
     * a <code>&#92;uXXXX</code> whose every character is one too (the deepest level looked at).
     */
    int window() {
        return 36 * maxChars;
    }

    /**
     * Where the earliest suffix of {@code text} that may begin a secret begins, or
     * {@code text.length()} when there is none: the part a stream must hold back until it knows
     * whether the secret continues in the next delta. The text is decoded once already (a delta's
     * text); a secret in it may still be written with JSON escapes (tool-call arguments are JSON),
     * and may end in the middle of one. Cheap when no character of the tail can begin a secret.
     */
    int pendingFrom(CharSequence text) {
        int len = text.length();
        for (int t = Math.max(0, len - window() + 1); t < len; t++) {
            char ch = text.charAt(t);
            if (!mayStart(text, t, ch)) {
                continue;
            }
            for (int s = 0; s < secrets.length; s++) {
                if ((ch == '\\' || firstUnits[s] == ch) && matchEnd(text, t, len, s) == PARTIAL) {
                    // Hold a whole escape, never its second half alone.
                    return ch == '\\' ? t : escapeStart(text, t);
                }
            }
        }
        return len;
    }

    /**
     * The secrets in {@code text} (as they are or escaped) that end after {@code boundary}: their
     * spans, overlapping ones merged, each as its start (widened to take a whole escape) in the high
     * half and its end in the low half, in order. Empty when there is none.
     */
    long[] spans(CharSequence text, int boundary) {
        int len = text.length();
        long[] out = NO_SPANS;
        int count = 0;
        for (int t = Math.max(0, boundary - window() + 1); t < len; t++) {
            char ch = text.charAt(t);
            if (!mayStart(text, t, ch)) {
                continue;
            }
            int e = -1;
            for (int s = 0; s < secrets.length; s++) {
                if (ch == '\\' || firstUnits[s] == ch) {
                    e = Math.max(e, matchEnd(text, t, len, s));
                }
            }
            if (e <= boundary) {
                continue;
            }
            int from = ch == '\\' ? t : escapeStart(text, t);
            if (count > 0 && from <= (int) out[count - 1]) {
                long last = out[count - 1];
                out[count - 1] = (last & 0xffffffff00000000L) | Math.max((int) last, e);
                continue;
            }
            if (count == out.length) {
                out = Arrays.copyOf(out, Math.max(4, count * 2));
            }
            out[count++] = ((long) from << 32) | e;
        }
        return count == out.length ? out : Arrays.copyOf(out, count);
    }

    /**
     * {@code text} from {@code boundary} on, with every secret that ends after {@code boundary}
     * masked (one that began before it loses the part after it); the same instance when
     * {@code boundary} is 0 and nothing matched.
     */
    String maskFrom(String text, int boundary) {
        long[] spans = spans(text, boundary);
        if (spans.length == 0) {
            return boundary == 0 ? text : text.substring(boundary);
        }
        StringBuilder out = new StringBuilder(text.length() - boundary + MASK.length());
        int copied = boundary;
        for (long span : spans) {
            out.append(text, copied, Math.max(copied, (int) (span >>> 32))).append(MASK);
            copied = (int) span;
        }
        return out.append(text, copied, text.length()).toString();
    }

    /** Whether a secret may begin at {@code t}: with its first character, or with an escape. */
    private boolean mayStart(CharSequence text, int t, char ch) {
        if (ch == '\\') {
            // Not the second half of an escaped backslash.
            return t == 0 || text.charAt(t - 1) != '\\' || !oddRun(text, t - 1);
        }
        return indexOf(firstUnits, ch) >= 0;
    }

    private static boolean oddRun(CharSequence t, int j) {
        int k = j;
        while (k > 0 && t.charAt(k - 1) == '\\') {
            k--;
        }
        return ((j - k) & 1) == 0;
    }

    /**
     * Where secret {@code s} ends if it is written from {@code p} on in {@code t}, -1 if it is not,
     * or {@link #PARTIAL} when {@code t} ends before it does but could still go on with it.
     */
    private int matchEnd(CharSequence t, int p, int end, int s) {
        String secret = secrets[s];
        for (int u = 0; u < secret.length(); u++) {
            if (p >= end) {
                return PARTIAL;
            }
            char c = secret.charAt(u);
            if (t.charAt(p) == c && c != '\\') {
                p++;
                continue;
            }
            if (t.charAt(p) != '\\') {
                return -1;
            }
            int q = decodesTo(t, p, end, c);
            if (q == PARTIAL) {
                return PARTIAL;
            }
            p = q >= 0 ? q : c == '\\' ? p + 1 : -1;
            if (p < 0) {
                return -1;
            }
        }
        return p;
    }

    /** {@link #decodesTo(byte[], int, int, int)} in decoded text (one level less to go). */
    private static int decodesTo(CharSequence t, int p, int end, int unit) {
        for (int level = 1; level < LEVELS; level++) {
            long d = decode(t, p, end, level);
            if (d < 0) {
                return (int) d;
            }
            int u = (int) (d >>> 32);
            if (u == unit) {
                return (int) d;
            }
            if (u != '\\') {
                return -1;
            }
        }
        return -1;
    }

    /** {@link #decode(byte[], int, int, int)} in decoded text; {@link #PARTIAL} when the text ends inside it. */
    private static long decode(CharSequence t, int p, int end, int level) {
        if (p >= end) {
            return PARTIAL;
        }
        if (level == 0) {
            return ((long) t.charAt(p) << 32) | (p + 1);
        }
        long c = decode(t, p, end, level - 1);
        if (c < 0 || (int) (c >>> 32) != '\\') {
            return c;
        }
        long x = decode(t, (int) c, end, level - 1);
        if (x < 0) {
            return x;
        }
        int q = (int) x;
        int letter = (int) (x >>> 32);
        if (letter == 'u') {
            int v = 0;
            for (int k = 0; k < 4; k++) {
                long h = decode(t, q, end, level - 1);
                if (h < 0) {
                    return h;
                }
                int digit = hex((int) (h >>> 32));
                if (digit < 0) {
                    return -1;
                }
                v = (v << 4) | digit;
                q = (int) h;
            }
            return ((long) v << 32) | q;
        }
        int d = shortEscape(letter);
        return d < 0 ? -1 : ((long) d << 32) | q;
    }

    private static boolean hexDigits(CharSequence t, int from, int to) {
        for (int i = from; i < to; i++) {
            if (hex(t.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** {@link #escapeStart(byte[], int, int, int)} in text. */
    private static int escapeStart(CharSequence t, int c) {
        for (int j = c - 1; j >= 0 && j >= c - 5; j--) {
            if (t.charAt(j) == '\\') {
                boolean escape = j == c - 1 ? t.charAt(c) == 'u' || shortEscape(t.charAt(c)) >= 0
                        : t.charAt(j + 1) == 'u' && hexDigits(t, j + 2, Math.min(j + 6, t.length()));
                if (!escape) {
                    return c;
                }
                int k = j;
                while (k > 0 && t.charAt(k - 1) == '\\') {
                    k--;
                }
                return ((j - k) & 1) == 0 ? j : k;
            }
        }
        return c;
    }
}
