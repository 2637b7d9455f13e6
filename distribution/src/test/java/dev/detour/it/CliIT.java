package dev.detour.it;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code detour} command of the assembled distribution. */
class CliIT {

    @Test
    void version_prints_the_version() {
        Cli.Result r = Cli.run("version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().startsWith("detour 0."), r.out());
    }

    @Test
    void a_start_maps_detours_classes_from_the_class_data_archive_the_build_wrote() {
        assertTrue(Files.isRegularFile(Harness.DETOUR_DIR.resolve("lib/detour.jsa")), "the build runs detour cds");
        Cli.Result r = Cli.run(java.util.Map.of("JAVA_OPTS", "-Xlog:class+load=info:stdout"), "version");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("dev.detour.core.cli.Main source: shared objects file"),
                "Detour's own classes come from the archive");
    }

    @Test
    void plugins_lists_each_plugin_with_version_and_types() {
        Cli.Result r = Cli.run("plugins");
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("provider-openai"), r.out());
        assertTrue(r.out().contains("provider:openai"), r.out());
        assertTrue(r.out().contains("strategy:priority, strategy:weighted"), r.out());
        assertTrue(r.out().contains("service:simulator"), r.out());
    }

    @Test
    void validate_accepts_the_shipped_config() {
        Cli.Result r = Cli.run("validate", Cli.conf().toString());
        assertEquals(0, r.exit(), r.err());
        assertTrue(r.out().contains("OK"), r.out());
    }

    @Test
    void validate_prints_every_problem_with_its_yaml_path_and_fails() {
        Path bad = Harness.write("""
                providers:
                  openai-us: { type: openai }
                  anthropic: { type: antropic }
                routes:
                  support:
                    targets:
                      - { provider: openai-us, model: gpt-4o }
                      - { provider: antropic, model: claude }
                """);
        Cli.Result r = Cli.run("validate", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("providers.anthropic.type: unknown provider type 'antropic' (known: "), r.err());
        assertTrue(r.err().contains("routes.support.targets[1].provider: unknown provider 'antropic' (known: anthropic, openai-us)"),
                r.err());
        assertTrue(r.err().contains("2 problems"), r.err());
    }

    @Test
    void run_refuses_an_invalid_config() {
        Path bad = Harness.write("providers: { a: { type: openai } }\nroutes: { r: { targets: [] } }\n");
        Cli.Result r = Cli.run("run", "--config", bad.toString());
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("routes.r.targets: is required"), r.err());
        assertTrue(r.err().contains("refusing to start"), r.err());
    }

    @Test
    void simulate_names_the_plugin_it_needs_when_it_is_missing() throws IOException {
        Path home = Files.createTempDirectory("detour-home");
        Files.createDirectories(home.resolve("plugins"));
        try (Stream<Path> jars = Files.list(Harness.PLUGINS)) {
            for (Path j : jars.filter(p -> !p.getFileName().toString().startsWith("simulator")).toList()) {
                Files.copy(j, home.resolve("plugins").resolve(j.getFileName()));
            }
        }
        Cli.Result r = Cli.run(java.util.Map.of("DETOUR_HOME", home.toString()), "simulate");
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("needs the simulator plugin"), r.err());
    }

    @Test
    void a_plugin_that_contributes_nothing_is_a_named_startup_error() throws IOException {
        Path dir = Files.createTempDirectory("detour-plugins");
        Path broken = dir.resolve("routing-basic.jar");
        try (var in = new java.util.jar.JarFile(Harness.PLUGINS.resolve("routing-basic.jar").toFile());
             var out = new java.util.jar.JarOutputStream(Files.newOutputStream(broken), in.getManifest())) {
            for (var e : java.util.Collections.list(in.entries())) {
                if (e.getName().equals("META-INF/extensions.idx") || e.getName().equals("META-INF/MANIFEST.MF")) {
                    continue;
                }
                out.putNextEntry(new java.util.jar.JarEntry(e.getName()));
                out.write(in.getInputStream(e).readAllBytes());
                out.closeEntry();
            }
        }
        Cli.Result r = Cli.run("plugins", "--dir", dir.toString());
        assertEquals(1, r.exit());
        assertTrue(r.err().contains("plugin 'routing-basic'") && r.err().contains("contributes no extension"), r.err());
    }

    @Test
    void unknown_commands_get_usage() {
        Cli.Result r = Cli.run("fly");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("usage: detour"), r.err());
    }

    @Test
    void every_command_prints_its_usage_on_help_and_does_nothing_else() throws IOException {
        Path archive = Harness.DETOUR_DIR.resolve("lib/detour.jsa");
        long archiveSize = Files.size(archive);
        java.nio.file.attribute.FileTime archiveTime = Files.getLastModifiedTime(archive);
        for (String command : new String[] {"run", "validate", "check", "plugins", "simulate", "demo", "cds", "version"}) {
            for (String flag : new String[] {"--help", "-h"}) {
                Cli.Result r = Cli.run(command, flag);
                assertEquals(0, r.exit(), command + " " + flag + ": " + r.err());
                assertTrue(r.out().startsWith("usage: detour " + command), command + " " + flag + ": " + r.out());
                assertFalse(r.out().contains("OK (") || r.out().contains("listening"), r.out());
            }
        }
        // `cds --help` must not rewrite the class-data archive (a help run's archive is a few classes)
        assertEquals(archiveSize, Files.size(archive));
        assertEquals(archiveTime, Files.getLastModifiedTime(archive));
    }

    @Test
    void commands_are_quiet_about_plugin_loading_unless_asked() {
        Cli.Result quiet = Cli.run("validate", Cli.conf().toString());
        assertEquals(0, quiet.exit(), quiet.err());
        assertFalse(quiet.err().contains("provides ["), quiet.err());
        Cli.Result verbose = Cli.run("validate", "-v", Cli.conf().toString());
        assertEquals(0, verbose.exit(), verbose.err());
        assertTrue(verbose.err().contains("plugin provider-openai"), verbose.err());
    }

    @Test
    void a_busy_port_is_named_with_the_server_and_the_cause() throws IOException {
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Cli.Result r = Cli.run(java.util.Map.of("DETOUR_SIMULATOR_PORT", "0"), "run", "--config", Cli.conf().toString(),
                    "--port", String.valueOf(busy.getLocalPort()));
            assertEquals(1, r.exit(), r.out());
            assertTrue(r.err().contains("the gateway cannot listen on 127.0.0.1:" + busy.getLocalPort()
                    + ": the port is already in use"), r.err());
        }
    }
}
