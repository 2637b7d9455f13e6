package dev.detour.testkit;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A strategy reads the request headers its route lists in {@code request_headers}, and no others;
 * an empty plan says what the strategy returned.
 */
class RequestHeadersTest {

    @Test
    void a_strategy_routes_by_a_listed_header_and_never_sees_credentials() {
        TenantStrategyFactory.SEEN.clear();
        try (TestGateway gw = TestGateway.start("""
                routes:
                  chat:
                    strategy: tenant
                    request_headers: [X-Tenant]
                    targets: [ { provider: a, model: m }, { provider: b, model: m } ]
                """, "a", "b")) {
            TestGateway.Reply r = gw.chat("chat", "hi", Map.of("x-tenant", "b", "authorization", "Bearer sk-secret",
                    "x-other", "1"));
            assertEquals(200, r.status(), r.body());
            assertEquals("b/m", r.target());
            assertEquals(Map.of("x-tenant", "b"), TenantStrategyFactory.SEEN.get(0));
        }
    }

    @Test
    void a_route_that_lists_no_headers_shows_none_and_the_empty_plan_says_what_the_strategy_returned() {
        TenantStrategyFactory.SEEN.clear();
        try (TestGateway gw = TestGateway.start("""
                routes:
                  chat: { strategy: tenant, targets: [ { provider: a, model: m } ] }
                  none: { strategy: nothing, targets: [ { provider: a, model: m } ] }
                """, "a")) {
            TestGateway.Reply r = gw.chat("chat", "hi", Map.of("x-tenant", "a"));
            assertEquals(503, r.status(), r.body());
            assertEquals(Map.of(), TenantStrategyFactory.SEEN.get(0));
            assertTrue(r.body().contains("route 'chat' has no target to try: strategy 'tenant' returned no target"), r.body());
            TestGateway.Reply none = gw.chat("none", "hi");
            assertTrue(none.body().contains("strategy 'nothing' returned no target"), none.body());
            assertFalse(none.body().contains("envelope"), none.body());
            assertEquals(0, gw.upstream("a").calls());
        }
    }

    @Test
    void credential_headers_cannot_be_listed() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> TestGateway.start("""
                routes: { chat: { request_headers: [x-tenant, Authorization, "bad header"], targets: [ { provider: a, model: m } ] } }
                """, "a"));
        assertTrue(e.getMessage().contains("routes.chat.request_headers[1]: 'authorization' carries credentials: plugins never see it"),
                e.getMessage());
        assertTrue(e.getMessage().contains("routes.chat.request_headers[2]: must be a header name (was 'bad header')"),
                e.getMessage());
    }
}
