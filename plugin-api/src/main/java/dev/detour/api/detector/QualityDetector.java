package dev.detour.api.detector;

/**
 * Watches finished attempts and judges targets. One instance serves one route and sees every
 * attempt that route makes, on every target; it keeps its own per-target state (baselines,
 * windows). Called on the event loop: it must be fast and must not block.
 */
public interface QualityDetector {

    /**
     * Observes one attempt and returns the detector's updated judgement of that attempt's target,
     * or null when it has nothing to say yet (e.g. while learning a baseline).
     */
    Signal observe(AttemptObservation attempt);

    /** Observes user feedback; detectors that do not use feedback keep this default. */
    default Signal feedback(Feedback feedback) {
        return null;
    }
}
