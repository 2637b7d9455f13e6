package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code errors} detector: the shape of a target's failures over a sliding window bounded by
 * count ({@code window}) and age ({@code window_time}, on the attempts' own {@code atNanos}).
 *
 * <p>Each judged attempt weighs 0 when it succeeded, 1 when it failed after a success (an isolated
 * failure), and {@code burst_weight} when it failed right after another failure (a burst). The
 * weighted rate is {@code sum / max(attempts, min_samples)}: the padding keeps a new or rarely
 * used target neutral until it has history. Only failures that say something about the target
 * count; failures caused by the request ({@link #IGNORED}) are not judged at all.
 *
 * <p>With the defaults: 1% isolated errors weigh at most a few percent in any window (severity 0),
 * and so does the first failure of a brand-new target (1/20);
 * 20% of 503s weigh about 0.2–0.25 (severity ≈ 0.5, degraded); a burst of 5 failures in a window
 * of 50 weighs 0.18 (severity ≈ 0.45). Called on the event loop; O(window) per observation.
 */
public final class ErrorsDetector implements QualityDetector {

    /** The detector's type, as written in {@code detectors:} and in signals. */
    public static final String TYPE = "errors";

    /** Kinds that depend on the request rather than on the target: neither failures nor successes here. */
    static final Set<ErrorKind> IGNORED = EnumSet.of(ErrorKind.INVALID_REQUEST, ErrorKind.CONTEXT_LENGTH,
            ErrorKind.CONTENT_FILTER, ErrorKind.UNSUPPORTED);

    private final ErrorsOptions options;
    private final TargetStates<TargetState> targets;

    public ErrorsDetector(ErrorsOptions options) {
        this.options = options == null ? ErrorsOptions.defaults() : options;
        int window = this.options.window();
        long nanos = this.options.windowTimeNanos();
        this.targets = new TargetStates<>(() -> new TargetState(window, nanos));
    }

    @Override
    public Signal observe(AttemptObservation attempt) {
        boolean failed = !attempt.success();
        if (failed && attempt.errorKind() != null && IGNORED.contains(attempt.errorKind())) {
            return null;
        }
        TargetState state = targets.get(attempt.target().id());
        synchronized (state) {
            double weight = 0;
            if (failed) {
                state.consecutive++;
                weight = state.consecutive > 1 ? options.burstWeight() : 1;
            } else {
                state.consecutive = 0;
            }
            state.window.add(attempt.atNanos(), weight, failed ? 1 : 0);
            int n = state.window.size();
            int failures = state.window.countFlags(1);
            double rate = state.window.weightSum() / Math.max(n, options.minSamples());
            double severity = Severity.round(Severity.ramp(rate, options.toleratedRate(), options.degradedRate(),
                    options.unhealthyRate()));
            // Formatting costs more than the judgement: a clean bill of health gets a fixed reason.
            String reason = severity == 0 ? Severity.FINE : String.format(Locale.ROOT,
                    "%d of the last %d attempts failed (%.0f%%), weighted rate %.2f with bursts; %d consecutive now",
                    failures, n, 100.0 * failures / n, rate, state.consecutive);
            return new Signal(TYPE, attempt.target().id(), severity, reason);
        }
    }

    private static final class TargetState {
        final EventWindow window;
        int consecutive;

        TargetState(int count, long nanos) {
            window = new EventWindow(count, nanos);
        }
    }
}
