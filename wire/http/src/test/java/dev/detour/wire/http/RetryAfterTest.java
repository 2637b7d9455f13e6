package dev.detour.wire.http;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** One test per rule of {@link RetryAfter} (moved here from the provider plugins' classifier tests). */
class RetryAfterTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static MultiMap headers(String... kv) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    @Test
    void reads_retry_after_ms_before_retry_after() {
        assertEquals(Duration.ofNanos(1_500_500_000L),
                RetryAfter.parse(headers("retry-after-ms", "1500.5", "retry-after", "20"), NOW));
        assertEquals(Duration.ofMillis(250), RetryAfter.parse(headers("retry-after-ms", "250", "retry-after", "3"), NOW));
    }

    @Test
    void reads_retry_after_seconds_whatever_the_header_case() {
        assertEquals(Duration.ofSeconds(20), RetryAfter.parse(headers("Retry-After", "20"), NOW));
        assertEquals(Duration.ofMillis(1500), RetryAfter.parse(headers("retry-after", " 1.5 "), NOW));
    }

    @Test
    void reads_retry_after_as_an_http_date_and_a_past_date_as_zero() {
        assertEquals(Duration.ofSeconds(90), RetryAfter.parse(headers("Retry-After", "Thu, 26 Nov 2026 12:01:30 GMT"), NOW));
        assertEquals(Duration.ZERO, RetryAfter.parse(headers("Retry-After", "Thu, 26 Nov 2026 11:00:00 GMT"), NOW));
        assertNull(RetryAfter.parseValue("Thu, 26 Nov 2026 12:01:30 GMT", null), "no clock, no date");
    }

    @Test
    void falls_back_to_retry_after_when_retry_after_ms_is_unreadable() {
        assertEquals(Duration.ofSeconds(3), RetryAfter.parse(headers("retry-after-ms", "soon", "retry-after", "3"), NOW));
    }

    @Test
    void ignores_unparseable_or_negative_values() {
        assertNull(RetryAfter.parse(headers("retry-after", "soon", "retry-after-ms", "-5"), NOW));
        assertNull(RetryAfter.parse(headers("retry-after", "-1"), NOW));
        assertNull(RetryAfter.parse(headers(), NOW));
        assertNull(RetryAfter.parse((MultiMap) null, NOW));
        assertNull(RetryAfter.parseMillis("NaN"));
    }

    @Test
    void reads_from_a_header_lookup_function() {
        Map<String, String> h = Map.of("retry-after", "17");
        assertEquals(Duration.ofSeconds(17), RetryAfter.parse(h::get, NOW));
    }
}
