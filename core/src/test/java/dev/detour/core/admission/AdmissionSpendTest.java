package dev.detour.core.admission;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.Capabilities;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.ManualClock;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.health.Targets;
import dev.detour.core.spend.Charge;
import dev.detour.core.spend.KeyLedger;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Admission's fourth step: a key's token limit and budget, estimated before the call and settled after. */
class AdmissionSpendTest {
    final ManualClock clock = new ManualClock();
    final GatewayConfig.Key tokens = new GatewayConfig.Key("tokens", ConfigLoader.sha256("sk-t"), null, 0, 1000, null);
    final GatewayConfig.Key budget = new GatewayConfig.Key("budget", ConfigLoader.sha256("sk-b"), null, 0, 0,
            new GatewayConfig.Budget(1.0, Duration.ofDays(1), null));
    final GatewayConfig.Key plain = new GatewayConfig.Key("plain", ConfigLoader.sha256("sk-p"), null, 5);
    final KeyLedger ledger = KeyLedger.inMemory(List.of(tokens, budget, plain), clock);
    final Admission admission = new Admission(ledger, new Admission.Routes() {
        @Override
        public Resolution resolve(String model, Set<String> allowed) {
            return null;
        }

        @Override
        public Collection<String> names() {
            return List.of();
        }
    });
    /** $1000 per million tokens in, $2000 out: a token in costs $0.001, a token out $0.002. */
    final TargetRuntime dear = target("dear", 1000, 2000);
    final TargetRuntime cheap = target("cheap", 1, 1);
    final RouteRuntime route = route("chat", false, dear, cheap);

    /** A chat request of 400 characters of text (100 tokens + 16 per message) that asks for {@code maxTokens}. */
    static ChatRequest chat(Integer maxTokens) {
        return ChatRequest.builder("chat", List.of(Message.text("user", "x".repeat(400)))).maxTokens(maxTokens).build();
    }

    @Test
    void a_request_is_counted_against_tpm_from_its_estimate_and_refused_with_a_true_retry_after() {
        // 116 prompt tokens + 400 asked for = 516 estimated
        Charge first = admission.charge(tokens, route, chat(400));
        assertEquals(516, ledger.tokensUsed(ledger.state("tokens")));

        clock.advanceMillis(10_000);
        Refused r = assertThrows(Refused.class, () -> admission.charge(tokens, route, chat(400)));
        assertEquals(429, r.status());
        assertEquals("rate_limited", r.code());
        assertEquals("key 'tokens' is over its limit of 1000 tokens per minute (this request is estimated at 516)",
                r.getMessage());
        // The first was counted in the slot of 1 s..2 s (the clock starts at 1 s), which leaves the
        // window at 62 s: 51 s from now
        assertEquals(51, r.retryAfterSeconds());
        clock.advanceMillis(50_999);
        assertThrows(Refused.class, () -> admission.charge(tokens, route, chat(400)));
        clock.advanceMillis(1);
        assertNotNull(admission.charge(tokens, route, chat(400)));
        ledger.settle(first);   // settled long after: its slot has left, nothing to correct
        assertEquals(516, ledger.tokensUsed(ledger.state("tokens")));
    }

    @Test
    void the_estimate_is_corrected_by_the_usage_and_a_request_that_reached_no_answer_counts_nothing() {
        Charge first = admission.charge(tokens, route, chat(400));
        first.usage(Usage.of(120, 30), 0);
        ledger.settle(first);
        assertEquals(150, ledger.tokensUsed(ledger.state("tokens")));

        // Refused downstream (a guardrail, the cache, every target failing): nothing counts
        Charge refused = admission.charge(tokens, route, chat(400));
        assertEquals(666, ledger.tokensUsed(ledger.state("tokens")));
        ledger.settle(refused);
        ledger.settle(refused);   // settled once, whoever calls it again
        assertEquals(150, ledger.tokensUsed(ledger.state("tokens")));

        // An answer without usage keeps its estimate
        Charge noUsage = admission.charge(tokens, route, chat(100));
        noUsage.served();
        ledger.settle(noUsage);
        assertEquals(150 + 216, ledger.tokensUsed(ledger.state("tokens")));
    }

    @Test
    void an_embedding_request_is_estimated_from_its_input() {
        EmbeddingRequest e = new EmbeddingRequest("chat", List.of("y".repeat(400), "z".repeat(40)), null, null, null,
                null);
        admission.charge(tokens, route, e);
        assertEquals(110 + 2, ledger.tokensUsed(ledger.state("tokens")));
    }

