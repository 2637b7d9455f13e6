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
    /** Each secret's UTF-8 bytes, one ISO-8859-1 character per byte. */
    private final String[] latin1;

    public Scrubber(Set<String> secrets) {
        List<String> s = secrets.stream().filter(x -> x != null && x.length() >= 4)
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
        this.secrets = s.toArray(new String[0]);
        this.latin1 = s.stream().map(x -> new String(x.getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1))
                .toArray(String[]::new);
    }

    /**
     * Whether UTF-8 {@code bytes} (an upstream's raw body) contain any secret as it is, without
     * decoding them. A secret an upstream escaped in JSON is not seen here; it is in the decoded
     * text, which {@link #scrub(String)} cleans (and a changed text drops the raw body).
     */
    public boolean containsSecret(byte[] bytes) {
        if (latin1.length == 0) {
            return false;
        }
        // Byte for byte as ISO-8859-1 characters: a plain copy, then the JDK's vectorised search.
        String haystack = new String(bytes, StandardCharsets.ISO_8859_1);
        for (String s : latin1) {
            if (haystack.contains(s)) {
                return true;
            }
        }
        return false;
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
