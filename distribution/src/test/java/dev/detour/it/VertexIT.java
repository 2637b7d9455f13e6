package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The {@code vertex} provider plugin, loaded from its jar, through the real gateway: Gemini and
 * Claude models on a fake Vertex AI endpoint with a fake OAuth token endpoint that verifies each
 * JWT's RS256 signature with the public half of the key pair it generated ({@link FakeVertex}), and
 * on the simulator's Vertex and token endpoints (the demo's path, no keys). Streams and whole
 * answers; the token cached, refreshed when it is about to expire, renewed once on a 401; routing
 * by the region label that is the Vertex location; Vertex's errors classified (429
 * RESOURCE_EXHAUSTED and 503 fail over after their retry, 403 for a disabled API fails over at
 * once and says what is wrong).
 */
class VertexIT {
    static final String GEMINI = "gemini-2.5-flash";
    static final String CLAUDE = "claude-sonnet-4-5@20250929";

    static Vertx vertx;
    static Sim sim;
    static FakeVertex google;
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        sim = new Sim(vertx, Sim.freePort());
        google = await(new FakeVertex(vertx).start());
        Path keyFile = write(google.serviceAccountKey());
        String base = google.baseUrl();
        // The key JSON as api_key: YAML single quotes keep its backslashes as they are.
        String keyInline = "'" + google.serviceAccountKey() + "'";
        gw = Harness.start(vertx, """
                simulator: { port: %1$d }
                defaults:
                  retry: { attempts: 2, backoff: 1ms, max_backoff: 2ms, max_retry_after: 1s }
                  circuit_breaker: { min_calls: 1000 }
                  timeouts: { total: 20s }
                providers:
                  vx-eu:      { type: vertex, base_url: "%2$s", region: europe-west4, category: closed,
                                options: { credentials_file: "%3$s", token_url: "%4$s" } }
                  vx-us:      { type: vertex, base_url: "%2$s", region: us-central1, category: closed, api_key: %5$s,
                                options: { token_url: "%6$s" } }
                  vx-refresh: { type: vertex, base_url: "%2$s", region: europe-west1, category: closed,
                                options: { credentials_file: "%3$s", token_url: "%7$s" } }
                  vx-short:   { type: vertex, base_url: "%2$s", region: us-east5, category: closed,
                                options: { credentials_file: "%3$s", token_url: "%8$s" } }
                  vx-err:     { type: vertex, base_url: "%2$s", region: asia-northeast1, category: closed,
                                options: { credentials_file: "%3$s", token_url: "%9$s" } }
                  vx-sim:     { type: vertex, base_url: "%10$s", region: global, category: closed,
                                options: { credentials_file: "%3$s", token_url: "%11$s" } }
                  backup:     { type: openai, base_url: "%12$s", region: on-prem, category: self-hosted }
                envelope:
                  regions: [europe-west4, us-central1, europe-west1, us-east5, asia-northeast1, global, on-prem]
                  categories: [closed, self-hosted]
                routes:
                  gemini:        { detectors: [], targets: [ { provider: vx-eu, model: %13$s }, { provider: backup, model: gpt-4o-mini } ] }
                  claude:        { detectors: [], targets: [ { provider: vx-eu, model: "%14$s" }, { provider: backup, model: gpt-4o-mini } ] }
                  regional:      { detectors: [], strategy: region,
                                   targets: [ { provider: vx-eu, model: %13$s }, { provider: vx-us, model: %13$s } ] }
                  refresh:       { detectors: [], targets: [ { provider: vx-refresh, model: %13$s } ] }
                  short:         { detectors: [], targets: [ { provider: vx-short, model: %13$s } ] }
                  errors:        { detectors: [], targets: [ { provider: vx-err, model: %13$s }, { provider: backup, model: gpt-4o-mini } ] }
                  errors-claude: { detectors: [], targets: [ { provider: vx-err, model: "%14$s" }, { provider: backup, model: gpt-4o-mini } ] }
                  sim-gemini:    { detectors: [], targets: [ { provider: vx-sim, model: %13$s } ] }
                  sim-claude:    { detectors: [], targets: [ { provider: vx-sim, model: "%14$s" } ] }
                """.formatted(sim.port, base, keyFile, google.tokenUrl("eu", 3599), keyInline, google.tokenUrl("us", 3599),
                google.tokenUrl("refresh", 3599), google.tokenUrl("short", 60), google.tokenUrl("err", 3599),
                sim.base("vxsim"), sim.base("auth") + "/token", sim.openAi("backup"), GEMINI, CLAUDE));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        google.close();
        await(vertx.close());
    }

    @AfterEach
    void every_assertion_the_token_endpoint_saw_was_signed_right() {
        assertEquals(List.of(), google.tokenProblems);
    }

    private static Path write(String content) {
        try {
            Path f = Files.createTempFile("vertex-sa", ".json");
            Files.writeString(f, content);
            f.toFile().deleteOnExit();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Reply chat(String model, boolean stream) {
        return chat(model, stream, Map.of());
    }

    static Reply chat(String model, boolean stream, Map<String, String> headers) {
        return post(vertx, gw.port(), "/v1/chat/completions", Harness.chat(model, stream), headers);
    }

    static String text(Reply r) {
        return r.json().at("/choices/0/message/content").asText();
    }

    // ------------------------------------------------------------------ Gemini and Claude, stream and not

    @Test
    void a_gemini_model_answers_through_generate_content_with_a_token_of_the_service_account() {
        int before = google.callsTo("europe-west4").size();

        Reply r = chat("gemini", false);

        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from europe-west4 gemini-2.5-flash", text(r));
        assertEquals("vx-eu/gemini-2.5-flash", r.header("x-detour-target"));
        FakeVertex.Call call = google.callsTo("europe-west4").get(before);
        assertEquals("it-project", call.project(), "the project comes from the key's project_id");
        assertEquals("google", call.publisher());
        assertEquals("generateContent", call.method());
        assertEquals("Say hello", call.body().at("/contents/0/parts/0/text").asText());
        assertTrue(call.bearer().startsWith("tok-"), call.bearer());
    }

    @Test
    void a_gemini_model_streams_through_stream_generate_content() {
        int before = google.callsTo("europe-west4").size();

        Reply r = chat("gemini", true);

        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from europe-west4 gemini-2.5-flash", Sse.openAiText(r.body()));
        assertEquals("stop", Sse.openAiFinish(r.body()));
        assertEquals("streamGenerateContent", google.callsTo("europe-west4").get(before).method());
    }

    @Test
    void a_claude_model_answers_through_raw_predict_with_the_vertex_anthropic_version() {
        int before = google.callsTo("europe-west4").size();

        Reply r = chat("claude", false);

        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from europe-west4 claude-sonnet-4-5@20250929", text(r));
        FakeVertex.Call call = google.callsTo("europe-west4").get(before);
        assertEquals("anthropic", call.publisher());
        assertEquals("rawPredict", call.method());
        assertEquals("vertex-2023-10-16", call.body().path("anthropic_version").asText());
        assertTrue(!call.body().has("model"), "Vertex names the model in the URL: " + call.body());
    }

    @Test
    void a_claude_model_streams_through_stream_raw_predict() {
        int before = google.callsTo("europe-west4").size();

        Reply r = chat("claude", true);

        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from europe-west4 claude-sonnet-4-5@20250929", Sse.openAiText(r.body()));
        FakeVertex.Call call = google.callsTo("europe-west4").get(before);
        assertEquals("streamRawPredict", call.method());
        assertTrue(call.body().path("stream").asBoolean(), call.body().toString());
    }

    // ------------------------------------------------------------------ tokens

    @Test
    void one_token_serves_every_call_until_it_nears_expiry() {
        for (int i = 0; i < 3; i++) {
            assertEquals(200, chat("gemini", i % 2 == 0).status());
        }

        assertEquals(1, google.tokenCalls("eu"), "vx-eu exchanged its key once for the whole class");
        Set<String> bearers = new HashSet<>();
        google.callsTo("europe-west4").forEach(c -> bearers.add(c.bearer()));
        assertEquals(1, bearers.size(), bearers.toString());
    }

    @Test
    void a_token_shorter_lived_than_the_refresh_margin_is_renewed_for_the_next_call() {
        int tokens = google.tokenCalls("short");
        int calls = google.callsTo("us-east5").size();

        for (int i = 0; i < 3; i++) {
            Reply r = chat("short", false);
            assertEquals(200, r.status(), r.body());
        }

        // expires_in 60 is inside the 5-minute margin: every call refreshes first.
        assertEquals(tokens + 3, google.tokenCalls("short"));
        List<FakeVertex.Call> made = google.callsTo("us-east5").subList(calls, calls + 3);
        assertEquals(3, new HashSet<>(made.stream().map(FakeVertex.Call::bearer).toList()).size(), made.toString());
    }

    @Test
    void a_401_for_an_expired_token_renews_it_once_and_the_client_sees_one_attempt() {
        assertEquals(200, chat("refresh", false).status());
        List<FakeVertex.Call> calls = google.callsTo("europe-west1");
        String first = calls.get(calls.size() - 1).bearer();
        int tokens = google.tokenCalls("refresh");
        google.revoke(first);

        Reply r = chat("refresh", true);

        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from europe-west1 gemini-2.5-flash", Sse.openAiText(r.body()));
        assertEquals("1", r.header("x-detour-attempts"));
        assertEquals(tokens + 1, google.tokenCalls("refresh"));
        List<FakeVertex.Call> after = google.callsTo("europe-west1");
        assertEquals(calls.size() + 2, after.size(), "the refused call, then the same call with the new token");
        assertEquals(first, after.get(after.size() - 2).bearer());
        assertTrue(!first.equals(after.get(after.size() - 1).bearer()));
    }

    // ------------------------------------------------------------------ regions

    @Test
    void the_region_strategy_routes_by_the_vertex_location() {
        int eu = google.callsTo("europe-west4").size();
        int us = google.callsTo("us-central1").size();

        Reply toUs = chat("regional", false, Map.of("x-detour-region", "us-central1"));
        Reply toEu = chat("regional", false, Map.of("x-detour-region", "europe-west4"));

        assertEquals("vx-us/gemini-2.5-flash", toUs.header("x-detour-target"), toUs.body());
        assertEquals("Hello from us-central1 gemini-2.5-flash", text(toUs));
        assertEquals("vx-eu/gemini-2.5-flash", toEu.header("x-detour-target"), toEu.body());
        assertEquals(us + 1, google.callsTo("us-central1").size());
        assertEquals(eu + 1, google.callsTo("europe-west4").size());
        assertEquals(1, google.tokenCalls("us"), "vx-us (its key given as api_key) got its own token");
    }

    @Test
    void the_region_label_is_held_to_the_envelope() {
        Path config = Harness.write("""
                providers:
                  vx-tokyo: { type: vertex, region: asia-northeast1, api_key: ya29.static, options: { project: it-project } }
                envelope: { regions: [europe-west4] }
                routes:
                  r: { targets: [ { provider: vx-tokyo, model: gemini-2.5-flash } ] }
                """);

        Cli.Result v = Cli.run("validate", config.toString());

        assertEquals(2, v.exit(), v.out() + v.err());
        assertTrue((v.out() + v.err()).contains("region 'asia-northeast1' of provider 'vx-tokyo' is outside the envelope"),
                v.out() + v.err());
    }

    // ------------------------------------------------------------------ errors

    @Test
    void resource_exhausted_429_is_retried_then_fails_over() {
        errorFailsOver("errors", 429, FakeVertex.google(429, "RESOURCE_EXHAUSTED",
                "Resource exhausted. Please try again later."), 2);
    }

    @Test
    void unavailable_503_is_retried_then_fails_over() {
        errorFailsOver("errors-claude", 503, FakeVertex.google(503, "UNAVAILABLE", "The service is currently unavailable."), 2);
    }

    @Test
    void a_disabled_api_fails_over_at_once() {
        errorFailsOver("errors", 403, fixtureServiceDisabled(), 1);
    }

    @Test
    void a_direct_call_to_a_project_whose_api_is_disabled_says_so() {
        google.fail("asia-northeast1", 403, fixtureServiceDisabled());
        try {
            Reply r = chat("vx-err/gemini-2.5-flash", false);

            assertTrue(r.status() >= 400, r.body());
            JsonNode attempt = r.json().at("/error/attempts/0");
            assertEquals("permission", attempt.path("kind").asText(), r.body());
            assertEquals(403, attempt.path("status").asInt());
            assertTrue(attempt.path("message").asText().contains("Vertex AI API (aiplatform.googleapis.com) is disabled"), r.body());
            assertEquals(1, r.json().at("/error/attempts").size(), "a disabled API is not retried: " + r.body());
        } finally {
            google.fail("asia-northeast1", null, null);
        }
    }

    private static String fixtureServiceDisabled() {
        return "{\"error\":{\"code\":403,\"message\":\"Vertex AI API has not been used in project 720070608347 before or it is "
                + "disabled. Enable it by visiting https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview"
                + "?project=720070608347 then retry.\",\"status\":\"PERMISSION_DENIED\",\"details\":[{\"@type\":"
                + "\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"SERVICE_DISABLED\",\"domain\":\"googleapis.com\","
                + "\"metadata\":{\"consumer\":\"projects/720070608347\",\"service\":\"aiplatform.googleapis.com\"}}]}}";
    }

    private void errorFailsOver(String route, int status, String body, int expectedVertexCalls) {
        sim.reset("backup");
        int before = google.callsTo("asia-northeast1").size();
        google.fail("asia-northeast1", status, body);
        try {
            Reply r = chat(route, false);

            assertEquals(200, r.status(), r.body());
            assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
            assertEquals("true", r.header("x-detour-failover"));
            assertEquals(before + expectedVertexCalls, google.callsTo("asia-northeast1").size());
            assertEquals(Integer.toString(expectedVertexCalls + 1), r.header("x-detour-attempts"));
            assertEquals(1, sim.calls("backup"));
        } finally {
            google.fail("asia-northeast1", null, null);
        }
    }

    // ------------------------------------------------------------------ the simulator plays Vertex (no keys)

    @Test
    void the_simulator_plays_vertex_and_its_token_endpoint() {
        sim.reset("vxsim");
        sim.reset("auth");

        Reply gemini = chat("sim-gemini", false);
        Reply geminiStream = chat("sim-gemini", true);
        Reply claude = chat("sim-claude", false);
        Reply claudeStream = chat("sim-claude", true);

        for (Reply r : List.of(gemini, geminiStream, claude, claudeStream)) {
            assertEquals(200, r.status(), r.body());
        }
        assertTrue(text(gemini).startsWith("Simulated answer from vxsim"), gemini.body());
        assertTrue(text(claude).startsWith("Simulated answer from vxsim"), claude.body());
        assertTrue(Sse.openAiText(claudeStream.body()).startsWith("Simulated answer from vxsim"), claudeStream.body());
        assertEquals(4, sim.calls("vxsim"));
        assertEquals(1, sim.calls("auth"), "one token for the four calls");
    }
}
