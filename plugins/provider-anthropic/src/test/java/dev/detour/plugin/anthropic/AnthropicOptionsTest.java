package dev.detour.plugin.anthropic;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicOptionsTest {

    /** Like core's binder: strict about unknown keys. */
    private static final ObjectMapper STRICT = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Test
    void empty_options_take_documented_defaults() throws Exception {
        AnthropicOptions o = STRICT.readValue("{}", AnthropicOptions.class);

        assertEquals("2023-06-01", o.anthropicVersion());
        assertEquals(4096, o.defaultMaxTokens());
        assertEquals(List.of(), o.beta());
    }

    @Test
    void binds_snake_case_keys() throws Exception {
        AnthropicOptions o = STRICT.readValue(
                "{\"anthropic_version\":\"2024-01-01\",\"default_max_tokens\":100,\"beta\":[\"b1\"]}", AnthropicOptions.class);

        assertEquals(new AnthropicOptions("2024-01-01", 100, List.of("b1")), o);
    }

    @Test
    void rejects_unknown_keys() {
        assertThrows(UnrecognizedPropertyException.class,
                () -> STRICT.readValue("{\"anthropicVersion\":\"x\"}", AnthropicOptions.class));
    }

    @Test
    void rejects_a_non_positive_default_max_tokens_naming_field_and_value() {
        ValueInstantiationException e = assertThrows(ValueInstantiationException.class,
                () -> STRICT.readValue("{\"default_max_tokens\":0}", AnthropicOptions.class));

        assertTrue(e.getMessage().contains("default_max_tokens must be at least 1, was 0"), e.getMessage());
    }

    @Test
    void factory_answers_to_type_anthropic_with_these_options() {
        AnthropicProviderFactory f = new AnthropicProviderFactory();

        assertEquals("anthropic", f.type());
        assertEquals(AnthropicOptions.class, f.optionsType());
    }
}
