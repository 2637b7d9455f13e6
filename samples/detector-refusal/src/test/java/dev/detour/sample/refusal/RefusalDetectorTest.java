package dev.detour.sample.refusal;

import dev.detour.api.detector.AttemptObservation;
import dev.detour.api.detector.Signal;
import dev.detour.api.testing.FakeTarget;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class RefusalDetectorTest {
    static final FakeTarget A = FakeTarget.of("a", "m");

    static AttemptObservation answer(String text) {
        return new AttemptObservation(A, 0, true, null, 200, 100, -1, 5, 5, text, null, false, false, "r");
    }

    @Test
    void severity_is_the_share_of_refusals_in_the_window_once_it_has_enough_answers() {
        RefusalDetector d = new RefusalDetector(new RefusalOptions(null, 4, 2));
        assertNull(d.observe(answer("I'm sorry, but I can't do that.")), "one answer is not enough");
        assertEquals(0.5, d.observe(answer("Here you go.")).severity());
        d.observe(answer("As an AI, I cannot."));
        Signal s = d.observe(answer("I cannot help with that."));
        assertEquals(0.75, s.severity());
        assertEquals("3 of the last 4 answers were refusals", s.reason());
        assertEquals(0.5, d.observe(answer("Sure.")).severity(), "the oldest refusal left the window");
    }

    @Test
    void options_name_the_bad_field() {
        assertEquals("window: must be 1..10000 (was 0)",
                assertThrows(IllegalArgumentException.class, () -> new RefusalOptions(null, 0, null)).getMessage());
        assertEquals("phrases: list at least one, none blank",
                assertThrows(IllegalArgumentException.class, () -> new RefusalOptions(List.of(" "), null, null)).getMessage());
    }
}
