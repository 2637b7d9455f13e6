package dev.detour.core;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelNameTest {

    @ParameterizedTest
    @ValueSource(strings = {"support", "openai/gpt-4o-mini", "gem/models/gemini-2.5-flash",
            "br/arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-v2:0"})
    void real_names_pass(String name) {
        assertNull(Gateway.nameProblem(name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"up/a\rb", "up/a\nb", "up/a\u0000b", "up/\tx", "up/a\u007fb", "up/a\u0085b"})
    void control_characters_are_named(String name) {
        String p = Gateway.nameProblem(name);
        assertTrue(p != null && p.startsWith("model: ") && p.contains("control character"), p);
    }

    @ParameterizedTest
    @ValueSource(strings = {"up/a b", "up/mod\u00e8le", "up/\u2028", "up/a\"b", "up/a\\b"})
    void spaces_quotes_backslashes_and_non_ascii_are_refused(String name) {
        String p = Gateway.nameProblem(name);
        assertTrue(p != null && p.startsWith("model: "), p);
    }

    @Test
    void an_overlong_name_is_refused_and_the_limit_is_allowed() {
        assertNull(Gateway.nameProblem("up/" + "x".repeat(Gateway.MAX_MODEL_NAME_LENGTH - 3)));
        String p = Gateway.nameProblem("up/" + "x".repeat(Gateway.MAX_MODEL_NAME_LENGTH - 2));
        assertTrue(p != null && p.contains("longer than " + Gateway.MAX_MODEL_NAME_LENGTH), p);
    }

    @Test
    void an_empty_name_is_refused() {
        assertTrue(Gateway.nameProblem("").startsWith("model: "));
        assertTrue(Gateway.nameProblem(null).startsWith("model: "));
    }
}
