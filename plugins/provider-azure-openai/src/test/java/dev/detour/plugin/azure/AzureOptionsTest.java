package dev.detour.plugin.azure;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AzureOptionsTest {

    @Test
    void defaults_to_the_ga_api_version_api_key_auth_and_same_name_deployments() {
        AzureOptions o = AzureOptions.DEFAULTS;
        assertEquals("2024-10-21", o.apiVersion());
        assertEquals("api-key", o.auth());
        assertEquals("gpt-4o", o.deploymentFor("gpt-4o"));
    }

    @Test
    void maps_models_to_deployments() {
        assertEquals("prod-4o", new AzureOptions(null, Map.of("gpt-4o", "prod-4o"), null, null, null).deploymentFor("gpt-4o"));
    }

    @Test
    void rejects_an_unknown_auth_mode_naming_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AzureOptions(null, null, "oauth", null, null));
        assertTrue(e.getMessage().contains("'oauth'"));
    }

    @Test
    void rejects_an_api_version_that_would_break_the_query() {
        assertThrows(IllegalArgumentException.class, () -> new AzureOptions("2024-10-21&x=y", null, null, null, null));
    }

    @Test
    void rejects_a_blank_deployment() {
        assertThrows(IllegalArgumentException.class, () -> new AzureOptions(null, Map.of("gpt-4o", " "), null, null, null));
    }
}
