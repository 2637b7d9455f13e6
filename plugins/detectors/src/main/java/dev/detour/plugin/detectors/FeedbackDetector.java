package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.Feedback;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.Locale;

/**
 * The {@code feedback} detector: an exponentially weighted average of the users' scores
 * ({@code POST /v1/feedback}, −1 bad .. 1 good) for the answers each target served. It judges only
 * feedback; {@link #observe} always returns null. A target is neutral until {@code min_feedback}
 * scores arrived. Scores outside −1..1 are clamped; NaN scores are ignored.
 */
public final class FeedbackDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "feedback";

    private final FeedbackOptions options;
    private final double onset;
    private final TargetStates<TargetState> targets;

    public FeedbackDetector(FeedbackOptions options) {
        this.options = options == null ? FeedbackOptions.defaults() : options;
        this.onset = this.options.degradedScore() / 2;
        this.targets = new TargetStates<>(TargetState::new);
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        return null;
    }

    @Override
    public Signal feedback(Feedback feedback) {
        if (feedback == null || feedback.target() == null || Double.isNaN(feedback.score())) {
            return null;
        }
        double score = Math.max(-1, Math.min(1, feedback.score()));
        TargetState s = targets.get(feedback.target().id());
        synchronized (s) {
            s.count++;
            // The first scores average plainly so the EWMA does not start biased towards 0.
            double weight = Math.max(options.alpha(), 1.0 / s.count);
            s.average += weight * (score - s.average);
            if (s.count < options.minFeedback()) {
                return null;
            }
            double severity = Severity.round(Severity.ramp(-s.average, -onset, -options.degradedScore(),
                    -options.unhealthyScore()));
            String reason = String.format(Locale.ROOT, "average feedback %.2f over %d scores (degraded at %.2f)",
                    s.average, s.count, options.degradedScore());
            return new Signal(TYPE, feedback.target().id(), severity, reason);
        }
    }

    private static final class TargetState {
        long count;
        double average;
    }
}
