package dev.detour.core.readiness;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadinessCheckTest {
    private static ReadinessCheck checks(String yamlishJson) {
        List<String> problems = new ArrayList<>();
        List<ReadinessCase> cases = ReadinessCase.parse(json("[{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
                + "\"checks\":" + yamlishJson + "}]"), "cases", problems);
        assertEquals(List.of(), problems);
        return cases.get(0).check();
    }

    private static JsonNode json(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void json_accepts_one_value_and_refuses_fences_prose_and_trailing_text() {
        ReadinessCheck c = checks("{\"json\": true}");
        assertEquals(List.of(), c.failures("{\"status\": \"open\"}", 5));
        assertEquals(List.of(), c.failures("  [1, 2]\n", 5));
        assertEquals(List.of("json: the answer is not valid JSON"), c.failures("Sure! {\"status\": 1}", 5));
        assertEquals(List.of("json: the answer is not valid JSON"), c.failures("```json\n{}\n```", 5));
        assertEquals(List.of("json: the answer is not valid JSON"), c.failures("{\"a\": 1} and more", 5));
        assertEquals(List.of("json: the answer is not valid JSON"), c.failures("", 5));
    }

    @Test
    void json_schema_validates_the_parsed_answer_and_names_the_first_error() {
        ReadinessCheck c = checks("{\"json_schema\": {\"type\": \"object\", \"required\": [\"order\", \"status\"],"
                + " \"properties\": {\"order\": {\"type\": \"integer\"}}}}");
        assertEquals(List.of(), c.failures("{\"order\": 1042, \"status\": \"shipped\"}", 5));
        List<String> f = c.failures("{\"order\": \"x\", \"status\": \"shipped\"}", 5);
        assertEquals(1, f.size());
        assertTrue(f.get(0).startsWith("json_schema: 1 error, first: "), f.get(0));
        assertEquals(List.of("json_schema: the answer is not valid JSON"), c.failures("order 1042", 5));
    }

    @Test
    void contains_regex_and_max_latency_each_name_what_failed() {
        ReadinessCheck c = checks("{\"contains\": [\"1042\", \"refund\"], \"regex\": \"status:\\\\s*(open|closed)\","
                + " \"max_latency\": \"2s\"}");
        assertEquals(List.of(), c.failures("refund for 1042, status: open", 2000));
        assertEquals(List.of("max_latency: took 2001ms, more than 2s",
                        "contains: the answer does not contain \"refund\"",
                        "regex: no match for /status:\\s*(open|closed)/"),
                c.failures("order 1042 status: pending", 2001));
        assertEquals(List.of("contains: the answer does not contain \"x\""), checks("{\"contains\": \"x\"}")
                .failures("y", 1));
    }

    @Test
    void no_checks_pass_any_answer() {
        assertEquals(List.of(), checks("{}").failures("anything", 100_000));
        assertEquals(Duration.ofSeconds(2), checks("{\"max_latency\": \"2s\"}").maxLatency());
    }

    @Test
    void a_regex_that_would_backtrack_exponentially_runs_in_linear_time() {
        ReadinessCheck c = checks("{\"regex\": \"^(a+)+$\"}");
        long start = System.nanoTime();
        List<String> f = c.failures("a".repeat(5000) + "!", 1);
        assertEquals(1, f.size());
        // java.util.regex would not finish this in a lifetime; RE2 takes microseconds.
        assertTrue(System.nanoTime() - start < 5_000_000_000L);
    }

    @Test
    void cosine_is_one_for_the_same_direction_and_zero_for_orthogonal() {
        assertEquals(1.0, Readiness.cosine(new float[] {1, 2, 3}, new float[] {2, 4, 6}), 1e-9);
        assertEquals(0.0, Readiness.cosine(new float[] {1, 0}, new float[] {0, 1}), 1e-9);
        assertEquals(0.0, Readiness.cosine(new float[] {0, 0}, new float[] {0, 1}), 1e-9);
    }
}
