package dev.detour.plugin.cache.semantic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.Clock;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CacheFactory;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatResponse;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.Test;
import org.pf4j.ClassLoadingStrategy;
import org.pf4j.DefaultPluginManager;
import org.pf4j.JarPluginLoader;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginLoader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static dev.detour.plugin.cache.semantic.SemanticCacheTest.answer;
import static dev.detour.plugin.cache.semantic.SemanticCacheTest.ask;
import static dev.detour.plugin.cache.semantic.SemanticCacheTest.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The built plugin jars, loaded by PF4J the way core loads them (the shared packages from the
 * parent, everything else from the plugin first), in a JVM of their own: the model's native
 * libraries load in the plugin's class loader, and the two cache plugins claim one type each.
 */
class PluginJarIT {
    /** As core's SharedFirstClassLoader. */
    static final List<String> SHARED = List.of("dev.detour.api.", "dev.detour.wire.", "org.pf4j.", "io.vertx.", "io.netty.",
            "com.fasterxml.jackson.", "org.slf4j.");

    @Test
    void both_cache_plugins_load_from_their_jars_and_the_semantic_one_runs_its_model() throws Exception {
        Path home = Files.createTempDirectory("detour-home");
        Path plugins = Files.createDirectories(home.resolve("plugins"));
        copyJar(Path.of("target"), "cache-semantic-", plugins);
        copyJar(Path.of("..", "cache-memory", "target"), "cache-memory-", plugins);

        DefaultPluginManager manager = new DefaultPluginManager(plugins) {
            @Override
            protected PluginLoader createPluginLoader() {
                return new JarPluginLoader(this) {
                    @Override
                    protected PluginClassLoader createPluginClassLoader(Path path, PluginDescriptor d) {
                        return new PluginClassLoader(pluginManager, d, getClass().getClassLoader(), ClassLoadingStrategy.PDA) {
                            @Override
                            protected boolean shouldDelegateToParent(String className) {
                                return SHARED.stream().anyMatch(className::startsWith) || super.shouldDelegateToParent(className);
                            }
                        };
                    }
                };
            }
        };
        manager.loadPlugins();
        manager.startPlugins();
        Map<String, CacheFactory<?>> byType = new TreeMap<>();
        // Per plugin, as core registers them (the test's class path has extension indexes of its own).
        for (org.pf4j.PluginWrapper w : manager.getStartedPlugins()) {
            for (Object ext : manager.getExtensions(w.getPluginId())) {
                CacheFactory<?> f = (CacheFactory<?>) ext;
                assertNull(byType.put(f.type(), f), "type " + f.type() + " claimed twice");
            }
        }
        assertEquals(List.of("memory", "semantic"), List.copyOf(byType.keySet()));

        CacheFactory<?> semantic = byType.get("semantic");
        ClassLoader pluginLoader = semantic.getClass().getClassLoader();
        assertInstanceOf(PluginClassLoader.class, pluginLoader);
        assertSame(pluginLoader, pluginLoader.loadClass(
                "dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel").getClassLoader(),
                "the model runs in the plugin's class loader");

        Vertx vertx = Vertx.vertx();
        try {
            ResponseCache cache = create(semantic, "{\"embed_timeout\": \"30s\"}",
                    new CacheContext("support", vertx, Clock.SYSTEM, null, home.resolve("data")));
            // The first lookup on an empty bucket needs no model; the store does.
            await(cache.put("ns", ask("How do I reset my password?"), answer("Click reset."), "t", Duration.ofMinutes(1), Duration.ZERO));
            CachedResponse<ChatResponse> hit = await(cache.get("ns", ask("What is the way to reset my password?"), false));
            assertNotNull(hit, "a paraphrase hits through the plugin's own model");
            assertEquals("Click reset.", hit.response().text());
            assertNull(await(cache.get("ns", ask("How do I reset my username?"), false)));
            await(cache.close());

            String nativeDir = System.getProperty("ENGINE_CACHE_DIR");
            assertEquals(home.resolve("data").resolve("native").toString(), nativeDir);
            try (Stream<Path> files = Files.walk(Path.of(nativeDir))) {
                assertTrue(files.anyMatch(p -> p.getFileName().toString().contains("tokenizers")),
                        "the tokenizer's library is unpacked under the gateway's home, not the user's");
            }

            ResponseCache memory = create(byType.get("memory"), "{\"max_entries\": 10}",
                    new CacheContext("support", vertx, Clock.SYSTEM, null, home.resolve("data")));
            await(memory.put("ns", ask("q"), answer("a"), "t", Duration.ofMinutes(1), Duration.ZERO));
            assertEquals("a", await(memory.get("ns", ask("q"), false)).response().text());
        } finally {
            await(vertx.close());
            manager.stopPlugins();
        }
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private static ResponseCache create(CacheFactory<?> f, String options, CacheContext ctx) throws Exception {
        ObjectMapper coreLike = JsonMapper.builder().propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE).build();
        Object o = coreLike.readValue(options, f.optionsType());
        return ((CacheFactory) f).create(o, ctx);
    }

    private static void copyJar(Path dir, String prefix, Path to) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            Path jar = s.filter(p -> p.getFileName().toString().startsWith(prefix) && p.toString().endsWith(".jar")
                    && !p.toString().endsWith("-tests.jar")).findFirst().orElseThrow(() ->
                    new AssertionError("no " + prefix + "*.jar in " + dir + ": run `mvn verify`"));
            Files.copy(jar, to.resolve(jar.getFileName()));
        }
    }
}
