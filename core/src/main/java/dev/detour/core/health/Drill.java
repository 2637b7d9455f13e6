package dev.detour.core.health;

import java.time.Instant;
import java.util.Locale;
import java.util.random.RandomGenerator;

/**
 * A failover drill active on one target: for a while Detour treats the target as failing, to
 * rehearse what the routes do about it. Held by the target ({@link TargetRuntime#drill()}) so the
 * engine's checks cost a field read when no drill runs. Started and ended by
 * {@code dev.detour.core.ops.Drills}; touched on the gateway's event loop only (the counters are
 * read by admin views on the same loop).
 */
public final class Drill {

    /** What the drill makes of the target. */
    public enum Fault {
        /** The target gets no calls: every plan skips it, with the drill as the reason. */
        DOWN,
        /**
         * Its answers are seen as {@link #factor} times slower than they were (latency and time to
         * first token, for its statistics and the route's detectors), so the latency detector, the
         * graduated shift and hedging react as they would to a slow provider.
         */
        SLOW,
        /**
         * A share ({@link #rate}) of the calls to it end at once as a 503 {@code server_error}
         * without being sent, so retry, fallback, the breaker and the errors detector react as
         * they would to a failing provider.
         */
        ERRORS;

        /** The name on the wire. */
        public String wire() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The fault named {@code s} on the wire, or null. */
        public static Fault of(String s) {
            for (Fault f : values()) {
                if (f.wire().equals(s)) {
                    return f;
                }
            }
            return null;
        }
    }

    private final String id;
    private final String target;
    private final Fault fault;
    private final double rate;
    private final double factor;
    private final Instant started;
    private final Instant until;
    private final TargetRuntime.Snapshot before;
    private final RandomGenerator random;
    private long calls;
    private long skipped;
    private long failovers;
    private long injected;
    private long served;

    /**
     * @param rate   the share of calls (errors) or answers (slow) affected, in (0, 1]
     * @param factor how much slower a slow drill makes the answers look (at least 1)
     * @param before the target as it was when the drill started, to return it to at the end
     * @param random draws which calls a rate below 1 affects
     */
    public Drill(String id, String target, Fault fault, double rate, double factor, Instant started, Instant until,
                 TargetRuntime.Snapshot before, RandomGenerator random) {
        this.id = id;
        this.target = target;
        this.fault = fault;
        this.rate = rate;
        this.factor = factor;
        this.started = started;
        this.until = until;
        this.before = before;
        this.random = random;
    }

    public String id() { return id; }
    public String target() { return target; }
    public Fault fault() { return fault; }
    public double rate() { return rate; }
    public double factor() { return factor; }
    public Instant started() { return started; }
    public Instant until() { return until; }

    /** The target as it was when the drill started. */
    public TargetRuntime.Snapshot before() {
        return before;
    }

    /** Why a plan skips the target, or null when this drill lets calls through. */
    public String refusal() {
        return fault == Fault.DOWN ? "drill " + id + ": down until " + until : null;
    }

    /** Whether this call is one the drill fails with a 503 (counted when it is). */
    public boolean injectsError() {
        if (fault != Fault.ERRORS || !draw()) {
            return false;
        }
        injected++;
        return true;
    }

    /** How much slower this answer is to look: {@link #factor} for the answers a slow drill affects, else 1. */
    public double slowdown() {
        return fault == Fault.SLOW && draw() ? factor : 1;
    }

    private boolean draw() {
        return rate >= 1 || random.nextDouble() < rate;
    }

    /** An attempt on the target finished ({@code called}) or was skipped. */
    public void attempted(boolean called) {
        if (called) {
            calls++;
        } else {
            skipped++;
        }
    }

    /** A request moved on from the target to another. */
    public void failedOver() {
        failovers++;
    }

    /** The target served an answer. */
    public void served() {
        served++;
    }

    /** Upstream calls made to the target during the drill (including the ones it failed itself). */
    public long calls() { return calls; }
    /** Times a plan skipped the target during the drill (for any reason). */
    public long skipped() { return skipped; }
    /** Requests that moved on from the target to another during the drill. */
    public long failovers() { return failovers; }
    /** Calls the drill failed with a 503. */
    public long injected() { return injected; }
    /** Answers the target served during the drill. */
    public long servedCount() { return served; }
}
