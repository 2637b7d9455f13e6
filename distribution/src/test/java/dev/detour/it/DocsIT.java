package dev.detour.it;

import dev.detour.core.config.ConfigException;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.plugin.PluginHost;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every YAML example in the README, docs/ and samples/README.md is a config the real loader
 * accepts with the bundled plugins, so the documentation cannot drift from the code. A block
 * right after an {@code <!-- fragment -->} line is a piece of a config and is skipped. Variables
 * without a default get a stand-in value; those with one keep their default.
 *
 * <p>Features the loader refuses as "not available yet in this version" are the one tolerated
 * problem: the reference documents them ahead of their release, and the test tightens by itself
 * as each lands.
 */
class DocsIT {
    static final Path ROOT = Path.of(System.getProperty("detour.root", "..")).toAbsolutePath().normalize();
    static final Pattern BLOCK = Pattern.compile("(?m)^```yaml\\n(.*?)^```", Pattern.DOTALL);
    static final Pattern REQUIRED_VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    record Example(Path file, int line, String yaml) {
        @Override
        public String toString() {
            return ROOT.relativize(file) + ":" + line;
        }
    }

    static List<Example> examples() throws IOException {
        List<Path> files = new ArrayList<>(List.of(ROOT.resolve("README.md"), ROOT.resolve("samples/README.md")));
        try (Stream<Path> docs = Files.list(ROOT.resolve("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(files::add);
        }
        List<Example> out = new ArrayList<>();
        for (Path f : files) {
            String text = Files.readString(f);
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                String before = text.substring(0, m.start()).stripTrailing();
                if (before.endsWith("<!-- fragment -->")) {
                    continue;
                }
                int line = (int) text.substring(0, m.start()).chars().filter(c -> c == '\n').count() + 1;
                out.add(new Example(f, line, m.group(1)));
            }
        }
        return out;
    }

    static List<String> problems(Example e, PluginHost host) throws IOException {
        Map<String, String> env = new HashMap<>();
        Matcher v = REQUIRED_VARIABLE.matcher(e.yaml());
        while (v.find()) {
            env.put(v.group(1), v.group(1).endsWith("_PORT") ? "8080" : "stand-in-" + v.group(1).toLowerCase());
        }
        Path file = Files.createTempFile("detour-doc", ".yaml");
        Files.writeString(file, e.yaml());
        try {
            ConfigLoader.validate(ConfigLoader.read(file, env::get), host);
            return List.of();
        } catch (ConfigException ex) {
            return ex.problems().stream().filter(p -> !p.contains("not available yet")).map(p -> e + ": " + p).toList();
        } finally {
            Files.delete(file);
        }
    }

    @Test
    void every_yaml_example_in_the_docs_validates() throws Exception {
        List<Example> examples = examples();
        assertTrue(examples.size() >= 2, "the README and docs/CONFIG.md hold examples: " + examples);
        List<String> problems = new ArrayList<>();
        try (PluginHost host = PluginHost.load(Harness.PLUGINS)) {
            for (Example e : examples) {
                problems.addAll(problems(e, host));
            }
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void the_check_catches_a_broken_example() throws Exception {
        try (PluginHost host = PluginHost.load(Harness.PLUGINS)) {
            List<String> p = problems(new Example(ROOT.resolve("README.md"), 1,
                    "providers: { a: { type: openai, timeouts: { conect: 1s } } }\nroutes: { r: { targets: [ { provider: a, model: m } ] } }\n"),
                    host);
            assertEquals(1, p.size(), p.toString());
            assertTrue(p.get(0).startsWith("README.md:1: providers.a.timeouts.conect"), p.toString());
        }
    }
}
