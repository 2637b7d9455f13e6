package dev.detour.plugin.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.http.JsonFields;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
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
 * {@link #filteredAnswer()}. Retry-After: {@link RetryAfter} ({@code retry-after-ms}, else
 * {@code retry-after}), else on a 429 the "retry after N seconds" of the message (Azure's
 * {@code x-ratelimit-remaining-*} headers carry no reset time). Transport failures are the
 * adapter's, through {@link dev.detour.wire.http.TransportErrors}. Stateless.
 */
final class AzureErrors {

    private static final Pattern RETRY_AFTER_TEXT = Pattern.compile("(?i)retry after (\\d{1,6}) seconds?");

    private AzureErrors() {
    }

    /** Classifies a non-2xx answer. */
    static ProviderException fromResponse(int status, MultiMap headers, Buffer body, Instant now) {
        ErrorBody e = ErrorBody.parse(body);
        String message = e.message != null ? e.message : "HTTP " + status + (e.raw.isEmpty() ? "" : ": " + e.raw);
        Duration wait = RetryAfter.parse(headers, now);
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
            if (err == null || !err.isObject()) {
                err = root;
            }
            e.message = JsonFields.optText(err, "message");
            e.code = JsonFields.optText(err, "code");
            JsonNode status = err.get("status");
            if (status != null && status.isIntegralNumber()) {
                e.status = status.asInt();
            }
            // Azure documents "innererror"; some gateways in front of it rename it "inner_error".
            JsonNode inner = err.has("innererror") ? err.get("innererror") : err.get("inner_error");
            if (inner != null && inner.isObject()) {
                e.innerCode = JsonFields.optText(inner, "code");
                e.hasFilterResult = inner.has("content_filter_result") || inner.has("content_filter_results");
            }
            return e;
        }

        String providerCode() {
            return innerCode != null ? code + "/" + innerCode : code;
        }
    }
}
