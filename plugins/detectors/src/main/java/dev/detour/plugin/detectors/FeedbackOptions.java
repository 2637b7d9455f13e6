package dev.detour.plugin.detectors;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of the {@code feedback} detector.
 *
 * <pre>{@code
 * detectors:
 *   - type: feedback
 *     alpha: 0.1              # weight of one new score in the moving average
 *     min_feedback: 5         # scores received before a target is judged (neutral until then)
 *     degraded_score: -0.3    # average score that alone makes the target degraded
 *     unhealthy_score: -0.6   # ... and unhealthy
 * }</pre>
 *
 * <p>The severity is 0 while the average is at or above half of {@code degraded_score} (−0.15 with
 * the defaults), 0.25 at {@code degraded_score}, 0.75 at {@code unhealthy_score}, linear in between, and reaches 1
 * at {@code 2 × unhealthy_score − degraded_score} (−0.9 with the defaults).
 *
 * @param alpha          weight of a new score in the exponentially weighted average; default
 *                       {@value #DEFAULT_ALPHA}, within (0, 1]
 * @param minFeedback    scores needed before a signal; default {@value #DEFAULT_MIN_FEEDBACK}
 * @param degradedScore  average (−1..0) that alone makes the target degraded; default {@value #DEFAULT_DEGRADED_SCORE}
 * @param unhealthyScore average that alone makes it unhealthy, below {@code degraded_score}; default
 *                       {@value #DEFAULT_UNHEALTHY_SCORE}
 */
public record FeedbackOptions(@JsonProperty("alpha") Double alpha,
                              @JsonProperty("min_feedback") Integer minFeedback,
                              @JsonProperty("degraded_score") Double degradedScore,
                              @JsonProperty("unhealthy_score") Double unhealthyScore) {

    public static final double DEFAULT_ALPHA = 0.1;
    public static final int DEFAULT_MIN_FEEDBACK = 5;
    public static final double DEFAULT_DEGRADED_SCORE = -0.3;
    public static final double DEFAULT_UNHEALTHY_SCORE = -0.6;

    public FeedbackOptions {
        alpha = Checks.within("alpha", alpha, DEFAULT_ALPHA, 0, 1);
        if (alpha == 0) {
            throw new IllegalArgumentException("alpha must be greater than 0, was 0.0");
        }
        minFeedback = Checks.atLeast("min_feedback", minFeedback, DEFAULT_MIN_FEEDBACK, 1);
        degradedScore = Checks.within("degraded_score", degradedScore, DEFAULT_DEGRADED_SCORE, -1, 0);
        if (degradedScore == 0) {
            throw new IllegalArgumentException("degraded_score must be below 0, was 0.0");
        }
        unhealthyScore = Checks.within("unhealthy_score", unhealthyScore, DEFAULT_UNHEALTHY_SCORE, -1, 0);
        if (!(unhealthyScore < degradedScore)) {
            throw new IllegalArgumentException("unhealthy_score must be below degraded_score (" + degradedScore
                    + "), was " + unhealthyScore);
        }
    }

    /** Every option at its default. */
    public static FeedbackOptions defaults() {
        return new FeedbackOptions(null, null, null, null);
    }
}
