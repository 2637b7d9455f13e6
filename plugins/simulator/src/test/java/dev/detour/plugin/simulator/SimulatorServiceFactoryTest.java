package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import dev.detour.api.Clock;
import dev.detour.api.service.ServiceContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pf4j.Extension;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class SimulatorServiceFactoryTest {

    /** Binds options the way core does: strict, snake_case. */
    private static final ObjectMapper CORE = com.fasterxml.jackson.databind.json.JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Test
    void is_the_simulator_service_extension() {
        SimulatorServiceFactory f = new SimulatorServiceFactory();
        assertEquals("simulator", f.type());
        assertEquals(SimulatorOptions.class, f.optionsType());
        assertNotNull(SimulatorServiceFactory.class.getAnnotation(Extension.class));
    }

    @Test
    void binds_snake_case_options_with_initial_faults() throws Exception {
        SimulatorOptions o = CORE.readValue("{\"port\":0,\"seed\":3,\"faults\":{\"flaky\":{\"status\":503,\"rate\":0.2,"
                + "\"retry_after\":2,\"latency_ms\":10,\"jitter_ms\":5,\"chunk_delay_ms\":1,\"cut_after_chunks\":4,"
                + "\"degrade\":\"off_topic\"}}}", SimulatorOptions.class);
        assertEquals("127.0.0.1", o.host());
        assertEquals(0, o.port());
        assertEquals(3L, o.seed());
        ChaosFaults f = o.faults().get("flaky");
        assertEquals(new ChaosFaults(null, 503, 0.2, 2, 10L, 5L, 1L, 4, ChaosFaults.Degrade.OFF_TOPIC), f);
    }

    @Test
    void defaults_to_loopback_port_9000() throws Exception {
        SimulatorOptions o = CORE.readValue("{}", SimulatorOptions.class);
        assertEquals("127.0.0.1", o.host());
        assertEquals(9000, o.port());
        assertTrue(o.faults().isEmpty());
        assertNull(o.seed());
    }

    @Test
    void rejects_unknown_keys_and_bad_values_naming_the_field() {
        UnrecognizedPropertyException unknown = assertThrows(UnrecognizedPropertyException.class,
                () -> CORE.readValue("{\"faults\":{\"x\":{\"stauts\":503}}}", SimulatorOptions.class));
        assertEquals("stauts", unknown.getPropertyName());
        ValueInstantiationException port = assertThrows(ValueInstantiationException.class,
                () -> CORE.readValue("{\"port\":70000}", SimulatorOptions.class));
        assertTrue(port.getCause().getMessage().startsWith("port:"), port.getCause().getMessage());
        ValueInstantiationException rate = assertThrows(ValueInstantiationException.class,
                () -> CORE.readValue("{\"faults\":{\"x\":{\"status\":503,\"rate\":2}}}", SimulatorOptions.class));
        assertTrue(rate.getCause().getMessage().startsWith("rate:"), rate.getCause().getMessage());
    }

    @Test
    void starts_on_the_configured_port_with_its_initial_faults(Vertx vertx, VertxTestContext ctx) {
        SimulatorOptions o = new SimulatorOptions(null, 0, Map.of("flaky", ChaosFaults.status(503, 1.0)), 1L);
        SimulatorService service = (SimulatorService) new SimulatorServiceFactory()
                .create(o, new ServiceContext(vertx, Clock.SYSTEM, Path.of(".")));
        Future<String> started = service.start();
        int[] port = new int[1];
        Future<SimHttp.Reply> call = started.compose(d -> {
            port[0] = service.server().port();
            return new SimHttp(vertx, port[0]).post("/flaky/v1/chat/completions", SimulatorTestBase.openAiChat("hello"));
        });
        call.eventually(service::stop).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertTrue(port[0] > 0);
            assertEquals("simulator listening on http://127.0.0.1:" + port[0], started.result());
            assertEquals(503, r.status());
            assertEquals(1, service.server().stats("flaky").count(503));
            ctx.completeNow();
        })));
    }
}
