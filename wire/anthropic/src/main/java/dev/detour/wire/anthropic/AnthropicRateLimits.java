package dev.detour.wire.anthropic;

import dev.detour.api.provider.RateLimits;
import io.vertx.core.MultiMap;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;

/**
 * Anthropic's rate-limit headers (Anthropic's "Rate limits" page):
 * {@code anthropic-ratelimit-requests-remaining}, {@code anthropic-ratelimit-tokens-remaining}
 * (the most restrictive token limit in effect) and their {@code -reset} times in RFC 3339
 * ({@code 2025-01-15T14:24:00Z}), when the count is whole again. A reset is turned into a wait
 * from {@code now}, the adapter's clock, so a skewed upstream clock costs at most that skew; a
 * reset already past is a wait of zero. A value that does not parse is unknown. Stateless.
 */
public final class AnthropicRateLimits {

    private AnthropicRateLimits() {
    }

    /** What {@code headers} say of the quota at {@code now}, or {@link RateLimits#NONE} when they say nothing. */
    public static RateLimits of(MultiMap headers, Instant now) {
        long requests = count(headers.get("anthropic-ratelimit-requests-remaining"));
        long tokens = count(headers.get("anthropic-ratelimit-tokens-remaining"));
        if (requests < 0 && tokens < 0) {
            return RateLimits.NONE;
        }
        return new RateLimits(requests, requests < 0 ? -1 : untilMs(headers.get("anthropic-ratelimit-requests-reset"), now),
                tokens, tokens < 0 ? -1 : untilMs(headers.get("anthropic-ratelimit-tokens-reset"), now));
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

    /** Milliseconds from {@code now} until the RFC 3339 time {@code v} (0 when past), or -1. */
    static long untilMs(String v, Instant now) {
        if (v == null || v.isBlank()) {
            return -1;
        }
        try {
            Instant at = OffsetDateTime.parse(v.trim()).toInstant();
            return Math.max(0, at.toEpochMilli() - now.toEpochMilli());
        } catch (DateTimeParseException e) {
            return -1;
        }
    }
}
