package dev.detour.core.admission;

/**
 * A request refused at admission, carrying what the client is told: the HTTP status, the error's
 * type and code, a message naming the problem (never a key), the request field at fault, and how
 * long to wait before retrying. The HTTP layer writes it in the shape of the API that was called.
 * Stackless: a refusal is an answer, not a fault in the gateway.
 */
public final class Refused extends RuntimeException {
    private final int status;
    private final String type;
    private final String code;
    private final String param;
    private final long retryAfterSeconds;

    /**
     * @param status            the HTTP status (4xx)
     * @param type              the error type, OpenAI's names ({@code invalid_request_error}, ...)
     * @param code              Detour's error code ({@code invalid_api_key}, {@code rate_limited}, ...)
     * @param message           what is wrong, for the client
     * @param param             the request field at fault, or null
     * @param retryAfterSeconds seconds the client should wait ({@code Retry-After}), or 0 for none
     */
    public Refused(int status, String type, String code, String message, String param, long retryAfterSeconds) {
        super(message, null, false, false);
        this.status = status;
        this.type = type;
        this.code = code;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String code() {
        return code;
    }

    public String param() {
        return param;
    }

    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
