package dev.detour.api.detector;

import dev.detour.api.ErrorKind;
import dev.detour.api.model.FinishReason;
import dev.detour.api.view.TargetView;

/**
 * Everything observed about one finished upstream attempt.
 *
 * @param target        the target that was called
 * @param atNanos       when the attempt finished, on the gateway's monotonic clock
 * @param success       whether it produced an answer (a stream that completed)
 * @param errorKind     the failure's kind, or null on success
 * @param status        the upstream HTTP status, or 0 when none
 * @param latencyMs     from sending the request to the end of the answer
 * @param ttftMs        time to the first content token (streams), or -1
 * @param promptTokens  input tokens (reported or estimated), or 0
 * @param outputTokens  output tokens (reported or estimated), or 0
 * @param text          the answer's text (the first choice's), or "" on failure
 * @param finishReason  the answer's finish reason, or null
 * @param jsonRequested whether the request asked for JSON output
 * @param stream        whether it was a streamed attempt
 * @param requestId     the request id
 */
public record AttemptObservation(TargetView target, long atNanos, boolean success, ErrorKind errorKind, int status,
                                 double latencyMs, double ttftMs, int promptTokens, int outputTokens, String text,
                                 FinishReason finishReason, boolean jsonRequested, boolean stream,
                                 String requestId) {

    /** Output tokens per second over the generation (after the first token for streams), or -1. */
    public double tokensPerSecond() {
        double genMs = ttftMs >= 0 ? latencyMs - ttftMs : latencyMs;
        if (outputTokens <= 0 || genMs <= 0) {
            return -1;
        }
        return outputTokens * 1000.0 / genMs;
    }
}
