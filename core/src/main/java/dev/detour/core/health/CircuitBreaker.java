package dev.detour.core.health;

import dev.detour.api.Clock;
import dev.detour.api.view.CircuitState;
import dev.detour.core.config.GatewayConfig.Breaker;

/**
 * A per-target circuit breaker in the "ask permission, run, record" shape: {@link #tryAcquire()}
 * grants a call, and the call's outcome is recorded with {@link #onSuccess(boolean)} or
 * {@link #onFailure(boolean)}, passing back whether the grant was the half-open probe.
 *
 * <p>Closed: it opens when, over the last {@code window}, at least {@code min_calls} calls were
 * recorded and the failed share reached {@code failure_ratio}. Open: it refuses calls until
 * {@code cooldown} has passed, then grants exactly one probe (half-open); the probe's success
 * closes it with a clean window, its failure re-opens it for another cooldown. The breaker never
 * retries anything itself, and nothing but failed calls opens it: the health model's signals
 * (latency, quality...) only demote a target, so a slow last resort is never cut off. Vert.x's circuit breaker was not used because it counts failures, not
 * a failure ratio with a minimum of calls, and cannot take an injected clock.
 *
 * <p>Confined to the event loop that serves the gateway's requests; the fields are volatile only so
 * admin reads from other threads see recent values.
 */
public final class CircuitBreaker {
    private static final int BUCKETS = 10;

    private Breaker config;
    private final Clock clock;
    private long bucketNanos;
    private long cooldownNanos;
    private final int[] calls = new int[BUCKETS];
    private final int[] failures = new int[BUCKETS];
    private final long[] bucketStart = new long[BUCKETS];
    private volatile CircuitState state = CircuitState.CLOSED;
    private volatile long openedAt;
    private volatile boolean probeOut;
    /** Whether the breaker is open because another gateway of the cluster opened its own (not republished). */
    private volatile boolean openedByPeer;

    public CircuitBreaker(Breaker config, Clock clock) {
        this.config = config;
        this.clock = clock;
        this.bucketNanos = Math.max(1, config.window().toNanos() / BUCKETS);
        this.cooldownNanos = config.cooldown().toNanos();
    }

    /** The state now (an open breaker whose cooldown has passed reads as half-open). */
    public CircuitState state() {
        if (state == CircuitState.OPEN && cooldownOver()) {
            return CircuitState.HALF_OPEN;
        }
        return state;
    }

    /** Whether {@link #tryAcquire()} would grant a call now. */
    public boolean callable() {
        CircuitState s = state();
        return s == CircuitState.CLOSED || (s == CircuitState.HALF_OPEN && !probeOut);
    }

    /**
     * Asks for a call.
     *
     * @return {@code null} when refused, {@link Grant#NORMAL} or {@link Grant#PROBE}
     */
    public Grant tryAcquire() {
        if (state == CircuitState.CLOSED) {
            return Grant.NORMAL;
        }
        if (state == CircuitState.OPEN) {
            if (!cooldownOver()) {
                return null;
            }
            state = CircuitState.HALF_OPEN;
            probeOut = false;
        }
        if (probeOut) {
            return null;
        }
        probeOut = true;
        return Grant.PROBE;
    }

    /** A granted call that was abandoned before any outcome (e.g. the client left). */
    public void release(Grant grant) {
        if (grant == Grant.PROBE) {
            probeOut = false;
        }
    }

    /** Records a success (or an answer that says nothing about the target's health). */
    public void onSuccess(Grant grant) {
        if (grant == Grant.PROBE || state == CircuitState.HALF_OPEN) {
            close();
            return;
        }
        record(false);
    }

    /** Records a failure that counts against the target. */
    public void onFailure(Grant grant) {
        if (grant == Grant.PROBE || state == CircuitState.HALF_OPEN) {
            open();
            return;
        }
        if (state == CircuitState.OPEN) {
            return;
        }
        record(true);
        int total = 0;
        int failed = 0;
        long now = clock.nanos();
        for (int i = 0; i < BUCKETS; i++) {
            if (now - bucketStart[i] < config.window().toNanos()) {
                total += calls[i];
                failed += failures[i];
            }
        }
        if (total >= config.minCalls() && failed >= config.failureRatio() * total) {
            open();
        }
    }

