package dev.detour.core.failover;

import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;

/**
 * A route's {@code hedge:}: how long a request's first attempt may go without first content before
 * the request also goes to the next target, and the share of the route's requests that may be
 * hedged over a sliding window on the injected clock ({@code max_share}), so the extra cost stays
 * bounded. Also the wait of a probe's hedge, which every route has ({@link #probeWaitMs}).
 *
 * <p>The window is {@link #BUCKETS} buckets of {@link #BUCKET_NANOS}: a request counts in the
 * bucket of its start, a hedge in the bucket it was sent in, and a bucket older than the window is
 * forgotten. Confined to the gateway's event loop, like the rest of the engine.
 */
public final class Hedging {
    /** Recent times to first content a {@code p95} wait needs; with fewer, a request is not hedged. */
    static final int MIN_SAMPLES = 20;
    /** A probe's hedge wait when neither {@code hedge.after} nor the healthy target's p95 is known. */
    static final long DEFAULT_PROBE_WAIT_MS = 1_000;
    /** How long a {@code p95} wait read from a target's samples is used before it is read again. */
    static final long P95_REFRESH_NANOS = 1_000_000_000L;
    static final int BUCKETS = 12;
    /** 12 buckets of 5 s: a one-minute window, long enough that a burst cannot buy itself hedges. */
    static final long BUCKET_NANOS = 5_000_000_000L;

    private final GatewayConfig.Hedge config;
    private final long[] bucketStart = new long[BUCKETS];
    private final int[] requests = new int[BUCKETS];
    private final int[] hedges = new int[BUCKETS];
    /** The last p95 wait read, for which target and mode, and when. */
    private TargetRuntime cachedTarget;
    private boolean cachedStream;
    private long cachedAt;
    private long cachedWait;

    /** A route's hedging, with an empty share window: one per route, kept for the route's life. */
    public Hedging(GatewayConfig.Hedge config) {
        this.config = config;
        java.util.Arrays.fill(bucketStart, Long.MIN_VALUE);
    }

    /** The configuration. */
    public GatewayConfig.Hedge config() {
        return config;
    }

    /**
     * How long the first attempt on {@code first} waits for first content before it is hedged, in
     * milliseconds, or -1 when it is not hedged ({@code p95} with too few recent samples). A p95
     * is read again at most every {@link #P95_REFRESH_NANOS} per target and mode: it moves slowly,
     * and reading it sorts the target's recent samples.
     */
    long waitMs(TargetRuntime first, boolean stream, long now) {
        if (!config.p95()) {
            return Math.max(1, config.after().toMillis());
        }
        if (first != cachedTarget || stream != cachedStream || now - cachedAt >= P95_REFRESH_NANOS) {
            double p95 = p95(first, stream);
            cachedWait = p95 < 0 ? -1 : Math.max(1, Math.round(p95));
            cachedTarget = first;
            cachedStream = stream;
            cachedAt = now;
        }
        return cachedWait;
    }

    /**
     * How long a probe of a demoted target waits before it is hedged to {@code healthy}: the route's
     * fixed {@code hedge.after} if it has one, else the healthy target's recent p95 time to first
     * content, else {@link #DEFAULT_PROBE_WAIT_MS}.
     */
    static long probeWaitMs(Hedging hedging, TargetRuntime healthy, boolean stream) {
        if (hedging != null && !hedging.config.p95()) {
            return Math.max(1, hedging.config.after().toMillis());
        }
        double p95 = p95(healthy, stream);
        return p95 < 0 ? DEFAULT_PROBE_WAIT_MS : Math.max(1, Math.round(p95));
    }

    /**
     * The target's recent p95 time to first content: for a stream its first-token times; for a whole
     * answer, which arrives at once, its latencies.
     */
    private static double p95(TargetRuntime t, boolean stream) {
        return stream ? t.ttftP95Ms(MIN_SAMPLES) : t.latencyP95Ms(MIN_SAMPLES);
    }

    /** A request of the route started (at {@code now}, clock nanos): it counts in the window. */
    void request(long now) {
        requests[bucket(now)]++;
    }

    /**
     * Whether one more hedge keeps the hedged share of the window's requests within
     * {@code max_share}; if so the hedge is counted.
     */
    boolean tryHedge(long now) {
        int b = bucket(now);
        long reqs = 0;
        long sent = 0;
        for (int i = 0; i < BUCKETS; i++) {
            if (now - bucketStart[i] < BUCKETS * BUCKET_NANOS) {
                reqs += requests[i];
                sent += hedges[i];
            }
        }
        if (sent + 1 > config.maxShare() * reqs) {
            return false;
        }
        hedges[b]++;
        return true;
    }

    private int bucket(long now) {
        long slot = Math.floorDiv(now, BUCKET_NANOS);
        int i = (int) Math.floorMod(slot, BUCKETS);
        long start = slot * BUCKET_NANOS;
        if (bucketStart[i] != start) {
            bucketStart[i] = start;
            requests[i] = 0;
            hedges[i] = 0;
        }
        return i;
    }
}
