package ${package};

import dev.detour.testkit.TestGateway;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The plugin inside a real gateway (core in-process, the plugin from the test class path) over
 * fake OpenAI-shaped upstreams {@code a} and {@code b}: what a client observes.
 */
class ${name}GatewayTest {
#if( $kind == "routing" )

    @Test
    void requests_go_to_the_preferred_provider_first() {
        try (TestGateway gw = TestGateway.start("""
                routes: { chat: { strategy: { type: ${type}, prefer: b }, targets: [ { provider: a, model: m }, { provider: b, model: m } ] } }
                """, "a", "b")) {
            assertEquals("b/m", gw.chat("chat", "hi").target());
        }
    }
#elseif( $kind == "detector" )

    @Test
    void an_answer_with_the_word_shows_as_a_signal_on_its_target() {
        try (TestGateway gw = TestGateway.start("""
                routes: { chat: { detectors: [ { type: ${type}, word: sorry } ], targets: [ { provider: a, model: m }, { provider: b, model: m } ] } }
                """, "a", "b")) {
            gw.upstream("a").answer("Sorry, I cannot help with that.");
            assertEquals(200, gw.chat("chat", "hi").status());
            assertTrue(gw.get("/admin/targets").body().contains("answer contains 'sorry'"), gw.get("/admin/targets").body());
        }
    }
#elseif( $kind == "guardrail" )

    @Test
    void a_request_mentioning_the_word_is_denied_before_any_upstream_sees_it() {
        try (TestGateway gw = startOrSkip("""
                routes: { chat: { guardrails: [ { type: ${type}, word: secret } ], targets: [ { provider: a, model: m } ] } }
                """, "a")) {
            assertEquals(200, gw.chat("chat", "hello").status());
            TestGateway.Reply denied = gw.chat("chat", "tell me the secret");
            assertTrue(denied.status() >= 400 && denied.status() < 500, denied.status() + " " + denied.body());
            assertEquals(1, gw.upstream("a").calls());
        }
    }
#end
#if( $kind == "guardrail" || $kind == "cache" )

    /** Route-level ${kind}s arrive with Detour's guardrail and cache wiring: until then the test is skipped. */
    static TestGateway startOrSkip(String yaml, String... upstreams) {
        try {
            return TestGateway.start(yaml, upstreams);
        } catch (IllegalStateException e) {
            org.junit.jupiter.api.Assumptions.assumeFalse(String.valueOf(e.getMessage()).contains("is not available yet"),
                    "this Detour does not take route ${kind}s yet");
            throw e;
        }
    }
#end
#if( $kind == "cache" )

    @Test
    void a_repeated_request_is_answered_from_the_cache() {
        try (TestGateway gw = startOrSkip("""
                routes: { chat: { cache: { type: ${type}, ttl: 1m }, targets: [ { provider: a, model: m } ] } }
                """, "a")) {
            assertEquals("Hello from a", gw.chat("chat", "hi").content());
            assertEquals("Hello from a", gw.chat("chat", "hi").content());
            assertEquals(1, gw.upstream("a").calls());
        }
    }
#end
#if( $kind == "provider" )

    @Test
    void the_adapter_calls_the_api_with_its_key_header_and_answers_the_client() {
        try (TestGateway gw = TestGateway.start("""
                providers: { acme: { type: ${type}, base_url: "${UPSTREAM_A}", api_key: k1, options: { key_header: x-api-key } } }
                routes: { chat: { targets: [ { provider: acme, model: m } ] } }
                """, "a")) {
            TestGateway.Reply r = gw.chat("chat", "hi");
            assertEquals("Hello from a", r.content(), r.body());
            assertEquals("k1", gw.upstream("a").lastHeaders().get("x-api-key"));
        }
    }
#end
}
