package dev.detour.sample.refusal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.testkit.TestGateway;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The detector inside a real gateway: a target that keeps refusing shows it in its health. */
class RefusalGatewayTest {

    @Test
    void a_target_that_refuses_carries_the_signal_in_admin_targets() {
        try (TestGateway gw = TestGateway.start("""
                routes: { chat: { detectors: [ { type: refusal, min_answers: 3 } ], targets: [ { provider: a, model: m } ] } }
                """, "a")) {
            gw.upstream("a").answer("I'm sorry, but I can't help with that.");
            for (int i = 0; i < 3; i++) {
                assertEquals(200, gw.chat("chat", "hi").status());
            }
            JsonNode target = gw.get("/admin/targets").json().path("targets").path(0);
            JsonNode signal = null;
            for (JsonNode s : target.path("signals")) {
                if (s.path("detector").asText().equals("refusal")) {
                    signal = s;
                }
            }
            assertTrue(signal != null, target.toString());
            assertEquals(1.0, signal.path("severity").asDouble(), signal.toString());
            assertTrue(signal.toString().contains("3 of the last 3 answers were refusals"), signal.toString());
        }
    }
}
