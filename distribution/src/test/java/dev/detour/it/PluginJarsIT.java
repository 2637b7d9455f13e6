package dev.detour.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Opens every plugin jar of the distribution. A shared package inside a plugin jar makes PF4J drop
 * extensions (a second extension-point class) or makes {@code @JsonProperty} inert (a second
 * jackson-annotations), silently; a jar without its extension index contributes nothing.
 */
class PluginJarsIT {
    static final List<String> SHARED = List.of("dev/detour/api/", "org/pf4j/", "io/vertx/", "io/netty/",
            "com/fasterxml/jackson/", "org/slf4j/");

    static List<Path> jars() throws IOException {
        try (Stream<Path> s = Files.list(Harness.PLUGINS)) {
            return s.filter(p -> p.toString().endsWith(".jar")).sorted().toList();
        }
    }

    @Test
    void every_bundled_plugin_is_in_the_distribution() throws IOException {
        List<String> names = jars().stream().map(p -> p.getFileName().toString().replace(".jar", "")).toList();
        for (String expected : System.getProperty("detour.plugins").split(",")) {
            assertTrue(names.contains(expected.trim()), "missing plugin jar " + expected + " in " + names);
        }
    }

    @Test
    void no_plugin_jar_carries_a_shared_package_and_each_has_its_extension_index() throws IOException {
        List<String> problems = new ArrayList<>();
        for (Path jar : jars()) {
            problems.addAll(problems(jar));
        }
        assertEquals(List.of(), problems);
    }

    @Test
    void the_check_catches_a_bad_jar() throws IOException {
        Path bad = Files.createTempFile("bad-plugin", ".jar");
        try (var out = new java.util.jar.JarOutputStream(Files.newOutputStream(bad))) {
            out.putNextEntry(new JarEntry("com/fasterxml/jackson/annotation/JsonProperty.class"));
            out.write(new byte[] {1});
            out.closeEntry();
        }
        List<String> p = problems(bad);
        assertTrue(p.stream().anyMatch(s -> s.contains("shared package")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("extensions.idx")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("Plugin-Id")), p.toString());
        assertTrue(p.stream().anyMatch(s -> s.contains("Plugin-Requires")), p.toString());
        assertThrows(AssertionError.class, () -> assertEquals(List.of(), p));
    }

    static List<String> problems(Path jar) throws IOException {
        List<String> problems = new ArrayList<>();
        try (JarFile jf = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                String name = entries.nextElement().getName();
                for (String shared : SHARED) {
                    if (name.startsWith(shared) && name.endsWith(".class")) {
                        problems.add(jar.getFileName() + ": shared package class " + name);
                    }
                }
            }
            JarEntry idx = jf.getJarEntry("META-INF/extensions.idx");
            if (idx == null || idx.getSize() == 0) {
                problems.add(jar.getFileName() + ": no META-INF/extensions.idx (was the PF4J annotation processor run?)");
            }
            String id = jf.getManifest() == null ? null : jf.getManifest().getMainAttributes().getValue("Plugin-Id");
            if (id == null) {
                problems.add(jar.getFileName() + ": no Plugin-Id in the manifest");
            }
            if (jf.getManifest() == null || jf.getManifest().getMainAttributes().getValue("Plugin-Requires") == null) {
                problems.add(jar.getFileName() + ": no Plugin-Requires in the manifest (the plugin-api versions it runs on)");
            }
        }
        return problems;
    }

    @Test
    void every_plugin_requires_the_plugin_api_minor_version_it_was_built_against() throws IOException {
        String api = Cli.run("version").out();   // "detour <version>": plugin-api is versioned with it
        java.util.regex.Matcher v = java.util.regex.Pattern.compile("detour (\\d+)\\.(\\d+)\\.(\\d+)").matcher(api);
        assertTrue(v.find(), api);
        String expected = ">=" + v.group(1) + "." + v.group(2) + "." + v.group(3) + " & <" + v.group(1) + "."
                + (Integer.parseInt(v.group(2)) + 1) + ".0";
        for (Path jar : jars()) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                assertEquals(expected, jf.getManifest().getMainAttributes().getValue("Plugin-Requires"), jar.toString());
            }
        }
    }

    @Test
    void a_plugin_built_for_another_plugin_api_stops_detour_with_its_name_and_both_versions() throws IOException {
        // Given a real bundled plugin whose manifest says it needs a plugin-api this Detour is not
        Path dir = Files.createTempDirectory("detour-plugins");
        Path original = jars().stream().filter(p -> p.getFileName().toString().startsWith("routing-basic")).findFirst()
                .orElseThrow();
        Path future = dir.resolve(original.getFileName());
        try (JarFile in = new JarFile(original.toFile());
             var out = new java.util.jar.JarOutputStream(Files.newOutputStream(future), withRequires(in, ">=9.0.0 & <9.1.0"))) {
            Enumeration<JarEntry> entries = in.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                if (!e.getName().equals("META-INF/MANIFEST.MF")) {
                    out.putNextEntry(new JarEntry(e.getName()));
                    in.getInputStream(e).transferTo(out);
                    out.closeEntry();
                }
            }
        }

        // When detour loads it
        Cli.Result r = Cli.run("plugins", "--dir", dir.toString());

        // Then it refuses to go on, naming the plugin, what it requires and what this Detour provides
        assertEquals(1, r.exit(), r.out());
        String version = Cli.run("version").out().trim().substring("detour ".length());
        assertTrue(r.err().contains("plugin 'routing-basic' (" + future.getFileName() + ") requires plugin-api "
                + ">=9.0.0 & <9.1.0, but this Detour provides plugin-api " + version), r.err());
    }

    private static java.util.jar.Manifest withRequires(JarFile jar, String requires) throws IOException {
        java.util.jar.Manifest m = new java.util.jar.Manifest(jar.getManifest());
        m.getMainAttributes().putValue("Plugin-Requires", requires);
        return m;
    }

    @Test
    void plugin_ids_match_their_jar_names() throws IOException {
        for (Path jar : jars()) {
            try (JarFile jf = new JarFile(jar.toFile())) {
                assertNotNull(jf.getManifest());
                assertEquals(jar.getFileName().toString().replace(".jar", ""),
                        jf.getManifest().getMainAttributes().getValue("Plugin-Id"));
                assertTrue(Arrays.asList(jf.getManifest().getMainAttributes().keySet().toArray()).toString()
                        .contains("Plugin-Version"));
            }
        }
    }
}
