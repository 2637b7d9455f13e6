package dev.detour.testkit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The kit starts a real gateway over fake upstreams; failover through it is what a client sees. */
class TestGatewayTest {

    @Test
    void a_route_over_two_fake_upstreams_fails_over_from_the_first() {
        try (TestGateway gw = TestGateway.start("""
                routes: { chat: { targets: [ { provider: a, model: m1 }, { provider: b, model: m2 } ] } }
                """, "a", "b")) {
            assertEquals("Hello from a", gw.chat("chat", "hi").content());
            gw.upstream("a").fail(503);
            TestGateway.Reply r = gw.chat("chat", "hi");
            assertEquals(200, r.status(), r.body());
            assertEquals("Hello from b", r.content());
            assertEquals("b/m2", r.target());
            assertTrue(gw.upstream("a").calls() >= 2);
        }
    }

    @Test
    void an_invalid_config_names_its_problems() {
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> TestGateway.start("routes: { chat: { targets: [ { provider: nope, model: m } ] } }\n", "a"));
        assertTrue(e.getMessage().contains("routes.chat.targets[0].provider: unknown provider 'nope'"), e.getMessage());
    }
}
