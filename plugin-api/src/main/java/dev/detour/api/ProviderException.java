package dev.detour.api;

import java.time.Duration;

/**
 * The one failure type adapters raise (as the cause of a failed {@code Future}). It carries the
 * canonical {@link ErrorKind}, the upstream HTTP status (0 when there was none, e.g. a refused
 * connection), a message for humans and an optional {@code Retry-After}.
 *
 * <p>The message must never contain a credential; core scrubs configured keys again before a
 * message reaches a client or a log. The exception is stackless: it is control flow on the hot
 * path, not a bug report.
 */
public final class ProviderException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final ErrorKind kind;
    private final int status;
    private final Duration retryAfter;
    private final String providerCode;

    /**
     * @param kind         the canonical classification, never null
     * @param status       the upstream HTTP status, or 0 when no status was received
     * @param message      a human-readable description without credentials
     * @param retryAfter   how long the provider asked us to wait, or null
     * @param providerCode the provider's own error code or type (e.g. {@code overloaded_error}), or null
     */
    public ProviderException(ErrorKind kind, int status, String message, Duration retryAfter, String providerCode) {
        super(message, null, false, false);
        if (kind == null) {
            throw new IllegalArgumentException("kind must not be null");
        }
        this.kind = kind;
        this.status = status;
        this.retryAfter = retryAfter;
        this.providerCode = providerCode;
    }

    /** A failure without Retry-After or provider code. */
    public ProviderException(ErrorKind kind, int status, String message) {
        this(kind, status, message, null, null);
    }

    public ErrorKind kind() {
        return kind;
    }

    /** The upstream HTTP status, or 0 when none was received. */
    public int status() {
        return status;
    }

    /** The provider's requested wait, or null. */
    public Duration retryAfter() {
        return retryAfter;
    }

    /** The provider's own error code or type, or null. */
    public String providerCode() {
        return providerCode;
    }

    /** The same failure with another message (used by core to scrub credentials). */
    public ProviderException withMessage(String message) {
        return new ProviderException(kind, status, message, retryAfter, providerCode);
    }

    @Override
    public String toString() {
        return "ProviderException[" + kind.configName() + (status > 0 ? " " + status : "") + "]: " + getMessage();
    }
}
