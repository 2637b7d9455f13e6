package dev.detour.api.guardrail;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuardrailVerdictTest {

    @Test
    void allow_passes_unchanged() {
        GuardrailVerdict<String> v = GuardrailVerdict.allow();
        assertTrue(v.allowed());
        assertNull(v.replacement());
        assertNull(v.targets());
    }

    @Test
    void a_denial_needs_a_reason_and_carries_nothing_else() {
        assertThrows(IllegalArgumentException.class, () -> GuardrailVerdict.deny(" "));
        assertThrows(IllegalArgumentException.class, () -> GuardrailVerdict.fallBack(null));
        assertThrows(IllegalArgumentException.class,
                () -> new GuardrailVerdict<>(GuardrailVerdict.Action.DENY, "no", "text", null));
        GuardrailVerdict<String> v = GuardrailVerdict.fallBack("schema");
        assertFalse(v.allowed());
        assertEquals(GuardrailVerdict.Action.FALL_BACK, v.action());
    }

    @Test
    void replace_and_narrow_allow_with_their_change() {
        assertEquals("[EMAIL_1]", GuardrailVerdict.replace("[EMAIL_1]", "pii:redacted").replacement());
        assertThrows(IllegalArgumentException.class, () -> GuardrailVerdict.replace(null, "x"));
        GuardrailVerdict<String> n = GuardrailVerdict.narrow(t -> t.category().equals("self-hosted"), "pii:route_to");
        assertTrue(n.allowed());
        assertTrue(n.targets() != null);
    }
}
