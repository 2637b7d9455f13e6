package dev.detour.wire.openai;

import dev.detour.api.provider.RateLimits;
import io.vertx.core.MultiMap;

/**
 * OpenAI's rate-limit headers ({@code x-ratelimit-remaining-requests},
 * {@code x-ratelimit-remaining-tokens}, {@code x-ratelimit-reset-requests},
 * {@code x-ratelimit-reset-tokens}; OpenAI's "Rate limits" guide), which Azure OpenAI and many
 * compatible servers send too. The resets are durations in Go's notation ({@code 1s},
 * {@code 6m0s}, {@code 12ms}, {@code 1h2m3.5s}); a bare number is taken as seconds. A negative
 * remaining count (Azure sends {@code -1} where it has none) or a value that does not parse is
 * unknown. Stateless.
 */
public final class OpenAiRateLimits {

    private OpenAiRateLimits() {
    }

    /** What {@code headers} say of the quota, or {@link RateLimits#NONE} when they say nothing. */
    public static RateLimits of(MultiMap headers) {
        long requests = count(headers.get("x-ratelimit-remaining-requests"));
        long tokens = count(headers.get("x-ratelimit-remaining-tokens"));
        if (requests < 0 && tokens < 0) {
            return RateLimits.NONE;
        }
        return new RateLimits(requests, requests < 0 ? -1 : durationMs(headers.get("x-ratelimit-reset-requests")),
                tokens, tokens < 0 ? -1 : durationMs(headers.get("x-ratelimit-reset-tokens")));
    }

    private static long count(String v) {
        if (v == null) {
            return -1;
        }
        try {
            long n = Long.parseLong(v.trim());
            return n < 0 ? -1 : n;
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Milliseconds of a Go-style duration ({@code 6m0s}, {@code 1.5s}, {@code 250ms}, {@code 20us}),
     * rounded up so a reset is never early, or -1 when {@code v} is absent or not one.
     */
    static long durationMs(String v) {
        if (v == null) {
            return -1;
        }
        String s = v.trim();
        if (s.isEmpty()) {
            return -1;
        }
        double nanos = 0;
        int i = 0;
        int n = s.length();
        while (i < n) {
            int start = i;
            while (i < n && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) {
                i++;
            }
            if (start == i) {
                return -1;
            }
            double value;
            try {
                value = Double.parseDouble(s.substring(start, i));
            } catch (NumberFormatException e) {
                return -1;
            }
            int unitStart = i;
            while (i < n && !Character.isDigit(s.charAt(i)) && s.charAt(i) != '.') {
                i++;
            }
            double scale = switch (s.substring(unitStart, i)) {
                case "h" -> 3_600e9;
                case "m" -> 60e9;
                case "s", "" -> 1e9;
                case "ms" -> 1e6;
                case "us", "\u00b5s", "\u03bcs" -> 1e3;
                case "ns" -> 1;
                default -> -1;
            };
            if (scale < 0) {
                return -1;
            }
            nanos += value * scale;
        }
        return (long) Math.ceil(nanos / 1e6);
    }
}
