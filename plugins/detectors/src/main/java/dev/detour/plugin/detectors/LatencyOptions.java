package dev.detour.plugin.detectors;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code latency} detector.
 *
 * <pre>{@code
 * detectors:
 *   - type: latency
 *     min_samples: 20        # successful answers seen before a target's baseline exists (neutral until then)
 *     window: 10             # recent answers whose median is compared with the baseline
 *     degraded_ratio: 2.0    # median / baseline at which the signal alone makes the target degraded
 *     unhealthy_ratio: 2.5   # ... and unhealthy (3x: severity 1)
 *     token_offset: 20       # latency is normalised per (output_tokens + token_offset)
 *     learning_rate: 0.05    # weight of one healthy answer in the baseline once learned
 * }</pre>
 *
 * <p>Severity is 0 up to half-way between 1 and {@code degraded_ratio} (1.5× with the defaults),
 * 0.25 at {@code degraded_ratio} (alone: degraded), 0.75 at {@code unhealthy_ratio} (alone:
 * unhealthy), linear in between, and reaches 1 at {@code 2 × unhealthy_ratio − degraded_ratio}
 * (3× with the defaults).
 *
 * @param minSamples     successful answers collected before the baseline exists; default {@value #DEFAULT_MIN_SAMPLES}
 * @param window         recent answers whose median is judged (a rise must hold for more than half of
 *                       them, so single outliers never count); default {@value #DEFAULT_WINDOW}
 * @param degradedRatio  ratio median/baseline that alone makes the target degraded; default
 *                       {@value #DEFAULT_DEGRADED_RATIO}, greater than 1
 * @param unhealthyRatio ratio that alone makes it unhealthy; default {@value #DEFAULT_UNHEALTHY_RATIO},
 *                       greater than {@code degraded_ratio}
 * @param tokenOffset    {@code k} in {@code latency_ms / (output_tokens + k)}: about the fixed overhead of a
 *                       call expressed in tokens, so short and long answers compare; default
 *                       {@value #DEFAULT_TOKEN_OFFSET}, at least 1
 * @param learningRate   weight of one healthy answer in the learned baseline; default
 *                       {@value #DEFAULT_LEARNING_RATE}, within (0, 1]
 */
public record LatencyOptions(@JsonProperty("min_samples") Integer minSamples,
                             @JsonProperty("window") Integer window,
                             @JsonProperty("degraded_ratio") Double degradedRatio,
                             @JsonProperty("unhealthy_ratio") Double unhealthyRatio,
                             @JsonProperty("token_offset") Integer tokenOffset,
                             @JsonProperty("learning_rate") Double learningRate) {

    public static final int DEFAULT_MIN_SAMPLES = 20;
    public static final int DEFAULT_WINDOW = 10;
    public static final double DEFAULT_DEGRADED_RATIO = 2.0;
    public static final double DEFAULT_UNHEALTHY_RATIO = 2.5;
    public static final int DEFAULT_TOKEN_OFFSET = 20;
    public static final double DEFAULT_LEARNING_RATE = 0.05;

    public LatencyOptions {
        minSamples = Checks.atLeast("min_samples", minSamples, DEFAULT_MIN_SAMPLES, 1);
        window = Checks.atLeast("window", window, DEFAULT_WINDOW, 1);
        degradedRatio = Checks.positive("degraded_ratio", degradedRatio, DEFAULT_DEGRADED_RATIO);
        Checks.ordered("1", 1.0, "degraded_ratio", degradedRatio);
        unhealthyRatio = Checks.positive("unhealthy_ratio", unhealthyRatio, DEFAULT_UNHEALTHY_RATIO);
        Checks.ordered("degraded_ratio", degradedRatio, "unhealthy_ratio", unhealthyRatio);
        tokenOffset = Checks.atLeast("token_offset", tokenOffset, DEFAULT_TOKEN_OFFSET, 1);
        learningRate = Checks.within("learning_rate", learningRate, DEFAULT_LEARNING_RATE, 0, 1);
        if (learningRate == 0) {
            throw new IllegalArgumentException("learning_rate must be greater than 0, was 0.0");
        }
    }

    /** Every option at its default. */
    public static LatencyOptions defaults() {
        return new LatencyOptions(null, null, null, null, null, null);
    }
}
