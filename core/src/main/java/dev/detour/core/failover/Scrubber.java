package dev.detour.core.failover;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Set;

/**
 * Removes every configured secret (provider keys, virtual keys) from text an upstream sent back,
 * before it reaches a client or a log. Longest secrets first, so a key that contains another is
 * removed whole.
 */
public final class Scrubber {
    /** What a secret is replaced with. */
    public static final String MASK = "[REDACTED]";

    private final String[] secrets;
    private final byte[][] utf8;

    public Scrubber(Set<String> secrets) {
        List<String> s = secrets.stream().filter(x -> x != null && x.length() >= 4)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.secrets = s.toArray(new String[0]);
        this.utf8 = s.stream().map(x -> x.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    }

    /**
     * Whether UTF-8 {@code bytes} (an upstream's raw body) contain any secret as it is, without
     * decoding them. A secret an upstream escaped in JSON is not seen here; it is in the decoded
     * text, which {@link #scrub(String)} cleans (and a changed text drops the raw body).
     */
    public boolean containsSecret(byte[] bytes) {
        for (byte[] s : utf8) {
            if (indexOf(bytes, s) >= 0) {
                return true;
            }
        }
        return false;
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        byte first = needle[0];
        for (int i = 0, last = hay.length - needle.length; i <= last; i++) {
            if (hay[i] == first) {
                int j = 1;
                while (j < needle.length && hay[i + j] == needle[j]) {
                    j++;
                }
                if (j == needle.length) {
                    return i;
                }
            }
        }
        return -1;
    }

    /** Whether {@code text} contains any secret. */
    public boolean containsSecret(String text) {
        for (String s : secrets) {
            if (text.contains(s)) {
                return true;
            }
        }
        return false;
    }

    /** Whether there are secrets to look for at all. */
    public boolean active() {
        return secrets.length > 0;
    }

    /** The text without any secret; the same instance when nothing matched (the common case). */
    public String scrub(String text) {
        if (text == null || secrets.length == 0) {
            return text;
        }
        String out = text;
        for (String s : secrets) {
            if (out.contains(s)) {
                out = out.replace(s, MASK);
            }
        }
        return out;
    }
}
