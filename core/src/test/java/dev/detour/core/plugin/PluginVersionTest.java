package dev.detour.core.plugin;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.Attributes;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A plugin built against another plugin-api is refused at startup, by name, with what it requires
 * and what the host provides; PF4J alone would only log it and leave it out.
 */
class PluginVersionTest {

    /** A plugin jar holding only its descriptor (PF4J checks the requirement before loading any class). */
    static Path pluginJar(Path dir, String id, String requires) throws IOException {
        Manifest m = new Manifest();
        Attributes a = m.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", "1.0.0");
        if (requires != null) {
            a.putValue("Plugin-Requires", requires);
        }
        Path jar = dir.resolve(id + ".jar");
        try (OutputStream out = Files.newOutputStream(jar); JarOutputStream j = new JarOutputStream(out, m)) {
            j.flush();
        }
        return jar;
    }

    @Test
    void the_host_provides_the_version_plugin_apis_build_wrote() {
        String api = PluginHost.apiVersion();
        assertTrue(api.matches("\\d+\\.\\d+\\.\\d+([-+].*)?"), api);
    }

    @Test
    void a_pre_release_host_counts_as_its_release_for_requirements() {
        assertEquals("0.1.0", PluginHost.systemVersion("0.1.0-SNAPSHOT"));
        assertEquals("1.2.3", PluginHost.systemVersion("1.2.3+build.5"));
        assertEquals("1.2.3", PluginHost.systemVersion("1.2.3"));
    }

    @Test
    void a_plugin_requiring_another_plugin_api_is_a_named_startup_error(@TempDir Path dir) throws IOException {
        pluginJar(dir, "provider-future", ">=9.0.0 & <9.1.0");

        PluginLoadException e = assertThrows(PluginLoadException.class, () -> PluginHost.load(dir));

        assertEquals("plugin 'provider-future' (provider-future.jar) requires plugin-api >=9.0.0 & <9.1.0, but this "
                + "Detour provides plugin-api " + PluginHost.apiVersion() + ": use a build of the plugin made for "
                + "plugin-api " + PluginHost.apiVersion(), e.getMessage());
    }

    @Test
    void a_plugin_whose_range_holds_the_hosts_version_is_not_refused_for_it(@TempDir Path dir) throws IOException {
        String release = PluginHost.systemVersion(PluginHost.apiVersion());
        pluginJar(dir, "provider-now", ">=" + release + " & <999.0.0");

        // It gets past the version check: what stops this empty jar is that it contributes nothing.
        PluginLoadException e = assertThrows(PluginLoadException.class, () -> PluginHost.load(dir));

        assertTrue(e.getMessage().contains("contributes no extension"), e.getMessage());
    }
}
