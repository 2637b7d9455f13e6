package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiOptionsTest {

    private final ObjectMapper strict = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    @Test
    void binds_snake_case_options() throws Exception {
        OpenAiOptions o = strict.readValue("{\"organization\":\"org-1\",\"project\":\"proj_1\",\"max_connections\":8}",
                OpenAiOptions.class);
        assertEquals(new OpenAiOptions("org-1", "proj_1", 8), o);
    }

    @Test
    void defaults_when_empty() throws Exception {
        OpenAiOptions o = strict.readValue("{}", OpenAiOptions.class);
        assertNull(o.organization());
        assertEquals(OpenAiOptions.DEFAULT_MAX_CONNECTIONS, o.maxConnections());
    }

    @Test
    void rejects_bad_values_naming_the_field() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new OpenAiOptions(null, null, 0));
        assertTrue(e.getMessage().contains("max_connections"));
        assertThrows(IllegalArgumentException.class, () -> new OpenAiOptions(" ", null, null));
    }

    @Test
    void binds_and_checks_the_continuation() throws Exception {
        assertEquals(OpenAiOptions.INSTRUCTION, strict.readValue("{}", OpenAiOptions.class).continuation());
        assertEquals(OpenAiOptions.CONTINUE_FINAL_MESSAGE,
                strict.readValue("{\"continuation\":\"continue_final_message\"}", OpenAiOptions.class).continuation());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new OpenAiOptions(null, null, null, "prefill"));
        assertTrue(e.getMessage().contains("continuation") && e.getMessage().contains("prefill"), e.getMessage());
    }

    @Test
    void factory_declares_type_openai() {
        OpenAiProviderFactory f = new OpenAiProviderFactory();
        assertEquals("openai", f.type());
        assertEquals(OpenAiOptions.class, f.optionsType());
    }
}
