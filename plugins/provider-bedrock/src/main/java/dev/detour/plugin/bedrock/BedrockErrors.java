package dev.detour.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.JsonFields;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.util.Locale;

/**
 * The failure classifier of the {@code bedrock} adapter. Bedrock Runtime names each error by its
 * type: the {@code x-amzn-ErrorType} header ({@code ThrottlingException:http://...}), else the
 * body's {@code __type} ({@code com.amazon...#ValidationException}); inside a ConverseStream the
 * {@code :exception-type} header ({@code throttlingException}). The body is
 * {@code {"message": "..."}}. Rules (source: the Converse / ConverseStream API reference "Errors"
 * and the Bedrock user guide's API error codes), by type first, then by HTTP status:
 * <ul>
 *   <li>{@code ThrottlingException} (429), {@code ServiceQuotaExceededException} &rarr; {@code RATE_LIMITED}</li>
 *   <li>{@code ValidationException} (400) &rarr; {@code INVALID_REQUEST}, or {@code CONTEXT_LENGTH}
 *       when its message says the input is too long for the model</li>
 *   <li>{@code AccessDeniedException} (403) &rarr; {@code PERMISSION}; {@code UnrecognizedClientException},
 *       {@code InvalidSignatureException}, {@code ExpiredTokenException}, {@code IncompleteSignature},
 *       {@code InvalidClientTokenId} &rarr; {@code AUTHENTICATION}</li>
 *   <li>{@code ResourceNotFoundException} (404) &rarr; {@code NOT_FOUND}</li>
 *   <li>{@code ModelTimeoutException} (408) &rarr; {@code TIMEOUT}; {@code ModelErrorException} (424),
 *       {@code ModelStreamErrorException}, {@code InternalServerException} (500) &rarr; {@code SERVER_ERROR}</li>
 *   <li>{@code ServiceUnavailableException} (503), {@code ModelNotReadyException} &rarr; {@code OVERLOADED}</li>
 *   <li>an unnamed error: as {@link ErrorKinds#ofStatus} says (429 &rarr; {@code RATE_LIMITED}, 401
 *       &rarr; {@code AUTHENTICATION}, 403 &rarr; {@code PERMISSION}, 404 &rarr; {@code NOT_FOUND}, 408
 *       &rarr; {@code TIMEOUT}, 400, 413, 415, 422 &rarr; {@code INVALID_REQUEST} or {@code CONTEXT_LENGTH}
 *       by the message as for {@code ValidationException}, other 4xx &rarr; {@code UNKNOWN}, 503 &rarr;
 *       {@code OVERLOADED}, other 5xx &rarr; {@code SERVER_ERROR}); without a status (inside a stream)
 *       &rarr; {@code SERVER_ERROR}</li>
 * </ul>
 * Transport failures are the adapter's, through {@link dev.detour.wire.http.TransportErrors}. Stateless.
 */
final class BedrockErrors {

    private BedrockErrors() {
    }

    /** Classifies a non-2xx answer. */
    static ProviderException fromResponse(int status, MultiMap headers, Buffer body) {
        JsonNode json = ErrorBodies.jsonObject(body);
        String type = errorType(headers == null ? null : headers.get("x-amzn-ErrorType"));
        if (type == null && json != null) {
            type = errorType(JsonFields.optText(json, "__type"));
        }
        String message = json == null ? null : JsonFields.optText(json, json.has("message") ? "message" : "Message");
        if (message == null) {
            String raw = ErrorBodies.excerpt(body, ErrorBodies.EXCERPT);
            message = "HTTP " + status + (type != null ? " " + type : "") + (raw.isEmpty() ? "" : ": " + raw);
        }
        // Bedrock sends delay-seconds only, so no clock is needed for an HTTP-date.
        return new ProviderException(classify(status, type, message), status, message,
                RetryAfter.parse(headers, null), type);
    }

    /** Classifies an exception message inside a ConverseStream ({@code :exception-type} and its JSON payload). */
    static ProviderException fromStreamException(String exceptionType, byte[] payload) {
        JsonNode json = ErrorBodies.jsonObject(payload == null ? null : Buffer.buffer(payload));
        String message = json == null ? null : JsonFields.optText(json, "message");
        String type = exceptionType == null ? null : exceptionType.substring(0, 1).toUpperCase(Locale.ROOT) + exceptionType.substring(1);
        int status = json != null && json.hasNonNull("originalStatusCode") ? json.get("originalStatusCode").asInt(0) : 0;
        ErrorKind kind = classify(0, type, message);
        return new ProviderException(kind, status, message != null ? message : "exception in stream: " + exceptionType,
                null, type);
    }

    /** The kind for an HTTP status (0 when none) and a Bedrock error type (null when unnamed); pure. */
    static ErrorKind classify(int status, String type, String message) {
        String t = type == null ? "" : type;
        String m = message == null ? "" : message.toLowerCase(Locale.ROOT);
        switch (t) {
            case "ThrottlingException":
            case "ServiceQuotaExceededException":
                return ErrorKind.RATE_LIMITED;
            case "ValidationException":
                return isContextLength(m) ? ErrorKind.CONTEXT_LENGTH : ErrorKind.INVALID_REQUEST;
            case "AccessDeniedException":
                return ErrorKind.PERMISSION;
            case "UnrecognizedClientException":
            case "InvalidSignatureException":
            case "ExpiredTokenException":
            case "IncompleteSignature":
            case "InvalidClientTokenId":
                return ErrorKind.AUTHENTICATION;
            case "ResourceNotFoundException":
                return ErrorKind.NOT_FOUND;
            case "ModelTimeoutException":
                return ErrorKind.TIMEOUT;
            case "ModelErrorException":
            case "ModelStreamErrorException":
            case "InternalServerException":
                return ErrorKind.SERVER_ERROR;
            case "ServiceUnavailableException":
            case "ModelNotReadyException":
                return ErrorKind.OVERLOADED;
            default:
                break;
        }
        if (status == 0) {
            // An unnamed exception inside a stream: the model or the service failed mid-answer.
            return ErrorKind.SERVER_ERROR;
        }
        ErrorKind kind = ErrorKinds.ofStatus(status);
        return kind == ErrorKind.INVALID_REQUEST && isContextLength(m) ? ErrorKind.CONTEXT_LENGTH : kind;
    }

    /** Wordings of Bedrock's "prompt does not fit" validation errors across model families. */
    private static boolean isContextLength(String m) {
        return m.contains("too long") || m.contains("context length") || m.contains("context window")
                || m.contains("maximum context") || m.contains("too many input tokens")
                || (m.contains("exceed") && m.contains("token") && (m.contains("input") || m.contains("prompt")));
    }

    /** {@code ThrottlingException:http://...} or {@code com.amazon.x#ThrottlingException} &rarr; {@code ThrottlingException}. */
    static String errorType(String raw) {
        if (raw == null || raw.isBlank()) {
            return null;
        }
        String t = raw.trim();
        int colon = t.indexOf(':');
        if (colon >= 0) {
            t = t.substring(0, colon);
        }
        int hash = t.lastIndexOf('#');
        if (hash >= 0) {
            t = t.substring(hash + 1);
        }
        return t.isEmpty() ? null : t;
    }
}
