package dev.detour.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.wire.OpenAiJson;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.MultiMap;
import io.vertx.core.VertxException;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeoutException;

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
 *   <li>an unnamed error: 429 &rarr; {@code RATE_LIMITED}, 401 &rarr; {@code AUTHENTICATION}, 403
 *       &rarr; {@code PERMISSION}, 404 &rarr; {@code NOT_FOUND}, 408 &rarr; {@code TIMEOUT}, other 4xx
 *       &rarr; {@code INVALID_REQUEST}, 503 &rarr; {@code OVERLOADED}, other 5xx &rarr; {@code SERVER_ERROR}</li>
 * </ul>
 * Transport failures walk the cause chain like every adapter's. Stateless.
 */
final class BedrockErrors {

    private static final int SNIPPET = 200;

    private BedrockErrors() {
    }

    /** Classifies a non-2xx answer. */
    static ProviderException fromResponse(int status, MultiMap headers, Buffer body) {
        JsonNode json = parse(body);
        String type = errorType(headers == null ? null : headers.get("x-amzn-ErrorType"));
        if (type == null && json != null) {
            type = errorType(text(json.get("__type")));
        }
        String message = json == null ? null : text(json.has("message") ? json.get("message") : json.get("Message"));
        if (message == null) {
            String raw = body == null ? "" : body.toString().replaceAll("\\s+", " ").trim();
            message = "HTTP " + status + (type != null ? " " + type : "")
                    + (raw.isEmpty() ? "" : ": " + (raw.length() > SNIPPET ? raw.substring(0, SNIPPET) + "..." : raw));
        }
        return new ProviderException(classify(status, type, message), status, message,
                retryAfter(headers), type);
    }

    /** Classifies an exception message inside a ConverseStream ({@code :exception-type} and its JSON payload). */
    static ProviderException fromStreamException(String exceptionType, byte[] payload) {
        JsonNode json = parse(payload == null ? null : Buffer.buffer(payload));
        String message = json == null ? null : text(json.get("message"));
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
            return ErrorKind.SERVER_ERROR;
        }
        if (status == 429) {
            return ErrorKind.RATE_LIMITED;
        }
        if (status == 401) {
            return ErrorKind.AUTHENTICATION;
        }
        if (status == 403) {
            return ErrorKind.PERMISSION;
        }
        if (status == 404) {
            return ErrorKind.NOT_FOUND;
        }
        if (status == 408) {
            return ErrorKind.TIMEOUT;
        }
        if (status >= 400 && status < 500) {
            return isContextLength(m) ? ErrorKind.CONTEXT_LENGTH : ErrorKind.INVALID_REQUEST;
        }
        if (status == 503) {
            return ErrorKind.OVERLOADED;
        }
        return status >= 500 && status < 600 ? ErrorKind.SERVER_ERROR : ErrorKind.UNKNOWN;
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

    private static Duration retryAfter(MultiMap headers) {
        String v = headers == null ? null : headers.get("retry-after");
        if (v == null) {
            return null;
        }
        try {
            long s = Long.parseLong(v.trim());
            return s >= 0 ? Duration.ofSeconds(s) : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    // ---------------------------------------------------------------- transport failures

    /** Classifies a failure that is not an HTTP answer; a {@link ProviderException} in the chain wins. */
    static ProviderException fromFailure(Throwable failure) {
        int depth = 0;
        for (Throwable t = failure; t != null && depth < 16; t = t.getCause(), depth++) {
            ProviderException p = classifyOne(t);
            if (p != null) {
                return p;
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return new ProviderException(ErrorKind.UNKNOWN, 0,
                "unexpected failure: " + failure.getClass().getSimpleName() + describe(failure));
    }

    private static ProviderException classifyOne(Throwable t) {
        if (t instanceof ProviderException p) {
            return p;
        }
        if (t instanceof ConnectTimeoutException) {
            return new ProviderException(ErrorKind.TIMEOUT, 0, "connect timeout" + describe(t));
        }
        if (t instanceof TimeoutException || t instanceof SocketTimeoutException) {
            return new ProviderException(ErrorKind.TIMEOUT, 0, "timeout" + describe(t));
        }
        if (t instanceof HttpClosedException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "connection closed before a complete answer");
        }
        if (t instanceof StreamResetException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "request reset");
        }
        if (t instanceof SSLException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "TLS failure" + describe(t));
        }
        if (t instanceof IOException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "connection failed: " + t.getClass().getSimpleName()
                    + describe(t));
        }
        if (t instanceof VertxException && t.getMessage() != null) {
            String m = t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("timeout") || m.contains("timed out")) {
                return new ProviderException(ErrorKind.TIMEOUT, 0, "timeout" + describe(t));
            }
            if (m.contains("closed") || m.contains("reset")) {
                return new ProviderException(ErrorKind.CONNECTION, 0, "connection closed before a complete answer");
            }
        }
        return null;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isEmpty() ? "" : ": " + t.getMessage();
    }

    private static JsonNode parse(Buffer body) {
        if (body == null || body.length() == 0) {
            return null;
        }
        try {
            JsonNode n = OpenAiJson.MAPPER.readTree(body.getBytes());
            return n != null && n.isObject() ? n : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
    }
}
