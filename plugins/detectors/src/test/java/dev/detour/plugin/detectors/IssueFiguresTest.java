package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.QualityDetector;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.FinishReason;
import dev.detour.api.testing.FakeTarget;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The issue's figures at the detector level, with every detector of this plugin watching the same
 * stream at its defaults and the score combined the way core's TargetRuntime does (product of
 * {@code 1 - severity} over each detector's latest signal; healthy ≥ 0.8, unhealthy < 0.3). One
 * attempt every 100 ms on an injected time axis.
 */
class IssueFiguresTest {

    private static final FakeTarget TARGET = FakeTarget.of("sim/model");
    private static final String ANSWER = AnswerChecksTest.PROSE;

    private final List<QualityDetector> detectors = List.of(new LatencyDetector(null), new ErrorsDetector(null),
            new TokensDetector(null), new AnswerQualityDetector(null));
    private final Map<String, Signal> latest = new LinkedHashMap<>();
    private final SplittableRandom random = new SplittableRandom(2026);
    private long now = 5_000_000_000L;

    private double score() {
        double s = 1;
        for (Signal sig : latest.values()) {
            s *= 1 - sig.severity();
        }
        return s;
    }

    private void feed(AttemptObservation o) {
        for (QualityDetector d : detectors) {
            Signal s = d.observe(o);
            if (s != null) {
                latest.put(s.detector(), s);
            }
        }
    }

    /** A 200 answer of 80..160 tokens: 400 ms first token, then 25 ms per token (±10%), times {@code slow}. */
    private void ok(double slow, String text) {
        now += 100_000_000L;
        int tokens = 80 + random.nextInt(81);
        double jitter = 0.9 + 0.2 * random.nextDouble();
        double ttft = 400 * jitter * slow;
        double total = ttft + 25.0 * tokens * jitter * slow;
        int out = text.isEmpty() ? 0 : tokens;
        feed(new AttemptObservation(TARGET, now, true, null, 200, total, ttft, 300, out, text, FinishReason.STOP,
                false, true, "r" + now));
    }

    private void ok() {
        ok(1, ANSWER);
    }

    private void fail503() {
        now += 100_000_000L;
        feed(new AttemptObservation(TARGET, now, false, ErrorKind.SERVER_ERROR, 503, 120, -1, 300, 0, "", null,
                false, true, "r" + now));
    }

    private void warmUp() {
        for (int i = 0; i < 60; i++) {
            ok();
        }
        assertTrue(score() >= 0.99, "warm-up " + latest);
    }

    private int attemptsUntil(Runnable attempt, double below, int max) {
        for (int i = 1; i <= max; i++) {
            attempt.run();
            if (score() < below) {
                return i;
            }
        }
        return fail("score still " + score() + " after " + max + ": " + latest);
    }

    private int attemptsUntilHealthy(Runnable attempt, int max) {
        for (int i = 1; i <= max; i++) {
            attempt.run();
            if (score() >= 0.8) {
                return i;
            }
        }
        return fail("score still " + score() + " after " + max + ": " + latest);
    }

    @Test
    void latency_tripled_makes_the_target_unhealthy_within_40_attempts_until_it_recovers() {
        warmUp();
        int n = attemptsUntil(() -> ok(3, ANSWER), 0.3, 40);
        for (int i = 0; i < 200; i++) {
            ok(3, ANSWER);
            assertTrue(score() < 0.3, "attempt " + i + " while slow: " + latest);
        }
        int back = attemptsUntilHealthy(this::ok, 40);
        assertTrue(back <= LatencyOptions.DEFAULT_WINDOW, "healthy again after " + back + " attempts; flagged after "
                + n);
    }

    @Test
    void empty_200s_make_the_target_unhealthy_within_40_attempts_until_it_recovers() {
        warmUp();
        attemptsUntil(() -> ok(1, ""), 0.3, 40);
        for (int i = 0; i < 200; i++) {
            ok(1, "");
            assertTrue(score() < 0.3, "attempt " + i + " while empty: " + latest);
        }
        int back = attemptsUntilHealthy(this::ok, QualityOptions.DEFAULT_WINDOW);
        assertTrue(back <= QualityOptions.DEFAULT_WINDOW, "healthy again after " + back);
    }

    @Test
    void twenty_percent_503s_make_the_target_degraded_within_40_attempts_until_it_recovers() {
        warmUp();
        int[] i = {0};
        attemptsUntil(() -> {
            if (++i[0] % 5 == 0) {
                fail503();
            } else {
                ok();
            }
        }, 0.8, 40);
        for (int k = 0; k < 300; k++) {
            if (k % 5 == 0) {
                fail503();
            } else {
                ok();
            }
            assertTrue(score() < 0.8, "attempt " + k + " while failing: " + latest);
        }
        int back = attemptsUntilHealthy(this::ok, ErrorsOptions.DEFAULT_WINDOW);
        assertTrue(back <= ErrorsOptions.DEFAULT_WINDOW, "healthy again after " + back);
    }

    @Test
    void one_percent_isolated_errors_and_single_slow_outliers_keep_the_target_healthy() {
        warmUp();
        for (int i = 1; i <= 3_000; i++) {
            if (i % 100 == 13) {
                fail503();
            } else if (i % 25 == 7) {
                ok(8, ANSWER);
            } else {
                ok();
            }
            assertTrue(score() >= 0.8, "attempt " + i + ": " + latest);
        }
    }

    @Test
    void recovery_is_seen_from_sparse_probes_once_failures_age_out() {
        warmUp();
        for (int i = 0; i < 30; i++) {
            fail503();
        }
        assertTrue(score() < 0.3, latest.toString());
        // Core now sends only probes: one every 2 s
        int back = attemptsUntilHealthy(() -> {
            now += 1_900_000_000L;
            ok();
        }, 20);
        // The failures leave the 20 s error window after at most 11 probes
        assertTrue(back <= 11, "healthy again after " + back + " probes");
    }
}
