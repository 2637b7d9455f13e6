package dev.detour.plugin.detectors;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.Feedback;
import dev.detour.api.detector.Signal;
import dev.detour.api.model.FinishReason;
import dev.detour.api.testing.FakeTarget;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FeedbackDetectorTest {

    private static final FakeTarget TARGET = FakeTarget.of("anthropic/claude");
    private long now = 1_000_000_000L;

    private Signal score(FeedbackDetector d, double score) {
        now += 1_000_000L;
        return d.feedback(new Feedback(TARGET, "req-" + now, score, null, now));
    }

    @Test
    void never_judges_attempts() {
        FeedbackDetector d = new FeedbackDetector(FeedbackOptions.defaults());
        assertNull(d.observe(new AttemptObservation(TARGET, 1, true, null, 200, 100, -1, 1, 1, "x",
                FinishReason.STOP, false, false, "r")));
    }

    @Test
    void starts_neutral_until_min_feedback_scores() {
        FeedbackDetector d = new FeedbackDetector(FeedbackOptions.defaults());
        for (int i = 0; i < FeedbackOptions.DEFAULT_MIN_FEEDBACK - 1; i++) {
            assertNull(score(d, -1));
        }
        Signal s = score(d, -1);
        assertEquals(1.0, s.severity());
        assertEquals("average feedback -1.00 over 5 scores (degraded at -0.30)", s.reason());
        assertEquals("anthropic/claude", s.targetId());
    }

    @Test
    void mostly_bad_scores_make_the_target_unhealthy_and_good_ones_bring_it_back() {
        FeedbackDetector d = new FeedbackDetector(FeedbackOptions.defaults());
        Signal s = null;
        for (int i = 0; i < 20; i++) {
            s = score(d, 1);
        }
        assertEquals(0.0, s.severity());
        for (int i = 0; i < 30; i++) {
            s = score(d, i % 5 == 0 ? 0.5 : -1);
        }
        assertTrue(s.severity() >= 0.75, s.toString());
        int back = -1;
        for (int i = 1; i <= 60; i++) {
            s = score(d, 1);
            if (back < 0 && s.severity() == 0) {
                back = i;
            }
        }
        assertTrue(back > 0 && back <= 20, "back after " + back);
    }

    @Test
    void mixed_but_positive_feedback_moves_nothing() {
        FeedbackDetector d = new FeedbackDetector(FeedbackOptions.defaults());
        for (int i = 1; i <= 200; i++) {
            Signal s = score(d, i % 3 == 0 ? -1 : 0.8);
            if (s != null) {
                assertEquals(0.0, s.severity(), "score " + i + ": " + s);
            }
        }
    }

    @Test
    void out_of_range_scores_are_clamped_and_nan_ignored() {
        FeedbackDetector d = new FeedbackDetector(FeedbackOptions.defaults());
        assertNull(score(d, Double.NaN));
        Signal s = null;
        for (int i = 0; i < 5; i++) {
            s = score(d, -7);
        }
        assertTrue(s.reason().startsWith("average feedback -1.00 over 5 scores"), s.reason());
    }
}
