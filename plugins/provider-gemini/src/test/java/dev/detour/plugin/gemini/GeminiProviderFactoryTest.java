package dev.detour.plugin.gemini;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.DeserializationFeature;
import dev.detour.api.Clock;
import dev.detour.api.provider.ProviderContext;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.pf4j.Extension;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class GeminiProviderFactoryTest {

    @Test
    void the_factory_is_an_extension_of_type_gemini_with_its_options_record() {
        GeminiProviderFactory f = new GeminiProviderFactory();

        assertEquals("gemini", f.type());
        assertEquals(GeminiOptions.class, f.optionsType());
        assertTrue(GeminiProviderFactory.class.isAnnotationPresent(Extension.class));
    }

    @Test
    void options_bind_from_snake_case_yaml_keys_with_defaults() throws Exception {
        ObjectMapper strict = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

        GeminiOptions o = strict.readValue("{\"api_version\":\"v1\",\"safety_settings\":[{\"category\":\"HARM_CATEGORY_HARASSMENT\","
                + "\"threshold\":\"BLOCK_NONE\"}]}", GeminiOptions.class);

        assertEquals("v1", o.apiVersion());
        assertEquals(1, o.safetySettings().size());
        assertEquals("v1beta", strict.readValue("{}", GeminiOptions.class).apiVersion());
    }

    @Test
    void a_bad_api_version_is_refused_naming_the_field() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new GeminiOptions("../v1", null));

        assertTrue(e.getMessage().startsWith("api_version"), e.getMessage());
    }

    @Test
    void a_base_url_that_is_not_http_is_refused(Vertx vertx, VertxTestContext ctx) {
        ProviderContext pc = new ProviderContext("g", "ftp://example", "k", null, null, vertx, Clock.SYSTEM);

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new GeminiProviderFactory().create(GeminiOptions.defaults(), pc));

        assertTrue(e.getMessage().startsWith("base_url"));
        ctx.completeNow();
    }

    @Test
    void the_default_base_url_is_the_generative_language_host(Vertx vertx, VertxTestContext ctx) {
        ProviderContext pc = new ProviderContext("g", null, "k", null, Map.of(), vertx, Clock.SYSTEM);

        new GeminiProviderFactory().create(GeminiOptions.defaults(), pc).close().onComplete(ctx.succeedingThenComplete());
        assertEquals("https://generativelanguage.googleapis.com", pc.baseUrlOr(GeminiAdapter.DEFAULT_BASE_URL));
    }
}
