package dev.detour.core.failover;

/**
 * One entry of the attempts list returned with errors and logged: an upstream call, or a target
 * that was skipped without a call ({@code skipped} says why).
 *
 * @param target    {@code provider/model}
 * @param status    the upstream status, 0 when none
 * @param kind      the error kind's config name, {@code cancelled} for the loser of a hedged
 *                  race, or null on success
 * @param latencyMs how long the call took
 * @param skipped   why the target was not called, or null when it was
 * @param message   the (scrubbed) upstream message, or null
 * @param hedge     whether the call was a hedge: sent while an earlier attempt of the request was
 *                  still waiting for its first content
 */
public record AttemptRecord(String target, int status, String kind, long latencyMs, String skipped, String message,
                            boolean hedge) {

    /** The kind of an attempt cancelled because the other attempt of a hedged request produced content first. */
    public static final String CANCELLED = "cancelled";

    /** An entry that is not a hedge. */
    public AttemptRecord(String target, int status, String kind, long latencyMs, String skipped, String message) {
        this(target, status, kind, latencyMs, skipped, message, false);
    }

    /** Whether an upstream call was made. */
    public boolean called() {
        return skipped == null;
    }

    /** Whether any of {@code attempts} was a hedge. */
    public static boolean hedged(java.util.List<AttemptRecord> attempts) {
        for (int i = 0; i < attempts.size(); i++) {
            if (attempts.get(i).hedge) {
                return true;
            }
        }
        return false;
    }
}
