package dev.detour.wire.openai;

import dev.detour.api.provider.RateLimits;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class OpenAiRateLimitsTest {

    @Test
    void reads_the_documented_headers() {
        // The example of OpenAI's "Rate limits" guide.
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .add("x-ratelimit-limit-requests", "60")
                .add("x-ratelimit-limit-tokens", "150000")
                .add("x-ratelimit-remaining-requests", "59")
                .add("x-ratelimit-remaining-tokens", "149984")
                .add("x-ratelimit-reset-requests", "1s")
                .add("x-ratelimit-reset-tokens", "6m0s");
        assertEquals(new RateLimits(59, 1000, 149984, 360_000), OpenAiRateLimits.of(h));
    }

    @Test
    void header_names_are_case_insensitive_and_a_missing_count_is_unknown() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .add("X-RateLimit-Remaining-Requests", "0")
                .add("X-RateLimit-Reset-Requests", "12ms");
        assertEquals(new RateLimits(0, 12, -1, -1), OpenAiRateLimits.of(h));
    }

    @Test
    void nothing_known_without_the_headers_or_with_azures_minus_one() {
        assertEquals(RateLimits.NONE, OpenAiRateLimits.of(MultiMap.caseInsensitiveMultiMap()));
        MultiMap azure = MultiMap.caseInsensitiveMultiMap()
                .add("x-ratelimit-remaining-tokens", "-1")
                .add("x-ratelimit-reset-tokens", "0");
        assertEquals(RateLimits.NONE, OpenAiRateLimits.of(azure));
        MultiMap garbage = MultiMap.caseInsensitiveMultiMap().add("x-ratelimit-remaining-requests", "lots");
        assertEquals(RateLimits.NONE, OpenAiRateLimits.of(garbage));
    }

    @Test
    void go_durations() {
        assertEquals(1000, OpenAiRateLimits.durationMs("1s"));
        assertEquals(360_000, OpenAiRateLimits.durationMs("6m0s"));
        assertEquals(3_723_500, OpenAiRateLimits.durationMs("1h2m3.5s"));
        assertEquals(12, OpenAiRateLimits.durationMs("12ms"));
        assertEquals(1, OpenAiRateLimits.durationMs("20us"));   // rounded up: a reset is never early
        assertEquals(1, OpenAiRateLimits.durationMs("0.0001s"));
        assertEquals(0, OpenAiRateLimits.durationMs("0s"));
        assertEquals(2000, OpenAiRateLimits.durationMs("2"));   // a bare number: seconds
        assertEquals(1500, OpenAiRateLimits.durationMs(" 1.5s "));
        assertEquals(-1, OpenAiRateLimits.durationMs("ms"));
        assertEquals(-1, OpenAiRateLimits.durationMs("3x"));
        assertEquals(-1, OpenAiRateLimits.durationMs("soon"));
        assertEquals(-1, OpenAiRateLimits.durationMs("5d"));
        assertEquals(-1, OpenAiRateLimits.durationMs(""));
        assertEquals(-1, OpenAiRateLimits.durationMs(null));
    }
}
