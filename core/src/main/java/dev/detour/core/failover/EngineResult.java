package dev.detour.core.failover;

import dev.detour.api.provider.WireBody;
import dev.detour.core.health.TargetRuntime;

import java.util.List;

/**
 * How a request through the engine ended: a value from a target, or a failure for the client.
 *
 * @param value    the answer, or null on failure
 * @param target   the target that served, or null
 * @param attempts every attempt made or skipped, in order
 * @param failover whether a target other than the plan's first served
 * @param failure  why it failed, or null on success
 * @param wire     the serving upstream's own bytes of {@code value}, when its adapter handed them back
 *                 ({@link dev.detour.api.provider.Call#answerWire}), else null
 */
public record EngineResult<T>(T value, TargetRuntime target, List<AttemptRecord> attempts, boolean failover,
                              Failure failure, WireBody wire) {

    /** A result without upstream bytes. */
    public EngineResult(T value, TargetRuntime target, List<AttemptRecord> attempts, boolean failover, Failure failure) {
        this(value, target, attempts, failover, failure, null);
    }

    /** Number of upstream calls made. */
    public int calls() {
        return calls(attempts);
    }

    /** Number of upstream calls among {@code attempts}. */
    static int calls(List<AttemptRecord> attempts) {
        int n = 0;
        for (AttemptRecord a : attempts) {
            if (a.called()) {
                n++;
            }
        }
        return n;
    }

    /**
     * A failure the client sees.
     *
     * @param status       the HTTP status to answer
     * @param type         the OpenAI error type ({@code gateway_error}, {@code invalid_request_error}, ...)
     * @param code         the error code ({@code all_targets_failed}, {@code stream_interrupted}, ...)
     * @param message      a scrubbed message
     * @param retryAfterSeconds a Retry-After to send, or 0
     */
    public record Failure(int status, String type, String code, String message, long retryAfterSeconds) {
    }
}
