package dev.detour.plugin.vertex;

import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ProviderContext;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class VertexProviderFactoryTest {

    private static final VertexOptions DEFAULTS = VertexOptions.DEFAULTS;
    private static final UnaryOperator<String> NO_ENV = n -> null;

    private static VertexAdapter create(Vertx vertx, VertexOptions o, String baseUrl, String apiKey, String region,
                                        UnaryOperator<String> env) {
        return VertexProviderFactory.create(o, new ProviderContext("v", baseUrl, apiKey, region, Map.of(), vertx, null), env);
    }

    private static String keyJson() {
        return TestKeys.keyJson("key-project", "https://oauth2.googleapis.com/token");
    }

    @Test
    void the_region_label_is_the_location_and_names_the_regional_host(Vertx vertx) {
        VertexAdapter a = create(vertx, DEFAULTS, null, keyJson(), "europe-west4", NO_ENV);

        assertEquals("europe-west4", a.urls().location());
        assertEquals("key-project", a.urls().project());
        assertEquals("europe-west4-aiplatform.googleapis.com", a.endpoint().host());
        assertTrue(a.endpoint().ssl());
        a.close();
    }

    @Test
    void the_global_location_calls_aiplatform_googleapis_com(Vertx vertx) {
        VertexAdapter a = create(vertx, DEFAULTS, null, keyJson(), "global", NO_ENV);

        assertEquals("aiplatform.googleapis.com", a.endpoint().host());
        a.close();
    }

    @Test
    void options_location_and_project_win_over_the_label_and_the_key(Vertx vertx) {
        VertexAdapter a = create(vertx, new VertexOptions("other-project", "us-east5", null, null, null, null, null, null, null),
                null, keyJson(), "eu", NO_ENV);

        assertEquals("us-east5", a.urls().location());
        assertEquals("other-project", a.urls().project());
        a.close();
    }

    @Test
    void a_region_label_that_is_no_vertex_location_needs_options_location(Vertx vertx) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(vertx, DEFAULTS, null, keyJson(), "EU West", NO_ENV));

        assertTrue(e.getMessage().contains("vertex needs a location") && e.getMessage().contains("'EU West'"), e.getMessage());
    }

    @Test
    void no_credentials_at_all_is_an_error_naming_the_three_ways(Vertx vertx) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(vertx, DEFAULTS, null, null, "us-central1", NO_ENV));

        assertTrue(e.getMessage().contains("options.credentials_file") && e.getMessage().contains("GOOGLE_APPLICATION_CREDENTIALS"),
                e.getMessage());
    }

    @Test
    void a_key_file_and_an_api_key_together_are_refused(Vertx vertx, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("sa.json"), keyJson());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> create(vertx,
                new VertexOptions(null, null, file.toString(), null, null, null, null, null, null), null, "ya29.x", "us-central1", NO_ENV));
        assertEquals("set either api_key or options.credentials_file, not both", e.getMessage());
    }

    @Test
    void the_key_comes_from_credentials_file_or_google_application_credentials(Vertx vertx, @TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("sa.json"), keyJson());

        VertexAdapter fromFile = create(vertx, new VertexOptions(null, null, file.toString(), null, null, null, null, null, null),
                null, null, "us-central1", NO_ENV);
        VertexAdapter fromEnv = create(vertx, DEFAULTS, null, null, "us-central1",
                n -> n.equals("GOOGLE_APPLICATION_CREDENTIALS") ? file.toString() : null);
        assertEquals("key-project", fromFile.urls().project());
        assertEquals("key-project", fromEnv.urls().project());
        fromFile.close();
        fromEnv.close();

        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class, () -> create(vertx,
                new VertexOptions(null, null, dir.resolve("nope.json").toString(), null, null, null, null, null, null),
                null, null, "us-central1", NO_ENV));
        assertTrue(missing.getMessage().startsWith("options.credentials_file: cannot read the service-account key file"),
                missing.getMessage());
    }

    @Test
    void a_static_token_needs_the_project(Vertx vertx) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> create(vertx, DEFAULTS, null, "ya29.static", "us-central1", NO_ENV));

        assertEquals("options.project is required with an access token", e.getMessage());
        assertFalse(e.getMessage().contains("ya29.static"));
    }

    @Test
    void bad_options_name_the_field() {
        assertThrows(IllegalArgumentException.class, () -> new VertexOptions("My Project", null, null, null, null, null, null, null, null));
        assertThrows(IllegalArgumentException.class, () -> new VertexOptions(null, "Europe", null, null, null, null, null, null, null));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new VertexOptions(null, null, null, "ftp://x", null, null, null, null, null));
        assertTrue(e.getMessage().startsWith("token_url:"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new VertexOptions(null, null, null, null, "v2", null, null, null, null));
    }

    @Test
    void claude_and_gemini_capabilities(Vertx vertx) {
        VertexAdapter a = create(vertx, DEFAULTS, null, keyJson(), "us-east5", NO_ENV);

        assertEquals(new Capabilities(true, true, true, false, 200_000), a.capabilities("claude-sonnet-4-5@20250929"));
        assertEquals(new Capabilities(true, true, true, false, 1_048_576), a.capabilities("gemini-2.5-pro"));
        assertEquals(0, a.capabilities("gemini-exp").contextWindow());
        a.close();
    }
}
