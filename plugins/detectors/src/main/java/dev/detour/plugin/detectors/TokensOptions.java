package dev.detour.plugin.detectors;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code tokens} detector.
 *
 * <pre>{@code
 * detectors:
 *   - type: tokens
 *     min_samples: 20              # successful answers seen before a target's baselines exist
 *     window: 10                   # recent answers whose median is compared with the baseline
 *     slow_degraded_ratio: 2.0     # baseline tokens/s ÷ recent median at which the target is degraded
 *     slow_unhealthy_ratio: 4.0    # ... and unhealthy
 *     length_degraded_ratio: 4.0   # output length drifting by this factor (either way): degraded
 *     length_unhealthy_ratio: 10.0 # ... and unhealthy
 *     learning_rate: 0.05          # weight of one healthy answer in a baseline once learned
 *     fast_tokens_per_s: 500       # a throughput above this is never slow, whatever the baseline
 * }</pre>
 *
 * <p>For each ratio the severity is 0 up to half-way between 1 and the degraded ratio, 0.25 at the
 * degraded ratio, 0.75 at the unhealthy ratio, linear in between, and reaches 1 at
 * {@code 2 × unhealthy − degraded}.
 *
 * <p>The throughput baseline is capped at {@code fast_tokens_per_s}: the slow-down is
 * {@code min(baseline, fast_tokens_per_s) / median}, so a target whose recent median is above the
 * cap is never slow, and one faster than the cap must fall below
 * {@code fast_tokens_per_s / slow_degraded_ratio} to count. An answer from a target that replies in
 * a fraction of a millisecond (a cache, a test double) shows tens of thousands of tokens per second,
 * and the gateway's own queueing under load divides that by ten with no provider involved; hosted
 * models generate 20–300 tokens per second, and stay judged on their own baselines.
 *
 * @param minSamples           answers collected before a baseline exists; default {@value #DEFAULT_MIN_SAMPLES}
 * @param window               recent answers whose median is judged; default {@value #DEFAULT_WINDOW}
 * @param slowDegradedRatio    throughput slow-down factor for degraded; default {@value #DEFAULT_SLOW_DEGRADED_RATIO}
 * @param slowUnhealthyRatio   ... for unhealthy; default {@value #DEFAULT_SLOW_UNHEALTHY_RATIO}
 * @param lengthDegradedRatio  output-length drift factor (longer or shorter) for degraded; default
 *                             {@value #DEFAULT_LENGTH_DEGRADED_RATIO}
 * @param lengthUnhealthyRatio ... for unhealthy; default {@value #DEFAULT_LENGTH_UNHEALTHY_RATIO}
 * @param learningRate         weight of one healthy answer in a learned baseline; default
 *                             {@value #DEFAULT_LEARNING_RATE}, within (0, 1]
 * @param fastTokensPerS       the throughput, in output tokens per second, above which a target is never slow
 *                             (the cap of its throughput baseline); default {@value #DEFAULT_FAST_TOKENS_PER_S},
 *                             positive
 */
public record TokensOptions(@JsonProperty("min_samples") Integer minSamples,
                            @JsonProperty("window") Integer window,
                            @JsonProperty("slow_degraded_ratio") Double slowDegradedRatio,
                            @JsonProperty("slow_unhealthy_ratio") Double slowUnhealthyRatio,
                            @JsonProperty("length_degraded_ratio") Double lengthDegradedRatio,
                            @JsonProperty("length_unhealthy_ratio") Double lengthUnhealthyRatio,
                            @JsonProperty("learning_rate") Double learningRate,
                            @JsonProperty("fast_tokens_per_s") Double fastTokensPerS) {

    public static final int DEFAULT_MIN_SAMPLES = 20;
    public static final int DEFAULT_WINDOW = 10;
    public static final double DEFAULT_SLOW_DEGRADED_RATIO = 2.0;
    public static final double DEFAULT_SLOW_UNHEALTHY_RATIO = 4.0;
    public static final double DEFAULT_LENGTH_DEGRADED_RATIO = 4.0;
    public static final double DEFAULT_LENGTH_UNHEALTHY_RATIO = 10.0;
    public static final double DEFAULT_LEARNING_RATE = 0.05;
    public static final double DEFAULT_FAST_TOKENS_PER_S = 500.0;

    public TokensOptions {
        minSamples = Checks.atLeast("min_samples", minSamples, DEFAULT_MIN_SAMPLES, 1);
        window = Checks.atLeast("window", window, DEFAULT_WINDOW, 1);
        slowDegradedRatio = Checks.positive("slow_degraded_ratio", slowDegradedRatio, DEFAULT_SLOW_DEGRADED_RATIO);
        Checks.ordered("1", 1.0, "slow_degraded_ratio", slowDegradedRatio);
        slowUnhealthyRatio = Checks.positive("slow_unhealthy_ratio", slowUnhealthyRatio, DEFAULT_SLOW_UNHEALTHY_RATIO);
        Checks.ordered("slow_degraded_ratio", slowDegradedRatio, "slow_unhealthy_ratio", slowUnhealthyRatio);
        lengthDegradedRatio = Checks.positive("length_degraded_ratio", lengthDegradedRatio,
                DEFAULT_LENGTH_DEGRADED_RATIO);
        Checks.ordered("1", 1.0, "length_degraded_ratio", lengthDegradedRatio);
        lengthUnhealthyRatio = Checks.positive("length_unhealthy_ratio", lengthUnhealthyRatio,
                DEFAULT_LENGTH_UNHEALTHY_RATIO);
        Checks.ordered("length_degraded_ratio", lengthDegradedRatio, "length_unhealthy_ratio", lengthUnhealthyRatio);
        learningRate = Checks.within("learning_rate", learningRate, DEFAULT_LEARNING_RATE, 0, 1);
        if (learningRate == 0) {
            throw new IllegalArgumentException("learning_rate must be greater than 0, was 0.0");
        }
        fastTokensPerS = Checks.positive("fast_tokens_per_s", fastTokensPerS, DEFAULT_FAST_TOKENS_PER_S);
    }

    /** Every option at its default. */
    public static TokensOptions defaults() {
        return new TokensOptions(null, null, null, null, null, null, null, null);
    }
}
