package dev.detour.sample.acme;

import dev.detour.testkit.TestGateway;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The adapter inside a real gateway, against fake upstreams speaking Acme's OpenAI-like format. */
class AcmeGatewayTest {

    @Test
    void calls_acme_with_its_key_header_and_falls_back_when_acme_fails() {
        try (TestGateway gw = TestGateway.start("""
                providers:
                  acme: { type: acme, base_url: "${UPSTREAM_A}", api_key: acme-key-1, options: { max_connections: 4 } }
                  backup: { type: openai, base_url: "${UPSTREAM_B}", api_key: k }
                routes: { chat: { targets: [ { provider: acme, model: acme-large }, { provider: backup, model: m } ] } }
                """, "a", "b")) {
            TestGateway.Reply r = gw.chat("chat", "hi");
            assertEquals("Hello from a", r.content(), r.body());
            assertEquals("acme/acme-large", r.target());
            assertEquals("/v1/chat", gw.upstream("a").lastPath());
            assertEquals("acme-key-1", gw.upstream("a").lastHeaders().get("x-acme-key"));
            assertEquals(null, gw.upstream("a").lastHeaders().get("authorization"));
            assertEquals("acme-large", gw.upstream("a").requests().get(0).path("model").asText());

            gw.upstream("a").fail(503);
            TestGateway.Reply failedOver = gw.chat("chat", "hi");
            assertEquals(200, failedOver.status(), failedOver.body());
            assertEquals("backup/m", failedOver.target());
        }
    }
}
