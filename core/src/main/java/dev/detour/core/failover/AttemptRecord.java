package dev.detour.core.failover;

/**
 * One entry of the attempts list returned with errors and logged: an upstream call, or a target
 * that was skipped without a call ({@code skipped} says why).
 *
 * @param target    {@code provider/model}
 * @param status    the upstream status, 0 when none
 * @param kind      the error kind's config name, or null on success
 * @param latencyMs how long the call took
 * @param skipped   why the target was not called, or null when it was
 * @param message   the (scrubbed) upstream message, or null
 */
public record AttemptRecord(String target, int status, String kind, long latencyMs, String skipped, String message) {

    /** Whether an upstream call was made. */
    public boolean called() {
        return skipped == null;
    }
}
