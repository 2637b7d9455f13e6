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
 * <p>An outage ends differently from a failure rate: once a success follows at least
 * {@value #OUTAGE_RUN} consecutive failures, those failures fade: that success brings their weight
 * down to at most what alone makes the target degraded ({@code degraded_rate × min_samples}) and
 * at least halves it, and each later success and every {@code window_time / 8} (2.5 s with the
 * defaults) halve it again, so a target that
 * came back is judged on its present within seconds instead of carrying the outage for the whole
 * {@code window_time} (a breaker's successful half-open probe is such a success). Scattered
 * failures do not fade this way: a target failing one call in five keeps its signal for as long as
 * it fails.
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

    /** Consecutive failures that make an outage rather than a failure rate. */
    static final int OUTAGE_RUN = 3;
    private static final int FAILED = 1;
    private static final int OUTAGE = 2;

    private final ErrorsOptions options;
    private final long halfLifeNanos;
    private final TargetStates<TargetState> targets;

    public ErrorsDetector(ErrorsOptions options) {
        this.options = options == null ? ErrorsOptions.defaults() : options;
        int window = this.options.window();
        long nanos = this.options.windowTimeNanos();
        this.halfLifeNanos = Math.max(1, nanos / 8);
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
            long now = attempt.atNanos();
            if (state.fading) {
                // An ended outage fades with time and with each fresh success.
                double factor = Math.pow(0.5, Math.max(0, now - state.fadedAt) / (double) halfLifeNanos);
                state.fading = state.window.scale(OUTAGE, failed ? factor : factor / 2);
                state.fadedAt = now;
            }
            if (failed) {
                state.consecutive++;
                weight = state.consecutive > 1 ? options.burstWeight() : 1;
            } else {
                if (state.consecutive >= OUTAGE_RUN) {
                    // The outage this success ends: its failures stop counting as the present.
                    // At most what alone makes the target degraded: it came back, so it is recovering,
                    // whatever the outage weighed; then each success and time halve the rest.
                    state.window.markNewest(state.consecutive, OUTAGE);
                    double outage = state.window.weightOf(OUTAGE);
                    double cap = options.degradedRate() * options.minSamples();
                    state.fading = state.window.scale(OUTAGE, Math.min(0.5, cap / Math.max(cap, outage)));
                    state.fadedAt = now;
                }
                state.consecutive = 0;
            }
            state.window.add(now, weight, failed ? FAILED : 0);
            int n = state.window.size();
            int failures = state.window.countFlags(FAILED);
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
        /** Whether the window holds failures of an ended outage, still fading. */
        boolean fading;
        long fadedAt;

        TargetState(int count, long nanos) {
            window = new EventWindow(count, nanos);
        }
    }
}
