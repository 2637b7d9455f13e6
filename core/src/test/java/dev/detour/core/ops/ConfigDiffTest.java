package dev.detour.core.ops;

import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.Extensions;
import dev.detour.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConfigDiffTest {
    record NoOptions() {
    }

    static final Extensions EXT = new Extensions() {
        @Override
        public Map<String, Class<?>> types(Kind kind) {
            return switch (kind) {
                case PROVIDER -> Map.of("openai", NoOptions.class);
                case STRATEGY -> Map.of("priority", NoOptions.class, "weighted", NoOptions.class);
                default -> Map.of();
            };
        }

        @Override
        public String source() {
            return "/opt/detour/plugins";
        }
    };

    static GatewayConfig load(String yaml) throws Exception {
        return ConfigLoader.validate(ConfigLoader.parse(Path.of("/tmp/detour.yaml"), yaml, n -> null), EXT);
    }

    static final String BASE = """
            server: { port: 8080 }
            providers:
              a: { type: openai, base_url: "http://127.0.0.1:1/v1", region: us-east-1 }
              b: { type: openai, base_url: "http://127.0.0.1:2/v1", region: us-east-1 }
            routes:
              chat:
                targets: [ { provider: a, model: m1 }, { provider: b, model: m1 } ]
              other:
                targets: [ { provider: b, model: m2 } ]
            """;

    @Test
    void an_identical_config_changes_nothing() throws Exception {
        ConfigDiff d = ConfigDiff.between(load(BASE), load(BASE));
        assertTrue(d.none(), d.json().toString());
    }

    @Test
    void names_routes_targets_and_providers_added_removed_and_changed() throws Exception {
        GatewayConfig next = load("""
                server: { port: 8080 }
                providers:
                  a: { type: openai, base_url: "http://127.0.0.1:9/v1", region: us-east-1 }
                  b: { type: openai, base_url: "http://127.0.0.1:2/v1", region: us-east-1 }
                  c: { type: openai, base_url: "http://127.0.0.1:3/v1", region: us-east-1 }
                routes:
                  chat:
                    strategy: weighted
                    targets: [ { provider: a, model: m1 }, { provider: b, model: m1 } ]
                  fresh:
                    targets: [ { provider: c, model: m3 } ]
                """);
        ConfigDiff d = ConfigDiff.between(load(BASE), next);
        assertEquals(new ConfigDiff.Change(List.of("fresh"), List.of("other"), List.of("chat")), d.routes());
        // a's base_url changed: its target changed; b/m1 is as it was.
        assertEquals(new ConfigDiff.Change(List.of("c/m3"), List.of("b/m2"), List.of("a/m1")), d.targets());
        assertEquals(new ConfigDiff.Change(List.of("c"), List.of(), List.of("a")), d.providers());
        assertEquals(List.of(), d.needsRestart());
    }

    @Test
    void a_target_changes_when_its_entry_in_a_route_does() throws Exception {
        ConfigDiff d = ConfigDiff.between(load(BASE), load(BASE.replace("{ provider: b, model: m2 }",
                "{ provider: b, model: m2, weight: 3 }")));
        assertEquals(List.of("b/m2"), d.targets().changed());
        assertEquals(List.of("other"), d.routes().changed());
    }

    @Test
    void settings_only_a_restart_applies_are_named_by_path() throws Exception {
        ConfigDiff d = ConfigDiff.between(load(BASE), load(BASE.replace("server: { port: 8080 }",
                "server: { port: 9090, max_body_size: 1MB }\nkeys: [ { name: k, key: secret-key-1 } ]")));
        assertEquals(List.of("server.port", "server.max_body_size", "keys"), d.needsRestart());
        assertTrue(d.routes().none());
        assertEquals("[\"server.port\",\"server.max_body_size\",\"keys\"]", d.json().get("needs_restart").toString());
    }
}
