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
import org.pf4j.ExtensionWrapper;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;
import org.pf4j.PluginRuntimeException;
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
 * kind and {@code type:}. Fails loudly, one line per file naming it: a file that is not a plugin, a
 * plugin that requires another plugin-api version (its manifest's {@code Plugin-Requires}, checked
 * against {@link #apiVersion()}), needs a newer Java, duplicates another's id, fails to start or to
 * construct its extensions, contributes no extension, or claims a type another plugin already has
 * is a startup error.
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
    // Changed by a rescan, on the reload's worker thread; reloads run one at a time.
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
     *
     * <p>Every file in the folder must be a loadable plugin: anything else (not a jar or zip, no
     * manifest or {@code Plugin-Id}, classes for a newer Java, a duplicate id, another plugin-api,
     * an extension whose constructor throws, no extension at all) is a startup error with one line
     * per file naming it and the reason. PF4J's own stack traces go to the debug log only.
     */
    public static PluginHost load(Path dir) throws PluginLoadException {
        Path abs = dir.toAbsolutePath().normalize();
        if (!Files.isDirectory(abs)) {
            throw new PluginLoadException("plugins folder " + abs + " does not exist", null);
        }
        // Checked before PF4J sees the folder: PF4J logs such files with a stack trace and skips them.
        List<String> problems = precheck(abs);
        if (!problems.isEmpty()) {
            throw new PluginLoadException(problems);
        }
        Manager manager = new Manager(abs);
        String api = apiVersion();
        manager.setSystemVersion(systemVersion(api));
        PluginHost host = new PluginHost(abs, manager);
        try {
            manager.loadPlugins();
            problems.addAll(manager.problems);
            for (PluginWrapper w : manager.refused) {
                problems.add(name(w) + " requires plugin-api " + w.getDescriptor().getRequires().trim()
                        + ", but this Detour provides plugin-api " + api + ": use a build of the plugin made for plugin-api " + api);
            }
            if (problems.isEmpty()) {
                manager.startPlugins();
            }
        } catch (RuntimeException | LinkageError e) {
            LOG.debug("cannot load plugins from {}", abs, e);
            problems.add("cannot load plugins from " + abs + ": " + reason(e));
        }
        if (!problems.isEmpty()) {
            manager.unloadQuietly();
            throw new PluginLoadException(problems);
        }
        for (PluginWrapper w : manager.getPlugins()) {
            if (w.getPluginState() != PluginState.STARTED) {
                Throwable cause = w.getFailedException();
                LOG.debug("plugin {} failed to start", w.getPluginId(), cause);
                problems.add(name(w) + " failed to start" + (cause == null ? " (state " + w.getPluginState() + ")" : ": " + reason(cause)));
                continue;
            }
            try {
                List<String> types = new ArrayList<>();
                for (Object ext : manager.extensions(w)) {
                    types.add(host.register(ext, w.getPluginId()));
                }
                if (types.isEmpty()) {
                    problems.add(name(w) + " contributes no extension: META-INF/extensions.idx is missing from the jar "
                            + "(was it built with PF4J's annotation processor?)");
                    continue;
                }
                PluginDescriptor d = w.getDescriptor();
                host.plugins.add(new PluginInfo(d.getPluginId(), d.getVersion(), d.getPluginDescription(), List.copyOf(types)));
                LOG.info("plugin {} {} provides {}", d.getPluginId(), d.getVersion(), types);
            } catch (PluginLoadException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            host.close();
            throw new PluginLoadException(problems);
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
     * What a {@link #rescan} changed.
     *
     * @param loaded   the plugins whose jars were new in the folder, now loaded and started
     * @param unloaded the plugins whose jars were gone from the folder, now stopped and unloaded
     */
    public record Rescan(List<PluginInfo> loaded, List<PluginInfo> unloaded) {
        /** Nothing changed. */
        public static final Rescan NONE = new Rescan(List.of(), List.of());
    }

    /**
     * Looks at the plugins folder again, for a reload: each new {@code .jar} is loaded and started
     * like at boot (the same checks, one line per problem naming the file), and each plugin whose
     * file is gone is stopped and unloaded. All or nothing: on any problem, the new plugins are
     * unloaded again and nothing is removed. A plugin that provides a type {@code used} names
     * cannot be removed (the running config calls it): that is a problem naming it. A jar replaced
     * in place, or a new zip plugin, needs a restart.
     *
     * @param used the extension types the running config uses, as {@link PluginInfo#types()} names them
     * @throws PluginLoadException with one line per problem
     */
    public synchronized Rescan rescan(java.util.Set<String> used) throws PluginLoadException {
        List<String> problems = precheck(dir);
        if (!problems.isEmpty()) {
            throw new PluginLoadException(problems);
        }
        Map<Path, PluginWrapper> byPath = new java.util.HashMap<>();
        for (PluginWrapper w : manager.getPlugins()) {
            byPath.put(w.getPluginPath().toAbsolutePath().normalize(), w);
        }
        List<PluginWrapper> gone = new ArrayList<>();
        byPath.forEach((path, w) -> {
            if (!Files.exists(path)) {
                gone.add(w);
            }
        });
        List<PluginInfo> removed = new ArrayList<>();
        for (PluginWrapper w : gone) {
            PluginInfo info = info(w.getPluginId());
            List<String> needed = info == null ? List.of()
                    : info.types().stream().filter(used::contains).toList();
            if (!needed.isEmpty()) {
                problems.add(name(w) + " was removed from the plugins folder, but the running config uses its "
                        + String.join(", ", needed) + ": put the jar back, or first reload a config that does not use it");
            }
            if (info != null) {
                removed.add(info);
            }
        }
        if (!problems.isEmpty()) {
            throw new PluginLoadException(problems);
        }
        List<Path> fresh;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            fresh = files.map(f -> f.toAbsolutePath().normalize())
                    .filter(f -> f.getFileName().toString().endsWith(".jar") && !byPath.containsKey(f)).sorted().toList();
        } catch (java.io.IOException e) {
            throw new PluginLoadException("cannot list plugins folder " + dir + ": " + e.getMessage(), e);
        }
        List<PluginWrapper> started = new ArrayList<>();
        List<PluginInfo> loaded = new ArrayList<>();
        List<String[]> registered = new ArrayList<>();
        for (Path f : fresh) {
            Manager m = (Manager) manager;
            m.problems.clear();
            m.refused.clear();
            String id;
            try {
                id = manager.loadPlugin(f);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("cannot load plugin {}", f, e);
                problems.add(m.problems.isEmpty() ? f.getFileName() + ": not a loadable plugin: " + reason(e)
                        : String.join("; ", m.problems));
                continue;
            }
            PluginWrapper w = manager.getPlugin(id);
            started.add(w);
            if (!m.refused.isEmpty()) {
                problems.add(name(w) + " requires plugin-api " + w.getDescriptor().getRequires().trim()
                        + ", but this Detour provides plugin-api " + apiVersion());
                continue;
            }
            PluginState state;
            try {
                state = manager.startPlugin(id);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("plugin {} failed to start", id, e);
                problems.add(name(w) + " failed to start: " + reason(e));
                continue;
            }
            if (state != PluginState.STARTED) {
                Throwable cause = w.getFailedException();
                problems.add(name(w) + " failed to start" + (cause == null ? " (state " + state + ")" : ": " + reason(cause)));
                continue;
            }
            try {
                List<String> types = new ArrayList<>();
                for (Object ext : m.extensions(w)) {
                    types.add(register(ext, id, registered));
                }
                if (types.isEmpty()) {
                    problems.add(name(w) + " contributes no extension: META-INF/extensions.idx is missing from the jar "
                            + "(was it built with PF4J's annotation processor?)");
                    continue;
                }
                PluginDescriptor d = w.getDescriptor();
                loaded.add(new PluginInfo(d.getPluginId(), d.getVersion(), d.getPluginDescription(), List.copyOf(types)));
            } catch (PluginLoadException e) {
                problems.add(e.getMessage());
            }
        }
        if (!problems.isEmpty()) {
            for (String[] r : registered) {
                factories.get(Kind.valueOf(r[0])).remove(r[1]);
            }
            for (PluginWrapper w : started) {
                unloadQuietly(w.getPluginId());
            }
            throw new PluginLoadException(problems);
        }
        for (PluginInfo info : loaded) {
            plugins.add(info);
            LOG.info("plugin {} {} loaded at run time, provides {}", info.id(), info.version(), info.types());
        }
        for (PluginWrapper w : gone) {
            ClassLoader cl = w.getPluginClassLoader();
            for (Map<String, DetourExtension<?>> byType : factories.values()) {
                byType.values().removeIf(f -> f.getClass().getClassLoader() == cl);
            }
            plugins.removeIf(i -> i.id().equals(w.getPluginId()));
            unloadQuietly(w.getPluginId());
            LOG.info("plugin {} unloaded: its file is gone from the plugins folder", w.getPluginId());
        }
        return new Rescan(List.copyOf(loaded), List.copyOf(removed));
    }

    private PluginInfo info(String id) {
        for (PluginInfo i : plugins) {
            if (i.id().equals(id)) {
                return i;
            }
        }
        return null;
    }

    private void unloadQuietly(String id) {
        try {
            manager.unloadPlugin(id);
        } catch (RuntimeException e) {
            LOG.debug("unloading plugin {}", id, e);
        }
    }

    /** {@link #register(Object, String)}, noting each type it adds (kind name, type) so a failed rescan can take it back. */
    private String register(Object ext, String pluginId, List<String[]> added) throws PluginLoadException {
        Kind kind = kindOf(ext);
        String type = kind == null ? null : safeType(ext);
        boolean absent = type != null && !factories.get(kind).containsKey(type);
        String named = register(ext, pluginId);
        if (absent) {
            added.add(new String[] {kind.name(), type});
        }
        return named;
    }

    private static String safeType(Object ext) {
        try {
            return ((DetourExtension<?>) ext).type();
        } catch (RuntimeException | LinkageError e) {
            return null;
        }
    }

    /** PF4J's manager, collecting each plugin's failure as one line instead of logging and skipping it. */
    private static final class Manager extends DefaultPluginManager {
        final List<String> problems = new ArrayList<>(0);
        final List<PluginWrapper> refused = new ArrayList<>(0);

        Manager(Path dir) {
            super(dir);
        }

        @Override
        protected PluginWrapper loadPluginFromPath(Path path) {
            try {
                return super.loadPluginFromPath(path);
            } catch (RuntimeException | LinkageError e) {
                LOG.debug("cannot load plugin {}", path, e);
                problems.add(path.getFileName() + ": not a loadable plugin: " + reason(e));
            }
            return null;
        }

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

        /**
         * The plugin's extensions, created here rather than by PF4J's {@code getExtensions}, which
         * logs a constructor's exception and carries on as if the plugin had none, and lets a class
         * compiled for a newer Java escape without naming its jar.
         */
        List<Object> extensions(PluginWrapper w) throws PluginLoadException {
            @SuppressWarnings("rawtypes")
            List<ExtensionWrapper> found;
            try {
                found = extensionFinder.find(w.getPluginId());
            } catch (LinkageError | RuntimeException e) {
                LOG.debug("plugin {}: cannot load its extensions", w.getPluginId(), e);
                throw new PluginLoadException(name(w) + ": " + reason(e), null);
            }
            List<Object> out = new ArrayList<>(found.size());
            for (ExtensionWrapper<?> x : found) {
                try {
                    out.add(x.getExtension());
                } catch (RuntimeException | LinkageError e) {
                    LOG.debug("plugin {}: cannot create {}", w.getPluginId(), x.getDescriptor().extensionClass, e);
                    Throwable cause = e instanceof PluginRuntimeException && e.getCause() != null ? e.getCause() : e;
                    throw new PluginLoadException(name(w) + ": " + x.getDescriptor().extensionClass.getName()
                            + " failed to construct: " + describe(cause), null);
                }
            }
            return out;
        }

        void unloadQuietly() {
            try {
                unloadPlugins();
            } catch (RuntimeException e) {
                LOG.debug("unloading plugins after a failed load", e);
            }
        }
    }

    /**
     * Files PF4J would skip with a logged stack trace, each as one line: anything that is not a
     * {@code .jar} or {@code .zip}, a file that is not a zip, a jar without a manifest or without
     * {@code Plugin-Id} / {@code Plugin-Version}, a second jar with an id already seen. Hidden files are left alone, and so are folders
     * (PF4J's unpacked zip plugins; a folder that is no plugin fails to load, by name).
     */
    static List<String> precheck(Path dir) throws PluginLoadException {
        List<String> problems = new ArrayList<>();
        Map<String, String> ids = new java.util.HashMap<>();
        List<Path> files;
        try (java.util.stream.Stream<Path> s = Files.list(dir)) {
            files = s.sorted().toList();
        } catch (java.io.IOException e) {
            throw new PluginLoadException("cannot list plugins folder " + dir + ": " + e.getMessage(), e);
        }
        for (Path f : files) {
            String name = f.getFileName().toString();
            if (name.startsWith(".") || Files.isDirectory(f)) {
                continue;
            }
            boolean jar = name.endsWith(".jar");
            if (!jar && !name.endsWith(".zip")) {
                problems.add(name + ": not a plugin: only plugin .jar and .zip files belong in the plugins folder");
                continue;
            }
            try (java.util.jar.JarFile j = new java.util.jar.JarFile(f.toFile())) {
                if (!jar) {
                    continue;   // a zip plugin's descriptor is inside the folder PF4J unpacks it to
                }
                java.util.jar.Manifest m = j.getManifest();
                boolean properties = j.getEntry("plugin.properties") != null;
                if (m == null && !properties) {
                    problems.add(name + ": not a plugin: no META-INF/MANIFEST.MF (a plugin's manifest names its "
                            + "Plugin-Id, Plugin-Version and Plugin-Requires)");
                } else if (!properties) {
                    for (String key : List.of("Plugin-Id", "Plugin-Version")) {
                        String v = m.getMainAttributes().getValue(key);
                        if (v == null || v.isBlank()) {
                            problems.add(name + ": not a plugin: no " + key + " in its META-INF/MANIFEST.MF");
                        }
                    }
                    String id = m.getMainAttributes().getValue("Plugin-Id");
                    String first = id == null || id.isBlank() ? null : ids.putIfAbsent(id.trim(), name);
                    if (first != null) {
                        problems.add(name + ": duplicate plugin id '" + id.trim() + "', already in " + first
                                + ": remove one of them");
                    }
                }
            } catch (java.io.IOException | SecurityException e) {
                problems.add(name + ": not a plugin: not a valid " + (jar ? "jar" : "zip") + " file ("
                        + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage()) + ")");
            }
        }
        return problems;
    }

    private static String name(PluginWrapper w) {
        return "plugin '" + w.getPluginId() + "' (" + w.getPluginPath().getFileName() + ")";
    }

    /** One line for a load failure: a newer class file version as the Java it needs, else the innermost message. */
    static String reason(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof UnsupportedClassVersionError u) {
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("class file version (\\d+)").matcher(String.valueOf(u.getMessage()));
                if (m.find()) {
                    int needs = Integer.parseInt(m.group(1)) - 44;
                    int runs = Runtime.version().feature();
                    return "compiled for Java " + needs + " (class file version " + m.group(1) + "), but Detour runs on Java "
                            + runs + ": build it with --release " + runs + " or run Detour on Java " + needs + " or newer";
                }
                return describe(u);
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return describe(root);
    }

    private static String describe(Throwable t) {
        String m = t.getMessage();
        String first = m == null ? "" : m.lines().findFirst().orElse("");
        return first.isBlank() ? t.getClass().getName() : t.getClass().getSimpleName() + ": " + first;
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
        String type;
        try {
            type = f.type();
        } catch (RuntimeException | LinkageError e) {
            throw new PluginLoadException("plugin '" + pluginId + "': " + ext.getClass().getName() + ".type() failed: "
                    + describe(e), null);
        }
        DetourExtension<?> before = factories.get(kind).putIfAbsent(type, f);
        if (before != null && before.getClass() != f.getClass()) {
            throw new PluginLoadException("plugin '" + pluginId + "' contributes " + kind.label + " '" + type
                    + "', which " + before.getClass().getName() + " already provides", null);
        }
        return kind.name().toLowerCase(java.util.Locale.ROOT) + ":" + type;
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
