package dev.detour.core.failover;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.provider.WireBody;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.wire.http.WireJson;
import dev.detour.wire.openai.OpenAiJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * Core keeps track of whether the client's body still says what a target's request says: the
 * attempt carries it only then, so an adapter that sends it never sends something else than the
 * request it was given.
 */
class PreparedRequestTest {
    static final String CLIENT = "{\"model\":\"support\",\"messages\":[{\"role\":\"system\",\"content\":\"be kind\"},"
            + "{\"role\":\"user\",\"content\":\"hi\",\"x_part\":{\"cache\":true}}],\"service_tier\":\"flex\"}";

    final ManualClock clock = new ManualClock();
    final TargetRuntime target = Targets.target("openai", "gpt-4o", clock, GatewayConfig.Breaker.DEFAULTS,
            Targets.DEGRADATION, HealthEvents.NONE);
    final byte[] bytes = CLIENT.getBytes(StandardCharsets.UTF_8);
    final WireBody inbound = new WireBody(WireBody.OPENAI, bytes);
    final ChatRequest request = OpenAiJson.parseRequest(json(bytes));

    static JsonNode json(byte[] b) {
        try {
            return WireJson.MAPPER.readTree(b);
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    RouteRuntime route(GatewayConfig.Prompt prompt, ObjectNode params) {
        GatewayConfig.Target cfg = new GatewayConfig.Target("openai", "gpt-4o", 1, -1, -1, prompt, params, null);
        return new RouteRuntime("support", "priority", (req, c) -> c, List.of(target), GatewayConfig.Policy.DEFAULTS,
                Map.of(target.id(), cfg), List.of(), Set.of(), Targets.DEGRADATION, GatewayConfig.StreamPolicy.DEFAULTS,
                false);
    }

    @Test
    void without_overrides_the_attempt_carries_the_clients_body_and_only_the_model_changes() {
        Overrides.Prepared<ChatRequest> p = Overrides.forTarget(route(null, null), target, request, inbound);

        assertSame(inbound, p.inbound());
        assertEquals("gpt-4o", p.request().model());
        assertEquals(request, p.request().toBuilder().model("support").build(), "nothing else changed");
    }

    @Test
    void a_prompt_override_leaves_no_body_since_the_messages_changed() {
        GatewayConfig.Prompt prompt = new GatewayConfig.Prompt("answer in French", "replace");

        Overrides.Prepared<ChatRequest> p = Overrides.forTarget(route(prompt, null), target, request, inbound);

        assertNull(p.inbound());
        assertEquals("answer in French", p.request().messages().get(0).text());
    }

    @Test
    void parameter_overrides_apply_to_the_clients_tree_whose_bytes_then_go_with_the_attempt() {
        ObjectNode params = WireJson.MAPPER.createObjectNode().put("temperature", 0.1).put("seed", 7);

        Overrides.Prepared<ChatRequest> p = Overrides.forTarget(route(null, params), target, request, inbound);

        assertNotNull(p.inbound());
        JsonNode sent = json(p.inbound().bytes());
        assertEquals(0.1, p.request().temperature());
        assertEquals(OpenAiJson.parseRequest(sent), p.request(), "the body says exactly what the request says");
        assertEquals("gpt-4o", sent.path("model").asText());
        assertEquals(true, sent.at("/messages/1/x_part/cache").asBoolean(), "fields the model does not keep still travel");
        assertEquals("flex", sent.path("service_tier").asText());
        assertEquals(CLIENT, new String(bytes, StandardCharsets.UTF_8), "the client's body is never changed");
    }

    @Test
    void a_request_that_came_without_a_body_gets_none_unless_parameters_are_written() {
        assertNull(Overrides.forTarget(route(null, null), target, request, null).inbound());
        ObjectNode params = WireJson.MAPPER.createObjectNode().put("temperature", 0.1);
        Overrides.Prepared<ChatRequest> p = Overrides.forTarget(route(null, params), target, request, null);
        assertEquals(OpenAiJson.parseRequest(json(p.inbound().bytes())), p.request());
    }
}
