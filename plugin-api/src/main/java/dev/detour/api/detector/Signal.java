package dev.detour.api.detector;

/**
 * A detector's current judgement of one target: 0 means "no problem seen", 1 means "unusable".
 * Core keeps the latest signal per (target, detector) and combines them into the target's score
 * and state, with hysteresis; a detector simply reports what it sees now.
 *
 * @param detector the detector's type ({@code latency}, {@code errors}, ...)
 * @param targetId the target's id ({@code provider/model})
 * @param severity 0 (fine) .. 1 (unusable)
 * @param reason   a short human-readable explanation, e.g. {@code "p50 latency 2400ms is 3.1x baseline 780ms"}
 */
public record Signal(String detector, String targetId, double severity, String reason) {
    public Signal {
        if (Double.isNaN(severity) || severity < 0 || severity > 1) {
            throw new IllegalArgumentException("severity must be within 0..1, was " + severity);
        }
    }
}
