package dev.detour.plugin.azure;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeUpstream;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static dev.detour.api.testing.TestFutures.await;
import static dev.detour.api.testing.TestFutures.awaitFailure;
import static dev.detour.api.testing.TestFutures.onContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class AzureAdapterTest {

    private static final String KEY = "azk-test-0c1d2e3f4a5b";
    private static final AzureOptions OPTIONS =
            new AzureOptions(null, Map.of("gpt-4o", "gpt4o-prod", "text-embedding-3-small", "embed-small"), null, null, 4);

    private Vertx vertx;
    private Context loop;
    private FakeUpstream upstream;
    private AzureAdapter adapter;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        this.upstream = await(FakeUpstream.start(vertx));
        this.adapter = adapter(upstream.baseUrl(), OPTIONS);
    }

    @AfterEach
    void tearDown() throws Exception {
        await(adapter.close());
        await(upstream.close());
    }

    private AzureAdapter adapter(String baseUrl, AzureOptions options) {
        return (AzureAdapter) new AzureProviderFactory().create(options,
                new ProviderContext("azure", baseUrl, KEY, "eu", Map.of("X-Tenant", "northwind"), vertx, Clock.SYSTEM));
    }

    private static JsonNode json(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static ChatRequest hello(String model) {
        return OpenAiJson.parseRequest(json("{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}],"
                + "\"temperature\":0.2,\"data_sources\":[{\"type\":\"azure_search\"}]}"));
    }

    private static void sse(HttpServerResponse resp, String body, int pieceSize) {
        FakeUpstream.writeInPieces(resp.putHeader("content-type", "text/event-stream"), body, pieceSize);
    }

    // ---------------------------------------------------------------- requests

    @Test
    void calls_the_deployment_of_the_model_with_api_version_and_api_key_header() throws Exception {
        // Given an Azure resource answering with its documented chat completion
        upstream.respond(200, "application/json", fixture("/azure/chat-completion.json"));

        // When a request for a mapped model is sent
        ChatResponse r = await(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        // Then the answer is translated
        assertEquals("Yes, Azure OpenAI supports customer managed keys.", r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(29, r.usage().promptTokens());

        // And exactly one request reached the deployment path with the GA api-version and api-key auth
        assertEquals(1, upstream.received.size());
        FakeUpstream.Received got = upstream.received.get(0);
        assertEquals("/openai/deployments/gpt4o-prod/chat/completions?api-version=" + AzureOptions.DEFAULT_API_VERSION,
                got.uri());
        assertEquals(KEY, got.header("api-key"));
        assertNull(got.header("Authorization"), "api-key mode must not send a bearer token too");
        assertEquals("northwind", got.header("X-Tenant"));
        JsonNode sent = json(got.body().toString());
        assertEquals("azure_search", sent.get("data_sources").get(0).get("type").asText(), "Azure extensions pass through");
        assertFalse(sent.has("stream"));
    }

    @Test
    void a_deployment_that_would_change_the_url_path_is_refused_without_a_call() throws Exception {
        upstream.respond(200, "application/json", fixture("/azure/chat-completion.json"));
        assertNull(adapter.modelProblem("gpt-4o"));
        assertNull(adapter.modelProblem("my/model:1"));
        assertTrue(adapter.modelProblem("..") != null && adapter.modelProblem(".") != null);

        ProviderException chat = awaitFailure(onContext(loop, () -> adapter.chat(hello(".."), new FakeCall())));
        ProviderException stream = awaitFailure(onContext(loop, () -> adapter.stream(hello(".."), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.INVALID_REQUEST, chat.kind());
        assertEquals(ErrorKind.INVALID_REQUEST, stream.kind());
        assertEquals(0, upstream.received.size());
    }

    @Test
    void calls_a_deployment_named_like_the_model_when_the_model_is_not_mapped() throws Exception {
        upstream.respond(200, "application/json", fixture("/azure/chat-completion.json"));
        AzureAdapter a = adapter(upstream.baseUrl(), new AzureOptions("2025-01-01-preview", null, null, null, null));

        await(onContext(loop, () -> a.chat(hello("gpt-4o-mini"), new FakeCall())));

        assertEquals("/openai/deployments/gpt-4o-mini/chat/completions?api-version=2025-01-01-preview",
                upstream.received.get(0).uri());
        await(a.close());
    }

    @Test
    void sends_the_key_as_a_bearer_token_in_bearer_mode() throws Exception {
        upstream.respond(200, "application/json", fixture("/azure/chat-completion.json"));
        AzureAdapter a = adapter(upstream.baseUrl(), new AzureOptions(null, null, "bearer", null, null));

        await(onContext(loop, () -> a.chat(hello("gpt-4o"), new FakeCall())));

        FakeUpstream.Received got = upstream.received.get(0);
        assertEquals("Bearer " + KEY, got.header("Authorization"));
        assertNull(got.header("api-key"));
        await(a.close());
    }

    @Test
    void refuses_a_provider_without_base_url_or_resource() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> adapter(null, OPTIONS));
        assertTrue(e.getMessage().contains("base_url"));
    }

    // ---------------------------------------------------------------- streams

    @Test
    void streams_chunks_skipping_the_prompt_filter_event_and_asks_for_usage() throws Exception {
        upstream.onRequest((req, body) -> {
            sse(req.response(), fixture("/azure/stream-text.sse"), 7);
            req.response().end();
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        await(onContext(loop, () -> adapter.stream(hello("gpt-4o"), new FakeCall(), chunks::add)));

        assertEquals(5, chunks.size());
        assertEquals("assistant", chunks.get(0).role());
        assertEquals("Hello", chunks.get(1).text());
        assertEquals(" wörld ✓", chunks.get(2).text());
        assertEquals(FinishReason.STOP, chunks.get(3).finishReason());
        assertEquals(12, chunks.get(4).usage().totalTokens());
        FakeUpstream.Received got = upstream.received.get(0);
        JsonNode sent = json(got.body().toString());
        assertTrue(sent.get("stream").asBoolean());
        assertTrue(sent.get("stream_options").get("include_usage").asBoolean());
        assertEquals("text/event-stream", got.header("Accept"));
        assertTrue(got.uri().startsWith("/openai/deployments/gpt4o-prod/chat/completions?api-version="));
    }

    @Test
    void fails_a_stream_as_content_filter_when_the_answer_is_cut_by_the_output_filter() throws Exception {
        upstream.onRequest((req, body) -> {
            sse(req.response(), fixture("/azure/stream-content-filter.sse"), 64 * 1024);
            req.response().end();
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello("gpt-4o"), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
        assertEquals(2, chunks.size(), "the chunks before the cut are delivered");
        assertEquals("Once upon", chunks.get(1).text());
    }

    @Test
    void fails_as_content_filter_when_a_200_answer_finished_with_content_filter() throws Exception {
        upstream.respond(200, "application/json", fixture("/azure/chat-completion-filtered.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
        assertEquals(200, e.status());
    }

    // ---------------------------------------------------------------- error answers

    @Test
    void classifies_a_prompt_filter_400_as_content_filter() throws Exception {
        upstream.respond(400, "application/json", fixture("/azure/error-content-filter.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
        assertEquals(400, e.status());
        assertEquals("content_filter/ResponsibleAIPolicyViolation", e.providerCode());
    }

    @Test
    void classifies_a_429_with_retry_after_ms_as_rate_limited_with_its_wait() throws Exception {
        upstream.onRequest((req, body) -> req.response().setStatusCode(429)
                .putHeader("content-type", "application/json")
                .putHeader("retry-after-ms", "5250").putHeader("retry-after", "6")
                .putHeader("x-ratelimit-remaining-tokens", "0").putHeader("x-ratelimit-remaining-requests", "12")
                .end(fixture("/azure/error-rate-limit.json")));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello("gpt-4o"), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals(5250, e.retryAfter().toMillis());
    }

    @Test
    void classifies_a_503_as_overloaded() throws Exception {
        upstream.respond(503, "application/json", fixture("/azure/error-service-unavailable.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertEquals("ServiceUnavailable", e.providerCode());
    }

    @Test
    void classifies_a_missing_deployment_as_not_found() throws Exception {
        upstream.respond(404, "application/json", fixture("/azure/error-deployment-not-found.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.NOT_FOUND, e.kind());
    }

    @Test
    void never_puts_the_key_in_an_exception_message() throws Exception {
        upstream.respond(401, "application/json",
                "{\"error\":{\"code\":\"401\",\"message\":\"Access denied due to invalid subscription key " + KEY + "\"}}");

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertFalse(e.getMessage().contains(KEY));
    }

    // ---------------------------------------------------------------- transport

    @Test
    void fails_as_connection_when_the_connection_is_refused() throws Exception {
        FakeUpstream gone = await(FakeUpstream.start(vertx));
        String url = gone.baseUrl();
        await(gone.close());
        AzureAdapter a = adapter(url, OPTIONS);

        ProviderException e = awaitFailure(onContext(loop, () -> a.chat(hello("gpt-4o"), new FakeCall())));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals(0, e.status());
        await(a.close());
    }

    @Test
    void resets_a_stream_when_cancelled_and_the_server_sees_the_connection_close() throws Exception {
        Promise<Void> closed = Promise.promise();
        upstream.onRequest((req, body) -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            String all = fixture("/azure/stream-text.sse");
            sse(req.response(), all.substring(0, all.indexOf("\n\n", all.indexOf("assistant")) + 2), 64 * 1024);
        });
        // Only the reset can close the connection before the test gives up waiting
        FakeCall call = FakeCall.withoutIdleTimeout();
        Future<Void> result = onContext(loop, () -> adapter.stream(hello("gpt-4o"), call,
                c -> call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "idle timeout"))));

        await(closed.future());
        awaitFailure(result);
        assertEquals(1, call.cancelHandlers());
    }

    // ---------------------------------------------------------------- embeddings

    @Test
    void embeds_through_the_embedding_deployment() throws Exception {
        upstream.respond(200, "application/json", fixture("/azure/embeddings.json"));
        EmbeddingRequest req = new EmbeddingRequest("text-embedding-3-small", List.of("hello"), null, null, null, null);

        EmbeddingResponse r = await(onContext(loop, () -> adapter.embed(req, new FakeCall())));

        assertEquals(3, r.vectors().get(0).length);
        assertEquals("/openai/deployments/embed-small/embeddings?api-version=" + AzureOptions.DEFAULT_API_VERSION,
                upstream.received.get(0).uri());
    }
}
