package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * The {@code tokens} detector: a target's generation throughput and output length drifting far
 * from what is normal for it, judged like with like so a change of traffic mix moves nothing.
 *
 * <p>Throughput is the decode rate of streams after the first token
 * ({@link AttemptObservation#tokensPerSecond()}), measured only where at least
 * {@value #MIN_TOKENS} tokens were counted: a whole answer's rate includes the call's overhead and
 * the prompt's prefill, so short answers or large prompts would look slow (the {@code latency}
 * detector judges whole answers by their size). It counts only when it drops (a faster target is
 * no problem), as the median of the last {@code window} streams against a {@link Baseline} that
 * learns only while the rate looks normal, capped at {@code fast_tokens_per_s}: a target whose
 * recent median is above that rate is never slow (a test double shows tens of thousands of tokens
 * per second, and the gateway's own queueing under load divides that by ten without any provider
 * being slower).
 *
 * <p>Output length depends first on what clients ask, so a target's own history cannot tell a
 * new kind of request from a target that cuts answers short or runs away. It is judged relative
 * to the route's other targets: its drift (recent median ÷ its baseline) divided by the drift of
 * the peer closest to it among those judged within {@value #PEER_FRESH_SECONDS} s; both ways count.
 * Without a fresh peer, length is not judged. A target is neutral until {@code min_samples}
 * answers are seen. The severity is the worse of the two.
 *
 * <p>State per target: two rings of {@code window} numbers and two baselines, nothing per answer.
 * Called on the event loop; O(window) per observation.
 */
public final class TokensDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "tokens";

    /** Streams with fewer tokens after the first say too little about the decode rate. */
    static final int MIN_TOKENS = 8;
    /** How long a peer's length judgement counts as "the same traffic, now". */
    static final long PEER_FRESH_SECONDS = 30;
    private static final long PEER_FRESH_NANOS = PEER_FRESH_SECONDS * 1_000_000_000L;

    /** The latest length drifts of the route's targets (a handful; the oldest makes room). */
    private final String[] peerIds = new String[4];
    private final double[] peerDrifts = new double[4];
    private final double[] peerSingles = new double[4];
    private final long[] peerAt = new long[4];

    private final TokensOptions options;
    private final double slowOnset;
    private final double lengthOnset;
    private final TargetStates<TargetState> targets;

    public TokensDetector(TokensOptions options) {
        this.options = options == null ? TokensOptions.defaults() : options;
        this.slowOnset = (1 + this.options.slowDegradedRatio()) / 2;
        this.lengthOnset = (1 + this.options.lengthDegradedRatio()) / 2;
        TokensOptions o = this.options;
        this.targets = new TargetStates<>(() -> new TargetState(o));
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        if (!attempt.success()) {
            return null;
        }
        TargetState state = targets.get(attempt.target().id());
        synchronized (state) {
            double tps = attempt.stream() && attempt.ttftMs() >= 0 && attempt.outputTokens() >= MIN_TOKENS
                    ? attempt.tokensPerSecond() : -1;
            if (tps > 0) {
                if (state.speed.add(tps)) {
                    double base = speedBaseline(state);
                    double slowdown = base / state.speed.recent.median();
                    if (slowdown < slowOnset && tps * options.slowDegradedRatio() > base) {
                        state.speed.baseline.learn(tps);
                    }
                    state.slowdown = slowdown;
                }
            }
            // +1 keeps empty answers on the log scale; the quality detector judges emptiness itself.
            double length = Math.max(0, attempt.outputTokens()) + 1;
            if (state.length.add(length)) {
                double own = state.length.recent.median() / state.length.baseline.value();
                double single = length / state.length.baseline.value();
                double peer = peerDrift(attempt.target().id(), own, single, attempt.atNanos());
                // The baseline follows the traffic's own changes (every target sees them), not a
                // drift that sets this target apart from its peers.
                double apart = Double.isNaN(peer) ? 1 : own / peer;
                if (Math.max(apart, 1 / apart) < lengthOnset) {
                    state.length.baseline.learn(length);
                }
                if (Double.isNaN(peer)) {
                    state.lengthDrift = Double.NaN;
                } else {
                    state.lengthDrift = Math.max(apart, 1 / apart);
                    state.lengthRatio = apart;
                }
                state.ownLengthRatio = own;
            }
            if (Double.isNaN(state.slowdown) && Double.isNaN(state.lengthDrift) && !state.spoke) {
                return null;
            }
            state.spoke = true;
            double slowSeverity = Severity.ramp(state.slowdown, slowOnset, options.slowDegradedRatio(),
                    options.slowUnhealthyRatio());
            double lengthSeverity = Severity.ramp(state.lengthDrift, lengthOnset, options.lengthDegradedRatio(),
                    options.lengthUnhealthyRatio());
            String reason;
            if (Math.max(slowSeverity, lengthSeverity) == 0) {
                reason = Severity.FINE;
            } else if (slowSeverity >= lengthSeverity && !Double.isNaN(state.slowdown)) {
                reason = String.format(Locale.ROOT, "p50 throughput %s tokens/s is %.1fx slower than the baseline %s",
                        LatencyDetector.num(state.speed.recent.median()), state.slowdown,
                        LatencyDetector.num(speedBaseline(state)));
            } else {
                reason = String.format(Locale.ROOT,
                        "p50 output length %s tokens is %.2fx its baseline %s, %.2fx the drift of its peers",
                        LatencyDetector.num(state.length.recent.median() - 1), state.ownLengthRatio,
                        LatencyDetector.num(state.length.baseline.value() - 1), state.lengthRatio);
            }
            double severity = Severity.round(Math.max(slowSeverity, lengthSeverity));
            return new Signal(TYPE, attempt.target().id(), severity, reason);
        }
    }

    /**
     * Records {@code id}'s own length drift (and its last answer's ratio to its baseline) at
     * {@code now} and returns, among the other targets judged within the freshness limit, the drift
     * or last-answer ratio closest to it; NaN when there is none. A peer's last answer counts too:
     * when the traffic changes, each target's median turns a few answers apart.
     */
    private synchronized double peerDrift(String id, double drift, double single, long now) {
        int slot = -1;
        int oldest = -1;
        double closest = Double.NaN;
        for (int i = 0; i < peerIds.length; i++) {
            if (peerIds[i] == null) {
                if (slot < 0) {
                    slot = i;
                }
                continue;
            }
            if (peerIds[i].equals(id)) {
                slot = i;
            } else if (now - peerAt[i] <= PEER_FRESH_NANOS) {
                closest = closer(closer(closest, peerDrifts[i], drift), peerSingles[i], drift);
            }
            if (oldest < 0 || peerAt[i] < peerAt[oldest]) {
                oldest = i;
            }
        }
        int at = slot < 0 ? oldest : slot;
        peerIds[at] = id;
        peerDrifts[at] = drift;
        peerSingles[at] = single;
        peerAt[at] = now;
        return closest;
    }

    private static double closer(double best, double candidate, double to) {
        return Double.isNaN(best) || Math.abs(Math.log(candidate / to)) < Math.abs(Math.log(best / to)) ? candidate : best;
    }

    /** The throughput judged against: the learned one, capped at {@code fast_tokens_per_s}. */
    private double speedBaseline(TargetState state) {
        return Math.min(state.speed.baseline.value(), options.fastTokensPerS());
    }

    /** A measure's baseline and recent window; the baseline learns from the first values on its own. */
    private static final class Measure {
        final Baseline baseline;
        final Windows.Ring recent;

        Measure(TokensOptions o) {
            baseline = new Baseline(o.minSamples(), o.learningRate());
            recent = new Windows.Ring(o.window());
        }

        /** Adds a value; true when the baseline already existed, so the caller judges and may learn. */
        boolean add(double v) {
            recent.add(v);
            if (baseline.ready()) {
                return true;
            }
            baseline.learn(v);
            return false;
        }
    }

    private static final class TargetState {
        final Measure speed;
        final Measure length;
        double slowdown = Double.NaN;
        double lengthDrift = Double.NaN;
        double lengthRatio = Double.NaN;
        double ownLengthRatio = Double.NaN;
        /** Whether a signal was given: from then on the detector always answers, so none goes stale in core. */
        boolean spoke;

        TargetState(TokensOptions o) {
            speed = new Measure(o);
            length = new Measure(o);
        }
    }
}
