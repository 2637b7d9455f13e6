package dev.detour.wire.anthropic;

import dev.detour.api.provider.RateLimits;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AnthropicRateLimitsTest {
    static final Instant NOW = Instant.parse("2025-01-15T14:23:00Z");

    @Test
    void reads_the_documented_headers_with_rfc3339_resets() {
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .add("anthropic-ratelimit-requests-limit", "4000")
                .add("anthropic-ratelimit-requests-remaining", "3201")
                .add("anthropic-ratelimit-requests-reset", "2025-01-15T14:24:00Z")
                .add("anthropic-ratelimit-tokens-limit", "400000")
                .add("anthropic-ratelimit-tokens-remaining", "312000")
                .add("anthropic-ratelimit-tokens-reset", "2025-01-15T14:23:15Z");
        assertEquals(new RateLimits(3201, 60_000, 312_000, 15_000), AnthropicRateLimits.of(h, NOW));
    }

    @Test
    void a_reset_in_the_past_is_now_and_an_offset_is_honoured() {
        assertEquals(0, AnthropicRateLimits.untilMs("2025-01-15T14:22:00Z", NOW));
        assertEquals(1_500, AnthropicRateLimits.untilMs("2025-01-15T15:23:01.5+01:00", NOW));
        assertEquals(-1, AnthropicRateLimits.untilMs("in a minute", NOW));
    }

    @Test
    void nothing_known_without_the_headers() {
        assertEquals(RateLimits.NONE, AnthropicRateLimits.of(MultiMap.caseInsensitiveMultiMap(), NOW));
        MultiMap only = MultiMap.caseInsensitiveMultiMap().add("anthropic-ratelimit-requests-remaining", "0");
        assertEquals(new RateLimits(0, -1, -1, -1), AnthropicRateLimits.of(only, NOW));
    }
}
