package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeUpstream;
import dev.detour.wire.http.WireJson;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static dev.detour.api.testing.TestFutures.await;
import static dev.detour.api.testing.TestFutures.awaitFailure;
import static dev.detour.api.testing.TestFutures.onContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The adapter against a fake Vertex endpoint and a fake token endpoint (real Vert.x servers on loopback). */
@ExtendWith(VertxExtension.class)
class VertexAdapterTest {

    private static final String GEMINI = "gemini-2.5-flash";
    private static final String CLAUDE = "claude-sonnet-4-5@20250929";

    private Vertx vertx;
    private Context loop;
    private FakeUpstream vertex;
    private FakeUpstream tokenServer;
    private final AtomicInteger issued = new AtomicInteger();
    private final List<String> tokenProblems = new ArrayList<>();
    private VertexAdapter adapter;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        this.vertex = await(FakeUpstream.start(vertx));
        this.tokenServer = await(FakeUpstream.start(vertx));
        tokenServer.onRequest((req, body) -> {
            checkAssertion(req, body.toString());
            req.response().putHeader("content-type", "application/json")
                    .end("{\"access_token\":\"ya29.t" + issued.incrementAndGet() + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
        });
        this.adapter = serviceAccountAdapter("europe-west4");
    }

    @AfterEach
    void tearDown() throws Exception {
        await(adapter.close());
        await(vertex.close());
        await(tokenServer.close());
    }

    private VertexAdapter serviceAccountAdapter(String region) {
        return VertexProviderFactory.create(new VertexOptions(null, null, null, tokenServer.baseUrl("/token"), null, null, null, null, null),
                new ProviderContext("vertex-eu", vertex.baseUrl(), TestKeys.keyJson("my-project", "https://oauth2.googleapis.com/token"),
                        region, Map.of("x-goog-user-project", "billing-project"), vertx, null), name -> null);
    }

