package dev.detour.core.config;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code pricing}, {@code keys[].limits.tpm}, {@code keys[].budget} and {@code server.data_dir}. */
class SpendConfigTest {
    @Test
    void pricing_tpm_budget_and_data_dir_are_read() throws ConfigException {
        GatewayConfig c = ConfigLoaderTest.load("""
                server: { data_dir: state }
                providers: { p: { type: openai, base_url: "http://x/v1" } }
                routes:
                  r:
                    targets:
                      - { provider: p, model: m, pricing: { input_per_mtok: 2.5, output_per_mtok: 10, cached_input_per_mtok: 1.25 } }
                      - { provider: p, model: n, pricing: { input_per_mtok: 0, output_per_mtok: 0 } }
                keys:
                  - { name: a, key: sk-a, limits: { rpm: 10, tpm: 5000 }, budget: { usd: 12.5, period: 30d } }
                  - { name: b, key: sk-b }
                """, Map.of());
        GatewayConfig.Target t = c.routes().get("r").targets().get(0);
        assertEquals(2.5, t.inputPerMTok());
        assertEquals(10, t.outputPerMTok());
        assertEquals(1.25, t.cachedInputPerMTok());
        assertEquals(-1, c.routes().get("r").targets().get(1).cachedInputPerMTok());
        GatewayConfig.Key a = c.keys().get(0);
        assertEquals(5000, a.tpm());
        assertEquals(new GatewayConfig.Budget(12.5, Duration.ofDays(30), Path.of("/tmp/state")), a.budget());
        assertEquals(0, c.keys().get(1).tpm());
        assertEquals(null, c.keys().get(1).budget());
    }

    @Test
    void bad_values_are_named_with_their_yaml_path() {
        String p = ConfigLoaderTest.problems("""
                server: { data_dir: "" }
                providers: { p: { type: openai, base_url: "http://x/v1" } }
                routes:
                  r:
                    targets:
                      - { provider: p, model: m, pricing: { input_per_mtok: 2.5 } }
                      - { provider: p, model: n, pricing: { input_per_mtok: -1, output_per_mtok: 1, cahced: 1 } }
                keys:
                  - { name: a, key: sk-a, limits: { tpm: -5 }, budget: { usd: 10 } }
                  - { name: b, key: sk-b, budget: { usd: ten, period: 30s } }
                  - { name: c, key: sk-c, budget: { period: 400d, spend: 1 } }
                  - { name: d, key: sk-d, budget: { usd: 0, period: 1d } }
                """);
        assertTrue(p.contains("server.data_dir: must name a folder"), p);
        assertTrue(p.contains("routes.r.targets[0].pricing: needs both input_per_mtok and output_per_mtok"), p);
        assertTrue(p.contains("routes.r.targets[1].pricing.input_per_mtok: must be between 0.0 and 1000000.0"), p);
        assertTrue(p.contains("routes.r.targets[1].pricing.cahced"), p);
        assertTrue(p.contains("keys[0].limits.tpm: must be between 0 and 2000000000 (was -5)"), p);
        assertTrue(p.contains("keys[0].budget.period: is required"), p);
        assertTrue(p.contains("keys[1].budget.usd: 'ten' is not a number"), p);
        assertTrue(p.contains("keys[1].budget.period: must be between 1m and 366d (was 30s)"), p);
        assertTrue(p.contains("keys[2].budget.usd: is required"), p);
        assertTrue(p.contains("keys[2].budget.period: must be between 1m and 366d"), p);
        assertTrue(p.contains("keys[2].budget.spend"), p);
        assertTrue(p.contains("keys[3].budget.usd: must be more than 0"), p);
        assertTrue(!p.contains("not available yet"), p);
    }
}
