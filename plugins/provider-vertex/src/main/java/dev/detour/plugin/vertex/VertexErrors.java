package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.gemini.GeminiErrors;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.util.Locale;

/**
 * Classifies every Vertex AI failure into one {@link ErrorKind}. Vertex's front end answers in
 * Google's error shape ({@code {"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":..,
 * "details":[..]}}}) for both publishers; a Claude model's own failures (through {@code rawPredict})
 * come in Anthropic's shape ({@code {"type":"error","error":{"type":"overloaded_error",..}}}).
 *
 * <p>Rules, in order (one test each in {@code VertexErrorsTest}):
 * <ul>
 *   <li>403 PERMISSION_DENIED with {@code ErrorInfo.reason SERVICE_DISABLED} (or Google's "API has
 *       not been used in project ... or it is disabled") → PERMISSION, the message saying the
 *       Vertex AI API is disabled for the project: never retried here, falls back per policy;</li>
 *   <li>any other body in Google's shape → the Gemini API's rules ({@link GeminiErrors}): 401
 *       UNAUTHENTICATED → AUTHENTICATION (the adapter refreshes its token and tries once more),
 *       403 → PERMISSION, 429 RESOURCE_EXHAUSTED → RATE_LIMITED (with {@code Retry-After} or
 *       {@code RetryInfo.retryDelay}), 503 UNAVAILABLE → OVERLOADED, 500 → SERVER_ERROR, 504 →
 *       TIMEOUT, 404 → NOT_FOUND, 400 FAILED_PRECONDITION → PERMISSION, other 400 →
 *       INVALID_REQUEST (CONTEXT_LENGTH when about the token limit);</li>
 *   <li>a body in Anthropic's shape → by its {@code error.type}: {@code overloaded_error} →
 *       OVERLOADED, {@code rate_limit_error} → RATE_LIMITED, {@code api_error} → SERVER_ERROR,
 *       {@code timeout_error} → TIMEOUT, {@code authentication_error} → AUTHENTICATION,
 *       {@code permission_error} → PERMISSION, {@code not_found_error} → NOT_FOUND,
 *       {@code request_too_large} → CONTEXT_LENGTH, {@code invalid_request_error} →
 *       INVALID_REQUEST (CONTEXT_LENGTH when the prompt is too long); an unknown type by status;</li>
 *   <li>anything else by {@link ErrorKinds#ofStatus}.</li>
 * </ul>
 * Messages quote the upstream's message (cut to 500 characters), never the request or the token.
 */
final class VertexErrors {

    private static final String SERVICE = "Vertex AI";
    private static final int MAX_MESSAGE = 500;

    private VertexErrors() {
    }

    /**
     * The failure for a non-2xx answer.
     *
     * @param status     the HTTP status
     * @param retryAfter the {@code Retry-After} header, or null
     * @param body       the body's text (may be empty or not JSON)
     */
    static ProviderException fromHttp(int status, String retryAfter, String body) {
        JsonNode root = parse(body);
        if (root != null && root.isArray() && root.size() > 0) {
            root = root.get(0);
        }
        JsonNode error = root == null ? null : root.get("error");
        if (error != null && error.isObject() && error.path("type").isTextual() && !error.has("status")) {
            return anthropic(error, status, retryAfter);
        }
        if (status == 403 && error != null && error.isObject() && serviceDisabled(error)) {
            String message = truncate(error.path("message").asText(""));
            return new ProviderException(ErrorKind.PERMISSION, 403, SERVICE + " 403 PERMISSION_DENIED: the Vertex AI API "
                    + "(aiplatform.googleapis.com) is disabled for this project; enable it in the Cloud console"
                    + (message.isEmpty() ? "" : " (" + message + ")"), null, "SERVICE_DISABLED");
        }
        return GeminiErrors.fromHttp(SERVICE, status, retryAfter, body);
    }

    /** An {@code error} event of a Claude stream ({@code {"type":"error","error":{..}}}). */
    static ProviderException fromClaudeStreamEvent(JsonNode event) {
        JsonNode error = event == null ? null : event.path("error");
        return anthropic(error == null || !error.isObject() ? WireJson.MAPPER.createObjectNode() : error, 0, null);
    }

    private static boolean serviceDisabled(JsonNode error) {
        for (JsonNode d : error.path("details")) {
            if (d.path("@type").asText("").endsWith("google.rpc.ErrorInfo")
                    && d.path("reason").asText("").equals("SERVICE_DISABLED")) {
                return true;
            }
        }
        String m = error.path("message").asText("").toLowerCase(Locale.ROOT);
        return m.contains("has not been used in project") || m.contains("api is disabled")
                || (m.contains("it is disabled") && m.contains("api"));
    }

    private static ProviderException anthropic(JsonNode error, int httpStatus, String retryAfter) {
        String type = error.path("type").asText("");
        String message = truncate(error.path("message").asText(""));
        int status = httpStatus > 0 ? httpStatus : switch (type) {
            case "invalid_request_error" -> 400;
            case "authentication_error" -> 401;
            case "permission_error" -> 403;
            case "not_found_error" -> 404;
            case "request_too_large" -> 413;
            case "rate_limit_error" -> 429;
            case "api_error" -> 500;
            case "timeout_error" -> 504;
            case "overloaded_error" -> 529;
            default -> 0;
        };
        ErrorKind kind = switch (type) {
            case "overloaded_error" -> ErrorKind.OVERLOADED;
            case "rate_limit_error" -> ErrorKind.RATE_LIMITED;
            case "api_error" -> ErrorKind.SERVER_ERROR;
            case "timeout_error" -> ErrorKind.TIMEOUT;
            case "authentication_error" -> ErrorKind.AUTHENTICATION;
            case "permission_error" -> ErrorKind.PERMISSION;
            case "not_found_error" -> ErrorKind.NOT_FOUND;
            case "request_too_large" -> ErrorKind.CONTEXT_LENGTH;
            case "invalid_request_error" -> tooLong(message) ? ErrorKind.CONTEXT_LENGTH : ErrorKind.INVALID_REQUEST;
            default -> status == 529 ? ErrorKind.OVERLOADED : status > 0 ? ErrorKinds.ofStatus(status) : ErrorKind.UNKNOWN;
        };
        String text = SERVICE + " (Claude) " + (status > 0 ? status + " " : "") + (type.isEmpty() ? "" : type + ": ")
                + (message.isEmpty() ? "(no message)" : message);
        boolean waits = kind == ErrorKind.RATE_LIMITED || kind == ErrorKind.OVERLOADED;
        return new ProviderException(kind, status, text, waits ? RetryAfter.parseValue(retryAfter, null) : null,
                type.isEmpty() ? null : type);
    }

    private static boolean tooLong(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        return m.contains("prompt is too long") || m.contains("context window") || m.contains("context length");
    }

    private static JsonNode parse(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            return WireJson.MAPPER.readTree(body);
        } catch (IOException e) {
            return null;
        }
    }

    private static String truncate(String s) {
        return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE) + "...";
    }
}
