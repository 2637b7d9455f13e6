package dev.detour.plugin.detectors;

import dev.detour.api.ErrorKind;
import dev.detour.api.model.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class AnswerQualityDetectorTest {

    private static final String GOOD = AnswerChecksTest.PROSE;

    private static Stream stream() {
        return stream(QualityOptions.defaults());
    }

    private static Stream stream(QualityOptions o) {
        return new Stream(new AnswerQualityDetector(o), "openai/gpt-4o");
    }

    private static void good(Stream s, int n) {
        for (int i = 0; i < n; i++) {
            s.answer(GOOD);
        }
    }

    @Test
    void empty_answers_make_the_target_unhealthy_within_40_answers() {
        Stream s = stream();
        good(s, 30);
        assertEquals(0.0, s.severity());
        int flaggedAfter = -1;
        for (int i = 1; i <= 100; i++) {
            s.answer("");
            if (flaggedAfter < 0 && s.score() < 0.3) {
                flaggedAfter = i;
            }
        }
        assertTrue(flaggedAfter > 0 && flaggedAfter <= 40, "flagged after " + flaggedAfter);
        assertEquals(1.0, s.severity(), s.last().toString());
        assertTrue(s.last().reason().contains("50 empty"), s.last().reason());
    }

    @Test
    void an_isolated_bad_answer_moves_nothing() {
        Stream s = stream();
        for (int i = 1; i <= 500; i++) {
            s.answer(i % 100 == 50 ? "" : GOOD);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void tool_calls_and_filtered_answers_without_text_are_not_empty() {
        Stream s = stream();
        for (int i = 0; i < 40; i++) {
            s.ok(500, 20, "", FinishReason.TOOL_CALLS, false);
            s.ok(500, 0, "", FinishReason.CONTENT_FILTER, false);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
    }

    @Test
    void repetitive_answers_are_bad() {
        Stream s = stream();
        good(s, 20);
        for (int i = 0; i < 20; i++) {
            s.answer("Let me look into that for you. ".repeat(30));
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().contains("repetitive"), s.last().reason());
    }

    @Test
    void invalid_json_counts_only_when_json_was_requested() {
        Stream s = stream();
        for (int i = 0; i < 30; i++) {
            s.ok(500, 20, "{\"status\": \"shipped\"}", FinishReason.STOP, true);
            s.ok(500, 20, "Plain text is fine here.", FinishReason.STOP, false);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        for (int i = 0; i < 20; i++) {
            s.ok(500, 20, "Sure! Here is the JSON: {\"status\": \"shipped\"}", FinishReason.STOP, true);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().contains("invalid JSON"), s.last().reason());
    }

    @Test
    void a_normal_truncation_rate_is_learned_and_a_spike_is_flagged() {
        AnswerQualityDetector d = new AnswerQualityDetector(QualityOptions.defaults());
        Stream s = new Stream(d, "openai/gpt-4o");
        Stream peer = new Stream(d, "anthropic/claude");
        // Given one answer in ten normally hits max_tokens, on both targets of the route
        for (int i = 1; i <= 100; i++) {
            s.ok(500, 100, GOOD, i % 10 == 0 ? FinishReason.LENGTH : FinishReason.STOP, false);
            peer.ok(500, 100, GOOD, i % 10 == 0 ? FinishReason.LENGTH : FinishReason.STOP, false);
            if (i > 20) {
                assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
            }
        }
        // When most answers of one of them are cut off, the other's not
        for (int i = 0; i < 40; i++) {
            s.ok(500, 100, GOOD, i % 5 == 0 ? FinishReason.STOP : FinishReason.LENGTH, false);
            peer.ok(500, 100, GOOD, i % 10 == 0 ? FinishReason.LENGTH : FinishReason.STOP, false);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().matches(".*truncated 66% \\(normal 1[0-3]%\\).*"), s.last().reason());
        assertEquals(0.0, peer.severity(), peer.last().toString());
    }

    @Test
    void truncation_rising_on_every_target_is_the_traffic_and_moves_nothing() {
        AnswerQualityDetector d = new AnswerQualityDetector(QualityOptions.defaults());
        Stream s = new Stream(d, "openai/gpt-4o");
        Stream peer = new Stream(d, "anthropic/claude");
        for (int i = 1; i <= 100; i++) {
            s.answer(GOOD);
            peer.answer(GOOD);
        }
        // Clients start asking for short answers: both targets hit max_tokens
        for (int i = 0; i < 100; i++) {
            s.ok(500, 16, GOOD, FinishReason.LENGTH, false);
            peer.ok(500, 16, GOOD, FinishReason.LENGTH, false);
            assertTrue(s.score() >= 0.8, "answer " + i + ": " + s.last());
            assertTrue(peer.score() >= 0.8, "answer " + i + ": " + peer.last());
        }
    }

    @Test
    void truncation_and_refusals_without_a_peer_are_not_judged() {
        // A route whose traffic is all on one target cannot tell a new mix from a fault
        Stream s = stream();
        good(s, 40);
        for (int i = 0; i < 40; i++) {
            s.ok(500, 16, i % 2 == 0 ? GOOD : "I'm sorry, but I cannot help with that.", FinishReason.LENGTH, false);
            assertEquals(0.0, s.severity(), "answer " + i + ": " + s.last());
        }
    }

    @Test
    void a_refusal_spike_is_flagged() {
        AnswerQualityDetector d = new AnswerQualityDetector(QualityOptions.defaults());
        Stream s = new Stream(d, "openai/gpt-4o");
        Stream peer = new Stream(d, "anthropic/claude");
        good(s, 40);
        good(peer, 40);
        for (int i = 0; i < 20; i++) {
            s.answer("I'm sorry, but I cannot help with that.");
            peer.answer(GOOD);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().matches(".*refusals 40% \\(normal [0-2]%\\).*"), s.last().reason());
    }

    @Test
    void answers_failed_by_the_quality_gate_count_and_other_failures_are_left_to_errors() {
        Stream s = stream();
        good(s, 20);
        assertNull(s.fail(ErrorKind.SERVER_ERROR, 503));
        assertEquals(0.0, s.severity());
        for (int i = 0; i < 10; i++) {
            s.fail(ErrorKind.DEGRADED, 200);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
        assertTrue(s.last().reason().contains("10 failed the quality gate"), s.last().reason());
    }

    @Test
    void only_the_configured_checks_run() {
        Stream s = stream(new QualityOptions(List.of("invalid_json"), null, null, null, null, null, null, null, null,
                null, null));
        good(s, 10);
        for (int i = 0; i < 30; i++) {
            s.answer("");
        }
        assertEquals(0.0, s.severity(), s.last().toString());
    }

    @Test
    void returns_to_zero_after_recovery_within_a_window() {
        Stream s = stream();
        good(s, 20);
        for (int i = 0; i < 40; i++) {
            s.answer("");
        }
        for (int i = 1; i <= QualityOptions.DEFAULT_WINDOW; i++) {
            s.answer(GOOD);
            if (s.severity() == 0) {
                return;
            }
        }
        fail("still flagged after a full window of good answers: " + s.last());
    }

    @Test
    void bad_answers_stop_counting_once_older_than_window_time() {
        Stream s = stream();
        good(s, 20);
        for (int i = 0; i < 20; i++) {
            s.answer("");
        }
        s.pause(21 * Stream.SECOND);
        s.answer(GOOD);
        assertEquals(0.0, s.severity(), s.last().toString());
    }

    @Test
    void long_json_answers_seen_through_the_engines_bounded_sample_are_not_invalid() {
        Stream s = stream();
        StringBuilder json = new StringBuilder("[");
        for (int i = 0; json.length() < 100_000; i++) {
            json.append("{\"n\": ").append(i).append(", \"v\": \"").append(Integer.toHexString(i * 7919)).append("\"}, ");
        }
        String sample = json.substring(0, 64 * 1024);
        for (int i = 0; i < 60; i++) {
            s.ok(500, 25_000, sample, FinishReason.STOP, true);
        }
        assertEquals(0.0, s.severity(), s.last().toString());
        // A short answer that stops inside the document is still judged
        for (int i = 0; i < 60; i++) {
            s.ok(500, 10, "{\"answer\": [1, 2", FinishReason.STOP, true);
        }
        assertTrue(s.score() < 0.3, s.last().toString());
    }
}
