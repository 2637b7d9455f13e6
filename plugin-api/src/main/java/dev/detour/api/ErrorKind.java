package dev.detour.api;

import java.util.Locale;

/**
 * The canonical classification of a failed upstream call. Every provider adapter maps each of its
 * failures to exactly one kind; the failover engine decides from the kind (and the route's
 * {@code retry.on_status} / {@code fallback_on} lists) whether to retry on the same target, fall
 * back to the next target, or return the error to the client as it is.
 *
 * <p>The {@link #configName()} of a kind is the word users write in {@code fallback_on}
 * ({@code timeout}, {@code connection}, {@code context_length}, {@code content_filter}, ...).
 */
public enum ErrorKind {
    /** 429 or a provider quota signal. Retryable (honouring Retry-After) and worth failing over. */
    RATE_LIMITED("rate_limit", true, true, false),
    /** The provider says it is overloaded (Anthropic 529, OpenAI 503 "overloaded"). */
    OVERLOADED("overloaded", true, true, false),
    /** A 5xx that is not an overload. */
    SERVER_ERROR("server_error", true, true, false),
    /** Connect, first-token, idle or total timeout. */
    TIMEOUT("timeout", true, true, false),
    /** Connection refused, reset or closed before a complete answer. */
    CONNECTION("connection", true, true, false),
    /** The upstream rejected our credentials (401). Another provider may accept the request. */
    AUTHENTICATION("authentication", false, true, false),
    /** The upstream forbids this call (403). */
    PERMISSION("permission", false, true, false),
    /** The model or deployment does not exist on this provider (404). */
    NOT_FOUND("not_found", false, true, false),
    /** The prompt does not fit this model's context window; a larger model may take it. */
    CONTEXT_LENGTH("context_length", false, true, false),
    /** The provider's content filter refused the prompt or the answer. */
    CONTENT_FILTER("content_filter", false, true, false),
    /** The answer arrived but failed a quality check (empty, invalid JSON, ...). */
    DEGRADED("degraded", false, true, false),
    /** The target cannot honour a feature of the request (images, tools, ...); it was not called. */
    UNSUPPORTED("unsupported", false, true, false),
    /** The request itself is wrong: the same request would fail on every target. */
    INVALID_REQUEST("invalid_request", false, false, true),
    /** A stream failed after content had been sent to the client. */
    STREAM_INTERRUPTED("stream_interrupted", false, false, false),
    /** Anything an adapter could not classify; treated like a server error. */
    UNKNOWN("unknown", true, true, false);

    private final String configName;
    private final boolean retryable;
    private final boolean failover;
    private final boolean clientFault;

    ErrorKind(String configName, boolean retryable, boolean failover, boolean clientFault) {
        this.configName = configName;
        this.retryable = retryable;
        this.failover = failover;
        this.clientFault = clientFault;
    }

    /** The lower-case name used in config ({@code fallback_on}) and in the attempts list. */
    public String configName() {
        return configName;
    }

    /** Whether trying the same target again may succeed (transient failure). */
    public boolean retryable() {
        return retryable;
    }

    /** Whether another target may succeed where this one failed. */
    public boolean failover() {
        return failover;
    }

    /** Whether the request itself is at fault: it is returned to the client without fallback. */
    public boolean clientFault() {
        return clientFault;
    }

    /** The kind whose {@link #configName()} is {@code name}, or {@code null}. */
    public static ErrorKind fromConfigName(String name) {
        String n = name.toLowerCase(Locale.ROOT);
        for (ErrorKind k : values()) {
            if (k.configName.equals(n)) {
                return k;
            }
        }
        return null;
    }
}
