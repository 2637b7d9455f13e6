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
 *     fast_ms_per_token: 2   # the baseline of the total measure is never taken below this...
 *     fast_ttft_ms: 100      # ...nor the time-to-first-token baseline below this
 * }</pre>
 *
 * <p>Severity is 0 up to half-way between 1 and {@code degraded_ratio} (1.5× with the defaults),
 * 0.25 at {@code degraded_ratio} (alone: degraded), 0.75 at {@code unhealthy_ratio} (alone:
 * unhealthy), linear in between, and reaches 1 at {@code 2 × unhealthy_ratio − degraded_ratio}
 * (3× with the defaults).
 *
 * <p>The two floors make the ratios absolute at the fast end. A median is divided by the larger of
 * the learned baseline and its floor, so a target whose recent median is below the floor is never
 * judged slow, however far it is from its baseline, and a target faster than the floor must become
 * slower than {@code degraded_ratio × floor} to count. Without them a target that answers in a
 * fraction of a millisecond (a cache, a local model, a test double) would be judged by the
 * gateway's own queueing: under load, 0.1 ms becoming 2 ms is a twentyfold "slowdown" that no
 * provider caused, and moving traffic for it turns a traffic spike into a failover. Real
 * providers' degradations are tens to thousands of milliseconds: with the defaults a short answer
 * (7 output tokens) must take longer than about 80 ms, and a first token longer than 150 ms,
 * before its latency counts at all; providers slower than the floors (most hosted models, at
 * 10–50 ms per token and 200–1000 ms to the first token) are judged on their own baselines alone.
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
 * @param fastMsPerToken the least baseline of the total measure, in ms per {@code (output_tokens + k)}: a
 *                       median below it is fast enough, whatever the learned baseline; default
 *                       {@value #DEFAULT_FAST_MS_PER_TOKEN}, positive
 * @param fastTtftMs     the least baseline of the time to first token, in ms: a median below it is fast
 *                       enough; default {@value #DEFAULT_FAST_TTFT_MS}, positive
 */
public record LatencyOptions(@JsonProperty("min_samples") Integer minSamples,
                             @JsonProperty("window") Integer window,
                             @JsonProperty("degraded_ratio") Double degradedRatio,
                             @JsonProperty("unhealthy_ratio") Double unhealthyRatio,
                             @JsonProperty("token_offset") Integer tokenOffset,
                             @JsonProperty("learning_rate") Double learningRate,
                             @JsonProperty("fast_ms_per_token") Double fastMsPerToken,
                             @JsonProperty("fast_ttft_ms") Double fastTtftMs) {

    public static final int DEFAULT_MIN_SAMPLES = 20;
    public static final int DEFAULT_WINDOW = 10;
    public static final double DEFAULT_DEGRADED_RATIO = 2.0;
    public static final double DEFAULT_UNHEALTHY_RATIO = 2.5;
    public static final int DEFAULT_TOKEN_OFFSET = 20;
    public static final double DEFAULT_LEARNING_RATE = 0.05;
    public static final double DEFAULT_FAST_MS_PER_TOKEN = 2.0;
    public static final double DEFAULT_FAST_TTFT_MS = 100.0;

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
        fastMsPerToken = Checks.positive("fast_ms_per_token", fastMsPerToken, DEFAULT_FAST_MS_PER_TOKEN);
        fastTtftMs = Checks.positive("fast_ttft_ms", fastTtftMs, DEFAULT_FAST_TTFT_MS);
    }

    /** Every option at its default. */
    public static LatencyOptions defaults() {
        return new LatencyOptions(null, null, null, null, null, null, null, null);
    }
}
