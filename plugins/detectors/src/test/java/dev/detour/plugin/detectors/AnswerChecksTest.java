package dev.detour.plugin.detectors;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnswerChecksTest {

    static final String PROSE = "Detour routes each request to the first healthy target in its plan. When a target "
            + "slows down, errors in bursts or answers worse, its detectors notice from live traffic and the "
            + "gateway moves requests to the next target, keeping a small share of probes so that recovery is "
            + "seen quickly and traffic can return once the target behaves again.";

    @Test
    void blank_text_is_empty() {
        assertTrue(AnswerChecks.empty(""));
        assertTrue(AnswerChecks.empty(" \n\t"));
        assertTrue(AnswerChecks.empty(null));
        assertFalse(AnswerChecks.empty("ok"));
    }

    @Test
    void prose_has_little_repetition_and_a_loop_has_much() {
        assertTrue(AnswerChecks.repetition(PROSE, 30) < 0.1, "prose " + AnswerChecks.repetition(PROSE, 30));
        String loop = "I will check the order status for you. ".repeat(20);
        assertTrue(AnswerChecks.repetition(loop, 30) > 0.8, "loop " + AnswerChecks.repetition(loop, 30));
    }

    @Test
    void short_answers_are_never_judged_repetitive() {
        assertEquals(0.0, AnswerChecks.repetition("yes yes yes yes yes", 30));
    }

    @Test
    void text_without_spaces_is_judged_on_characters() {
        assertTrue(AnswerChecks.repetition("a".repeat(500), 30) > 0.9);
        assertTrue(AnswerChecks.repetition("ab".repeat(300), 30) > 0.9);
    }

    @Test
    void json_must_be_exactly_one_object_or_array() {
        assertTrue(AnswerChecks.validJson("{\"a\": [1, 2, {\"b\": null}]}"));
        assertTrue(AnswerChecks.validJson("  [1, 2]\n"));
        assertFalse(AnswerChecks.validJson("Sure! {\"a\": 1}"));
        assertFalse(AnswerChecks.validJson("```json\n{\"a\": 1}\n```"));
        assertFalse(AnswerChecks.validJson("{\"a\": 1} and more"));
        assertFalse(AnswerChecks.validJson("{\"a\": 1"));
        assertFalse(AnswerChecks.validJson("42"));
        assertFalse(AnswerChecks.validJson("{\"a\": 1, \"a\": 2}"));
    }

    @Test
    void refusals_are_found_near_the_start_in_any_case_and_apostrophe() {
        List<String> p = AnswerChecks.normalisePatterns(AnswerChecks.DEFAULT_REFUSALS);
        assertTrue(AnswerChecks.refusal("I\u2019m sorry, but I cannot help with that request.", p));
        assertTrue(AnswerChecks.refusal("Unfortunately I CAN'T HELP WITH THAT.", p));
        assertFalse(AnswerChecks.refusal(PROSE, p));
        // A quoted refusal deep inside a long answer is not a refusal
        assertFalse(AnswerChecks.refusal(PROSE + " " + PROSE + " A bot might say: I can't help with that.", p));
    }

    @Test
    void a_long_json_text_cut_inside_the_document_may_be_a_sample_and_is_not_judged_invalid() {
        StringBuilder json = new StringBuilder("{\"items\": [");
        while (json.length() < 64 * 1024) {
            json.append("{\"name\": \"item\", \"qty\": 1}, ");
        }
        // The engine's first 64 KiB of a long, valid JSON answer, cut inside a string
        String sample = json.substring(0, 64 * 1024 - 3);
        assertTrue(AnswerChecks.validJson(sample), "a cut sample says nothing about the whole answer");
        // A short text that stops inside the document is still invalid, and a long one with a syntax error too
        assertFalse(AnswerChecks.validJson(sample.substring(0, 1000)));
        assertFalse(AnswerChecks.validJson(sample.replaceFirst(", \"qty\"", " \"qty\"")), "a missing comma");
        assertFalse(AnswerChecks.validJson("x" + sample));
    }
}
