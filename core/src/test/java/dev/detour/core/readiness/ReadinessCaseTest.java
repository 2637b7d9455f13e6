package dev.detour.core.readiness;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ReadinessCaseTest {
    private static List<String> problems(String yaml) throws IOException {
        Path f = Files.createTempFile("cases", ".yaml");
        try {
            Files.writeString(f, yaml);
            List<String> problems = new ArrayList<>();
            ReadinessCase.load(f, problems);
            return problems.stream().map(p -> p.substring(f.toString().length() + 2)).toList();
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void a_valid_file_gives_requests_with_the_params_and_default_names() throws IOException {
        Path f = Files.createTempFile("cases", ".yaml");
        try {
            Files.writeString(f, """
                    cases:
                      - name: order-json
                        messages:
                          - { role: system, content: "Answer in JSON." }
                          - { role: user, content: "Status of order 1042?" }
                        params: { temperature: 0, max_tokens: 200 }
                        checks: { json: true, max_latency: 2s }
                      - messages: [{ role: user, content: "Say hi" }]
                    """);
            List<String> problems = new ArrayList<>();
            List<ReadinessCase> cases = ReadinessCase.load(f, problems);
            assertEquals(List.of(), problems);
            assertEquals(2, cases.size());
            assertEquals("order-json", cases.get(0).name());
            assertEquals(2, cases.get(0).request().messages().size());
            assertEquals(0.0, cases.get(0).request().temperature());
            assertEquals(200, cases.get(0).request().maxTokens());
            assertTrue(cases.get(0).check().json());
            assertEquals("case-2", cases.get(1).name());
        } finally {
            Files.delete(f);
        }
    }

    @Test
    void every_mistake_is_reported_with_its_path() throws IOException {
        List<String> p = problems("""
                cases:
                  - name: a
                    messages: [{ role: robot, content: "x" }]
                    params: { model: gpt-4o, stream: true }
                    checks: { json: yes-please, regex: "(", max_latency: soon, contains: [1], color: red,
                              json_schema: { type: 12 } }
                  - name: a
                    messages: [{ role: user, content: "x" }]
                  - nope
                """);
        assertTrue(p.contains("cases[0].params.model: cannot be set in a case (each target's model is used)"), p.toString());
        assertTrue(p.contains("cases[0].params.stream: cannot be set in a case (a case asks for one whole answer)"),
                p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cases[0].messages[0].role: ")), p.toString());
        assertTrue(p.contains("cases[0].checks.json: must be true or false"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cases[0].checks.regex: not a valid RE2 pattern")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cases[0].checks.max_latency: 'soon' is not a duration")),
                p.toString());
        assertTrue(p.contains("cases[0].checks.contains[0]: must be a non-empty string"), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cases[0].checks.color: unknown key")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.startsWith("cases[0].checks.json_schema: is not a valid JSON Schema")),
                p.toString());
        assertTrue(p.contains("cases[2]: must be a map with messages and checks"), p.toString());
    }

    @Test
    void duplicate_names_unknown_top_keys_and_empty_files_are_refused() throws IOException {
        assertEquals(List.of("cases[1].name: 'a' names another case too"), problems("""
                cases:
                  - { name: a, messages: [{ role: user, content: "x" }] }
                  - { name: a, messages: [{ role: user, content: "y" }] }
                """));
        assertEquals(List.of("extra: unknown key (known: cases)", "cases: must be a non-empty list of cases"),
                problems("extra: 1\n"));
        assertEquals(List.of("cases[0].messages: is required"), problems("- { name: a }\n"));
        assertTrue(problems("cases: [").get(0).startsWith("YAML syntax error"));
    }
}
