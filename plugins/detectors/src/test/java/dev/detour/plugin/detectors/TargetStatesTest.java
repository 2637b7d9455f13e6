package dev.detour.plugin.detectors;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class TargetStatesTest {

    @Test
    void keeps_one_state_per_target_and_drops_the_least_recently_observed_past_the_bound() {
        TargetStates<Object> states = new TargetStates<>(Object::new, 3);
        Object a = states.get("p/a");
        Object b = states.get("p/b");
        states.get("p/c");
        assertSame(a, states.get("p/a"), "a is now the most recently observed");
        states.get("p/d");
        assertEquals(3, states.size());
        assertSame(a, states.get("p/a"));
        assertNotSame(b, states.get("p/b"), "b was the least recently observed: it starts neutral again");
    }

    @Test
    void a_detector_fed_endless_client_named_targets_keeps_bounded_state() {
        LatencyDetector d = new LatencyDetector(null);
        for (int i = 0; i < 3 * TargetStates.MAX_TARGETS; i++) {
            new Stream(d, "openai/model-" + i).ok(500, 100);
        }
        Stream configured = new Stream(d, "openai/gpt-4o");
        for (int i = 0; i < 40; i++) {
            configured.ok(500, 100);
        }
        assertEquals(0.0, configured.severity(), "the detector still works: " + configured.last());
    }
}
