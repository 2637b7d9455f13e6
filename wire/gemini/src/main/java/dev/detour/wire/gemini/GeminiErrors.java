package dev.detour.wire.gemini;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.RetryAfter;

import java.io.IOException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Locale;

/**
 * Classifies every Gemini failure into one {@link ErrorKind}. Google APIs answer errors as
 * {@code {"error":{"code":429,"message":"..","status":"RESOURCE_EXHAUSTED","details":[..]}}}
 * (see the Gemini API "API errors" / troubleshooting page); the same object can also arrive as an
 * event inside an SSE stream, then without an HTTP status.
 *
 * <p>Rules, in order (one unit test each in {@code GeminiErrorsTest}):
 * <ul>
 *   <li>"API key not valid" / {@code ErrorInfo.reason API_KEY_INVALID} (Google sends it as 400
 *       INVALID_ARGUMENT) → AUTHENTICATION</li>
 *   <li>401 UNAUTHENTICATED → AUTHENTICATION; 403 PERMISSION_DENIED → PERMISSION</li>
 *   <li>400 FAILED_PRECONDITION (free tier not available in the region, billing) → PERMISSION: the
 *       request is fine, this provider account may not serve it, another target may</li>
 *   <li>400 INVALID_ARGUMENT about the token limit ("exceeds the maximum number of tokens") →
 *       CONTEXT_LENGTH; any other 400 → INVALID_REQUEST</li>
 *   <li>413 (the request size limit) → CONTEXT_LENGTH; 504 DEADLINE_EXCEEDED → TIMEOUT</li>
 *   <li>every other status as {@link ErrorKinds#ofStatus} says: 404 NOT_FOUND → NOT_FOUND; 429
 *       RESOURCE_EXHAUSTED → RATE_LIMITED, with the {@code Retry-After} header (delay-seconds; Google
 *       sends no HTTP-date) or else the {@code google.rpc.RetryInfo.retryDelay} ("12s") of
 *       {@code error.details}; 500 INTERNAL (and other 5xx) → SERVER_ERROR; 503 UNAVAILABLE →
 *       OVERLOADED; 408 → TIMEOUT; 409 ABORTED and other 4xx → UNKNOWN</li>
 * </ul>
 * Transport failures are the adapter's, through {@link dev.detour.wire.http.TransportErrors}.
 * Messages quote Google's message (which never carries the key) and never the request.
 */
public final class GeminiErrors {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int MAX_MESSAGE = 500;

    private GeminiErrors() {
    }

    /**
     * The failure for a non-2xx HTTP answer.
     *
     * @param status     the HTTP status
     * @param retryAfter the {@code Retry-After} header, or null
     * @param body       the response body as text (may be empty or not JSON)
     */
    public static ProviderException fromHttp(int status, String retryAfter, String body) {
        return fromHttp("Gemini", status, retryAfter, body);
    }

    /**
     * The failure for a non-2xx HTTP answer of any Google API speaking the same error object
     * (Vertex AI), its message starting with {@code service}.
     *
     * @param service    the API's name at the start of the message, e.g. {@code Vertex AI}
     * @param status     the HTTP status
     * @param retryAfter the {@code Retry-After} header, or null
     * @param body       the response body as text (may be empty or not JSON)
     */
    public static ProviderException fromHttp(String service, int status, String retryAfter, String body) {
        JsonNode error = null;
        if (body != null && !body.isBlank()) {
            try {
                JsonNode root = MAPPER.readTree(body);
                // Some Google front ends wrap the error object in a one-element array.
                if (root != null && root.isArray() && root.size() > 0) {
                    root = root.get(0);
                }
                if (root != null && root.path("error").isObject()) {
                    error = root.get("error");
                }
            } catch (IOException e) {
                error = null;
            }
        }
        if (error == null) {
            String text = body == null || body.isBlank() ? "(empty body)" : truncate(body.strip());
            return build(service, status, "", "", text, RetryAfter.parseValue(retryAfter, null), null);
        }
        return fromError(service, error, status, retryAfter);
    }

    /**
     * The failure for a Google error object ({@code error} of the body or of a stream event).
     *
     * @param error      the value of the {@code error} field
     * @param httpStatus the HTTP status, or 0 inside a stream (then {@code error.code} is used)
     * @param retryAfter the {@code Retry-After} header, or null
     */
    public static ProviderException fromError(JsonNode error, int httpStatus, String retryAfter) {
        return fromError("Gemini", error, httpStatus, retryAfter);
    }

