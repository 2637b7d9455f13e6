package dev.detour.plugin.detectors;

/**
 * Maps a detector's measurement onto a signal severity with three anchors shared by every detector
 * in this plugin, so their options read alike.
 *
 * <p>The anchors are chosen against core's health model, where a target's score is the product of
 * {@code 1 - severity} over its detectors and a score below 0.8 is {@code degraded}, below 0.3
 * {@code unhealthy}: at the {@code degraded} threshold a lone signal has severity {@value #DEGRADED}
 * (score 0.75, degraded); at the {@code unhealthy} threshold {@value #UNHEALTHY} (score 0.25,
 * unhealthy). Below the {@code onset} the severity is exactly 0, so noise moves no traffic. Between
 * anchors it is linear; beyond {@code unhealthy} it keeps rising at the same pace as between
 * {@code degraded} and {@code unhealthy} (halved), up to 1.
 */
final class Severity {

    /** The reason given with severity 0: nothing is formatted on the hot path for a healthy target. */
    static final String FINE = "within the normal range";


    /** Severity at the degraded threshold: alone it makes the score 0.75 (degraded). */
    static final double DEGRADED = 0.25;
    /** Severity at the unhealthy threshold: alone it makes the score 0.25 (unhealthy). */
    static final double UNHEALTHY = 0.75;

    private Severity() {
    }

    /**
     * @param x         the measurement (larger is worse)
     * @param onset     below or at this, severity 0
     * @param degraded  severity {@link #DEGRADED} here; greater than {@code onset}
     * @param unhealthy severity {@link #UNHEALTHY} here; greater than {@code degraded}
     */
    static double ramp(double x, double onset, double degraded, double unhealthy) {
        if (Double.isNaN(x) || x <= onset) {
            return 0;
        }
        if (x <= degraded) {
            return DEGRADED * (x - onset) / (degraded - onset);
        }
        if (x <= unhealthy) {
            return DEGRADED + (UNHEALTHY - DEGRADED) * (x - degraded) / (unhealthy - degraded);
        }
        return Math.min(1.0, UNHEALTHY + (1 - UNHEALTHY) * (x - unhealthy) / (unhealthy - degraded));
    }

    /** Rounds for stable, readable output (reasons, logs); severities need no more precision. */
    static double round(double severity) {
        return Math.min(1.0, Math.max(0.0, Math.round(severity * 1000) / 1000.0));
    }
}
