package dev.detour.plugin.routing.adaptive;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.routing.RoutingStrategyFactory;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Binds options the way core does (strict, snake_case) and checks each factory's declaration. */
class FactoriesTest {

    private static final ObjectMapper CORE_LIKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    @Test
    void empty_blocks_bind_the_defaults_and_snake_case_keys_bind() throws Exception {
        assertEquals(new LatencyOptions("latency", 0.2, 0.05), CORE_LIKE.readValue("{}", LatencyOptions.class));
        assertEquals(new CostOptions(0.5, 0.5), CORE_LIKE.readValue("{}", CostOptions.class));
        assertEquals(new LeastBusyOptions(100), CORE_LIKE.readValue("{}", LeastBusyOptions.class));
        assertEquals(new RegionOptions(), CORE_LIKE.readValue("{}", RegionOptions.class));
        assertEquals(new LatencyOptions("ttft", 0.1, 0.0),
                CORE_LIKE.readValue("{\"metric\": \"TTFT\", \"tie_band\": 0.1, \"explore_share\": 0}",
                        LatencyOptions.class));
        assertEquals(new CostOptions(0.7, 0.25),
                CORE_LIKE.readValue("{\"min_score\": 0.7, \"output_ratio\": 0.25}", CostOptions.class));
        assertEquals(new LeastBusyOptions(8), CORE_LIKE.readValue("{\"unlimited_capacity\": 8}", LeastBusyOptions.class));
    }

    @Test
    void bad_values_and_unknown_keys_are_errors_naming_the_field() {
        assertRoot("metric must be latency, ttft or auto, was 'p99'", "{\"metric\": \"p99\"}", LatencyOptions.class);
        assertRoot("explore_share must be within 0..1", "{\"explore_share\": 2}", LatencyOptions.class);
        assertRoot("tie_band must be a number of at least 0", "{\"tie_band\": -1}", LatencyOptions.class);
        assertRoot("min_score must be within 0..1", "{\"min_score\": 1.5}", CostOptions.class);
        assertRoot("unlimited_capacity must be at least 1", "{\"unlimited_capacity\": 0}", LeastBusyOptions.class);
        assertThrows(Exception.class, () -> CORE_LIKE.readValue("{\"tieBand\": 0.1}", LatencyOptions.class));
        assertThrows(Exception.class, () -> CORE_LIKE.readValue("{\"x\": 1}", RegionOptions.class));
    }

    private static void assertRoot(String expected, String json, Class<?> type) {
        Exception e = assertThrows(Exception.class, () -> CORE_LIKE.readValue(json, type));
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root.getMessage().contains(expected), root.getMessage());
    }

    @Test
    void each_factory_is_an_extension_with_its_type_and_options() {
        check(new LatencyStrategyFactory(), "latency", LatencyOptions.class, LatencyOptions.defaults());
        check(new CostStrategyFactory(), "cost", CostOptions.class, CostOptions.defaults());
        check(new RegionStrategyFactory(), "region", RegionOptions.class, new RegionOptions());
        check(new LeastBusyStrategyFactory(), "least-busy", LeastBusyOptions.class, LeastBusyOptions.defaults());
    }

    private static <O> void check(RoutingStrategyFactory<O> f, String type, Class<O> options, O defaults) {
        assertEquals(type, f.type());
        assertEquals(options, f.optionsType());
        assertNotNull(f.getClass().getAnnotation(Extension.class), f.getClass().getName());
        assertNotNull(f.create(defaults, Plans.context(1)));
    }
}
