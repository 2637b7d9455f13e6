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

    @Test
    void cache_tokens_cost_and_ttft_are_written_when_known() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(0, "req-1", "POST", "/v1/chat/completions", 200, "chat", "a/m", "1",
                false, "team", 120, null, 0, null, "miss", 5, 7, 0.0125, 40);

        JsonNode json = new ObjectMapper().readTree(AccessLog.json(e));
        assertEquals("miss", json.path("cache").asText());
        assertEquals(5, json.path("input_tokens").asInt());
        assertEquals(7, json.path("output_tokens").asInt());
        assertEquals(0.0125, json.path("cost_usd").asDouble());
        assertEquals(40, json.path("ttft_ms").asInt());
        assertTrue(AccessLog.text(e).endsWith(" cache=miss tokens=5/7 cost_usd=0.0125 key=team ttft=40ms 120ms"),
                AccessLog.text(e));
    }

    @Test
    void unknown_tokens_cost_and_ttft_are_left_out() throws Exception {
        AccessLog.Entry e = new AccessLog.Entry(0, "req-1", "GET", "/nope", 404, null, null, null, false, null, 1, null);

        JsonNode json = new ObjectMapper().readTree(AccessLog.json(e));
        for (String field : new String[] {"cache", "input_tokens", "output_tokens", "cost_usd", "ttft_ms", "route"}) {
            assertFalse(json.has(field), field + " in " + json);
        }
    }

    @Test
    void a_file_log_appends_one_line_per_request_and_is_closed_with_the_log() throws Exception {
        java.nio.file.Path file = java.nio.file.Files.createTempDirectory("access").resolve("a.log");
        java.nio.file.Files.writeString(file, "{\"earlier\":true}\n");
        AccessLog log = AccessLog.open("json", file);
        log.log(new AccessLog.Entry(0, "req-1", "GET", "/x", 404, null, null, null, false, null, 1, null));
        log.log(new AccessLog.Entry(0, "req-2", "GET", "/y", 404, null, null, null, false, null, 1, null));
        log.close();

        java.util.List<String> lines = java.nio.file.Files.readAllLines(file);
        assertEquals(3, lines.size(), lines.toString());
        assertEquals("req-2", new ObjectMapper().readTree(lines.get(2)).path("request_id").asText());
    }
}
