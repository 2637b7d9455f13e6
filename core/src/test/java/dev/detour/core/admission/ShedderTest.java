package dev.detour.core.admission;

import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.GatewayConfig.Priority;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ShedderTest {
    final GatewayConfig.Key gold = new GatewayConfig.Key("gold", ConfigLoader.sha256("sk-gold"), null, 0, 0, null, Priority.HIGH);
    final GatewayConfig.Key batch = new GatewayConfig.Key("batch", ConfigLoader.sha256("sk-batch"), null, 0, 0, null, Priority.LOW);
    final GatewayConfig.Key plain = new GatewayConfig.Key("plain", ConfigLoader.sha256("sk-plain"), null, 0);

    /** The in-flight count at which a request of this header (no keys) is first shed. */
    static int shedFrom(Shedder s, String header) {
        for (int n = 0; n < 1000; n++) {
            if (s.shed(n, header, null, null) != null) {
                return n;
            }
        }
        throw new AssertionError("never shed");
    }

    @Test
    void low_is_shed_at_the_limit_normal_halfway_high_at_one_and_a_quarter() {
        Shedder s = new Shedder(8, List.of());
        assertEquals(8, shedFrom(s, "low"));
        assertEquals(9, shedFrom(s, "normal"));
        assertEquals(9, shedFrom(s, null), "no header: normal");
        assertEquals(9, shedFrom(s, "urgent"), "an unknown value: normal");
        assertEquals(10, shedFrom(s, "high"));
        Shedder big = new Shedder(100, List.of());
        assertEquals(100, shedFrom(big, "low"));
        assertEquals(113, shedFrom(big, "normal"));
        assertEquals(125, shedFrom(big, "high"));
        Shedder tiny = new Shedder(1, List.of());
        assertEquals(1, shedFrom(tiny, "low"));
        assertEquals(2, shedFrom(tiny, "normal"), "with a small limit normal shares high's ceiling; low is still first");
        assertEquals(2, shedFrom(tiny, "high"));
        assertThrows(IllegalArgumentException.class, () -> new Shedder(0, List.of()));
    }

    @Test
    void the_header_may_lower_a_keys_priority_never_raise_it() {
        Shedder s = new Shedder(8, List.of(gold, batch, plain));
        assertEquals(Priority.HIGH, ceilingOf(s, null, "Bearer sk-gold"));
        assertEquals(Priority.LOW, ceilingOf(s, "low", "Bearer sk-gold"));
        assertEquals(Priority.LOW, ceilingOf(s, "high", "Bearer sk-batch"));
        assertEquals(Priority.NORMAL, ceilingOf(s, "high", "Bearer sk-plain"));
        assertEquals(Priority.LOW, ceilingOf(s, "high", "Bearer sk-unknown"), "an unknown key is low");
        assertEquals(Priority.LOW, ceilingOf(s, "high", null), "no key is low");
        Shedder.Shed shed = s.shed(10, null, null, "sk-gold");
        assertNotNull(shed, "x-api-key is read like Authorization");
        assertEquals("gold", shed.keyName());
        assertNull(s.shed(9, null, "bearer sk-gold", null));
    }

    /** The priority a request is shed at, found as the ceiling it is first shed from. */
    static Priority ceilingOf(Shedder s, String header, String authorization) {
        for (int n = 0; n < 100; n++) {
            Shedder.Shed shed = s.shed(n, header, authorization, null);
            if (shed != null) {
                assertEquals(s.ceiling(shed.priority()), n);
                return shed.priority();
            }
        }
        throw new AssertionError("never shed");
    }

    /** What a shed decision costs, printed (not asserted: performance is the benchmark's to prove). */
    @Test
    void a_shed_decision_costs_microseconds() {
        Shedder none = new Shedder(8, List.of());
        Shedder keyed = new Shedder(8, List.of(gold, batch, plain));
        int rounds = 200_000;
        long sink = 0;
        for (int warm = 0; warm < 2; warm++) {
            long t0 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink += none.shed(20, "low", null, null).ceiling();
            }
            long t1 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink += keyed.shed(20, null, "Bearer sk-plain", null).ceiling();
            }
            long t2 = System.nanoTime();
            for (int i = 0; i < rounds; i++) {
                sink += none.shed(3, "low", null, null) == null ? 1 : 0;
            }
            long t3 = System.nanoTime();
            if (warm == 1) {
                System.out.printf("shed decision: %d ns/op without keys, %d ns/op with a key to hash; "
                                + "below the limit: %d ns/op%n", (t1 - t0) / rounds, (t2 - t1) / rounds, (t3 - t2) / rounds);
            }
        }
        assertEquals(true, sink > 0);
    }
}
