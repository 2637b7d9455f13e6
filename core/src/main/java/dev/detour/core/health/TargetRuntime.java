package dev.detour.core.health;

import dev.detour.api.Clock;
import dev.detour.api.detector.Signal;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.view.CircuitState;
import dev.detour.api.view.HealthState;
import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.quota.TargetQuota;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One target (provider + model) and its live health, shared by every route that uses it. It is
 * its own {@link TargetView} and {@link TargetHealth}, so strategies read live values with no copy.
 * Mutated only on the gateway's event loop.
 */
public final class TargetRuntime implements TargetView, TargetHealth {
    private static final int RING = 128;

    private final String id;
    private final GatewayConfig.Provider provider;
    private final String model;
    private final double weight;
    private final double inputPrice;
    private final double outputPrice;
    private final dev.detour.core.spend.Pricing pricing;
    private final Map<String, String> labels;
    private final CircuitBreaker breaker;
    private final Capabilities capabilities;
    private final TargetQuota quota;

    private final double[] latencies = new double[RING];
    private final double[] ttfts = new double[RING];
    private final boolean[] outcomes = new boolean[RING];
    private int latencyCount;
    private int ttftCount;
    private int outcomeCount;
    private double[] latencySorted;
    private double[] ttftSorted;
    private volatile int inFlight;
    private final Map<String, Signal> signals = new ConcurrentHashMap<>();

    private final Clock clock;
    private final long holdNanos;
    private final HealthEvents events;
    private volatile HealthState state = HealthState.HEALTHY;
    private long stateSince;
    private long lastProbe;
    /** Whether the last evaluation wanted another state and the hold deferred it. */
    private boolean deferred;

    /**
     * @param degradation its hold: the least time between two state changes
     * @param events     where state changes are reported
     */
    public TargetRuntime(GatewayConfig.Provider provider, GatewayConfig.Target target, CircuitBreaker breaker,
                         Capabilities capabilities, Clock clock, GatewayConfig.Degradation degradation,
                         HealthEvents events) {
        this.clock = clock;
        this.holdNanos = degradation.hold().toNanos();
        this.events = events;
        this.stateSince = clock.nanos() - holdNanos;
        this.lastProbe = clock.nanos();
        this.id = target.id();
        this.provider = provider;
        this.model = target.model();
        this.weight = target.weight();
        this.inputPrice = target.inputPerMTok();
        this.outputPrice = target.outputPerMTok();
        this.pricing = dev.detour.core.spend.Pricing.of(target);
        this.labels = Map.copyOf(provider.labels());
        this.breaker = breaker;
        this.capabilities = capabilities;
        this.quota = new TargetQuota(provider.rpm(), provider.tpm(), clock);
    }

    @Override public String id() { return id; }
    @Override public String provider() { return provider.name(); }
    @Override public String providerType() { return provider.type(); }
    @Override public String model() { return model; }
    @Override public String region() { return provider.region(); }
    @Override public String category() { return provider.category(); }
    @Override public double weight() { return weight; }
    @Override public double inputPricePerMTok() { return inputPrice; }
    @Override public double outputPricePerMTok() { return outputPrice; }
    @Override public Map<String, String> labels() { return labels; }
    @Override public TargetHealth health() { return this; }

    /** Its {@code pricing:} ({@link dev.detour.core.spend.Pricing#NONE} without one). */
    public dev.detour.core.spend.Pricing pricing() {
        return pricing;
    }

    public GatewayConfig.Provider providerConfig() {
        return provider;
    }

    public CircuitBreaker breaker() {
        return breaker;
    }

    public Capabilities capabilities() {
        return capabilities;
    }

    /** The provider's quota as this target may use it: configured, and learned from the upstream's headers. */
    public TargetQuota quota() {
        return quota;
    }

    // ------------------------------------------------------------------ health view

    @Override
    public HealthState state() {
        return breaker.state() == CircuitState.OPEN ? HealthState.UNHEALTHY : state;
    }

    @Override
    public double score() {
        return breaker.state() == CircuitState.OPEN ? 0 : signalScore();
    }

    @Override public CircuitState circuit() { return breaker.state(); }
    @Override public boolean callable() { return breaker.callable() && !atCapacity(); }

    @Override
    public double latencyP50Ms() {
        return percentile(latencySorted(), 0.5);
    }

    @Override
    public double latencyP95Ms() {
        return percentile(latencySorted(), 0.95);
    }

    @Override
    public double ttftP50Ms() {
        if (ttftSorted == null) {
            ttftSorted = sorted(ttfts, ttftCount);
        }
        return percentile(ttftSorted, 0.5);
    }

    /**
     * The 95th percentile of recent times to first content (streams), or -1 with fewer than
     * {@code minSamples} of them: what a hedge waits for with {@code after: p95}.
     */
    public double ttftP95Ms(int minSamples) {
        if (Math.min(ttftCount, RING) < minSamples) {
            return -1;
        }
        if (ttftSorted == null) {
            ttftSorted = sorted(ttfts, ttftCount);
        }
        return percentile(ttftSorted, 0.95);
    }

