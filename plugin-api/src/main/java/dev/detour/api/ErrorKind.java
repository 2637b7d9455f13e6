package dev.detour.api;

import java.util.Locale;

/**
 * The canonical classification of a failed upstream call. Every provider adapter maps each of its
 * failures to exactly one kind; the failover engine decides from the kind (and the route's
 * {@code retry.on_status} / {@code fallback_on} lists) whether to retry on the same target, fall
 * back to the next target, or return the error to the client as it is.
 *
 * <p>The engine's decisions read the kind's behaviour, never a list of kinds of its own:
 * {@link #retryable()} and {@link #inTransit()} (retry on the same target),
 * {@link #alwaysFallsBack()} (next target regardless of {@code fallback_on}),
 * {@link #countsAgainstTarget()} (breaker and health accounting), {@link #clientFault()} and
 * {@link #refusal()} (the client's request is at fault: 400).
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

    /**
     * Whether this failure is the target's fault, so it counts against the target's health: its
     * circuit breaker records a failure and its error rate rises. A request too long for the model,
     * a prompt its content filter refused, or a request it cannot or will not take says nothing
     * about the target's health: the engine records such a call as a success (or, when nothing was
     * sent, not at all).
     */
    public boolean countsAgainstTarget() {
        return switch (this) {
            case INVALID_REQUEST, CONTEXT_LENGTH, CONTENT_FILTER, UNSUPPORTED -> false;
            default -> true;
        };
    }

    /**
     * Whether the call failed in transit, before any answer arrived: a timeout or a broken
     * connection. A failure with an upstream status is retried on the same target when
     * {@code retry.on_status} lists that status (and the kind is {@link #retryable()}); one without
     * a status has nothing to match, and the engine retries it only when it failed in transit.
     */
    public boolean inTransit() {
        return this == TIMEOUT || this == CONNECTION;
    }

    /**
     * Whether the engine moves on to the route's next target whatever {@code fallback_on} says.
     * Only {@link #DEGRADED}: the route's quality gate (and stream throughput floor) exist to send
     * such answers elsewhere, so listing it is not required.
     */
    public boolean alwaysFallsBack() {
        return this == DEGRADED;
    }

    /**
     * Whether the target refused the request itself, a feature or a form it cannot take, rather
     * than failing to answer it. When every target of a route refused, the request is at fault
     * and the client gets 400; a direct {@code provider/model} call, which names one target, gets
     * 400 at the first refusal made before anything was sent.
     */
    public boolean refusal() {
        return this == UNSUPPORTED || this == INVALID_REQUEST;
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
