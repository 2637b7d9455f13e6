package dev.detour.core.plugin;

import dev.detour.api.DetourExtension;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.detector.DetectorFactory;
import dev.detour.api.guardrail.GuardrailFactory;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.routing.RoutingStrategyFactory;
import dev.detour.api.service.ServiceFactory;
import dev.detour.core.config.Extensions;
import org.pf4j.CompoundPluginLoader;
import org.pf4j.DefaultPluginLoader;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginState;
import org.pf4j.PluginWrapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads every plugin JAR or ZIP in one folder with PF4J and indexes their extension factories by
 * kind and {@code type:}. Fails fast, naming the plugin: a plugin that requires another plugin-api
 * version (its manifest's {@code Plugin-Requires}, checked against {@link #apiVersion()}), fails to
 * start, contributes no extension, or claims a type another plugin already has is a startup error.
 */
public final class PluginHost implements Extensions, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PluginHost.class);
    /** Written by plugin-api's build next to its classes: the version that jar is. */
    private static final String API_VERSION_RESOURCE = "plugin-api.properties";

    /** One loaded plugin, for {@code detour plugins}. */
    public record PluginInfo(String id, String version, String description, List<String> types) {
    }

    private final Path dir;
    private final DefaultPluginManager manager;
    private final Map<Kind, Map<String, DetourExtension<?>>> factories = new EnumMap<>(Kind.class);
    private final List<PluginInfo> plugins = new ArrayList<>();

    private PluginHost(Path dir, DefaultPluginManager manager) {
        this.dir = dir;
        this.manager = manager;
        for (Kind k : Kind.values()) {
            factories.put(k, new TreeMap<>());
        }
    }

    /**
     * Loads and starts every plugin in {@code dir}. Extensions on the application class path
     * (with their own {@code META-INF/extensions.idx}) are registered too.
     */
    public static PluginHost load(Path dir) throws PluginLoadException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new PluginLoadException("plugins folder " + abs + " does not exist", null);
        }
        List<PluginWrapper> refused = new ArrayList<>(0);
        DefaultPluginManager manager = new DefaultPluginManager(abs) {
            // PF4J only logs a plugin whose Plugin-Requires the host does not meet, and disables it:
            // here it is kept to be reported, and refused.
            @Override
            protected boolean isPluginValid(PluginWrapper w) {
                if (super.isPluginValid(w)) {
                    return true;
                }
                refused.add(w);
                return false;
            }

            @Override
            protected PluginLoader createPluginLoader() {
                return new CompoundPluginLoader()
                        .add(new JarPluginLoader(this) {
                            @Override
                            protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                                return new SharedFirstClassLoader(pluginManager, d, getClass().getClassLoader());
                            }
                        })
                        .add(new DefaultPluginLoader(this) {
                            @Override
                            protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                                return new SharedFirstClassLoader(pluginManager, d, getClass().getClassLoader());
                            }
                        });
            }
        };
        String api = apiVersion();
        manager.setSystemVersion(systemVersion(api));
        PluginHost host = new PluginHost(abs, manager);
        try {
            manager.loadPlugins();
            if (!refused.isEmpty()) {
                PluginWrapper w = refused.get(0);
                throw new PluginLoadException("plugin '" + w.getPluginId() + "' (" + w.getPluginPath().getFileName()
                        + ") requires plugin-api " + w.getDescriptor().getRequires().trim() + ", but this Detour provides "
                        + "plugin-api " + api + ": use a build of the plugin made for plugin-api " + api, null);
            }
            manager.startPlugins();
        } catch (RuntimeException e) {
            throw new PluginLoadException("cannot load plugins from " + abs + ": " + e.getMessage(), e);
        }
        for (PluginWrapper w : manager.getPlugins()) {
            if (w.getPluginState() != PluginState.STARTED) {
                Throwable cause = w.getFailedException();
                throw new PluginLoadException("plugin '" + w.getPluginId() + "' (" + w.getPluginPath().getFileName()
                        + ") failed to start" + (cause == null ? " (state " + w.getPluginState() + ")" : ": " + cause), cause);
            }
            List<String> types = new ArrayList<>();
            for (Object ext : manager.getExtensions(w.getPluginId())) {
                types.add(host.register(ext, w.getPluginId()));
            }
            if (types.isEmpty()) {
                throw new PluginLoadException("plugin '" + w.getPluginId() + "' (" + w.getPluginPath().getFileName()
                        + ") contributes no extension: is META-INF/extensions.idx missing from the jar?", null);
            }
            PluginDescriptor d = w.getDescriptor();
            host.plugins.add(new PluginInfo(d.getPluginId(), d.getVersion(), d.getPluginDescription(), List.copyOf(types)));
            LOG.info("plugin {} {} provides {}", d.getPluginId(), d.getVersion(), types);
        }
        for (Class<?> point : List.of(ProviderAdapterFactory.class, RoutingStrategyFactory.class, DetectorFactory.class,
                CacheFactory.class, GuardrailFactory.class, ServiceFactory.class)) {
            for (Object ext : manager.getExtensions(point, null)) {
                host.register(ext, "(class path)");
            }
        }
        return host;
    }

    /**
     * The version of the plugin-api this host runs with, as plugin-api's build wrote it beside its
     * classes: what every plugin's {@code Plugin-Requires} is checked against.
     *
     * @throws IllegalStateException when plugin-api's jar lacks it (a broken build)
     */
    public static String apiVersion() {
        try (java.io.InputStream in = DetourExtension.class.getResourceAsStream(API_VERSION_RESOURCE)) {
            java.util.Properties p = new java.util.Properties();
            if (in != null) {
                p.load(in);
            }
            String v = p.getProperty("version", "");
            if (v.isEmpty() || v.startsWith("${")) {
                throw new IllegalStateException("plugin-api carries no version (" + API_VERSION_RESOURCE + ")");
            }
            return v;
        } catch (java.io.IOException e) {
            throw new IllegalStateException("cannot read plugin-api's " + API_VERSION_RESOURCE, e);
        }
    }

    /**
     * PF4J's system version for {@code apiVersion}: its major.minor.patch, since PF4J's requirement
     * expressions compare only those, and a pre-release would otherwise fail {@code >=} its own
     * release (a 0.1.0-SNAPSHOT host would refuse plugins requiring {@code >=0.1.0}).
     */
    static String systemVersion(String apiVersion) {
        int cut = apiVersion.length();
        for (int i = 0; i < apiVersion.length(); i++) {
            char c = apiVersion.charAt(i);
            if (c == '-' || c == '+') {
                cut = i;
                break;
            }
        }
        return apiVersion.substring(0, cut);
    }

    private String register(Object ext, String pluginId) throws PluginLoadException {
        Kind kind = kindOf(ext);
        if (kind == null) {
            throw new PluginLoadException("plugin '" + pluginId + "' contributes " + ext.getClass().getName()
                    + ", which implements no Detour extension point", null);
        }
        DetourExtension<?> f = (DetourExtension<?>) ext;
        DetourExtension<?> before = factories.get(kind).putIfAbsent(f.type(), f);
        if (before != null && before.getClass() != f.getClass()) {
            throw new PluginLoadException("plugin '" + pluginId + "' contributes " + kind.label + " '" + f.type()
                    + "', which " + before.getClass().getName() + " already provides", null);
        }
        return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + f.type();
    }

    private static Kind kindOf(Object ext) {
        if (ext instanceof ProviderAdapterFactory<?>) {
            return Kind.PROVIDER;
        }
        if (ext instanceof RoutingStrategyFactory<?>) {
            return Kind.STRATEGY;
        }
        if (ext instanceof DetectorFactory<?>) {
            return Kind.DETECTOR;
        }
        if (ext instanceof CacheFactory<?>) {
            return Kind.CACHE;
        }
        if (ext instanceof GuardrailFactory<?>) {
            return Kind.GUARDRAIL;
        }
        if (ext instanceof ServiceFactory<?>) {
            return Kind.SERVICE;
        }
        return null;
    }

    @Override
    public Map<String, Class<?>> types(Kind kind) {
        Map<String, Class<?>> out = new TreeMap<>();
        factories.get(kind).forEach((t, f) -> out.put(t, f.optionsType()));
        return out;
    }

    /** The factory for a kind and type, or null. */
    @SuppressWarnings("unchecked")
    public <F extends DetourExtension<?>> F factory(Kind kind, String type) {
        return (F) factories.get(kind).get(type);
    }

    @Override
    public String source() {
        return dir.toString();
    }

    /** The loaded plugins, in load order. */
    public List<PluginInfo> plugins() {
        return Collections.unmodifiableList(plugins);
    }

    @Override
    public void close() {
        // PF4J's stopPlugins() iterates a list that stopping modifies; stop one by one over a copy.
        for (PluginWrapper w : List.copyOf(manager.getStartedPlugins())) {
            try {
                manager.stopPlugin(w.getPluginId());
            } catch (RuntimeException e) {
                LOG.warn("plugin {} failed to stop", w.getPluginId(), e);
            }
        }
        manager.unloadPlugins();
    }
}
