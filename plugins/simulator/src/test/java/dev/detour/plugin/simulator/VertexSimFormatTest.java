package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VertexSimFormatTest extends SimulatorTestBase {

    private static final String BASE = "/vx/v1/projects/sim-project/locations/europe-west4/publishers/";
    private static final String GEMINI = BASE + "google/models/gemini-2.5-flash:generateContent";
    private static final String GEMINI_STREAM = BASE + "google/models/gemini-2.5-flash:streamGenerateContent?alt=sse";
    private static final String CLAUDE = BASE + "anthropic/models/claude-sonnet-4-5@20250929:rawPredict";
    private static final String CLAUDE_STREAM = BASE + "anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict";
    private static final Map<String, String> BEARER = Map.of("authorization", "Bearer sim-token-1");

    private static String claudeBody(String user) {
        return "{\"anthropic_version\":\"vertex-2023-10-16\",\"max_tokens\":256,\"messages\":[{\"role\":\"user\",\"content\":"
                + quote(user) + "}]}";
    }

    @Test
    void a_gemini_model_answers_generate_content(VertxTestContext ctx) {
        verify(http.post(GEMINI, geminiRequest("Hello from Vertex"), BEARER), ctx, r -> {
            assertEquals(200, r.status());
            assertEquals("gemini-2.5-flash", r.json().get("modelVersion").asText());
            assertTrue(r.json().at("/candidates/0/content/parts/0/text").asText().startsWith("Simulated answer from vx to: Hello"));
        });
    }

    @Test
    void a_gemini_model_streams_server_sent_events(VertxTestContext ctx) {
        verify(http.stream(GEMINI_STREAM, geminiRequest("Hello"), BEARER), ctx, s -> {
            assertTrue(s.ended());
            assertTrue(s.events().size() > 2);
            assertEquals("STOP", s.events().get(s.events().size() - 1).json().at("/candidates/0/finishReason").asText());
        });
    }

    @Test
    void a_claude_model_answers_raw_predict_with_the_model_of_the_path(VertxTestContext ctx) {
        verify(http.post(CLAUDE, claudeBody("Hello Claude"), BEARER), ctx, r -> {
            assertEquals(200, r.status());
            assertEquals("message", r.json().get("type").asText());
            assertEquals("claude-sonnet-4-5@20250929", r.json().get("model").asText());
            assertTrue(r.json().at("/content/0/text").asText().contains("Hello Claude"));
        });
    }

    @Test
    void a_claude_model_streams_on_stream_raw_predict(VertxTestContext ctx) {
        verify(http.stream(CLAUDE_STREAM, claudeBody("Hello").replace("{\"anthropic", "{\"stream\":true,\"anthropic"), BEARER), ctx, s -> {
            assertTrue(s.ended());
            assertEquals("message_start", s.events().get(0).type());
            assertEquals("message_stop", s.events().get(s.events().size() - 1).type());
        });
    }

    @Test
    void a_claude_body_naming_the_model_or_missing_the_vertex_version_is_refused(VertxTestContext ctx) {
        Future<SimHttp.Reply> withModel = http.post(CLAUDE, claudeBody("x").replace("{\"anthropic", "{\"model\":\"claude\",\"anthropic"), BEARER);
        Future<SimHttp.Reply> noVersion = withModel.compose(w -> http.post(CLAUDE,
                claudeBody("x").replace("vertex-2023-10-16", "2023-06-01"), BEARER));
        verify(noVersion, ctx, r -> {
            assertEquals(400, withModel.result().status());
            assertTrue(withModel.result().body().contains("model"));
            assertEquals(400, r.status());
            assertTrue(r.body().contains("anthropic_version"), r.body());
        });
    }

    @Test
    void a_call_without_a_bearer_token_is_unauthenticated(VertxTestContext ctx) {
        verify(http.post(GEMINI, geminiRequest("x")), ctx, r -> {
            assertEquals(401, r.status());
            assertEquals("UNAUTHENTICATED", r.json().at("/error/status").asText());
        });
    }

    @Test
    void faults_answer_in_vertex_shapes_and_403_is_a_disabled_api(VertxTestContext ctx) {
        sim.setFaults("vx", ChaosJson.parse("{\"status\":403}"));
        Future<SimHttp.Reply> forbidden = http.post(GEMINI, geminiRequest("x"), BEARER);
        Future<SimHttp.Reply> limited = forbidden.compose(f -> {
            sim.setFaults("vx", ChaosJson.parse("{\"status\":429,\"retry_after\":3}"));
            return http.post(CLAUDE, claudeBody("x"), BEARER);
        });
        verify(limited, ctx, r -> {
            JsonNode e = forbidden.result().json().get("error");
            assertEquals(403, forbidden.result().status());
            assertEquals("PERMISSION_DENIED", e.get("status").asText());
            assertEquals("SERVICE_DISABLED", e.at("/details/0/reason").asText());
            assertTrue(e.get("message").asText().startsWith("Vertex AI API has not been used in project sim-project"));
            assertEquals(429, r.status());
            assertEquals("RESOURCE_EXHAUSTED", r.json().at("/error/status").asText());
            assertEquals("3", r.headers().get("retry-after"));
        });
    }

    @Test
    void the_token_endpoint_exchanges_a_well_formed_assertion(VertxTestContext ctx) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String header = b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8));
        String claims = "{\"iss\":\"sa@p.iam.gserviceaccount.com\",\"scope\":\"https://www.googleapis.com/auth/cloud-platform\","
                + "\"aud\":\"https://oauth2.googleapis.com/token\",\"iat\":1000,\"exp\":4600}";
        String grant = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=" + header + ".";
        String form = grant + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8)) + ".c2ln";
        String tooLong = grant + b64.encodeToString(claims.replace("4600", "9000").getBytes(StandardCharsets.UTF_8)) + ".c2ln";
        Map<String, String> formType = Map.of("content-type", "application/x-www-form-urlencoded");
        Future<SimHttp.Reply> ok = http.post("/auth/token", form, formType);
        Future<SimHttp.Reply> bad = ok.compose(o -> http.post("/auth/token", tooLong, formType));
        verify(bad, ctx, r -> {
            assertEquals(200, ok.result().status());
            assertEquals("sim-token-1", ok.result().json().get("access_token").asText());
            assertEquals(3599, ok.result().json().get("expires_in").asInt());
            assertEquals(400, r.status());
            assertEquals("invalid_grant", r.json().get("error").asText());
            assertTrue(r.json().get("error_description").asText().contains("short-lived"));
        });
    }
}
