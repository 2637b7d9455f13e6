package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * The {@code tokens} detector: a target's generation throughput
 * ({@link AttemptObservation#tokensPerSecond()}) and output length drifting far from its own
 * learned baselines. Throughput counts only when it drops (a faster target is no problem); output
 * length counts both ways (answers cut short or running away). Each is judged as the median of
 * the last {@code window} successful answers against a {@link Baseline} that learns only while that
 * measure looks normal. The severity is the worse of the two. A target is neutral until
 * {@code min_samples} answers are seen.
 *
 * <p>Throughput is judged against the learned baseline capped at {@code fast_tokens_per_s}, so a
 * target whose recent median is above that rate is never slow: a target answering in a fraction of
 * a millisecond shows tens of thousands of tokens per second, and the gateway's own queueing under
 * load divides that by ten without any provider being slower. Output length does not depend on
 * load. State per target: two rings of {@code window} numbers and two baselines, nothing per
 * answer. Called on the event loop; O(window) per observation.
 */
public final class TokensDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "tokens";

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
            double tps = attempt.tokensPerSecond();
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
                double ratio = state.length.recent.median() / state.length.baseline.value();
                double drift = Math.max(ratio, 1 / ratio);
                double single = length / state.length.baseline.value();
                if (drift < lengthOnset && Math.max(single, 1 / single) < options.lengthDegradedRatio()) {
                    state.length.baseline.learn(length);
                }
                state.lengthDrift = drift;
                state.lengthRatio = ratio;
            }
            if (Double.isNaN(state.slowdown) && Double.isNaN(state.lengthDrift)) {
                return null;
            }
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
                reason = String.format(Locale.ROOT, "p50 output length %s tokens is %.1fx the baseline %s",
                        LatencyDetector.num(state.length.recent.median() - 1), state.lengthRatio,
                        LatencyDetector.num(state.length.baseline.value() - 1));
            }
            double severity = Severity.round(Math.max(slowSeverity, lengthSeverity));
            return new Signal(TYPE, attempt.target().id(), severity, reason);
        }
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

        TargetState(TokensOptions o) {
            speed = new Measure(o);
            length = new Measure(o);
        }
    }
}
