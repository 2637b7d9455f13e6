package dev.detour.core.config;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code readiness:}: the cases file checked at load, the opt-in schedule, the embedder route. */
class ReadinessConfigTest {
    private static GatewayConfig load(Path dir, String readiness) throws ConfigException {
        String yaml = """
                providers:
                  p: { type: openai }
                routes:
                  support:
                    targets: [ { provider: p, model: m } ]
                  embed:
                    targets: [ { provider: p, model: e } ]
                """ + (readiness == null ? "" : "readiness: " + readiness + "\n");
        return ConfigLoader.validate(ConfigLoader.parse(dir.resolve("detour.yaml"), yaml, k -> null),
                CacheConfigTest.EXT);
    }

    @Test
    void absent_means_no_cases_and_no_schedule() throws Exception {
        GatewayConfig c = load(Path.of("/tmp"), null);
        assertEquals(GatewayConfig.Readiness.OFF, c.readiness());
    }

    @Test
    void the_cases_file_resolves_against_the_config_and_is_parsed_at_load() throws Exception {
        Path dir = Files.createTempDirectory("readiness");
        Files.writeString(dir.resolve("cases.yaml"), """
                cases:
                  - { name: hello, messages: [{ role: user, content: "Say hi" }], checks: { contains: hi } }
                """);
        GatewayConfig c = load(dir, "{ cases: cases.yaml, every: 1h, embedder: { route: embed } }");
        assertEquals(dir.resolve("cases.yaml"), c.readiness().casesFile());
        assertEquals("hello", c.readiness().cases().get(0).name());
        assertEquals(Duration.ofHours(1), c.readiness().every());
        assertEquals("embed", c.readiness().embedderRoute());
        assertNull(load(dir, "{ cases: cases.yaml }").readiness().every());
    }

    @Test
    void problems_name_the_yaml_path_the_file_and_the_case() throws IOException {
        Path dir = Files.createTempDirectory("readiness");
        Files.writeString(dir.resolve("bad.yaml"), """
                cases:
                  - { name: x, messages: [{ role: user, content: "hi" }], checks: { regex: "(" } }
                """);
        String p = String.join("\n", assertThrows(ConfigException.class, () -> load(dir,
                "{ cases: bad.yaml, every: 10s, embedder: { route: nope }, colour: red }")).problems());
        assertTrue(p.contains("readiness.cases: " + dir.resolve("bad.yaml") + ": cases[0].checks.regex: not a valid RE2 pattern"), p);
        assertTrue(p.contains("readiness.every: must be at least 1m"), p);
        assertTrue(p.contains("readiness.embedder.route: no route 'nope' in this file (routes: support, embed)"), p);
        assertTrue(p.contains("readiness.colour: unknown key"), p);
        String missing = String.join("\n", assertThrows(ConfigException.class, () -> load(dir,
                "{ cases: none.yaml }")).problems());
        assertTrue(missing.startsWith("readiness.cases: " + dir.resolve("none.yaml") + ": cannot read the cases file"),
                missing);
        assertEquals("readiness.every: needs cases: the file of golden requests to run", String.join("\n",
                assertThrows(ConfigException.class, () -> load(dir, "{ every: 2h }")).problems()));
    }
}
