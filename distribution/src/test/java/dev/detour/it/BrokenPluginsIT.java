package dev.detour.it;

import org.junit.jupiter.api.Test;

import javax.tools.ToolProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugins folder holding something that is not a loadable plugin stops every command that loads
 * plugins, with one line per file naming it and the reason, and no stack trace.
 */
class BrokenPluginsIT {

    /** A plugins folder: the bundled jars plus {@code extra} (file name to bytes). */
    static Path pluginsWith(Map<String, byte[]> extra) throws IOException {
        Path home = Files.createTempDirectory("detour-home");
        Path dir = Files.createDirectories(home.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Harness.PLUGINS)) {
            for (Path j : jars.filter(p -> p.toString().endsWith(".jar")).toList()) {
                Files.copy(j, dir.resolve(j.getFileName()));
            }
        }
        for (Map.Entry<String, byte[]> e : extra.entrySet()) {
            Files.write(dir.resolve(e.getKey()), e.getValue());
        }
        return home;
    }

    /** A plugin jar whose routing factory's constructor throws, built now against the distribution's plugin-api. */
    static byte[] throwingPlugin() throws IOException {
        Path work = Files.createTempDirectory("detour-broken");
        Path src = work.resolve("x/ThrowingFactory.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package x;
                public class ThrowingFactory implements dev.detour.api.routing.RoutingStrategyFactory<dev.detour.api.NoOptions> {
                    public ThrowingFactory() { throw new IllegalStateException("set THROWING_HOME first"); }
                    public String type() { return "throwing"; }
                    public Class<dev.detour.api.NoOptions> optionsType() { return dev.detour.api.NoOptions.class; }
                    public dev.detour.api.routing.RoutingStrategy create(dev.detour.api.NoOptions o,
                            dev.detour.api.routing.StrategyContext c) { throw new UnsupportedOperationException(); }
                }
                """);
        String cp;
        try (Stream<Path> lib = Files.list(Harness.DETOUR_DIR.resolve("lib"))) {
            cp = lib.filter(p -> p.toString().endsWith(".jar")).map(Path::toString)
                    .collect(Collectors.joining(java.io.File.pathSeparator));
        }
        int rc = ToolProvider.getSystemJavaCompiler().run(null, null, null, "--release", "17", "-proc:none", "-cp", cp,
                "-d", work.toString(), src.toString());
        assertEquals(0, rc);
        Manifest m = new Manifest();
        m.getMainAttributes().put(Attributes.Name.MANIFEST_VERSION, "1.0");
        m.getMainAttributes().putValue("Plugin-Id", "routing-throwing");
        m.getMainAttributes().putValue("Plugin-Version", "1.0.0");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (JarOutputStream j = new JarOutputStream(bytes, m)) {
            j.putNextEntry(new JarEntry("x/ThrowingFactory.class"));
            j.write(Files.readAllBytes(work.resolve("x/ThrowingFactory.class")));
            j.putNextEntry(new JarEntry("META-INF/extensions.idx"));
            j.write("x.ThrowingFactory\n".getBytes(StandardCharsets.UTF_8));
        }
        return bytes.toByteArray();
    }

    static void assertOneLineEach(Cli.Result r, String... lines) {
        assertEquals(1, r.exit(), r.out() + r.err());
        for (String line : lines) {
            assertTrue(r.err().lines().anyMatch(l -> l.endsWith(line)), "no line '" + line + "' in:\n" + r.err());
        }
        assertFalse(r.err().contains("\tat ") || r.err().contains("Exception in thread"), r.err());
    }

    @Test
    void plugins_validate_and_run_refuse_files_that_are_not_plugins_naming_each() throws IOException {
        Path home = pluginsWith(Map.of(
                "notes.jar", "not a jar".getBytes(StandardCharsets.UTF_8),
                "README.txt", "plugins go here".getBytes(StandardCharsets.UTF_8),
                "routing-basic-copy.jar", Files.readAllBytes(Harness.PLUGINS.resolve("routing-basic.jar"))));
        Map<String, String> env = Map.of("DETOUR_HOME", home.toString(), "DETOUR_SIMULATOR_PORT", "0");
        String[] expected = {
                "README.txt: not a plugin: only plugin .jar and .zip files belong in the plugins folder",
                "notes.jar: not a plugin: not a valid jar file (zip END header not found)",
                "routing-basic.jar: duplicate plugin id 'routing-basic', already in routing-basic-copy.jar: remove one of them"};

        assertOneLineEach(Cli.run(env, "plugins"), expected);
        assertOneLineEach(Cli.run(env, "validate", Cli.conf().toString()), expected);
        assertOneLineEach(Cli.run(env, "run", "--config", Cli.conf().toString(), "--port", "0"), expected);
    }

    @Test
    void a_factory_whose_constructor_throws_is_reported_with_its_own_message() throws IOException {
        Path home = pluginsWith(Map.of("routing-throwing.jar", throwingPlugin()));
        assertOneLineEach(Cli.run(Map.of("DETOUR_HOME", home.toString()), "plugins"),
                "plugin 'routing-throwing' (routing-throwing.jar): x.ThrowingFactory failed to construct: "
                        + "IllegalStateException: set THROWING_HOME first");
    }
}
