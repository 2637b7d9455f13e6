package dev.detour.plugin.guardrails;

import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.model.ChatRequest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.plugin.guardrails.PiiGuardrailTest.CTX;
import static dev.detour.plugin.guardrails.PiiGuardrailTest.chat;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Prints what the pii scan costs per KB of prompt (no timed assertion: the figure is for the
 * report; JMH in the benchmark gives the real one). A bounded loop: a few hundred scans.
 */
class ScanCostTest {

    @Test
    void prints_the_pii_scan_cost_per_kb() {
        String prose = "Hello team, the quarterly report for 2024 is attached. Revenue grew 12.5% to 3,400,000 and"
                + " the meeting is at 10:30 in room 4B. Please review section 3.2 before Friday; thanks! ";
        String kb = (prose.repeat(8)).substring(0, 1024);
        String tail = " mail jane@example.com, call +1 650-253-0000 ok";
        String withPii = kb.substring(0, 1024 - tail.length()) + tail;
        List<String> names = List.of("prose", "prose with pii");
        List<String> texts = List.of(kb, withPii);
        for (int t = 0; t < texts.size(); t++) {
            ChatRequest r = chat(texts.get(t));
            PiiGuardrail g = PiiGuardrailTest.pii("redact", false, null);
            int warm = 2_000;
            int runs = 5_000;
            for (int i = 0; i < warm; i++) {
                g.open(CTX).input(r);
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < runs; i++) {
                GuardrailCheck c = g.open(CTX);
                c.input(r);
            }
            double usPerKb = (System.nanoTime() - t0) / 1000.0 / runs;
            System.out.printf("pii scan, %s: %.1f us per KB%n", names.get(t), usPerKb);
            assertTrue(usPerKb > 0);
        }
    }
}
