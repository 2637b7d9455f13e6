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
     * rounded up so a reset is never early, or -1 when {@code v} is absent or not one. Read in one
     * pass without allocating: it runs on every answer that carries the headers.
     */
    static long durationMs(String v) {
        if (v == null) {
            return -1;
        }
        int n = v.length();
        int i = 0;
        while (i < n && v.charAt(i) == ' ') {
            i++;
        }
        while (n > i && v.charAt(n - 1) == ' ') {
            n--;
        }
        if (i == n) {
            return -1;
        }
        double nanos = 0;
        while (i < n) {
            long whole = 0;
            double fraction = 0;
            double scale = 0.1;
            int digits = 0;
            while (i < n && Character.isDigit(v.charAt(i))) {
                whole = Math.min(whole * 10 + (v.charAt(i++) - '0'), 1L << 40);
                digits++;
            }
            if (i < n && v.charAt(i) == '.') {
                i++;
                while (i < n && Character.isDigit(v.charAt(i))) {
                    fraction += (v.charAt(i++) - '0') * scale;
                    scale /= 10;
                    digits++;
                }
            }
            if (digits == 0) {
                return -1;
            }
            double unit;
            if (i == n) {
                unit = 1e9;   // a bare number: seconds
            } else {
                char c = v.charAt(i++);
                boolean secondLetter = i < n && v.charAt(i) == 's';
                switch (c) {
                    case 'h' -> unit = 3_600e9;
                    case 'm' -> {
                        unit = secondLetter ? 1e6 : 60e9;
                        i += secondLetter ? 1 : 0;
                    }
                    case 's' -> unit = 1e9;
                    case 'u', '\u00b5', '\u03bc' -> {
                        if (!secondLetter) {
                            return -1;
                        }
                        unit = 1e3;
                        i++;
                    }
                    case 'n' -> {
                        if (!secondLetter) {
                            return -1;
                        }
                        unit = 1;
                        i++;
                    }
                    default -> {
                        return -1;
                    }
                }
            }
            nanos += (whole + fraction) * unit;
        }
        return (long) Math.ceil(nanos / 1e6);
    }
}
