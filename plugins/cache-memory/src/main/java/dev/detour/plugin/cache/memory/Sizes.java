package dev.detour.plugin.cache.memory;

import dev.detour.api.model.Choice;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;

import java.util.Locale;

/**
 * Memory sizes: the {@code max_bytes} option, and estimates of what a cached answer takes on the
 * heap. The estimates err on the high side (every string counted at two bytes a character, object
 * headers and references included), so {@code max_bytes} holds for the real footprint.
 */
public final class Sizes {
    /** Below this a cache could not hold one ordinary answer. */
    public static final long MIN_BYTES = 64 * 1024;

    // An object header and a few fields; a String is a header, a hash, a coder and an array header.
    private static final int OBJECT = 32;
    private static final int STRING = 56;

    private Sizes() {
    }

    /**
     * Parses a size such as {@code 256MB}, {@code 64KB}, {@code 1GB} or a bare number of bytes.
     *
     * @throws IllegalArgumentException naming the field and the value when it is not a size of at least 64KB
     */
    public static long parse(String field, String text) {
        String v = text.trim().toUpperCase(Locale.ROOT);
        long unit = 1;
        int end = v.length();
        if (v.endsWith("KB") || v.endsWith("MB") || v.endsWith("GB")) {
            unit = switch (v.charAt(v.length() - 2)) {
                case 'K' -> 1024L;
                case 'M' -> 1024L * 1024;
                default -> 1024L * 1024 * 1024;
            };
            end -= 2;
        } else if (v.endsWith("B")) {
            end -= 1;
        }
        long n;
        try {
            n = Long.parseLong(v.substring(0, end).trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " must be a size like 256MB, 64KB or 1GB, was '" + text + "'");
        }
        if (n < 0 || n > Long.MAX_VALUE / unit) {
            throw new IllegalArgumentException(field + " must be a size like 256MB, 64KB or 1GB, was '" + text + "'");
        }
        long bytes = n * unit;
        if (bytes < MIN_BYTES) {
            throw new IllegalArgumentException(field + " must be at least 64KB, was '" + text + "'");
        }
        return bytes;
    }

    /** An upper estimate of a string's heap size. */
    public static long of(String s) {
        return s == null ? 0 : STRING + 2L * s.length();
    }

    /** An upper estimate of a chat answer's heap size. */
    public static long of(ChatResponse r) {
        long n = OBJECT + of(r.id()) + of(r.model()) + of(r.systemFingerprint()) + OBJECT;
        for (Choice c : r.choices()) {
            n += OBJECT + of(c.message());
        }
        return n;
    }

    /** An upper estimate of a message's heap size. */
    public static long of(Message m) {
        long n = OBJECT + of(m.name()) + of(m.toolCallId()) + of(m.reasoning()) + of(m.refusal());
        if (m.content() != null) {
            for (ContentPart p : m.content()) {
                n += OBJECT;
                if (p instanceof ContentPart.Text t) {
                    n += of(t.text());
                } else if (p instanceof ContentPart.Image i) {
                    n += of(i.url()) + of(i.detail());
                } else if (p instanceof ContentPart.Other o) {
                    // A JSON tree costs several times its text.
                    n += of(o.type()) + (o.raw() == null ? 0 : 4L * o.raw().toString().length());
                }
            }
        }
        for (ToolCall t : m.toolCalls()) {
            n += OBJECT + of(t.id()) + of(t.name()) + of(t.arguments());
        }
        return n;
    }

    /** An upper estimate of an embeddings answer's heap size. */
    public static long of(EmbeddingResponse r) {
        long n = OBJECT + of(r.model()) + OBJECT;
        for (float[] v : r.vectors()) {
            n += 16 + 4L * v.length + 8;
        }
        return n;
    }
}
