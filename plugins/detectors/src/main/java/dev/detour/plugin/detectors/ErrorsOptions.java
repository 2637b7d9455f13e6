package dev.detour.plugin.detectors;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code errors} detector.
 *
 * <pre>{@code
 * detectors:
 *   - type: errors
 *     window: 50             # at most this many recent attempts are judged...
 *     window_time: 20s       # ...and none older than this (on the gateway's monotonic clock)
 *     min_samples: 20        # the rate's denominator is never below this, so a new target starts neutral
 *     burst_weight: 2.0      # a failure right after another failure counts this much (an isolated one counts 1)
 *     tolerated_rate: 0.05   # weighted failure rate at or below which the severity is 0
 *     degraded_rate: 0.10    # rate that alone makes the target degraded
 *     unhealthy_rate: 0.15   # ... and unhealthy: 20 % random failures weigh about 0.24
 * }</pre>
 *
 * <p>Between the thresholds the severity is linear; above {@code unhealthy_rate} it keeps rising and
 * reaches 1 at {@code 2 × unhealthy_rate − degraded_rate} (0.5 with the defaults).
 *
 * @param window        attempts judged at most; default {@value #DEFAULT_WINDOW}
 * @param windowTime    age limit of judged attempts, e.g. {@code 20s}; default {@value #DEFAULT_WINDOW_TIME}.
 *                      It bounds recovery from scattered failures: a failure stops counting this long
 *                      after it happened; the failures of an ended outage (three or more in a row, then
 *                      a success) fade faster: the ending success brings them down to at most what alone
 *                      makes the target degraded, then each success and every {@code window_time / 8}
 *                      halves them
 * @param minSamples    lower bound of the rate's denominator; default {@value #DEFAULT_MIN_SAMPLES}
 * @param burstWeight   weight of a failure that follows another failure on the same target; default
 *                      {@value #DEFAULT_BURST_WEIGHT}, at least 1
 * @param toleratedRate weighted rate with severity 0; default {@value #DEFAULT_TOLERATED_RATE}
 * @param degradedRate  weighted rate with severity 0.25 (alone: degraded); default {@value #DEFAULT_DEGRADED_RATE}
 * @param unhealthyRate weighted rate with severity 0.75 (alone: unhealthy); default {@value #DEFAULT_UNHEALTHY_RATE}
 */
public record ErrorsOptions(@JsonProperty("window") Integer window,
                            @JsonProperty("window_time") String windowTime,
                            @JsonProperty("min_samples") Integer minSamples,
                            @JsonProperty("burst_weight") Double burstWeight,
                            @JsonProperty("tolerated_rate") Double toleratedRate,
                            @JsonProperty("degraded_rate") Double degradedRate,
                            @JsonProperty("unhealthy_rate") Double unhealthyRate) {

    public static final int DEFAULT_WINDOW = 50;
    public static final String DEFAULT_WINDOW_TIME = "20s";
    public static final int DEFAULT_MIN_SAMPLES = 20;
    public static final double DEFAULT_BURST_WEIGHT = 2.0;
    public static final double DEFAULT_TOLERATED_RATE = 0.05;
    public static final double DEFAULT_DEGRADED_RATE = 0.10;
    public static final double DEFAULT_UNHEALTHY_RATE = 0.15;

    public ErrorsOptions {
        window = Checks.atLeast("window", window, DEFAULT_WINDOW, 1);
        windowTime = windowTime == null ? DEFAULT_WINDOW_TIME : windowTime;
        Durations.parseNanos("window_time", windowTime);
        minSamples = Checks.atLeast("min_samples", minSamples, DEFAULT_MIN_SAMPLES, 1);
        burstWeight = Checks.within("burst_weight", burstWeight, DEFAULT_BURST_WEIGHT, 1, 100);
        toleratedRate = Checks.within("tolerated_rate", toleratedRate, DEFAULT_TOLERATED_RATE, 0, 1);
        degradedRate = Checks.within("degraded_rate", degradedRate, DEFAULT_DEGRADED_RATE, 0, 10);
        Checks.ordered("tolerated_rate", toleratedRate, "degraded_rate", degradedRate);
        unhealthyRate = Checks.within("unhealthy_rate", unhealthyRate, DEFAULT_UNHEALTHY_RATE, 0, 10);
        Checks.ordered("degraded_rate", degradedRate, "unhealthy_rate", unhealthyRate);
    }

    /** {@link #windowTime()} in nanoseconds. */
    public long windowTimeNanos() {
        return Durations.parseNanos("window_time", windowTime);
    }

    /** Every option at its default. */
    public static ErrorsOptions defaults() {
        return new ErrorsOptions(null, null, null, null, null, null, null);
    }
}
