package dev.detour.core.telemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The access log line of a resumed stream names the resumes; other lines are as before. */
class AccessLogTest {

    @Test
    void a_resumed_stream_logs_how_often_and_on_which_target() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(0, "req-1", "POST", "/v1/chat/completions", 200, "chat", "a/m", "1",
                false, "team", 120, null, 1, "b/m");

        JsonNode json = new ObjectMapper().readTree(AccessLog.json(e));
        assertEquals(1, json.path("resumes").asInt());
        assertEquals("b/m", json.path("resumed_on").asText());
        assertEquals("a/m", json.path("target").asText(), "the target the headers named");
        assertTrue(AccessLog.text(e).contains(" resumes=1 resumed_on=b/m "), AccessLog.text(e));
    }

    @Test
    void a_line_without_a_resume_has_no_resume_fields() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(0, "req-1", "POST", "/v1/chat/completions", 200, "chat", "a/m", "1",
                false, null, 12, null);

        assertFalse(new ObjectMapper().readTree(AccessLog.json(e)).has("resumes"));
        assertFalse(AccessLog.text(e).contains("resume"));
    }
}