    @Test
    void the_budget_reserves_each_admitted_request_at_the_dearest_target_and_refuses_once_spent() {
        // Each request is estimated at 116 in + 100 out at the dear target: 0.116 + 0.2 = 0.316 USD
        List<Charge> admitted = new ArrayList<>();
        Refused refused = null;
        for (int i = 0; i < 10 && refused == null; i++) {
            try {
                admitted.add(admission.charge(budget, route, chat(100)));
            } catch (Refused r) {
                refused = r;
            }
        }
        // A burst is let in while spend + reservations < 1 USD: 4 requests (4 x 0.316 > 1)
        assertEquals(4, admitted.size());
        assertNotNull(refused);
        assertEquals("budget_exceeded", refused.code());
        assertEquals(1, refused.retryAfterSeconds());
        assertTrue(refused.getMessage().contains("reserved by its requests in flight"), refused.getMessage());
        assertEquals(4 * 0.316, ledger.reserved(ledger.state("budget")), 1e-9);

        // They cost what their usage says, priced by the target that served each
        for (Charge c : admitted) {
            c.usage(Usage.of(100, 50), dear.pricing().cost(Usage.of(100, 50)));   // 0.1 + 0.1
            ledger.settle(c);
        }
        assertEquals(0.8, ledger.spent(ledger.state("budget")), 1e-9);
        assertEquals(0, ledger.reserved(ledger.state("budget")), 1e-12);

        // 0.2 left: one more is admitted, and its spend passes the budget by less than its own cost
        Charge last = admission.charge(budget, route, chat(100));
        last.usage(Usage.of(100, 50), 0.2);
        ledger.settle(last);
        Refused spent = assertThrows(Refused.class, () -> admission.charge(budget, route, chat(100)));
        assertEquals(429, spent.status());
        assertEquals("budget_exceeded", spent.code());
        assertEquals("key 'budget' has spent its budget of 1 USD per 1d", spent.getMessage());
        // Until the first spend has left the rolling day (plus its two-minute slot)
        long wait = spent.retryAfterSeconds();
        assertTrue(wait > 86_400 && wait <= 86_400 + 120, "retry after " + wait);
        clock.advanceMillis(wait * 1000);
        assertNotNull(admission.charge(budget, route, chat(100)));
    }

    @Test
    void a_direct_target_without_pricing_is_refused_to_a_key_with_a_budget_but_not_to_others() {
        RouteRuntime direct = route("free/m", true, target("free", -1, -1));
        Refused r = assertThrows(Refused.class, () -> admission.charge(budget, direct, chat(10)));
        assertEquals(403, r.status());
        assertEquals("route_not_allowed", r.code());
        assertNotNull(admission.charge(tokens, direct, chat(10)));
        // A configured route's unpriced targets are the operator's choice: they count as free
        assertNotNull(admission.charge(budget, route("free", false, target("free", -1, -1)), chat(10)));
    }

    @Test
    void a_key_without_tpm_or_budget_holds_nothing() {
        assertNull(admission.charge(plain, route, chat(10)));
        assertNull(admission.charge(null, route, chat(10)));
    }

    @Test
    void the_limits_follow_the_key_whichever_header_carries_it() {
        assertEquals(tokens, admission.authenticate("Bearer sk-t", null));
        assertEquals(tokens, admission.authenticate("bEaReR sk-t", null));
        assertEquals(tokens, admission.authenticate(null, "sk-t"));
        admission.charge(admission.authenticate(null, "sk-t"), route, chat(400));
        // The same key through another header, on a direct provider/model: the same window
        assertThrows(Refused.class, () -> admission.charge(admission.authenticate("BEARER sk-t", null),
                route("cheap/m", true, cheap), chat(400)));
    }

    private TargetRuntime target(String provider, double in, double out) {
        GatewayConfig.Provider p = new GatewayConfig.Provider(provider, "openai", null, null, "us-east-1", "closed",
                Map.of(), GatewayConfig.Timeouts.NONE, 0, JsonNodeFactory.instance.objectNode(), Map.of());
        GatewayConfig.Target t = new GatewayConfig.Target(provider, "m", 1, in, out, null, null, null);
        return new TargetRuntime(p, t, new CircuitBreaker(GatewayConfig.Breaker.DEFAULTS, clock), Capabilities.ALL,
                clock, Targets.DEGRADATION, HealthEvents.NONE);
    }

    private static RouteRuntime route(String name, boolean direct, TargetRuntime... targets) {
        return new RouteRuntime(name, "test", (req, c) -> c, List.of(targets), GatewayConfig.Policy.DEFAULTS, Map.of(),
                List.of(), Set.of(), Targets.DEGRADATION, GatewayConfig.StreamPolicy.DEFAULTS, direct);
    }
}
