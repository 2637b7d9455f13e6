package dev.detour.plugin.detectors;

import dev.detour.api.detector.Signal;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class LatencyDetectorTest {

    private final SplittableRandom random = new SplittableRandom(42);

    private static Stream stream() {
        return new Stream(new LatencyDetector(LatencyOptions.defaults()), "openai/gpt-4o");
    }

    /** A healthy answer: 300 ms overhead plus 20 ms per token, ±10% jitter, 20..300 tokens. */
    private void normal(Stream s, double factor) {
        int tokens = 20 + random.nextInt(281);
        double jitter = 0.9 + 0.2 * random.nextDouble();
        s.ok((300 + 20.0 * tokens) * jitter * factor, tokens);
    }

    private void learnBaseline(Stream s, int n) {
        for (int i = 0; i < n; i++) {
            normal(s, 1);
        }
    }

    @Test
    void starts_neutral_until_min_samples_answers_are_seen() {
        Stream s = stream();
        // Given a new target, even very slow answers say nothing while the baseline is learned
        for (int i = 0; i < LatencyOptions.DEFAULT_MIN_SAMPLES; i++) {
            assertNull(s.ok(60_000, 10), "answer " + i);
        }
        // Then the first judged answer is neutral: the slow values are the baseline
        Signal first = s.ok(60_000, 10);
        assertNotNull(first);
        assertEquals(0.0, first.severity());
    }

    @Test
    void flags_a_target_whose_latency_triples_as_unhealthy_within_40_answers_and_while_it_lasts() {
        Stream s = stream();
        learnBaseline(s, 30);
        assertEquals(0.0, s.severity());

        // When latency rises to 3x while answering 200
        int flaggedAfter = -1;
        for (int i = 1; i <= 200; i++) {
            normal(s, 3);
            if (flaggedAfter < 0 && s.score() < 0.3) {
                flaggedAfter = i;
            }
            if (flaggedAfter > 0) {
                // Then, once flagged, it stays unhealthy for as long as the rise lasts
                assertTrue(s.score() < 0.3, "answer " + i + ": " + s.last());
            }
        }
        assertTrue(flaggedAfter > 0 && flaggedAfter <= 40, "flagged after " + flaggedAfter);
        // A rise must hold for more than half of the window before it counts
        assertTrue(flaggedAfter > LatencyOptions.DEFAULT_WINDOW / 2, "flagged after " + flaggedAfter);
    }

    @Test
    void a_doubling_makes_the_target_degraded_but_not_unhealthy() {
        Stream s = stream();
        learnBaseline(s, 40);
        for (int i = 0; i < 40; i++) {
            s.ok(2.1 * (300 + 20.0 * 100), 100);
        }
        assertTrue(s.score() < 0.8 && s.score() >= 0.3, s.last().toString());
    }

    @Test
    void single_slow_outliers_move_nothing() {
        Stream s = stream();
        learnBaseline(s, 30);
        // Given one answer in ten is 10x slower, and now and then two in a row
        for (int i = 1; i <= 500; i++) {
            boolean outlier = i % 10 == 0 || i % 97 == 0;
            normal(s, outlier ? 10 : 1);
            // Then the severity stays 0
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void returns_to_zero_within_a_window_after_recovery() {
        Stream s = stream();
        // Every size class of the traffic learned (about 14 % of these answers fall in the rarest)
        learnBaseline(s, 200);
        for (int i = 0; i < 100; i++) {
            normal(s, 4);
        }
        assertTrue(s.score() < 0.3);
        // When the target recovers
        for (int i = 1; i <= LatencyOptions.DEFAULT_WINDOW; i++) {
            normal(s, 1);
            if (s.severity() == 0) {
                // Then the baseline was not dragged up by the slow period: more than half the window suffices
                assertTrue(i <= LatencyOptions.DEFAULT_WINDOW / 2 + 1, "recovered after " + i);
                return;
            }
        }
        fail("still flagged after a full window of normal answers: " + s.last());
    }

    @Test
    void long_answers_are_not_mistaken_for_a_slow_target() {
        Stream s = stream();
        // Given a baseline of short answers
        for (int i = 0; i < 30; i++) {
            s.ok(300 + 20.0 * 20, 20);
        }
        // When the answers become 25x longer and take proportionally longer
        for (int i = 0; i < 30; i++) {
            s.ok(300 + 20.0 * 500, 500);
        }
        // Then latency per token is unchanged
        assertEquals(0.0, s.severity(), s.last().toString());
    }

    @Test
    void flags_a_time_to_first_token_rise_on_streams() {
        Stream s = stream();
        for (int i = 0; i < 30; i++) {
            s.stream(2300, 300, 100);
        }
        assertEquals(0.0, s.severity());
        // When only the first token comes 4x later (the total barely moves)
        for (int i = 0; i < 10; i++) {
            s.stream(3200, 1200, 100);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().contains("time to first token"), s.last().reason());
    }

    @Test
    void keeps_each_target_on_its_own_baseline() {
        LatencyDetector d = new LatencyDetector(LatencyOptions.defaults());
        Stream fast = new Stream(d, "a/fast");
        Stream slow = new Stream(d, "b/slow");
        for (int i = 0; i < 30; i++) {
            fast.ok(500, 100);
            slow.ok(5000, 100);
        }
        // A target that is always 10x slower than another is normal for itself
        assertEquals(0.0, fast.severity());
        assertEquals(0.0, slow.severity());
        assertEquals("b/slow", slow.last().targetId());
    }

    @Test
    void ignores_failed_attempts() {
        Stream s = stream();
        learnBaseline(s, 30);
        assertNull(s.fail(dev.detour.api.ErrorKind.TIMEOUT, 0));
    }

    @Test
    void explains_the_signal_with_numbers() {
        Stream s = stream();
        for (int i = 0; i < 30; i++) {
            s.ok(1200, 100);
        }
        for (int i = 0; i < 10; i++) {
            s.ok(3840, 100);
        }
        String reason = s.last().reason();
        assertEquals("latency", s.last().detector());
        assertEquals("p50 latency of the last 10 answers is 3.2x the baseline for their prompt and answer size"
                + " (last: 32.0 ms/token, baseline 10.0)", reason);
    }

    @Test
    void the_gateways_own_queueing_under_load_is_never_judged_slow() {
        Stream s = stream();
        // Given a target that answers in a tenth of a millisecond while the gateway is idle
        for (int i = 0; i < 40; i++) {
            s.ok(0.1, 7);
            s.stream(0.1, 0.05, 7);
        }
        assertEquals(0.0, s.severity());
        // When the gateway's own load makes each answer 20x to 500x slower, up to just below the floors
        for (int i = 0; i < 300; i++) {
            double ms = i < 100 ? 2 : i < 200 ? 20 : 0.99 * LatencyOptions.DEFAULT_FAST_MS_PER_TOKEN * (7 + 20);
            s.ok(ms, 7);
            s.stream(ms, Math.min(ms, 0.99 * LatencyOptions.DEFAULT_FAST_TTFT_MS), 7);
            // Then neither measure ever counts: a median below the floor is fast enough
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void a_rise_under_the_floor_is_never_slow_and_one_just_above_it_is_judged_against_the_floor() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.ok(0.1, 7);
        }
        // 1.4x the floor: below the onset (1.5x), whatever the 0.1 ms baseline says
        for (int i = 0; i < 20; i++) {
            s.ok(1.4 * 2 * 27, 7);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        // 2x the floor: degraded, as 2x a learned baseline would be
        for (int i = 0; i < 20; i++) {
            s.ok(2.0 * 2 * 27, 7);
        }
        assertEquals(0.25, s.severity(), 0.01, s.last().toString());
        assertTrue(s.last().reason().contains("baseline 2.00)"), s.last().reason());
    }

    @Test
    void a_fast_last_resort_that_really_slows_down_is_still_seen() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.ok(0.3, 7);
        }
        // The backup: answering 200 after 400 ms
        for (int i = 0; i < 10; i++) {
            s.ok(400, 7);
        }
        assertEquals(1.0, s.severity(), s.last().toString());
        assertTrue(s.last().reason().contains("is 7.4x the baseline for their prompt and answer size (last: 14.8 ms/token, baseline 2.00)"), s.last().reason());
    }

    @Test
    void the_demos_slow_backup_region_is_still_flagged_unhealthy() {
        // The simulator's baseline (70 ms + up to 30 ms jitter, about 50 output tokens), then 450 ms + up to 60 ms,
        // half the requests streamed with the latency before the first byte.
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            double ms = 70 + random.nextInt(31);
            s.ok(ms + 2, 50);
            s.stream(ms + 2, ms + 1, 50);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        int flaggedAfter = -1;
        for (int i = 1; i <= 20; i++) {
            double ms = 450 + random.nextInt(61);
            s.ok(ms + 2, 50);
            s.stream(ms + 2, ms + 1, 50);
            if (s.score() < 0.3 && flaggedAfter < 0) {
                flaggedAfter = i;
            }
        }
        assertTrue(flaggedAfter > 0 && flaggedAfter <= 10, "flagged after " + flaggedAfter + ": " + s.last());
        assertEquals(1.0, s.severity(), s.last().toString());
    }

    @Test
    void a_fast_stream_whose_first_token_turns_slow_is_still_flagged() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.stream(2, 1, 7);
        }
        for (int i = 0; i < 10; i++) {
            s.stream(481, 480, 7);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
    }

    @Test
    void the_floors_are_options() throws Exception {
        LatencyOptions o = new LatencyOptions(null, null, null, null, null, null, 0.5, 10.0);
        Stream s = new Stream(new LatencyDetector(o), "local/tiny");
        for (int i = 0; i < 40; i++) {
            s.ok(0.1, 7);
        }
        // 30 ms for 27 token units is 1.1 ms/token: below the default floor, 2.2x a 0.5 floor
        for (int i = 0; i < 10; i++) {
            s.ok(30, 7);
        }
        assertTrue(s.severity() > 0, s.last().toString());
        assertMessage("fast_ttft_ms must be a positive number",
                () -> new LatencyOptions(null, null, null, null, null, null, null, 0.0));
        assertMessage("fast_ms_per_token must be a positive number",
                () -> new LatencyOptions(null, null, null, null, null, null, -1.0, null));
    }

    private static void assertMessage(String expected, org.junit.jupiter.api.function.Executable make) {
        IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, make);
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }
}
