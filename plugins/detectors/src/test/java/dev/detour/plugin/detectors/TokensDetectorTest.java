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
    void output_length_collapsing_on_one_target_while_its_peer_stays_is_flagged() {
        TokensDetector d = new TokensDetector(TokensOptions.defaults());
        Stream s = new Stream(d, "openai/gpt-4o");
        Stream peer = new Stream(d, "anthropic/claude");
        for (int i = 0; i < 40; i++) {
            answer(s, 300, 80);
            answer(peer, 200, 60);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        for (int i = 0; i < 10; i++) {
            s.stream(400, 300, 3);
            answer(peer, 200, 60);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().startsWith("p50 output length 3.00 tokens"), s.last().reason());
    }

    @Test
    void output_length_changing_on_every_target_is_the_traffic_and_moves_nothing() {
        TokensDetector d = new TokensDetector(TokensOptions.defaults());
        Stream s = new Stream(d, "openai/gpt-4o");
        Stream peer = new Stream(d, "anthropic/claude");
        for (int i = 0; i < 40; i++) {
            answer(s, 300, 80);
            answer(peer, 200, 60);
        }
        for (int i = 0; i < 100; i++) {
            answer(s, 12, 80);
            answer(peer, 9, 60);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
            assertEquals(0.0, peer.severity(), "answer " + i + ": " + peer.last());
        }
    }

    @Test
    void output_length_alone_without_a_peer_is_not_judged() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            answer(s, 300, 80);
        }
        for (int i = 0; i < 40; i++) {
            s.stream(400, 300, 3);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
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
        // Given a target streaming 10 tokens in a twentieth of a millisecond (200,000 tokens/s) while idle
        for (int i = 0; i < 40; i++) {
            s.stream(0.1, 0.05, 10);
        }
        // When load makes the same answers 40x to 270x slower: still at least 500 tokens/s
        for (int i = 0; i < 200; i++) {
            s.stream(i < 100 ? 2.05 : 13.9, 0.05, 10);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void a_fast_target_that_really_slows_down_is_still_seen() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.stream(0.1, 0.05, 10);
        }
        // 10 tokens in 400 ms: 25 tokens/s, 20x below the 500 tokens/s cap
        for (int i = 0; i < 10; i++) {
            s.stream(401, 1, 10);
        }
        assertEquals(1.0, s.severity(), s.last().toString());
        assertTrue(s.last().reason().contains("slower than the baseline 500"), s.last().reason());
    }

    @Test
    void whole_answers_say_nothing_about_throughput() {
        Stream s = stream();
        // Their rate includes the call's overhead and the prefill: the latency detector judges them by size
        for (int i = 0; i < 40; i++) {
            s.ok(300 + 20 * 200, 200);
        }
        for (int i = 0; i < 40; i++) {
            s.ok(300 + 20 * 5, 5);
            assertEquals(0.0, s.severity());
        }
    }
}
