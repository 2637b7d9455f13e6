package dev.detour.plugin.azure;

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
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The failure classifier of the {@code azure-openai} adapter. Azure OpenAI answers with OpenAI's
 * error object ({@code {"error": {"code", "message", "innererror": {...}}}}) but its own codes.
 * Rules, in order (sources: Azure OpenAI REST reference, its content-filtering and quota guides):
 * <ol>
 *   <li>{@code code} {@code content_filter}, {@code innererror.code}
 *       {@code ResponsibleAIPolicyViolation}, an {@code innererror.content_filter_result}, or the
 *       "content management policy" message on a 4xx &rarr; {@code CONTENT_FILTER}</li>
 *   <li>{@code context_length_exceeded} or a "maximum context length" message on a 4xx &rarr;
 *       {@code CONTEXT_LENGTH}</li>
 *   <li>429 &rarr; {@code RATE_LIMITED} (TPM/RPM quota of the deployment)</li>
 *   <li>401 &rarr; {@code AUTHENTICATION}; 403 &rarr; {@code PERMISSION}; 404
 *       ({@code DeploymentNotFound}) &rarr; {@code NOT_FOUND}</li>
 *   <li>408 &rarr; {@code TIMEOUT}; 400, 413, 415, 422 &rarr; {@code INVALID_REQUEST}; other 4xx &rarr; {@code UNKNOWN}</li>
 *   <li>503 ({@code ServiceUnavailable}: regional capacity pressure) &rarr; {@code OVERLOADED};
 *       every other 5xx &rarr; {@code SERVER_ERROR}</li>
 * </ol>
 * A 200 answer cut by the output filter ({@code finish_reason: content_filter}) is
 * {@link #filteredAnswer()}. Retry-After: {@code retry-after-ms}, else {@code retry-after}
 * (seconds or HTTP-date), else on a 429 the "retry after N seconds" of the message (Azure's
 * {@code x-ratelimit-remaining-*} headers carry no reset time). Transport failures walk the cause chain (timeout &rarr; {@code TIMEOUT},
 * refused/reset/closed/TLS/I/O &rarr; {@code CONNECTION}). Stateless.
 */
final class AzureErrors {

    private static final int SNIPPET = 200;
    private static final Pattern RETRY_AFTER_TEXT = Pattern.compile("(?i)retry after (\\d{1,6}) seconds?");

    private AzureErrors() {
    }

    /** Classifies a non-2xx answer. */
    static ProviderException fromResponse(int status, MultiMap headers, Buffer body, Instant now) {
        ErrorBody e = ErrorBody.parse(body);
        String message = e.message != null ? e.message : "HTTP " + status + (e.raw.isEmpty() ? "" : ": " + e.raw);
        Duration wait = retryAfter(headers, now);
        if (wait == null && status == 429) {
            wait = retryAfterInMessage(e.message);
        }
        return new ProviderException(classify(status, e), status, message, wait, e.providerCode());
    }

    /**
     * Azure's 429 message says "Please retry after N seconds" even when a proxy in front of it
     * dropped the {@code retry-after} headers; null when it does not.
     */
    static Duration retryAfterInMessage(String message) {
        if (message == null) {
            return null;
        }
        Matcher m = RETRY_AFTER_TEXT.matcher(message);
        return m.find() ? Duration.ofSeconds(Long.parseLong(m.group(1))) : null;
    }

    /** Classifies an error object sent inside a stream or in a 2xx body (no status: 0). */
    static ProviderException fromErrorObject(JsonNode root) {
        ErrorBody e = ErrorBody.of(root);
        return new ProviderException(classify(e.status, e), e.status,
                e.message != null ? e.message : "error event in stream", null, e.providerCode());
    }

    /** The output filter withheld (part of) the answer, reported with finish_reason {@code content_filter}. */
    static ProviderException filteredAnswer() {
        return new ProviderException(ErrorKind.CONTENT_FILTER, 200,
                "the answer was filtered by Azure OpenAI's content management policy (finish_reason content_filter)",
                null, "content_filter");
    }

    static ErrorKind classify(int status, ErrorBody e) {
        String c = lower(e.code);
        String m = lower(e.message);
        boolean clientStatus = status == 0 || (status >= 400 && status < 500);
        if (clientStatus && (c.equals("content_filter") || lower(e.innerCode).equals("responsibleaipolicyviolation")
                || e.hasFilterResult || m.contains("content management policy"))) {
            return ErrorKind.CONTENT_FILTER;
        }
        if (clientStatus && (c.equals("context_length_exceeded") || m.contains("maximum context length"))) {
            return ErrorKind.CONTEXT_LENGTH;
        }
        if (status == 0) {
            if (c.equals("429") || c.contains("ratelimit") || c.contains("rate_limit")) {
                return ErrorKind.RATE_LIMITED;
            }
            return c.equals("serviceunavailable") ? ErrorKind.OVERLOADED : ErrorKind.SERVER_ERROR;
        }
        switch (status) {
            case 429:
                return ErrorKind.RATE_LIMITED;
            case 401:
                return ErrorKind.AUTHENTICATION;
            case 403:
                return ErrorKind.PERMISSION;
            case 404:
            case 410:
                return ErrorKind.NOT_FOUND;
            case 408:
                return ErrorKind.TIMEOUT;
            case 400:
            case 413:
            case 415:
            case 422:
                return ErrorKind.INVALID_REQUEST;
            case 503:
                return ErrorKind.OVERLOADED;
            default:
                return status >= 500 && status < 600 ? ErrorKind.SERVER_ERROR : ErrorKind.UNKNOWN;
        }
    }

    // ---------------------------------------------------------------- Retry-After

    /** {@code retry-after-ms}, else {@code retry-after} (seconds or an HTTP-date), else null. */
    static Duration retryAfter(MultiMap headers, Instant now) {
        if (headers == null) {
            return null;
        }
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                double v = Double.parseDouble(ms.trim());
                if (Double.isFinite(v) && v >= 0) {
                    return Duration.ofNanos((long) (v * 1_000_000));
                }
            } catch (NumberFormatException ignored) {
                // fall through to retry-after
            }
        }
        String s = headers.get("retry-after");
        if (s == null || s.isBlank()) {
            return null;
        }
        try {
            double seconds = Double.parseDouble(s.trim());
            return Double.isFinite(seconds) && seconds >= 0 ? Duration.ofMillis((long) (seconds * 1000)) : null;
        } catch (NumberFormatException notSeconds) {
            try {
                Duration d = Duration.between(now, ZonedDateTime.parse(s.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
                return d.isNegative() ? Duration.ZERO : d;
            } catch (DateTimeParseException notADate) {
                return null;
            }
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

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    // ---------------------------------------------------------------- the error object

    /** Azure's {@code {"error": {"code", "message", "status", "innererror": {"code", "content_filter_result"}}}}. */
    static final class ErrorBody {
        String message;
        String code;
        String innerCode;
        boolean hasFilterResult;
        int status;
        String raw = "";

        static ErrorBody parse(Buffer body) {
            if (body == null || body.length() == 0) {
                return new ErrorBody();
            }
            JsonNode node;
            try {
                node = OpenAiJson.MAPPER.readTree(body.getBytes());
            } catch (IOException | RuntimeException notJson) {
                node = null;
            }
            ErrorBody e = node != null && node.isObject() ? of(node) : new ErrorBody();
            if (e.message == null) {
                String s = body.toString().replaceAll("\\s+", " ").trim();
                e.raw = s.length() > SNIPPET ? s.substring(0, SNIPPET) + "..." : s;
            }
            return e;
        }

        static ErrorBody of(JsonNode root) {
            ErrorBody e = new ErrorBody();
            JsonNode err = root.get("error");
            if (err == null || !err.isObject()) {
                err = root;
            }
            e.message = text(err.get("message"));
            e.code = text(err.get("code"));
            JsonNode status = err.get("status");
            if (status != null && status.isIntegralNumber()) {
                e.status = status.asInt();
            }
            // Azure documents "innererror"; some gateways in front of it rename it "inner_error".
            JsonNode inner = err.has("innererror") ? err.get("innererror") : err.get("inner_error");
            if (inner != null && inner.isObject()) {
                e.innerCode = text(inner.get("code"));
                e.hasFilterResult = inner.has("content_filter_result") || inner.has("content_filter_results");
            }
            return e;
        }

        String providerCode() {
            return innerCode != null ? code + "/" + innerCode : code;
        }

        private static String text(JsonNode n) {
            return n == null || n.isNull() || n.isContainerNode() ? null : n.asText();
        }
    }
}
