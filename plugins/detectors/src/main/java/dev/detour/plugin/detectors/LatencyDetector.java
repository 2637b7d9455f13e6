package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * The {@code latency} detector: compares each target's recent latency with its own learned
 * baseline, on two measures of successful answers:
 * <ul>
 *   <li>total latency per output token, {@code latency_ms / (output_tokens + token_offset)}, so a
 *       long answer is not mistaken for a slow target;</li>
 *   <li>time to first token, for streamed answers.</li>
 * </ul>
 * The judged value is the median of the last {@code window} answers divided by the baseline
 * ({@link Baseline}), or by the measure's floor ({@code fast_ms_per_token}, {@code fast_ttft_ms})
 * when the baseline is lower: a rise must hold for more than half of the window to count, so
 * single slow outliers never do, and a median below the floor never counts, so the gateway's own
 * queueing under load is not mistaken for a slower provider. The baseline learns only while the
 * target's median is below the severity onset, and only from answers faster than
 * {@code degraded_ratio} × the judged baseline, so a degradation does not become the new normal.
 * Until {@code min_samples} successful
 * answers are seen, a target has no signal (neutral). Failed attempts are ignored here (the
 * {@code errors} detector judges them).
 *
 * <p>State is per target id ({@code provider/model}), so per model too: two rings of {@code window}
 * numbers and two baselines, nothing per answer. Called on the event loop; O(window) per
 * observation.
 */
public final class LatencyDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "latency";

    private final LatencyOptions options;
    private final double onset;
    private final TargetStates<TargetState> targets;

    public LatencyDetector(LatencyOptions options) {
        this.options = options == null ? LatencyOptions.defaults() : options;
        this.onset = (1 + this.options.degradedRatio()) / 2;
        LatencyOptions o = this.options;
        this.targets = new TargetStates<>(() -> new TargetState(o));
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        if (!attempt.success() || !(attempt.latencyMs() > 0)) {
            return null;
        }
        TargetState state = targets.get(attempt.target().id());
        synchronized (state) {
            double perToken = attempt.latencyMs() / (Math.max(0, attempt.outputTokens()) + options.tokenOffset());
            Judgement total = state.total.add(perToken, onset, options.degradedRatio());
            Judgement ttft;
            if (attempt.ttftMs() > 0) {
                ttft = state.ttft.add(attempt.ttftMs(), onset, options.degradedRatio());
                state.answersSinceTtft = 0;
            } else {
                // A route mixing streams and non-streams keeps its last TTFT judgement, so the signal
                // does not flip with each answer's kind; it lapses once streams stop for a while.
                state.answersSinceTtft++;
                ttft = state.answersSinceTtft <= 4 * options.window() ? state.ttft.last : null;
            }
            if (total == null && ttft == null) {
                return null;
            }
            Judgement worst = total == null ? ttft : ttft == null ? total : ttft.ratio > total.ratio ? ttft : total;
            double severity = Severity.round(Severity.ramp(worst.ratio, onset, options.degradedRatio(),
                    options.unhealthyRatio()));
            String reason = severity == 0 ? Severity.FINE : worst == total
                    ? String.format(Locale.ROOT, "p50 latency %s ms/token over the last %d answers is %.1fx the baseline %s",
                            num(total.median), total.count, total.ratio, num(total.baseline))
                    : String.format(Locale.ROOT, "p50 time to first token %s ms over the last %d streams is %.1fx the baseline %s ms",
                            num(ttft.median), ttft.count, ttft.ratio, num(ttft.baseline));
            return new Signal(TYPE, attempt.target().id(), severity, reason);
        }
    }

    static String num(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%.0f", v)
                : v >= 10 ? String.format(Locale.ROOT, "%.1f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }

    /** The last judgement of one measure. */
    private record Judgement(double median, double baseline, double ratio, int count) {
    }

    /** One measure's baseline and recent window. */
    private static final class Measure {
        private final Baseline baseline;
        private final Windows.Ring recent;
        /** The least baseline judged against: below it the measure is fast enough. */
        private final double floor;
        private Judgement last;

        Measure(LatencyOptions o, double floor) {
            baseline = new Baseline(o.minSamples(), o.learningRate());
            recent = new Windows.Ring(o.window());
            this.floor = floor;
        }

        /** Adds a value and returns the judgement, or null while the baseline is being learned. */
        Judgement add(double value, double onset, double degraded) {
            recent.add(value);
            if (!baseline.ready()) {
                baseline.learn(value);
                return null;
            }
            double median = recent.median();
            double base = Math.max(baseline.value(), floor);
            double ratio = median / base;
            // Learn only in normal times, and not from the first slow answers of a rise either (they
            // come before the median turns), so a degradation never leaks into its own yardstick.
            if (ratio < onset && value < degraded * base) {
                baseline.learn(value);
            }
            last = new Judgement(median, base, ratio, recent.size());
            return last;
        }
    }

    private static final class TargetState {
        final Measure total;
        final Measure ttft;
        int answersSinceTtft;

        TargetState(LatencyOptions o) {
            total = new Measure(o, o.fastMsPerToken());
            ttft = new Measure(o, o.fastTtftMs());
        }
    }
}
