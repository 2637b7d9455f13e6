package dev.detour.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.JsonFields;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.function.Function;

/**
 * Classifies every Anthropic failure into one {@link ErrorKind}, following Anthropic's "Errors"
 * page. The error body is {@code {"type":"error","error":{"type":..,"message":..}}}; its
 * {@code error.type} decides when known, the HTTP status otherwise:
 *
 * <table>
 *   <caption>Rules</caption>
 *   <tr><th>error.type / status</th><th>kind</th></tr>
 *   <tr><td>{@code invalid_request_error} / 400, 422</td><td>INVALID_REQUEST, but CONTEXT_LENGTH when the
 *       message says the prompt is too long or exceeds the context window / limit</td></tr>
 *   <tr><td>{@code authentication_error} / 401</td><td>AUTHENTICATION</td></tr>
 *   <tr><td>{@code permission_error} / 403, {@code billing_error} / 402</td><td>PERMISSION</td></tr>
 *   <tr><td>{@code not_found_error} / 404</td><td>NOT_FOUND</td></tr>
 *   <tr><td>{@code request_too_large} / 413</td><td>CONTEXT_LENGTH: the 32 MB body limit is Anthropic's own
 *       (enforced before the API), so the request is not wrong in itself and another target may take
 *       it, but retrying here cannot succeed</td></tr>
 *   <tr><td>{@code rate_limit_error} / 429</td><td>RATE_LIMITED, with the {@link RetryAfter} headers
 *       ({@code retry-after} seconds) or else the earliest {@code anthropic-ratelimit-*-reset} time</td></tr>
 *   <tr><td>{@code api_error} / 500 and other 5xx</td><td>SERVER_ERROR</td></tr>
 *   <tr><td>{@code overloaded_error} / 529, and 503</td><td>OVERLOADED</td></tr>
 *   <tr><td>{@code timeout_error} / 504, 408</td><td>TIMEOUT</td></tr>
 *   <tr><td>405, 410</td><td>NOT_FOUND</td></tr>
 *   <tr><td>other 4xx</td><td>INVALID_REQUEST (the docs: {@code invalid_request_error} is also used for
 *       4xx statuses not listed)</td></tr>
 * </table>
 * Statuses without an Anthropic meaning (408, 405, 410, 503, other 5xx) follow {@link ErrorKinds#ofStatus};
 * 402, 413, 504, 529 and other 4xx are Anthropic's documented overrides.
 *
 * An {@code error} event inside a stream is classified by its type alone and reported with the
 * status that type has outside a stream (e.g. 529 for {@code overloaded_error}), so
 * {@code retry.on_status} rules match it too. Transport failures are classified by
 * {@link dev.detour.wire.http.TransportErrors}. Messages carry Anthropic's message, cut to
 * {@value #MAX_MESSAGE} characters, with the API key (when given) masked.
 */
public final class AnthropicErrors {

    static final int MAX_MESSAGE = 500;
    private static final String[] RESET_HEADERS = {
            "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
            "anthropic-ratelimit-input-tokens-reset", "anthropic-ratelimit-output-tokens-reset"};

    private AnthropicErrors() {
    }

    /**
     * Classifies a non-2xx answer.
     *
     * @param status  the HTTP status
     * @param headers header lookup by (case-insensitive) name, returning null when absent
     * @param body    the response body, possibly empty or not JSON
     * @param now     the current time, for {@code anthropic-ratelimit-*-reset} timestamps
     * @param apiKey  the key to mask in messages, or null
     */
    public static ProviderException fromResponse(int status, Function<String, String> headers, byte[] body,
                                                 Instant now, String apiKey) {
        String type = null;
        String message = null;
        JsonNode error = parse(body).path("error");
        if (error.isObject()) {
            type = JsonFields.optText(error, "type");
            message = JsonFields.optText(error, "message");
        }
        if (message == null) {
            message = body == null || body.length == 0 ? "" : new String(body, StandardCharsets.UTF_8);
        }
        ErrorKind kind = kindOf(type, status, message);
        Duration retryAfter = kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.OVERLOADED
                ? retryAfter(headers, now) : null;
        String text = "anthropic " + status + (type == null ? "" : " " + type) + (message.isEmpty() ? "" : ": " + message);
        return new ProviderException(kind, status, scrub(text, apiKey), retryAfter, type);
    }

