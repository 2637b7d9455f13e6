package dev.detour.core.cli;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DemoSecondsTest {

    static Demo.Outcome served(long atMs, String target, int incident) {
        return new Demo.Outcome(atMs, true, 10, target, false, incident);
    }

    @Test
    void a_second_is_shown_once_all_its_requests_are_answered_and_the_lines_add_up() {
        Demo.Seconds s = new Demo.Seconds(5);
        s.sent(100);
        s.sent(900);
        s.sent(1_100);
        s.done(served(100, "openai-us", 0));
        // Second 0 is over but one of its answers is missing: nothing yet
        assertEquals(List.of(), s.ready(1_500, false));
        s.done(served(900, "openai-us", 0));
        assertEquals(List.of(0), s.ready(1_500, false));
        // Second 1 is answered but not over yet
        s.done(served(1_100, "gemini", 0));
        assertEquals(List.of(), s.ready(1_500, false));
        assertEquals(List.of(1), s.ready(2_000, false));
        // A late answer (sent in second 2) is counted in its own second, not in the one it arrived in
        s.sent(2_500);
        s.done(served(2_500, "gemini", 0));
        assertEquals(List.of(2), s.ready(4_000, true));
        int lines = 0;
        for (int i = 0; i < 3; i++) {
            lines += s.second(i).size();
        }
        assertEquals(s.all().size(), lines);
    }

    @Test
    void the_recovery_line_names_when_the_primary_served_90_percent_of_a_second_again() {
        List<Demo.Incident> timeline = Demo.timeline();
        int phase = timeline.size() - 1;
        long totalMs = 20_000;
        long from = Math.round(timeline.get(phase).at() * totalMs);
        List<Demo.Outcome> all = new ArrayList<>();
        for (long t = from; t < totalMs; t += 50) {
            all.add(served(t, t < from + 2_000 ? "gemini" : "openai-us", phase));
        }
        String line = Demo.recovery(all, timeline, totalMs);
        // The window [15.9 s, 16.9 s) holds 20 requests, the last 18 of them served by openai-us
        assertEquals("Recovery: openai-us served >= 90% of the requests again 2.9 s after every provider was healthy"
                + " (the second ending at 16.9 s).", line);
        List<Demo.Outcome> never = all.stream().map(o -> served(o.atMs(), "gemini", phase)).toList();
        assertTrue(Demo.recovery(never, timeline, totalMs).contains("did not serve 90%"));
    }
}