    /** {@link #fromError(JsonNode, int, String)} with the message starting with {@code service}. */
    public static ProviderException fromError(String service, JsonNode error, int httpStatus, String retryAfter) {
        String gStatus = error.path("status").asText("");
        int code = httpStatus > 0 ? httpStatus : error.path("code").asInt(0);
        if (code == 0) {
            code = statusCode(gStatus);
        }
        String message = error.path("message").asText("");
        String reason = "";
        Duration retryDelay = null;
        for (JsonNode d : error.path("details")) {
            String type = d.path("@type").asText("");
            if (type.endsWith("google.rpc.ErrorInfo") && reason.isEmpty()) {
                reason = d.path("reason").asText("");
            } else if (type.endsWith("google.rpc.RetryInfo")) {
                retryDelay = parseProtoDuration(d.path("retryDelay").asText(null));
            }
        }
        Duration wait = RetryAfter.parseValue(retryAfter, null);
        if (wait == null) {
            wait = retryDelay;
        }
        return build(service, code, gStatus, reason, truncate(message), wait, gStatus.isEmpty() ? null : gStatus);
    }

    private static ProviderException build(String service, int code, String gStatus, String reason, String message,
                                           Duration retryAfter, String providerCode) {
        ErrorKind kind = classify(code, gStatus, reason, message);
        String text = service + " " + (code > 0 ? code + " " : "") + (gStatus.isEmpty() ? "" : gStatus + ": ")
                + (message.isEmpty() ? "(no message)" : message);
        return new ProviderException(kind, code, text, kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.OVERLOADED
                ? retryAfter : null, providerCode);
    }

    private static ErrorKind classify(int code, String gStatus, String reason, String message) {
        String lower = message.toLowerCase(Locale.ROOT);
        if (reason.equals("API_KEY_INVALID") || lower.contains("api key not valid") || lower.contains("api key expired")) {
            return ErrorKind.AUTHENTICATION;
        }
        return switch (code) {
            case 400 -> gStatus.equals("FAILED_PRECONDITION") ? ErrorKind.PERMISSION
                    : isTokenLimit(lower) ? ErrorKind.CONTEXT_LENGTH : ErrorKind.INVALID_REQUEST;
            // The request size limit (20 MB of inline data) is Gemini's own: another target may take it.
            case 413 -> ErrorKind.CONTEXT_LENGTH;
            // DEADLINE_EXCEEDED: the deadline passed before the model answered.
            case 504 -> ErrorKind.TIMEOUT;
            default -> ErrorKinds.ofStatus(code);
        };
    }

    private static boolean isTokenLimit(String lower) {
        return lower.contains("maximum number of tokens")
                || (lower.contains("token count") && lower.contains("exceeds"))
                || lower.contains("context length") || lower.contains("context window")
                || lower.contains("too many tokens");
    }

    /** The HTTP status Google's HTTP mapping gives a canonical status name, or 0. */
    private static int statusCode(String gStatus) {
        switch (gStatus) {
            case "INVALID_ARGUMENT":
            case "FAILED_PRECONDITION":
            case "OUT_OF_RANGE":
                return 400;
            case "UNAUTHENTICATED":
                return 401;
            case "PERMISSION_DENIED":
                return 403;
            case "NOT_FOUND":
                return 404;
            case "RESOURCE_EXHAUSTED":
                return 429;
            case "INTERNAL":
            case "UNKNOWN":
                return 500;
            case "UNAVAILABLE":
                return 503;
            case "DEADLINE_EXCEEDED":
                return 504;
            default:
                return 0;
        }
    }

    /** A protobuf JSON duration such as {@code "12s"} or {@code "19.424395716s"}, or null. */
    static Duration parseProtoDuration(String value) {
        if (value == null || !value.endsWith("s")) {
            return null;
        }
        try {
            BigDecimal seconds = new BigDecimal(value.substring(0, value.length() - 1).trim());
            if (seconds.signum() < 0) {
                return null;
            }
            long nanos = seconds.movePointRight(9).longValue();
            return Duration.ofNanos(nanos);
        } catch (NumberFormatException | ArithmeticException e) {
            return null;
        }
    }

    private static String truncate(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }
}
