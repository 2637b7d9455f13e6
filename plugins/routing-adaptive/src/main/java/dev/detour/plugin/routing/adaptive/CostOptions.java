package dev.detour.plugin.routing.adaptive;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of {@code strategy: {type: cost}}.
 *
 * <pre>{@code
 * strategy:
 *   type: cost
 *   min_score: 0.5      # targets whose health score is below this go after every healthier one
 *   output_ratio: 0.5   # output tokens expected per input token, to weigh the two prices
 * }</pre>
 *
 * @param minScore    health score (0..1) a target needs to be chosen for its price; default
 *                    {@value #DEFAULT_MIN_SCORE}
 * @param outputRatio expected output tokens per input token: a request is estimated to cost
 *                    {@code input_per_mtok + output_ratio × output_per_mtok} per million input tokens;
 *                    default {@value #DEFAULT_OUTPUT_RATIO}, at least 0
 */
public record CostOptions(@JsonProperty("min_score") Double minScore,
                          @JsonProperty("output_ratio") Double outputRatio) {

    public static final double DEFAULT_MIN_SCORE = 0.5;
    public static final double DEFAULT_OUTPUT_RATIO = 0.5;

    public CostOptions {
        minScore = minScore == null ? DEFAULT_MIN_SCORE : minScore;
        if (!(minScore >= 0 && minScore <= 1)) {
            throw new IllegalArgumentException("min_score must be within 0..1, was " + minScore);
        }
        outputRatio = outputRatio == null ? DEFAULT_OUTPUT_RATIO : outputRatio;
        if (!(outputRatio >= 0) || Double.isInfinite(outputRatio)) {
            throw new IllegalArgumentException("output_ratio must be a number of at least 0, was " + outputRatio);
        }
    }

    /** Every option at its default. */
    public static CostOptions defaults() {
        return new CostOptions(null, null);
    }
}
