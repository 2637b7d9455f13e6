package dev.detour.core.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A priced answer's line carries its cost as a number; an unpriced one has none. */
class AccessLogCostTest {
    @Test
    void a_priced_answer_logs_its_cost() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(0, "req-1", "POST", "/v1/chat/completions", 200, "chat", "a/m", "1",
                false, "team", 12, null, 0, null, null, -1, -1, 0.0000125, -1);
        JsonNode json = new ObjectMapper().readTree(AccessLog.json(e));
        assertTrue(json.path("cost_usd").isNumber(), json.toString());
        assertEquals(0.0000125, json.path("cost_usd").asDouble());
        assertTrue(AccessLog.text(e).contains(" cost_usd=0.0000125 "), AccessLog.text(e));

        AccessLog.Entry free = new AccessLog.Entry(0, "req-2", "POST", "/v1/chat/completions", 200, "chat", "a/m", "1",
                false, "team", 12, null);
        assertFalse(new ObjectMapper().readTree(AccessLog.json(free)).has("cost_usd"));
        assertFalse(AccessLog.text(free).contains("cost_usd"));
    }
}
