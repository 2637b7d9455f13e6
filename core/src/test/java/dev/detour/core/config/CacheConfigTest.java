package dev.detour.core.config;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.detour.api.NoOptions;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A route's {@code cache:} block: the keys core reads, the rest bound to the plugin's options, every problem by its YAML path. */
class CacheConfigTest {
    record MemoryLike(@JsonProperty("max_entries") Integer maxEntries) {
        MemoryLike {
            if (maxEntries != null && maxEntries < 1) {
                throw new IllegalArgumentException("max_entries must be at least 1, was " + maxEntries);
            }
        }
    }

    static final Extensions EXT = new Extensions() {
        @Override
        public Map<String, Class<?>> types(Kind kind) {
            return switch (kind) {
                case PROVIDER -> Map.of("openai", NoOptions.class);
                case STRATEGY -> Map.of("priority", NoOptions.class);
                case CACHE -> Map.of("memory", MemoryLike.class);
                default -> Map.of();
            };
        }

        @Override
        public String source() {
            return "/opt/detour/plugins";
        }
    };

    static GatewayConfig load(String cache) throws ConfigException {
        String yaml = """
                providers:
                  p: { type: openai }
                routes:
                  support:
                    targets: [ { provider: p, model: m } ]
                """ + (cache == null ? "" : "    cache: " + cache + "\n");
        return ConfigLoader.validate(ConfigLoader.parse(Path.of("/tmp/detour.yaml"), yaml, k -> null), EXT);
    }

    static String problems(String cache) {
        return String.join("\n", assertThrows(ConfigException.class, () -> load(cache)).problems());
    }

    @Test
    void a_route_without_a_cache_has_none() throws Exception {
        assertNull(load(null).routes().get("support").cache());
    }

    @Test
    void core_reads_its_keys_and_passes_the_rest_to_the_plugin() throws Exception {
        GatewayConfig.Cache c = load("{ type: memory, ttl: 5m, serve_stale_on_failure: true, max_stale: 1h, "
                + "scope: route, max_entries: 10 }").routes().get("support").cache();
        assertEquals("memory", c.plugin().type());
        assertEquals(Duration.ofMinutes(5), c.ttl());
        assertEquals(Duration.ofHours(1), c.maxStale());
        assertTrue(c.serveStaleOnFailure());
        assertFalse(c.perKey());
        assertEquals(1, c.plugin().options().size(), "only the plugin's own key: " + c.plugin().options());
        assertEquals(10, c.plugin().options().get("max_entries").asInt());
        assertEquals("routes.support.cache", c.plugin().path());
    }

    @Test
    void defaults_are_ten_minutes_per_key_and_no_stale() throws Exception {
        GatewayConfig.Cache c = load("memory").routes().get("support").cache();
        assertEquals(GatewayConfig.Cache.DEFAULT_TTL, c.ttl());
        assertEquals(Duration.ZERO, c.maxStale());
        assertFalse(c.serveStaleOnFailure());
        assertTrue(c.perKey());
        GatewayConfig.Cache stale = load("{ type: memory, serve_stale_on_failure: true }").routes().get("support").cache();
        assertEquals(GatewayConfig.Cache.DEFAULT_MAX_STALE, stale.maxStale());
    }

    @Test
    void every_mistake_is_named_by_its_path() {
        String p = problems("{ type: memory, ttl: 0s, scope: team, max_stale: 1h, max_entries: 0, colour: red }");
        assertTrue(p.contains("routes.support.cache.ttl: must be a positive duration"), p);
        assertTrue(p.contains("routes.support.cache.scope: must be key"), p);
        assertTrue(p.contains("routes.support.cache.max_stale: has no use without serve_stale_on_failure"), p);
        assertTrue(p.contains("colour"), p);
        assertTrue(problems("{ type: redis }").contains("routes.support.cache: unknown cache 'redis' (known: memory"),
                problems("{ type: redis }"));
        assertTrue(problems("{ ttl: 1m }").contains("routes.support.cache.type"), problems("{ ttl: 1m }"));
        assertTrue(problems("{ type: memory, max_entries: 0 }").contains("max_entries must be at least 1"),
                problems("{ type: memory, max_entries: 0 }"));
    }
}
