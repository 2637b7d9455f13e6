package dev.detour.core.plugin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every file in the plugins folder that is not a loadable plugin stops the host with one line
 * naming the file and the reason; PF4J alone would log a stack trace and skip it.
 */
class BrokenPluginsTest {

    /** A routing factory whose constructor runs {@code body}, compiled now against plugin-api. */
    static Map<String, byte[]> factory(Path work, String body) throws IOException {
        Path src = work.resolve("src/x/BrokenFactory.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package x;
                public class BrokenFactory implements dev.detour.api.routing.RoutingStrategyFactory<dev.detour.api.NoOptions> {
                    public BrokenFactory() { %s }
                    public String type() { return "broken"; }
                    public Class<dev.detour.api.NoOptions> optionsType() { return dev.detour.api.NoOptions.class; }
                    public dev.detour.api.routing.RoutingStrategy create(dev.detour.api.NoOptions o,
                            dev.detour.api.routing.StrategyContext c) { throw new UnsupportedOperationException(); }
                }
                """.formatted(body));
        Path out = work.resolve("classes");
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        int rc = javac.run(null, null, null, "--release", "17", "-proc:none", "-cp", System.getProperty("java.class.path"),
                "-d", out.toString(), src.toString());
        assertEquals(0, rc, "the test factory compiles");
        return Map.of("x/BrokenFactory.class", Files.readAllBytes(out.resolve("x/BrokenFactory.class")),
                "META-INF/extensions.idx", "x.BrokenFactory\n".getBytes(StandardCharsets.UTF_8));
    }

    static Path jar(Path dir, String file, String id, Map<String, byte[]> entries) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        if (id != null) {
            a.putValue("Plugin-Id", id);
            a.putValue("Plugin-Version", "1.0.0");
        }
        Path jar = dir.resolve(file);
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            for (Map.Entry<String, byte[]> e : entries.entrySet()) {
                j.putNextEntry(new JarEntry(e.getKey()));
                j.write(e.getValue());
                j.closeEntry();
            }
        }
        return jar;
    }

    static String failure(Path dir) {
        return assertThrows(PluginLoadException.class, () -> PluginHost.load(dir).close()).getMessage();
    }

    @Test
    void a_file_that_is_not_a_zip_is_named_in_one_line(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("notes.jar"), "this is not a jar");
        assertEquals("notes.jar: not a plugin: not a valid jar file (zip END header not found)", failure(dir));
    }

    @Test
    void a_file_that_is_no_jar_or_zip_is_refused_but_hidden_files_are_not(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("README.txt"), "plugins go here");
        Files.writeString(dir.resolve(".keep"), "");
        assertEquals("README.txt: not a plugin: only plugin .jar and .zip files belong in the plugins folder", failure(dir));
    }

    @Test
    void a_jar_without_manifest_or_plugin_id_is_named(@TempDir Path dir) throws IOException {
        try (JarOutputStream j = new JarOutputStream(Files.newOutputStream(dir.resolve("a-bare.jar")))) {
            j.putNextEntry(new JarEntry("x/A.class"));
            j.closeEntry();
        }
        jar(dir, "b-noid.jar", null, Map.of());
        assertEquals("a-bare.jar: not a plugin: no META-INF/MANIFEST.MF (a plugin's manifest names its Plugin-Id, "
                + "Plugin-Version and Plugin-Requires)\n"
                + "b-noid.jar: not a plugin: no Plugin-Id in its META-INF/MANIFEST.MF\n"
                + "b-noid.jar: not a plugin: no Plugin-Version in its META-INF/MANIFEST.MF", failure(dir));
    }

    @Test
    void two_jars_with_one_id_are_named_both(@TempDir Path dir, @TempDir Path work) throws IOException {
        Map<String, byte[]> ok = factory(work, "");
        jar(dir, "routing-a.jar", "routing-x", ok);
        jar(dir, "routing-b.jar", "routing-x", ok);
        assertEquals("routing-b.jar: duplicate plugin id 'routing-x', already in routing-a.jar: remove one of them", failure(dir));
    }

    @Test
    void a_factory_whose_constructor_throws_is_reported_with_the_plugins_own_message(@TempDir Path dir, @TempDir Path work)
            throws IOException {
        jar(dir, "routing-broken.jar", "routing-broken", factory(work, "if (true) throw new IllegalStateException(\"BROKEN_HOME is not set\");"));
        assertEquals("plugin 'routing-broken' (routing-broken.jar): x.BrokenFactory failed to construct: "
                + "IllegalStateException: BROKEN_HOME is not set", failure(dir));
    }

    @Test
    void classes_for_a_newer_java_name_the_jar_and_the_java_it_needs(@TempDir Path dir, @TempDir Path work) throws IOException {
        Map<String, byte[]> entries = new java.util.HashMap<>(factory(work, ""));
        byte[] cls = entries.get("x/BrokenFactory.class").clone();
        cls[6] = 0;
        cls[7] = 99;   // class file major version 99: Java 55
        entries.put("x/BrokenFactory.class", cls);
        jar(dir, "routing-future.jar", "routing-future", entries);
        int runs = Runtime.version().feature();
        assertEquals("plugin 'routing-future' (routing-future.jar): compiled for Java 55 (class file version 99), but Detour "
                + "runs on Java " + runs + ": build it with --release " + runs + " or run Detour on Java 55 or newer", failure(dir));
    }

    @Test
    void a_plugin_without_extension_index_names_the_missing_index(@TempDir Path dir, @TempDir Path work) throws IOException {
        Map<String, byte[]> entries = new java.util.HashMap<>(factory(work, ""));
        entries.remove("META-INF/extensions.idx");
        jar(dir, "routing-noidx.jar", "routing-noidx", entries);
        assertEquals("plugin 'routing-noidx' (routing-noidx.jar) contributes no extension: META-INF/extensions.idx is missing "
                + "from the jar (was it built with PF4J's annotation processor?)", failure(dir));
    }

    @Test
    void every_broken_file_is_reported_not_only_the_first(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("a.jar"), "x");
        Files.writeString(dir.resolve("b.zip"), "y");
        String m = failure(dir);
        assertEquals(2, m.lines().count(), m);
        assertTrue(m.startsWith("a.jar: ") && m.contains("\nb.zip: not a plugin: not a valid zip file"), m);
    }

    @Test
    void a_good_plugin_loads(@TempDir Path dir, @TempDir Path work) throws Exception {
        jar(dir, "routing-ok.jar", "routing-ok", factory(work, ""));
        try (PluginHost h = PluginHost.load(dir)) {
            assertEquals(1, h.plugins().size());
            assertEquals(java.util.List.of("strategy:broken"), h.plugins().get(0).types());
        }
    }
}
