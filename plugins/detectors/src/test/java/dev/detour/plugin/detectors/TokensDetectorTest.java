package dev.detour.plugin.detectors;

import dev.detour.api.detector.Signal;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokensDetectorTest {

    private final SplittableRandom random = new SplittableRandom(3);

    private static Stream stream() {
        return new Stream(new TokensDetector(TokensOptions.defaults()), "openai/gpt-4o");
    }

    /** A streamed answer of about {@code tokens} tokens generated at about {@code tps} tokens/s. */
    private void answer(Stream s, int tokens, double tps) {
        int t = (int) Math.round(tokens * (0.8 + 0.4 * random.nextDouble()));
        double genMs = t * 1000.0 / (tps * (0.9 + 0.2 * random.nextDouble()));
        s.stream(300 + genMs, 300, t);
    }

    @Test
    void starts_neutral_until_min_samples_answers_are_seen() {
        Stream s = stream();
        for (int i = 0; i < TokensOptions.DEFAULT_MIN_SAMPLES; i++) {
            assertNull(s.stream(1300, 300, 100), "answer " + i);
        }
        Signal first = s.stream(1300, 300, 100);
        assertEquals(0.0, first.severity());
    }

    @Test
    void a_throughput_drop_is_flagged_and_a_rise_is_not() {
        Stream s = stream();
        for (int i = 0; i < 30; i++) {
            answer(s, 200, 80);
        }
        assertEquals(0.0, s.severity());
        for (int i = 0; i < 30; i++) {
            answer(s, 200, 240);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        for (int i = 0; i < 30; i++) {
            answer(s, 200, 240);
        }
        for (int i = 0; i < 10; i++) {
            answer(s, 200, 20);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().contains("tokens/s"), s.last().reason());
    }

    @Test
    void output_length_collapsing_is_flagged() {
        Stream s = stream();
        for (int i = 0; i < 30; i++) {
            answer(s, 300, 80);
        }
        for (int i = 0; i < 10; i++) {
            answer(s, 300, 80);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        for (int i = 0; i < 10; i++) {
            s.stream(400, 300, 3);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().startsWith("p50 output length 3.00 tokens"), s.last().reason());
    }

    @Test
    void ordinary_variation_moves_nothing() {
        Stream s = stream();
        for (int i = 1; i <= 300; i++) {
            answer(s, i % 7 == 0 ? 900 : 250, i % 11 == 0 ? 30 : 80);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void the_gateways_own_queueing_under_load_is_never_judged_slow() {
        Stream s = stream();
        // Given a target answering 7 tokens in a tenth of a millisecond (70,000 tokens/s) while idle
        for (int i = 0; i < 40; i++) {
            s.ok(0.1, 7);
        }
        // When load makes the same answers 20x to 130x slower: still at least 500 tokens/s
        for (int i = 0; i < 200; i++) {
            s.ok(i < 100 ? 2 : 13.9, 7);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void a_fast_target_that_really_slows_down_is_still_seen() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.ok(0.1, 7);
        }
        // 7 tokens in 400 ms: 17.5 tokens/s, 28x below the 500 tokens/s cap
        for (int i = 0; i < 10; i++) {
            s.ok(400, 7);
        }
        assertEquals(1.0, s.severity(), s.last().toString());
        assertTrue(s.last().reason().contains("slower than the baseline 500"), s.last().reason());
    }
}