    /** Opens the breaker now for the configured cooldown. */
    public void open() {
        state = CircuitState.OPEN;
        openedAt = clock.nanos();
        probeOut = false;
        openedByPeer = false;
    }

    /**
     * Opens the breaker for {@code remainingNanos} because another gateway of the cluster opened
     * its own: the target is skipped here too instead of being re-learnt with failed requests. When
     * it is already open for longer, nothing changes. After that time it half-opens and probes as
     * if it had opened itself.
     */
    public void openByPeer(long remainingNanos) {
        if (remainingNanos <= 0 || state == CircuitState.OPEN && openRemainingNanos() >= remainingNanos) {
            return;
        }
        boolean wasOpen = state == CircuitState.OPEN && !cooldownOver();
        state = CircuitState.OPEN;
        openedAt = clock.nanos() - cooldownNanos + Math.min(remainingNanos, cooldownNanos);
        probeOut = false;
        openedByPeer = !wasOpen || openedByPeer;
    }

    /** How long an open breaker still refuses calls (0 when it is closed or half-open). */
    public long openRemainingNanos() {
        return state == CircuitState.OPEN ? Math.max(0, cooldownNanos - (clock.nanos() - openedAt)) : 0;
    }

    /** Whether the breaker is open because of this gateway's own calls (not only a peer's word). */
    public boolean openedHere() {
        return state == CircuitState.OPEN && !openedByPeer && !cooldownOver();
    }

    private void close() {
        state = CircuitState.CLOSED;
        probeOut = false;
        openedByPeer = false;
        java.util.Arrays.fill(calls, 0);
        java.util.Arrays.fill(failures, 0);
    }

    private boolean cooldownOver() {
        return clock.nanos() - openedAt >= cooldownNanos;
    }

    private void record(boolean failed) {
        long now = clock.nanos();
        long slot = now / bucketNanos;
        int i = (int) (slot % BUCKETS);
        long start = slot * bucketNanos;
        if (bucketStart[i] != start) {
            bucketStart[i] = start;
            calls[i] = 0;
            failures[i] = 0;
        }
        calls[i]++;
        if (failed) {
            failures[i]++;
        }
    }

    /**
     * Takes a reloaded policy, keeping the state: an open breaker stays open (for the new
     * cooldown); the counted calls are kept unless the window's length changed, since their slots
     * would no longer line up.
     */
    public void reconfigure(Breaker next) {
        if (next == null || next.equals(config)) {
            return;
        }
        long bucket = Math.max(1, next.window().toNanos() / BUCKETS);
        if (bucket != bucketNanos) {
            java.util.Arrays.fill(calls, 0);
            java.util.Arrays.fill(failures, 0);
            java.util.Arrays.fill(bucketStart, 0);
        }
        this.config = next;
        this.bucketNanos = bucket;
        this.cooldownNanos = next.cooldown().toNanos();
    }

    /** The breaker as it is now, to {@link #restore} later. */
    Snapshot snapshot() {
        return new Snapshot(state, openedAt, probeOut, calls.clone(), failures.clone(), bucketStart.clone());
    }

    /** Returns the breaker to a {@link #snapshot}. */
    void restore(Snapshot s) {
        System.arraycopy(s.calls, 0, calls, 0, BUCKETS);
        System.arraycopy(s.failures, 0, failures, 0, BUCKETS);
        System.arraycopy(s.bucketStart, 0, bucketStart, 0, BUCKETS);
        openedAt = s.openedAt;
        probeOut = s.probeOut;
        state = s.state;
    }

    /** A breaker's state and counts at one moment. */
    record Snapshot(CircuitState state, long openedAt, boolean probeOut, int[] calls, int[] failures,
                    long[] bucketStart) {
    }

    /** The kind of permission granted. */
    public enum Grant { NORMAL, PROBE }
}
