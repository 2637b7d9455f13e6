package dev.detour.wire.http;

import io.vertx.core.MultiMap;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.function.Function;

/**
 * Reads how long a provider asked the caller to wait before trying again, for
 * {@link dev.detour.api.ProviderException#retryAfter()}.
 *
 * <p>{@link #parse(Function, Instant)} looks at, in order:
 * <ol>
 *   <li>{@code retry-after-ms}: milliseconds, fractions allowed (sent by OpenAI and Azure OpenAI);</li>
 *   <li>{@code retry-after} (RFC 9110 &sect;10.2.3): delay-seconds (fractions tolerated, as some
 *       servers send them) or an HTTP-date, where a date already past means {@link Duration#ZERO}.</li>
 * </ol>
 * A header that cannot be read (negative, not a number, not a date) counts as absent, so the next
 * one is tried; the result is null when none gives a wait. Provider-specific hints (OpenAI's
 * {@code x-ratelimit-reset-*}, Anthropic's {@code anthropic-ratelimit-*-reset}, Google's
 * {@code RetryInfo}) stay in the provider's classifier, used when this returns null.
 * Stateless and thread-safe.
 */
public final class RetryAfter {

    private RetryAfter() {
    }

    /**
     * The wait from the response headers, or null.
     *
     * @param headers the response headers (case-insensitive, as Vert.x gives them); null means none
     * @param now     the current wall-clock time, to turn an HTTP-date into a wait
     */
    public static Duration parse(MultiMap headers, Instant now) {
        return headers == null ? null : parse(headers::get, now);
    }

    /**
     * The wait from the response headers, or null.
     *
     * @param header looks a header up by lower-case name, returning null when it is absent
     * @param now    the current wall-clock time, to turn an HTTP-date into a wait; when null an
     *               HTTP-date is ignored
     */
    public static Duration parse(Function<String, String> header, Instant now) {
        if (header == null) {
            return null;
        }
        Duration d = parseMillis(header.apply("retry-after-ms"));
        return d != null ? d : parseValue(header.apply("retry-after"), now);
    }

    /** A {@code retry-after-ms} value (non-negative milliseconds, fractions allowed), or null. */
    public static Duration parseMillis(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            double ms = Double.parseDouble(value.trim());
            return Double.isFinite(ms) && ms >= 0 ? Duration.ofNanos((long) (ms * 1_000_000)) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * A {@code Retry-After} value: delay-seconds or an HTTP-date ({@code Thu, 26 Nov 2026 12:01:30 GMT}),
     * or null when it is neither (or a date and {@code now} is null).
     */
    public static Duration parseValue(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return null;
        }
        String s = value.trim();
        try {
            double seconds = Double.parseDouble(s);
            return Double.isFinite(seconds) && seconds >= 0 ? Duration.ofMillis((long) (seconds * 1000)) : null;
        } catch (NumberFormatException notSeconds) {
            if (now == null) {
                return null;
            }
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(s, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
