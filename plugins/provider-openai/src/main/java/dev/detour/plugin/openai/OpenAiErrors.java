package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.TransportErrors;
import dev.detour.wire.openai.OpenAiErrorBody;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The failure classifier of the {@code openai} adapter: maps an HTTP error answer, an error event
 * inside a stream, or a transport failure to one {@link ProviderException}.
 *
 * <p>The rules, in the order they are tried (sources: OpenAI's "Error codes" guide, its API
 * reference error object and "Rate limits" guide, the openai-python client's retry rules, Azure
 * OpenAI's content-filtering documentation):
 * <ol>
 *   <li>{@code code} {@code content_filter} / {@code content_policy_violation}, or Azure's
 *       "content management policy" message, on a 4xx &rarr; {@code CONTENT_FILTER}</li>
 *   <li>{@code code} {@code context_length_exceeded}, or a "maximum context length" message
 *       (vLLM, Mistral) on a 4xx &rarr; {@code CONTEXT_LENGTH}</li>
 *   <li>402 (credits exhausted, OpenRouter) &rarr; {@code RATE_LIMITED}, as every 429 is (including
 *       {@code insufficient_quota})</li>
 *   <li>409 (lock conflict, retried by OpenAI's own SDKs) &rarr; {@code SERVER_ERROR}</li>
 *   <li>503 with "overloaded" / "slow down" wording or code &rarr; {@code OVERLOADED}, a plain 503
 *       &rarr; {@code SERVER_ERROR}</li>
 *   <li>every other status as {@link ErrorKinds#ofStatus} says (401 &rarr; {@code AUTHENTICATION};
 *       403, including an unsupported country, region or territory &rarr; {@code PERMISSION}; 404
 *       {@code model_not_found}, 405, 410 &rarr; {@code NOT_FOUND}; 408 &rarr; {@code TIMEOUT}; 400,
 *       413, 415, 422 &rarr; {@code INVALID_REQUEST}; other 4xx &rarr; {@code UNKNOWN}; other 5xx,
 *       502 and 504 included &rarr; {@code SERVER_ERROR})</li>
 * </ol>
 * The error object is read by {@link OpenAiErrorBody}.
 * Transport failures are not classified here: the adapter hands them to {@link TransportErrors}.
 *
 * <p>{@code Retry-After} comes from {@code retry-after-ms} (milliseconds, sent by OpenAI), else
 * {@code Retry-After} (seconds or an HTTP-date), else, on a 429, the {@code x-ratelimit-reset-*}
 * header of the exhausted limit. The message is the provider's {@code error.message}; request
 * headers are never part of it. Stateless.
 */
final class OpenAiErrors {

    private static final Pattern GO_DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

    private OpenAiErrors() {
    }

    // ---------------------------------------------------------------- HTTP error answers

    /**
     * Classifies a non-2xx answer.
     *
     * @param status  the HTTP status
     * @param headers the response headers
     * @param body    the response body, or null when it could not be read
     * @param now     the wall-clock time, to turn an HTTP-date Retry-After into a duration
     */
    static ProviderException fromResponse(int status, MultiMap headers, Buffer body, Instant now) {
        OpenAiErrorBody e = OpenAiErrorBody.parse(body);
        ErrorKind kind = classify(status, e.code(), e.type(), e.message());
        return new ProviderException(kind, status, e.describe(status), retryAfter(status, headers, now), providerCode(e));
    }

    /**
     * Classifies an error the provider sent inside a stream ({@code data: {"error": {...}}}). Some
     * OpenAI-compatible servers put the HTTP status they meant in {@code error.code} (vLLM) or
     * {@code error.status}; when present it is used as the status, else the status is 0.
     */
    static ProviderException fromStreamError(JsonNode event) {
        OpenAiErrorBody e = OpenAiErrorBody.of(event);
        int status = e.status();
        ErrorKind kind = classify(status, e.code(), e.type(), e.message());
        String message = e.message() != null ? e.message() : "error event in stream";
        return new ProviderException(kind, status, message, null, providerCode(e));
    }

    /**
     * The kind for a status and the provider's error fields; pure. Status 0 means an in-band error
     * without a status: then only the code/type decide, defaulting to {@code SERVER_ERROR}.
     */
    static ErrorKind classify(int status, String code, String type, String message) {
        String c = lower(code);
        String t = lower(type);
        String m = lower(message);
        boolean clientStatus = status == 0 || (status >= 400 && status < 500);
        if (clientStatus && isContentFilter(c, t, m)) {
            return ErrorKind.CONTENT_FILTER;
        }
        if (clientStatus && isContextLength(c, m)) {
            return ErrorKind.CONTEXT_LENGTH;
        }
        if (status == 0) {
            return classifyInBand(c, t, m);
        }
        // insufficient_quota (429) will not heal by retrying, but ErrorKind has no "rate limited, do
        // not retry" kind; RATE_LIMITED keeps `fallback_on: rate_limit` meaning every 429.
        return switch (status) {
            // OpenRouter: credits exhausted. Another target may serve the request.
            case 402 -> ErrorKind.RATE_LIMITED;
            // A lock conflict, which OpenAI's own SDKs retry.
            case 409 -> ErrorKind.SERVER_ERROR;
            // OpenAI answers 503 both for an overloaded engine ("Slow Down", "overloaded") and for an outage.
            case 503 -> isOverload(c, t, m) ? ErrorKind.OVERLOADED : ErrorKind.SERVER_ERROR;
            default -> ErrorKinds.ofStatus(status);
        };
    }

    private static ErrorKind classifyInBand(String c, String t, String m) {
        if (c.contains("rate_limit") || t.contains("rate_limit") || c.equals("insufficient_quota")
                || t.equals("insufficient_quota")) {
            return ErrorKind.RATE_LIMITED;
        }
        if (isOverload(c, t, m)) {
            return ErrorKind.OVERLOADED;
        }
        if (t.equals("invalid_request_error")) {
            return ErrorKind.INVALID_REQUEST;
        }
        if (t.equals("authentication_error") || c.equals("invalid_api_key")) {
            return ErrorKind.AUTHENTICATION;
        }
        return ErrorKind.SERVER_ERROR;
    }

    private static boolean isContentFilter(String c, String t, String m) {
        return c.equals("content_filter") || c.equals("content_policy_violation") || t.equals("content_filter")
                || m.contains("content management policy");
    }

    private static boolean isContextLength(String c, String m) {
        return c.equals("context_length_exceeded") || m.contains("maximum context length")
                || m.contains("context length exceeded") || m.contains("context_length_exceeded");
    }

    private static boolean isOverload(String c, String t, String m) {
        return c.contains("overload") || t.contains("overload") || m.contains("overloaded") || m.contains("slow down");
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- Retry-After

    /**
     * The wait the provider asked for, or null: {@link RetryAfter} ({@code retry-after-ms}, then
     * {@code retry-after}), else on a 429 the reset of the exhausted rate limit.
     */
    static Duration retryAfter(int status, MultiMap headers, Instant now) {
        if (headers == null) {
            return null;
        }
        Duration d = RetryAfter.parse(headers, now);
        if (d == null && status == 429) {
            d = exhaustedLimitReset(headers);
        }
        return d;
    }

    /**
     * OpenAI's {@code x-ratelimit-reset-requests} / {@code -tokens} (Go durations such as
     * {@code 6m0s} or {@code 12ms}) of the limit whose {@code x-ratelimit-remaining-*} is 0; the
     * longer one when both are exhausted.
     */
    private static Duration exhaustedLimitReset(MultiMap headers) {
        Duration best = null;
        for (String limit : new String[] {"requests", "tokens"}) {
            if ("0".equals(trim(headers.get("x-ratelimit-remaining-" + limit)))) {
                Duration d = parseGoDuration(headers.get("x-ratelimit-reset-" + limit));
                if (d != null && (best == null || d.compareTo(best) > 0)) {
                    best = d;
                }
            }
        }
        return best;
    }

    static Duration parseGoDuration(String v) {
        if (v == null || v.isBlank()) {
            return null;
        }
        Matcher mt = GO_DURATION.matcher(v.trim());
        long nanos = 0;
        int end = 0;
        while (mt.find()) {
            if (mt.start() != end) {
                return null;
            }
            double n = Double.parseDouble(mt.group(1));
            double unit = switch (mt.group(2)) {
                case "ms" -> 1e6;
                case "s" -> 1e9;
                case "m" -> 60e9;
                default -> 3600e9;
            };
            nanos += (long) (n * unit);
            end = mt.end();
        }
        return end == v.trim().length() && end > 0 ? Duration.ofNanos(nanos) : null;
    }

    private static String trim(String s) {
        return s == null ? null : s.trim();
    }

    /** The code Detour reports for the provider's error: its {@code code}, else its {@code type}. */
    private static String providerCode(OpenAiErrorBody e) {
        return e.code() != null ? e.code() : e.type();
    }
}
