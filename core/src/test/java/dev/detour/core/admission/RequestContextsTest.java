package dev.detour.core.admission;

import dev.detour.api.view.RequestContext;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a plugin sees of a request: built from its headers, the gateway's region and the key presented. */
class RequestContextsTest {

    @Test
    void a_plugin_sees_the_name_of_the_key_that_was_presented() {
        RequestContext ctx = RequestContexts.of(MultiMap.caseInsensitiveMultiMap(), "req_1", "chat", "team-a", "",
                false, "openai");

        assertEquals("team-a", ctx.keyName());
        assertEquals("req_1", ctx.requestId());
        assertEquals("chat", ctx.route());
    }

    @Test
    void without_keys_there_is_no_key_name() {
        assertNull(RequestContexts.of(MultiMap.caseInsensitiveMultiMap(), "req_1", "chat", null, "", false, "openai")
                .keyName());
    }

    @Test
    void the_client_headers_and_the_gateway_region_are_passed_on() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("X-Detour-Region", "eu-west")
                .add("x-detour-priority", "high")
                .add("x-detour-metadata", "{\"user\":\"u1\",\"n\":3,\"tags\":[\"a\"]}");

        RequestContext ctx = RequestContexts.of(headers, "req_1", "chat", "team-a", "eu-central", true, "anthropic");

        assertEquals("eu-west", ctx.preferredRegion());
        assertEquals("eu-central", ctx.gatewayRegion());
        assertEquals("high", ctx.priority());
        assertEquals(Map.of("user", "u1", "n", "3", "tags", "[\"a\"]"), ctx.metadata());
        assertTrue(ctx.stream());
        assertEquals("anthropic", ctx.inbound());
    }

    @Test
    void an_unknown_priority_is_normal_and_malformed_metadata_is_ignored() {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap()
                .add("x-detour-priority", "urgent")
                .add("x-detour-metadata", "{not json");

        RequestContext ctx = RequestContexts.of(headers, "req_1", "chat", null, "", false, "openai");

        assertEquals("normal", ctx.priority());
        assertEquals(Map.of(), ctx.metadata());
        assertNull(ctx.gatewayRegion());
        assertNull(ctx.preferredRegion());
    }
}
