package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.json.JsonMapper;
import dev.detour.api.Clock;
import dev.detour.api.guardrail.GuardrailContext;
import dev.detour.api.guardrail.GuardrailFactory;
import org.junit.jupiter.api.Test;
import org.pf4j.Extension;

import java.util.EnumSet;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Binds options the way core does (strict, snake_case) and checks each factory's declaration. */
class OptionsBindingTest {

    /** The same settings as core's OptionsBinder. */
    private static final ObjectMapper CORE_LIKE = JsonMapper.builder()
            .propertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
            .build();

    private static <O> O bind(String json, Class<O> type) throws Exception {
        return CORE_LIKE.readValue(json, type);
    }

    private static String rootMessage(org.junit.jupiter.api.function.Executable bind) {
        Exception e = assertThrows(Exception.class, bind);
        Throwable root = e;
        while (root.getCause() != null) {
            root = root.getCause();
        }
        return root.getMessage();
    }

    @Test
    void pii_defaults_and_keys() throws Exception {
        PiiOptions d = bind("{}", PiiOptions.class);
        assertEquals(PiiOptions.defaults(), d);
        assertEquals("redact", d.action());
        assertEquals(EnumSet.allOf(Entity.class), d.entitySet());
        assertEquals(List.of("US"), d.phoneRegions());
        PiiOptions o = bind("{\"entities\": [\"email\", \"iban\"], \"action\": \"route_to\","
                + " \"categories\": [\"self-hosted\"], \"phone_regions\": [\"DE\"], \"worker_above_chars\": 10}",
                PiiOptions.class);
        assertEquals(EnumSet.of(Entity.EMAIL, Entity.IBAN), o.entitySet());
        assertTrue(bind("{\"restore\": true}", PiiOptions.class).restore());
    }

    @Test
    void pii_option_errors_name_the_field() {
        String unknown = rootMessage(() -> bind("{\"entities\": [\"email\", \"passport\"]}", PiiOptions.class));
        assertEquals("entities: unknown entity 'passport'; known: email, phone, credit_card, iban, us_ssn,"
                + " ip_address, secret", unknown);
        assertThrows(Exception.class, () -> bind("{\"entitys\": [\"email\"]}", PiiOptions.class));
        assertTrue(rootMessage(() -> bind("{\"action\": \"mask\"}", PiiOptions.class))
                .contains("action must be one of redact, deny, route_to"));
        assertTrue(rootMessage(() -> bind("{\"action\": \"route_to\"}", PiiOptions.class)).contains("categories"));
        assertTrue(rootMessage(() -> bind("{\"action\": \"deny\", \"restore\": true}", PiiOptions.class))
                .contains("restore applies to action redact only"));
        assertTrue(rootMessage(() -> bind("{\"phone_regions\": [\"XX\"]}", PiiOptions.class))
                .contains("phone_regions[0]: unknown region 'XX'"));
    }

    @Test
    void denylist_errors_name_the_pattern_by_index_never_its_text() {
        String m = rootMessage(() -> bind("{\"patterns\": [\"ok\", \"sk-live-(unclosed\"]}", DenylistOptions.class));
        assertTrue(m.startsWith("patterns[1] does not compile"), m);
        assertFalse(m.contains("sk-live"), m);
        assertTrue(rootMessage(() -> bind("{\"patterns\": [\"(a)\\\\1\"]}", DenylistOptions.class))
                .startsWith("patterns[0] does not compile"));
        assertTrue(rootMessage(() -> bind("{\"patterns\": [\"x*\"]}", DenylistOptions.class))
                .contains("patterns[0] matches the empty text"));
        assertTrue(rootMessage(() -> bind("{}", DenylistOptions.class)).contains("needs patterns or words"));
        assertTrue(rootMessage(() -> bind("{\"words\": [\"a\"], \"action\": \"route_to\"}", DenylistOptions.class))
                .contains("action must be one of deny, redact"));
        assertThrows(Exception.class, () -> bind("{\"words\": [\"a\"], \"ignore_case\": true}", DenylistOptions.class));
    }

    @Test
    void max_input_and_json_schema_errors() throws Exception {
        assertEquals(new MaxInputOptions(100, null), bind("{\"tokens\": 100}", MaxInputOptions.class));
        assertTrue(rootMessage(() -> bind("{}", MaxInputOptions.class)).contains("needs tokens or chars"));
        assertTrue(rootMessage(() -> bind("{\"chars\": 0}", MaxInputOptions.class)).contains("chars must be at least 1"));
        assertEquals(1_000_000, bind("{\"schema\": {\"type\": \"object\"}}", JsonSchemaOptions.class).maxChars());
        assertTrue(rootMessage(() -> bind("{\"schema\": {\"type\": \"objekt\"}}", JsonSchemaOptions.class))
                .startsWith("schema is not a valid JSON Schema"));
        assertTrue(rootMessage(() -> bind("{\"schema\": \"x\"}", JsonSchemaOptions.class)).startsWith("schema must be"));
        assertTrue(rootMessage(() -> bind("{}", JsonSchemaOptions.class)).startsWith("schema must be"));
    }

    @Test
    void each_factory_is_an_extension_with_its_type_and_options() throws Exception {
        GuardrailContext ctx = new GuardrailContext("support", null, Clock.SYSTEM);
        check(new PiiGuardrailFactory(), "pii", PiiOptions.class, PiiOptions.defaults(), ctx);
        check(new DenylistGuardrailFactory(), "denylist", DenylistOptions.class,
                bind("{\"words\": [\"x\"]}", DenylistOptions.class), ctx);
        check(new MaxInputGuardrailFactory(), "max_input", MaxInputOptions.class, new MaxInputOptions(1, null), ctx);
        check(new JsonSchemaGuardrailFactory(), "json_schema", JsonSchemaOptions.class,
                bind("{\"schema\": true}", JsonSchemaOptions.class), ctx);
    }

    private static <O> void check(GuardrailFactory<O> f, String type, Class<O> options, O value, GuardrailContext ctx) {
        assertEquals(type, f.type());
        assertEquals(options, f.optionsType());
        assertNotNull(f.getClass().getAnnotation(Extension.class), f.getClass().getName());
        assertNotNull(f.create(value, ctx).open(PiiGuardrailTest.CTX));
    }
}
