package dev.detour.core.failover;

import dev.detour.core.health.TargetRuntime;

/**
 * The tracing of one request as the engine meets it: the parent of one span per upstream call.
 * The HTTP layer hands it over on the request's {@link AbortSignal#trace(RequestTrace)} (none when
 * tracing is off, which then costs the engine one null check per attempt). Called on the event loop.
 */
public interface RequestTrace {

    /**
     * Starts the span of one upstream call, a child of the request's span.
     *
     * @param operation {@code chat} or {@code embeddings}
     * @param number    which upstream call of the request this is, from 1 (retries, fallbacks,
     *                  hedges and resumes each count)
     * @param failover  whether {@code target} is another than the plan's first
     * @param hedge     whether the call is a hedge
     * @param resume    whether it continues a cut stream
     * @param request   the request the adapter is given (after the target's overrides), for
     *                  content capture
     */
    AttemptTrace attempt(TargetRuntime target, String operation, int number, boolean failover, boolean hedge,
                         boolean resume, Object request);

    /** A planned target was skipped without a call, for {@code why}. */
    void skipped(TargetRuntime target, String why);

    /** Whether the prompt and the answer are recorded ({@code telemetry.capture_content}). */
    boolean capturesContent();
}
