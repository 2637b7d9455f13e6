package dev.detour.core.spend;

import dev.detour.api.model.Usage;
import dev.detour.core.config.GatewayConfig;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An answer's cost from its usage, cached prompt tokens at their own price. */
class PricingTest {
    static GatewayConfig.Target target(double in, double out, double cached) {
        return new GatewayConfig.Target("p", "m", 1, in, out, null, null, null, cached);
    }

    @Test
    void prompt_cached_and_completion_tokens_each_have_their_price() {
        Pricing p = Pricing.of(target(2.5, 10, 1.25));
        assertTrue(p.priced());
        // 1000 prompt tokens of which 400 cached, 200 completion tokens
        double cost = p.cost(new Usage(1000, 200, 400, 0, 50));
        assertEquals((600 * 2.5 + 400 * 1.25 + 200 * 10) / 1e6, cost, 1e-15);
        assertEquals("0.004", Pricing.format(cost));
    }

    @Test
    void cached_input_costs_the_input_price_unless_priced_and_no_pricing_is_free() {
        assertEquals(Pricing.of(target(3, 15, -1)).cost(new Usage(100, 0, 100, 0, 0)),
                Pricing.of(target(3, 15, -1)).cost(Usage.of(100, 0)));
        assertSame(Pricing.NONE, Pricing.of(target(-1, -1, -1)));
        assertFalse(Pricing.NONE.priced());
        assertEquals("0", Pricing.format(0));
        assertEquals("0.0000000001", Pricing.format(1e-10));
    }
}