    /** What Google's token endpoint checks: the grant type and an RS256 assertion of this key for this endpoint. */
    private void checkAssertion(HttpServerRequest req, String form) {
        try {
            if (!"application/x-www-form-urlencoded".equals(req.getHeader("content-type"))) {
                tokenProblems.add("content-type " + req.getHeader("content-type"));
            }
            String grant = null;
            String assertion = null;
            for (String pair : form.split("&")) {
                String[] kv = pair.split("=", 2);
                String v = URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
                if (kv[0].equals("grant_type")) {
                    grant = v;
                } else if (kv[0].equals("assertion")) {
                    assertion = v;
                }
            }
            if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(grant)) {
                tokenProblems.add("grant_type " + grant);
            }
            if (assertion == null || !TestKeys.verifies(assertion, TestKeys.PAIR.getPublic())) {
                tokenProblems.add("signature");
            } else {
                JsonNode claims = WireJson.MAPPER.readTree(java.util.Base64.getUrlDecoder().decode(assertion.split("\\.")[1]));
                if (!claims.path("aud").asText().equals(tokenServer.baseUrl("/token"))) {
                    tokenProblems.add("aud " + claims.path("aud").asText());
                }
            }
        } catch (Exception e) {
            tokenProblems.add(e.toString());
        }
    }

    private static ChatRequest hello(String model, boolean stream) {
        return OpenAiJson.parseRequest(WireJson.MAPPER.valueToTree(Map.of("model", model, "stream", stream, "messages",
                List.of(Map.of("role", "system", "content", "Be brief."), Map.of("role", "user", "content", "Hello!")))));
    }

    private void answer(int status, String contentType, String body) {
        vertex.respond(status, contentType, body);
    }

    private JsonNode sentBody(int i) throws Exception {
        return WireJson.MAPPER.readTree(vertex.received.get(i).body().getBytes());
    }

    // ---------------------------------------------------------------- Gemini

    @Test
    void gemini_chat_calls_generate_content_of_the_google_publisher_with_a_token_from_the_service_account() throws Exception {
        answer(200, "application/json", fixture("/vertex/gemini-response.json"));

        ChatResponse r = await(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));

        assertEquals("Hello! How can I help you today?", r.text());
        assertEquals(12, r.usage().totalTokens());
        FakeUpstream.Received got = vertex.received.get(0);
        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent", got.uri());
        assertEquals("Bearer ya29.t1", got.header("authorization"));
        assertEquals("billing-project", got.header("x-goog-user-project"));
        JsonNode body = sentBody(0);
        assertEquals("Hello!", body.at("/contents/0/parts/0/text").asText());
        assertEquals("user", body.at("/contents/0/role").asText());
        assertEquals("Be brief.", body.at("/systemInstruction/parts/0/text").asText());
        assertEquals(1, tokenServer.received.size());
        assertEquals(List.of(), tokenProblems);
    }

    @Test
    void gemini_stream_reads_the_sse_of_stream_generate_content() throws Exception {
        vertex.onRequest((req, b) -> {
            req.response().putHeader("content-type", "text/event-stream");
            FakeUpstream.writeInPieces(req.response(), fixture("/vertex/gemini-stream.sse"), 7);
            req.response().end();
        });
        List<ChatChunk> chunks = new ArrayList<>();

        await(onContext(loop, () -> adapter.stream(hello(GEMINI, true), new FakeCall(), chunks::add)));

        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                vertex.received.get(0).uri());
        assertEquals("Hello! How can I help?", text(chunks));
        assertEquals(11, chunks.get(chunks.size() - 1).usage().totalTokens());
    }

    // ---------------------------------------------------------------- Claude

    @Test
    void claude_chat_calls_raw_predict_with_anthropic_version_in_the_body_and_no_model() throws Exception {
        answer(200, "application/json", fixture("/vertex/claude-response.json"));

        ChatResponse r = await(onContext(loop, () -> adapter.chat(hello(CLAUDE, false), new FakeCall())));

        assertEquals("Hello! How can I help you today?", r.text());
        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
                vertex.received.get(0).uri());
        JsonNode body = sentBody(0);
        assertEquals("vertex-2023-10-16", body.path("anthropic_version").asText());
        assertFalse(body.has("model"), "Vertex takes the model from the URL");
        assertFalse(body.path("stream").asBoolean(false));
        assertEquals("Be brief.", body.path("system").asText());
        assertEquals(4096, body.path("max_tokens").asInt());
        assertNull(vertex.received.get(0).header("anthropic-version"));
    }

    @Test
    void claude_stream_calls_stream_raw_predict_with_stream_true() throws Exception {
        vertex.onRequest((req, b) -> {
            req.response().putHeader("content-type", "text/event-stream");
            FakeUpstream.writeInPieces(req.response(), fixture("/vertex/claude-stream.sse"), 11);
            req.response().end();
        });
        List<ChatChunk> chunks = new ArrayList<>();

        await(onContext(loop, () -> adapter.stream(hello(CLAUDE, true), new FakeCall(), chunks::add)));

        assertTrue(vertex.received.get(0).uri().endsWith("/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict"));
        assertTrue(sentBody(0).path("stream").asBoolean());
        assertFalse(sentBody(0).has("model"));
        assertEquals("Hello! How can I help?", text(chunks));
    }

    @Test
    void a_claude_error_event_in_the_stream_fails_it_classified() throws Exception {
        vertex.onRequest((req, b) -> req.response().putHeader("content-type", "text/event-stream").end(
                "event: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(CLAUDE, true), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
    }

    // ---------------------------------------------------------------- tokens and errors

    @Test
    void the_token_is_cached_across_calls() throws Exception {
        answer(200, "application/json", fixture("/vertex/gemini-response.json"));

        for (int i = 0; i < 3; i++) {
            await(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));
        }

        assertEquals(1, tokenServer.received.size());
        assertEquals(3, vertex.received.size());
    }

    @Test
    void concurrent_first_calls_share_one_token_exchange() throws Exception {
        answer(200, "application/json", fixture("/vertex/gemini-response.json"));

        List<Future<ChatResponse>> calls = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            calls.add(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));
        }
        await(Future.all(calls));

        assertEquals(1, tokenServer.received.size());
        assertEquals(5, vertex.received.stream().filter(r -> "Bearer ya29.t1".equals(r.header("authorization"))).count());
    }

    @Test
    void a_401_refreshes_the_token_once_and_tries_again() throws Exception {
        vertex.onRequest((req, b) -> {
            if ("Bearer ya29.t1".equals(req.getHeader("authorization"))) {
                req.response().setStatusCode(401).putHeader("content-type", "application/json").end(fixture("/vertex/error-unauthenticated.json"));
            } else {
                req.response().putHeader("content-type", "application/json").end(fixture("/vertex/gemini-response.json"));
            }
        });

        ChatResponse r = await(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));

        assertEquals("Hello! How can I help you today?", r.text());
        assertEquals(2, tokenServer.received.size());
        assertEquals("Bearer ya29.t2", vertex.received.get(1).header("authorization"));
    }

    @Test
    void a_second_401_is_the_answer() throws Exception {
        answer(401, "application/json", fixture("/vertex/error-unauthenticated.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(GEMINI, true), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertEquals(2, vertex.received.size());
        assertEquals(2, tokenServer.received.size());
    }

    @Test
    void a_static_token_is_sent_as_it_is_and_a_401_is_not_retried() throws Exception {
        answer(401, "application/json", fixture("/vertex/error-unauthenticated.json"));
        VertexAdapter fixed = VertexProviderFactory.create(new VertexOptions("my-project", null, null, null, null, null, null, null, null),
                new ProviderContext("vertex-us", vertex.baseUrl(), "ya29.static", "us-central1", Map.of(), vertx, null), n -> null);
        try {
            ProviderException e = awaitFailure(onContext(loop, () -> fixed.chat(hello(GEMINI, false), new FakeCall())));

            assertEquals(ErrorKind.AUTHENTICATION, e.kind());
            assertEquals(1, vertex.received.size());
            assertEquals("Bearer ya29.static", vertex.received.get(0).header("authorization"));
            assertTrue(vertex.received.get(0).uri().startsWith("/v1/projects/my-project/locations/us-central1/"));
            assertFalse(e.getMessage().contains("ya29.static"));
            assertEquals(0, tokenServer.received.size());
        } finally {
            await(fixed.close());
        }
    }

    @Test
    void a_token_endpoint_refusing_the_key_is_an_authentication_failure_and_vertex_is_not_called() throws Exception {
        tokenServer.respond(400, "application/json", "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT Signature.\"}");

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertTrue(e.getMessage().contains("invalid_grant: Invalid JWT Signature."), e.getMessage());
        assertFalse(e.getMessage().contains("PRIVATE KEY"));
        assertEquals(0, vertex.received.size());
    }

    @Test
    void a_token_echoed_in_an_error_never_reaches_the_message() throws Exception {
        vertex.onRequest((req, b) -> req.response().setStatusCode(400).putHeader("content-type", "application/json")
                .end(FakeErrors.google(400, "INVALID_ARGUMENT", "bad request with " + req.getHeader("authorization"))));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello(GEMINI, false), new FakeCall())));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertFalse(e.getMessage().contains("ya29.t1"), e.getMessage());
        assertTrue(e.getMessage().contains("Bearer ***"), e.getMessage());
    }

    /** Google's error shape. */
    static final class FakeErrors {
        static String google(int code, String status, String message) {
            return WireJson.MAPPER.createObjectNode().set("error", WireJson.MAPPER.createObjectNode().put("code", code)
                    .put("message", message).put("status", status)).toString();
        }
    }

    @Test
    void resource_exhausted_fails_as_a_rate_limit() throws Exception {
        answer(429, "application/json", fixture("/vertex/error-resource-exhausted.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello(CLAUDE, false), new FakeCall())));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(1, vertex.received.size());
    }

    @Test
    void a_model_name_that_would_change_the_path_is_refused_without_a_call() throws Exception {
        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gemini/../x", false), new FakeCall())));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(0, vertex.received.size());
    }

    private static String text(List<ChatChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> sb.append(c.text() == null ? "" : c.text()));
        return sb.toString();
    }
}
