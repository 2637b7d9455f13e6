package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.TransportErrors;
import dev.detour.wire.http.JsonFields;
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
 *   <li>429 &rarr; {@code RATE_LIMITED}, including {@code insufficient_quota}; 402 (credits
 *       exhausted, OpenRouter) likewise</li>
 *   <li>401 &rarr; {@code AUTHENTICATION}; 403 (including an unsupported country, region or
 *       territory) &rarr; {@code PERMISSION}; 404 ({@code model_not_found}), 405, 410
 *       &rarr; {@code NOT_FOUND}</li>
 *   <li>408 &rarr; {@code TIMEOUT}; 409 (lock conflict, retried by OpenAI's own SDKs) &rarr;
 *       {@code SERVER_ERROR}</li>
 *   <li>400, 413, 415, 422 &rarr; {@code INVALID_REQUEST}; any other 4xx &rarr; {@code UNKNOWN}</li>
 *   <li>503 with "overloaded" / "slow down" wording or code &rarr; {@code OVERLOADED}; every other
 *       5xx, 502 and 504 included &rarr; {@code SERVER_ERROR}</li>
 * </ol>
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
        ErrorBody e = ErrorBody.parse(body);
        String message = e.message != null ? e.message : "HTTP " + status + (e.raw.isEmpty() ? "" : ": " + e.raw);
        ErrorKind kind = classify(status, e.code, e.type, e.message);
        return new ProviderException(kind, status, message, retryAfter(status, headers, now), e.providerCode());
    }

    /**
     * Classifies an error the provider sent inside a stream ({@code data: {"error": {...}}}). Some
     * OpenAI-compatible servers put the HTTP status they meant in {@code error.code} (vLLM) or
     * {@code error.status}; when present it is used as the status, else the status is 0.
     */
    static ProviderException fromStreamError(JsonNode event) {
        ErrorBody e = ErrorBody.of(event);
        int status = e.status;
        ErrorKind kind = classify(status, e.code, e.type, e.message);
        String message = e.message != null ? e.message : "error event in stream";
        return new ProviderException(kind, status, message, null, e.providerCode());
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
        switch (status) {
            case 429:
            case 402:
                // insufficient_quota will not heal by retrying, but ErrorKind has no "rate limited,
                // do not retry" kind; RATE_LIMITED keeps `fallback_on: rate_limit` meaning every 429.
                return ErrorKind.RATE_LIMITED;
            case 401:
                return ErrorKind.AUTHENTICATION;
            case 403:
                return ErrorKind.PERMISSION;
            case 404:
            case 405:
            case 410:
                return ErrorKind.NOT_FOUND;
            case 408:
                return ErrorKind.TIMEOUT;
            case 409:
                return ErrorKind.SERVER_ERROR;
            case 400:
            case 413:
            case 415:
            case 422:
                return ErrorKind.INVALID_REQUEST;
            case 503:
                return isOverload(c, t, m) ? ErrorKind.OVERLOADED : ErrorKind.SERVER_ERROR;
            default:
                if (status >= 500 && status < 600) {
                    return ErrorKind.SERVER_ERROR;
                }
                return ErrorKind.UNKNOWN;
        }
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

    // ---------------------------------------------------------------- the error object

    /** OpenAI's {@code {"error": {"message", "type", "param", "code"}}}, leniently read. */
    private static final class ErrorBody {
        String message;
        String type;
        String code;
        int status;
        String raw = "";

        static ErrorBody parse(Buffer body) {
            JsonNode node = ErrorBodies.jsonObject(body);
            ErrorBody e = node != null ? of(node) : new ErrorBody();
            if (e.message == null) {
                e.raw = ErrorBodies.excerpt(body, ErrorBodies.EXCERPT);
            }
            return e;
        }

        static ErrorBody of(JsonNode root) {
            ErrorBody e = new ErrorBody();
            JsonNode err = root.get("error");
            if (err != null && err.isTextual()) {
                e.message = err.asText();
                err = root;
            } else if (err == null || !err.isObject()) {
                // Some compatible servers answer with the error object at the top level.
                err = root;
            }
            if (e.message == null) {
                e.message = JsonFields.optText(err, "message");
            }
            e.type = JsonFields.optText(err, "type");
            JsonNode code = err.get("code");
            if (code != null && code.isIntegralNumber()) {
                e.status = code.asInt();
            } else {
                e.code = JsonFields.optText(err, "code");
            }
            JsonNode status = err.get("status");
            if (e.status == 0 && status != null && status.isIntegralNumber()) {
                e.status = status.asInt();
            }
            return e;
        }

        String providerCode() {
            return code != null ? code : type;
        }
    }
}