    /** Classifies the JSON of an in-band {@code event: error}. */
    public static ProviderException fromStreamError(JsonNode event, String apiKey) {
        JsonNode error = event == null ? null : event.path("error");
        String type = error == null ? null : JsonFields.optText(error, "type");
        String message = error == null ? null : JsonFields.optText(error, "message");
        if (message == null) {
            message = "";
        }
        int status = statusOf(type);
        ErrorKind kind = type == null ? ErrorKind.UNKNOWN : kindOf(type, status, message);
        String text = "anthropic stream error" + (type == null ? "" : " " + type) + (message.isEmpty() ? "" : ": " + message);
        return new ProviderException(kind, status, scrub(text, apiKey), null, type);
    }

    /** Whether an {@code invalid_request_error} message means the prompt does not fit the context window. */
    static boolean isContextLength(String message) {
        if (message == null) {
            return false;
        }
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("prompt is too long") || m.contains("context window") || m.contains("context limit")
                || m.contains("context length");
    }

    private static ErrorKind kindOf(String type, int status, String message) {
        if (type != null) {
            switch (type) {
                case "invalid_request_error":
                    return isContextLength(message) ? ErrorKind.CONTEXT_LENGTH : ErrorKind.INVALID_REQUEST;
                case "authentication_error":
                    return ErrorKind.AUTHENTICATION;
                case "permission_error", "billing_error":
                    return ErrorKind.PERMISSION;
                case "not_found_error":
                    return ErrorKind.NOT_FOUND;
                case "request_too_large":
                    return ErrorKind.CONTEXT_LENGTH;
                case "rate_limit_error":
                    return ErrorKind.RATE_LIMITED;
                case "api_error":
                    return ErrorKind.SERVER_ERROR;
                case "overloaded_error":
                    return ErrorKind.OVERLOADED;
                case "timeout_error":
                    return ErrorKind.TIMEOUT;
                default:
                    break; // a type newer than this adapter: fall back to the status
            }
        }
        // Anthropic's own statuses, then the generic rule.
        ErrorKind kind = switch (status) {
            case 402 -> ErrorKind.PERMISSION;      // billing_error
            case 413 -> ErrorKind.CONTEXT_LENGTH;  // request_too_large
            case 504 -> ErrorKind.TIMEOUT;         // timeout_error
            case 529 -> ErrorKind.OVERLOADED;      // overloaded_error
            default -> ErrorKinds.ofStatus(status);
        };
        if (kind == ErrorKind.UNKNOWN && ErrorKinds.isClientError(status)) {
            // "We may also use this error type [invalid_request_error] for other 4XX status codes."
            kind = ErrorKind.INVALID_REQUEST;
        }
        return kind == ErrorKind.INVALID_REQUEST && isContextLength(message) ? ErrorKind.CONTEXT_LENGTH : kind;
    }

    private static int statusOf(String type) {
        if (type == null) {
            return 0;
        }
        return switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "billing_error" -> 402;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "api_error" -> 500;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 0;
        };
    }

    private static Duration retryAfter(Function<String, String> headers, Instant now) {
        Duration standard = RetryAfter.parse(headers, now);
        if (standard != null) {
            return standard;
        }
        Duration earliest = null;
        for (String name : RESET_HEADERS) {
            String v = headers.apply(name);
            if (v == null || now == null) {
                continue;
            }
            try {
                Duration d = Duration.between(now, OffsetDateTime.parse(v.trim()).toInstant());
                if (!d.isNegative() && (earliest == null || d.compareTo(earliest) < 0)) {
                    earliest = d;
                }
            } catch (DateTimeParseException ignored) {
                // An unreadable hint is no hint.
            }
        }
        return earliest;
    }

    private static JsonNode parse(byte[] body) {
        if (body == null || body.length == 0) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode n = WireJson.MAPPER.readTree(body);
            return n == null ? MissingNode.getInstance() : n;
        } catch (IOException e) {
            return MissingNode.getInstance();
        }
    }

    static String scrub(String text, String apiKey) {
        String out = apiKey == null || apiKey.isEmpty() ? text : text.replace(apiKey, "***");
        return out.length() > MAX_MESSAGE ? out.substring(0, MAX_MESSAGE) + "…" : out;
    }
}
