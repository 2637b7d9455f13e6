package dev.detour.sample.sticky;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StickyOptionsTest {

    /** Binds the way core does: snake_case, unknown keys are errors. */
    private static final ObjectMapper STRICT = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    @Test
    void defaults_to_the_user_field_and_avoiding_degraded_targets() {
        StickyOptions options = StickyOptions.defaults();

        assertEquals("user", options.key());
        assertEquals(true, options.avoidDegraded());
    }

    @Test
    void binds_snake_case_yaml_keys() throws Exception {
        StickyOptions options = STRICT.readValue("{\"key\": \"conversation\", \"avoid_degraded\": false}",
                StickyOptions.class);

        assertEquals(new StickyOptions("conversation", false), options);
    }

    @Test
    void binds_an_empty_block_to_the_defaults() throws Exception {
        assertEquals(StickyOptions.defaults(), STRICT.readValue("{}", StickyOptions.class));
    }

    @Test
    void rejects_the_camel_case_spelling() {
        assertThrows(UnrecognizedPropertyException.class,
                () -> STRICT.readValue("{\"avoidDegraded\": false}", StickyOptions.class));
    }

    @Test
    void rejects_a_blank_key_naming_the_field_and_value() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new StickyOptions(" ", null));

        assertTrue(e.getMessage().startsWith("key "), e.getMessage());
        assertTrue(e.getMessage().contains("(was ' ')"), e.getMessage());
    }

    @Test
    void rejects_a_key_with_surrounding_spaces() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new StickyOptions("user ", true));

        assertTrue(e.getMessage().contains("(was 'user ')"), e.getMessage());
    }

    @Test
    void reports_a_bad_key_through_the_binder() {
        // Core unwraps this cause and reports it with the option's YAML path.
        Exception e = assertThrows(Exception.class, () -> STRICT.readValue("{\"key\": \"\"}", StickyOptions.class));

        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        assertTrue(root instanceof IllegalArgumentException && root.getMessage().startsWith("key "), root.toString());
    }
}
