package dev.detour.core.admission;

import dev.detour.api.model.ChatRequest;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.wire.http.WireFormatException;
import org.junit.jupiter.api.Test;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission's three steps: the key and its limit, the body, the route; each refusal as the client sees it. */
class AdmissionTest {
    final ManualClock clock = new ManualClock();
    final GatewayConfig.Key teamA = new GatewayConfig.Key("team-a", ConfigLoader.sha256("sk-a"), null, 0);
    final GatewayConfig.Key teamB = new GatewayConfig.Key("team-b", ConfigLoader.sha256("sk-b"), Set.of("chat"), 2);
    /** Resolves every name the same way; what Admission makes of the resolution is what is tested. */
    Resolution next;
    final Admission.Routes routes = new Admission.Routes() {
        @Override
        public Resolution resolve(String model, Set<String> allowed) {
            return next;
        }

        @Override
        public Collection<String> names() {
            return List.of("chat", "embed");
        }
    };
    final Admission admission = new Admission(List.of(teamA, teamB), clock, routes);

    @Test
    void a_key_is_taken_from_the_bearer_token_or_else_x_api_key() {
        assertSame(teamA, admission.authenticate("Bearer sk-a", null));
        assertSame(teamA, admission.authenticate("bearer  sk-a ", "sk-b"));
        assertSame(teamB, admission.authenticate(null, "sk-b"));
        assertTrue(admission.keysRequired());
    }

    @Test
    void a_missing_or_unknown_key_is_refused_with_401_never_echoing_it() {
        Refused missing = assertThrows(Refused.class, () -> admission.authenticate(null, null));
        assertEquals(401, missing.status());
        assertEquals("invalid_api_key", missing.code());
        assertTrue(missing.getMessage().startsWith("missing API key"), missing.getMessage());

        Refused unknown = assertThrows(Refused.class, () -> admission.authenticate("Bearer sk-nope", null));
        assertEquals(401, unknown.status());
        assertEquals("invalid API key", unknown.getMessage());
    }

    @Test
    void without_keys_every_call_is_let_in_without_one() {
        Admission open = new Admission(List.of(), clock, routes);
        assertNull(open.authenticate(null, null));
        assertNull(open.authenticate("Bearer anything", null));
        assertFalse(open.keysRequired());
    }

    @Test
    void a_key_over_its_rpm_is_refused_with_429_and_the_seconds_until_it_may_call_again() {
        // Given team-b's limit of 2 per minute, used up at once
        admission.authenticate(null, "sk-b");
        admission.authenticate(null, "sk-b");

        // When a third call comes 10 s later
        clock.advanceMillis(10_000);
        Refused r = assertThrows(Refused.class, () -> admission.authenticate(null, "sk-b"));

        // Then it is refused until the first two have left the window: 50 s on, plus the one-second
        // slot they were counted in (the window errs on the side of the limit)
        assertEquals(429, r.status());
        assertEquals("rate_limited", r.code());
        assertEquals(51, r.retryAfterSeconds());
        assertEquals("key 'team-b' is over its limit of 2 requests per minute", r.getMessage());

        // And a key without a limit is not held back by another's
        assertSame(teamA, admission.authenticate("Bearer sk-a", null));
        clock.advanceMillis(50_000);
        assertThrows(Refused.class, () -> admission.authenticate(null, "sk-b"));
        clock.advanceMillis(1_000);
        assertSame(teamB, admission.authenticate(null, "sk-b"));
    }

    @Test
    void a_body_that_does_not_parse_is_refused_with_400_naming_the_problem() {
        Refused notJson = assertThrows(Refused.class, () -> Admission.parse("{".getBytes(), Admission::parseJson));
        assertEquals(400, notJson.status());
        assertEquals("invalid_request", notJson.code());
        assertTrue(notJson.getMessage().startsWith("request body is not valid JSON"), notJson.getMessage());

        Refused field = assertThrows(Refused.class, () -> Admission.parse(new byte[0], b -> {
            throw new WireFormatException("messages", "messages: is required");
        }));
        assertEquals("messages", field.param());

        Refused record = assertThrows(Refused.class, () -> Admission.<ChatRequest>parse(new byte[1], b -> {
            throw new IllegalArgumentException("temperature: must be at most 2");
        }));
        assertEquals(400, record.status());
        assertEquals("temperature: must be at most 2", record.getMessage());
    }

    @Test
    void each_route_refusal_has_its_status() {
        next = new Resolution(null, Resolution.Refusal.UNKNOWN, null);
        Refused unknown = assertThrows(Refused.class, () -> admission.route(teamA, "nope"));
        assertEquals(404, unknown.status());
        assertEquals("model_not_found", unknown.code());
        assertEquals("unknown route or model 'nope'; available: chat, embed (or provider/model for a direct call)",
                unknown.getMessage());

        next = new Resolution(null, Resolution.Refusal.NOT_ALLOWED, null);
        Refused notAllowed = assertThrows(Refused.class, () -> admission.route(teamB, "embed"));
        assertEquals(403, notAllowed.status());
        assertEquals("key 'team-b' may not use 'embed'", notAllowed.getMessage());

        next = new Resolution(null, Resolution.Refusal.INVALID_NAME, "model: contains a control character (at index 1)");
        Refused invalid = assertThrows(Refused.class, () -> admission.route(teamA, "a\u0001"));
        assertEquals(400, invalid.status());
        assertEquals("model", invalid.param());

        next = new Resolution(null, Resolution.Refusal.DIRECT_TABLE_FULL, "every direct target is busy");
        Refused full = assertThrows(Refused.class, () -> admission.route(teamA, "openai/x"));
        assertEquals(429, full.status());
        assertEquals("overloaded", full.code());
        assertEquals(1, full.retryAfterSeconds());
    }

    @Test
    void a_resolved_route_is_admitted() {
        TargetRuntime t = Targets.target("a", "m", clock, GatewayConfig.Breaker.DEFAULTS, Targets.DEGRADATION,
                HealthEvents.NONE);
        RouteRuntime chat = new RouteRuntime("chat", "test", (req, c) -> c, List.of(t), GatewayConfig.Policy.DEFAULTS,
                Map.of(), List.of(), Set.of(), Targets.DEGRADATION, GatewayConfig.StreamPolicy.DEFAULTS, false);
        next = new Resolution(chat, null, null);

        assertSame(chat, admission.route(teamB, "chat"));
    }
}
