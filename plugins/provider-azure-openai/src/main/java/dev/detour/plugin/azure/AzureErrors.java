package dev.detour.plugin.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorKinds;
import dev.detour.wire.http.RetryAfter;
import dev.detour.wire.openai.OpenAiErrorBody;
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
 *   <li>every status as {@link ErrorKinds#ofStatus} says: 429 (TPM/RPM quota of the deployment)
 *       &rarr; {@code RATE_LIMITED}; 401 &rarr; {@code AUTHENTICATION}; 403 &rarr; {@code PERMISSION};
 *       404 ({@code DeploymentNotFound}), 405, 410 &rarr; {@code NOT_FOUND}; 408 &rarr; {@code TIMEOUT};
 *       400, 413, 415, 422 &rarr; {@code INVALID_REQUEST}; other 4xx &rarr; {@code UNKNOWN}; 503
 *       ({@code ServiceUnavailable}: regional capacity pressure) &rarr; {@code OVERLOADED}; every other
 *       5xx &rarr; {@code SERVER_ERROR}</li>
 * </ol>
 * The error object is read by {@link OpenAiErrorBody}.
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
        OpenAiErrorBody e = OpenAiErrorBody.parse(body);
        Duration wait = RetryAfter.parse(headers, now);
        if (wait == null && status == 429) {
            wait = retryAfterInMessage(e.message());
        }
        return new ProviderException(classify(status, e), status, e.describe(status), wait, providerCode(e));
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
        OpenAiErrorBody e = OpenAiErrorBody.of(root);
        return new ProviderException(classify(e.status(), e), e.status(),
                e.message() != null ? e.message() : "error event in stream", null, providerCode(e));
    }

    /** The output filter withheld (part of) the answer, reported with finish_reason {@code content_filter}. */
    static ProviderException filteredAnswer() {
        return new ProviderException(ErrorKind.CONTENT_FILTER, 200,
                "the answer was filtered by Azure OpenAI's content management policy (finish_reason content_filter)",
                null, "content_filter");
    }

    static ErrorKind classify(int status, OpenAiErrorBody e) {
        String c = lower(e.code());
        String m = lower(e.message());
        boolean clientStatus = status == 0 || ErrorKinds.isClientError(status);
        if (clientStatus && (c.equals("content_filter") || lower(e.innerCode()).equals("responsibleaipolicyviolation")
                || e.contentFilterResult() || m.contains("content management policy"))) {
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
        // Azure documents no status of its own: 503 (ServiceUnavailable, regional capacity) is the
        // generic rule's overload.
        return ErrorKinds.ofStatus(status);
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    /** The code Detour reports: Azure's {@code code}, with {@code innererror.code} after a slash when there is one. */
    private static String providerCode(OpenAiErrorBody e) {
        return e.innerCode() != null ? e.code() + "/" + e.innerCode() : e.code();
    }
}
