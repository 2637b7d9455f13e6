package dev.detour.plugin.detectors;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Options of the {@code quality} detector.
 *
 * <pre>{@code
 * detectors:
 *   - type: quality
 *     checks: [empty, repetition, truncation, invalid_json, refusal]   # the default: all
 *     window: 50               # at most this many recent answers are judged...
 *     window_time: 20s         # ...and none older than this
 *     min_samples: 20          # the bad share's denominator is never below this (a new target starts neutral)
 *     max_repetition: 0.5      # an answer whose repeated 3-gram share reaches this is "repetitive"
 *     min_words: 30            # shorter answers are never judged repetitive
 *     learning_rate: 0.005     # how fast the normal truncation and refusal shares are learned
 *     tolerated_share: 0.05    # bad-answer share at or below which the severity is 0
 *     degraded_share: 0.10     # share that alone makes the target degraded
 *     unhealthy_share: 0.30    # ... and unhealthy
 *     refusal_patterns: ["I can't help with that", "I'm sorry, but I cannot", ...]
 * }</pre>
 *
 * <p>Empty, repetitive and invalid-JSON answers (and answers that failed core's
 * {@code quality_gate}) are bad outright. Truncation ({@code finish_reason: length}) and refusals
 * have a legitimate normal rate, so only their excess over the target's learned normal share counts.
 * Between the thresholds the severity is linear; it reaches 1 at
 * {@code 2 × unhealthy_share − degraded_share} (0.5 with the defaults).
 *
 * @param checks          which checks run: {@code empty}, {@code repetition}, {@code truncation},
 *                        {@code invalid_json}, {@code refusal}; default all
 * @param window          answers judged at most; default {@value #DEFAULT_WINDOW}
 * @param windowTime      age limit of judged answers; default {@value #DEFAULT_WINDOW_TIME}
 * @param minSamples      lower bound of the share's denominator; default {@value #DEFAULT_MIN_SAMPLES}
 * @param maxRepetition   repeated n-gram share that makes an answer repetitive; default
 *                        {@value #DEFAULT_MAX_REPETITION}, within (0, 1]
 * @param minWords        shortest answer (in words) judged for repetition; default {@value #DEFAULT_MIN_WORDS}
 * @param learningRate    weight of one answer in the learned normal truncation/refusal shares; default
 *                        {@value #DEFAULT_LEARNING_RATE}
 * @param toleratedShare  bad share with severity 0; default {@value #DEFAULT_TOLERATED_SHARE}
 * @param degradedShare   bad share with severity 0.25 (alone: degraded); default {@value #DEFAULT_DEGRADED_SHARE}
 * @param unhealthyShare  bad share with severity 0.75 (alone: unhealthy); default {@value #DEFAULT_UNHEALTHY_SHARE}
 * @param refusalPatterns phrases that mark a refusal when found (case-insensitively) in an answer's
 *                        first 300 characters; default {@link AnswerChecks#DEFAULT_REFUSALS}
 */
public record QualityOptions(@JsonProperty("checks") List<String> checks,
                             @JsonProperty("window") Integer window,
                             @JsonProperty("window_time") String windowTime,
                             @JsonProperty("min_samples") Integer minSamples,
                             @JsonProperty("max_repetition") Double maxRepetition,
                             @JsonProperty("min_words") Integer minWords,
                             @JsonProperty("learning_rate") Double learningRate,
                             @JsonProperty("tolerated_share") Double toleratedShare,
                             @JsonProperty("degraded_share") Double degradedShare,
                             @JsonProperty("unhealthy_share") Double unhealthyShare,
                             @JsonProperty("refusal_patterns") List<String> refusalPatterns) {

    /** The check names accepted in {@code checks}. */
    public static final Set<String> ALL_CHECKS = Set.of("empty", "repetition", "truncation", "invalid_json", "refusal");
    public static final int DEFAULT_WINDOW = 50;
    public static final String DEFAULT_WINDOW_TIME = "20s";
    public static final int DEFAULT_MIN_SAMPLES = 20;
    public static final double DEFAULT_MAX_REPETITION = 0.5;
    public static final int DEFAULT_MIN_WORDS = 30;
    public static final double DEFAULT_LEARNING_RATE = 0.005;
    public static final double DEFAULT_TOLERATED_SHARE = 0.05;
    public static final double DEFAULT_DEGRADED_SHARE = 0.10;
    public static final double DEFAULT_UNHEALTHY_SHARE = 0.30;

    public QualityOptions {
        if (checks == null) {
            checks = List.of("empty", "repetition", "truncation", "invalid_json", "refusal");
        } else {
            checks = checks.stream().map(c -> c == null ? "" : c.trim().toLowerCase(Locale.ROOT)).distinct().toList();
            for (String c : checks) {
                if (!ALL_CHECKS.contains(c)) {
                    throw new IllegalArgumentException("checks: unknown check '" + c + "' (known: empty, repetition, "
                            + "truncation, invalid_json, refusal)");
                }
            }
        }
        window = Checks.atLeast("window", window, DEFAULT_WINDOW, 1);
        windowTime = windowTime == null ? DEFAULT_WINDOW_TIME : windowTime;
        Durations.parseNanos("window_time", windowTime);
        minSamples = Checks.atLeast("min_samples", minSamples, DEFAULT_MIN_SAMPLES, 1);
        maxRepetition = Checks.within("max_repetition", maxRepetition, DEFAULT_MAX_REPETITION, 0, 1);
        if (maxRepetition == 0) {
            throw new IllegalArgumentException("max_repetition must be greater than 0, was 0.0");
        }
        minWords = Checks.atLeast("min_words", minWords, DEFAULT_MIN_WORDS, AnswerChecks.NGRAM + 1);
        learningRate = Checks.within("learning_rate", learningRate, DEFAULT_LEARNING_RATE, 0, 1);
        toleratedShare = Checks.within("tolerated_share", toleratedShare, DEFAULT_TOLERATED_SHARE, 0, 1);
        degradedShare = Checks.within("degraded_share", degradedShare, DEFAULT_DEGRADED_SHARE, 0, 1);
        Checks.ordered("tolerated_share", toleratedShare, "degraded_share", degradedShare);
        unhealthyShare = Checks.within("unhealthy_share", unhealthyShare, DEFAULT_UNHEALTHY_SHARE, 0, 1);
        Checks.ordered("degraded_share", degradedShare, "unhealthy_share", unhealthyShare);
        if (refusalPatterns == null) {
            refusalPatterns = AnswerChecks.DEFAULT_REFUSALS;
        } else {
            for (String r : refusalPatterns) {
                if (r == null || r.isBlank()) {
                    throw new IllegalArgumentException("refusal_patterns entries must be non-blank, was '" + r + "'");
                }
            }
            refusalPatterns = List.copyOf(refusalPatterns);
        }
    }

    /** Whether the named check is enabled. */
    public boolean enabled(String check) {
        return checks.contains(check);
    }

    /** {@link #windowTime()} in nanoseconds. */
    public long windowTimeNanos() {
        return Durations.parseNanos("window_time", windowTime);
    }

    /** Every option at its default. */
    public static QualityOptions defaults() {
        return new QualityOptions(null, null, null, null, null, null, null, null, null, null, null);
    }
}