    /** The 95th percentile of recent whole-answer latencies, or -1 with fewer than {@code minSamples} of them. */
    public double latencyP95Ms(int minSamples) {
        return Math.min(latencyCount, RING) < minSamples ? -1 : percentile(latencySorted(), 0.95);
    }

    @Override
    public double errorRate() {
        int n = Math.min(outcomeCount, RING);
        if (n == 0) {
            return 0;
        }
        int failed = 0;
        for (int i = 0; i < n; i++) {
            if (!outcomes[i]) {
                failed++;
            }
        }
        return (double) failed / n;
    }

    @Override public int inFlight() { return inFlight; }
    @Override public int concurrencyLimit() { return provider.concurrency(); }

    /** Whether the provider's concurrency limit is reached. */
    public boolean atCapacity() {
        return provider.concurrency() > 0 && inFlight >= provider.concurrency();
    }

    /** The detectors' latest signals. */
    public List<Signal> signals() {
        return List.copyOf(signals.values());
    }

    // ------------------------------------------------------------------ recording

    public void callStarted() {
        inFlight++;
    }

    public void callEnded() {
        inFlight--;
    }

    /** Records a finished call's outcome; latency and TTFT only for successes (-1 = none). */
    public void recordOutcome(boolean success, double latencyMs, double ttftMs) {
        outcomes[outcomeCount++ % RING] = success;
        if (success) {
            latencies[latencyCount++ % RING] = latencyMs;
            latencySorted = null;
            if (ttftMs >= 0) {
                ttfts[ttftCount++ % RING] = ttftMs;
                ttftSorted = null;
            }
        }
    }

    /** Stores a detector's latest judgement and re-evaluates the state. */
    public void signal(Signal s) {
        signals.put(s.detector(), s);
        evaluate();
    }

    /**
     * Moves the state with hysteresis: entering a worse state needs the score below the state's
     * floor (0.8 degraded, 0.3 unhealthy), leaving it needs a margin above (0.9 healthy, 0.4
     * degraded), and two changes are at least {@code hold} apart, so a flapping target changes
     * state at most once per hold.
     *
     * <p>The state only ranks the target: signals never touch the breaker, however low the score.
     * A target judged slow, short-winded or badly rated is still answering, and when it is the
     * last one that answers, closing it would turn a slow path into no path (a gateway under its
     * own load, or a slow backup behind a dead primary, would answer 503 instead of 200). The
     * engine's graduated shift demotes an unhealthy target behind every other one and keeps
     * probing it; only failed calls, counted by the breaker itself, stop calls to a target.
     */
    private void evaluate() {
        double score = signalScore();
        HealthState next = next(state, score);
        long now = clock.nanos();
        deferred = false;
        if (next != state) {
            if (now - stateSince < holdNanos) {
                deferred = true;
                return;
            }
            HealthState from = state;
            state = next;
            stateSince = now;
            events.stateChanged(this, from, next, score, signals());
        }
    }

    /**
     * Makes the state change the hold deferred, once the hold is over. Without it a change waits
     * for the target's next signal, and a demoted target gets few: its recovery, judged while the
     * hold ran, would wait for the next probe. Called by the planner; a flag test when nothing is
     * pending.
     */
    public void refresh() {
        if (deferred && clock.nanos() - stateSince >= holdNanos) {
            evaluate();
        }
    }

    static HealthState next(HealthState current, double score) {
        return switch (current) {
            case HEALTHY -> score < 0.3 ? HealthState.UNHEALTHY : score < 0.8 ? HealthState.DEGRADED : HealthState.HEALTHY;
            case DEGRADED -> score < 0.3 ? HealthState.UNHEALTHY : score >= 0.9 ? HealthState.HEALTHY : HealthState.DEGRADED;
            case UNHEALTHY -> score >= 0.9 ? HealthState.HEALTHY : score >= 0.4 ? HealthState.DEGRADED : HealthState.UNHEALTHY;
        };
    }

    /**
     * Whether this target, demoted by the graduated shift, should nevertheless get this request
     * as a probe: with probability {@code share}, and at least once per {@code interval} so a
     * recovery is seen even at low traffic.
     */
    public boolean takeProbe(double share, long intervalNanos, java.util.random.RandomGenerator random) {
        long now = clock.nanos();
        if (random.nextDouble() < share || now - lastProbe >= intervalNanos) {
            lastProbe = now;
            return true;
        }
        return false;
    }

    private double signalScore() {
        double s = 1.0;
        for (Signal sig : signals.values()) {
            s *= 1.0 - sig.severity();
        }
        return s;
    }

    private double[] latencySorted() {
        if (latencySorted == null) {
            latencySorted = sorted(latencies, latencyCount);
        }
        return latencySorted;
    }

    private static double[] sorted(double[] ring, int count) {
        double[] copy = Arrays.copyOf(ring, Math.min(count, RING));
        Arrays.sort(copy);
        return copy;
    }

    private static double percentile(double[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(p * sorted.length))];
    }
}
