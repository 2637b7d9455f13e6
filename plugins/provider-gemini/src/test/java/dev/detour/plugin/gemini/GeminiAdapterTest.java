package dev.detour.plugin.gemini;

import dev.detour.wire.gemini.GeminiTranslator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeTarget;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static dev.detour.api.testing.TestFutures.onContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The adapter end to end against a fake Gemini upstream: a real Vert.x HTTP server on a free
 * loopback port that records every request it receives.
 */
@ExtendWith(VertxExtension.class)
class GeminiAdapterTest {
    private static final String KEY = "AIzaTEST-key-0123456789";

    /** One request as the fake upstream saw it. */
    record Seen(String uri, String path, String query, MultiMap headers, String body) {
    }

    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile Handler<HttpServerRequest> behaviour;
    private HttpServer server;
    private ProviderAdapter adapter;

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        vertx.createHttpServer()
                .requestHandler(req -> req.body().onSuccess(b -> {
                    seen.add(new Seen(req.uri(), req.path(), req.query(), MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                            b.toString(StandardCharsets.UTF_8)));
                    behaviour.handle(req);
                }))
                .listen(0, "127.0.0.1")
                .onComplete(ctx.succeeding(s -> {
                    server = s;
                    adapter = adapterFor(vertx, "http://127.0.0.1:" + s.actualPort());
                    ctx.completeNow();
                }));
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        Future<Void> closing = adapter == null ? Future.succeededFuture() : adapter.close();
        closing.compose(v -> server == null ? Future.succeededFuture() : server.close()).onComplete(ctx.succeedingThenComplete());
    }

    /**
     * The adapter, called on an event loop as core calls it. Called from the test's thread instead,
     * a slow first test could attach its response handlers only after Vert.x had delivered (and
     * dropped) the body, and hang.
     */
    private static ProviderAdapter adapterFor(Vertx vertx, String baseUrl) {
        ProviderContext pc = new ProviderContext("gemini", baseUrl, KEY, "", Map.of("x-team", "detour"), vertx, Clock.SYSTEM);
        ProviderAdapter real = new GeminiProviderFactory().create(GeminiOptions.defaults(), pc);
        io.vertx.core.Context loop = vertx.getOrCreateContext();
        return new ProviderAdapter() {
            @Override
            public Future<dev.detour.api.model.ChatResponse> chat(ChatRequest request, dev.detour.api.provider.Call call) {
                return onContext(loop, () -> real.chat(request, call));
            }

            @Override
            public Future<Void> stream(ChatRequest request, dev.detour.api.provider.Call call,
                                       dev.detour.api.provider.ChunkSink sink) {
                return onContext(loop, () -> real.stream(request, call, sink));
            }

            @Override
            public Future<dev.detour.api.model.EmbeddingResponse> embed(EmbeddingRequest request,
                                                                       dev.detour.api.provider.Call call) {
                return onContext(loop, () -> real.embed(request, call));
            }

            @Override
            public Capabilities capabilities(String model) {
                return real.capabilities(model);
            }

            @Override
            public Future<Void> close() {
                return real.close();
            }
        };
    }

    private static ChatRequest hello(String model) {
        return ChatRequest.builder(model, List.of(Message.text("user", "Give me python code to sort a list."))).build();
    }

    private static void json(HttpServerRequest req, int status, String body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
    }

    private static JsonNode parse(String s) {
        try {
            return GeminiTranslator.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A call to {@code gemini/<model>} with the default timeouts. */
    private static FakeCall geminiCall(String model) {
        return new FakeCall(FakeTarget.of("gemini", model));
    }

    @Test
    void chat_posts_generate_content_with_the_key_in_a_header_and_never_in_the_url(VertxTestContext ctx) {
        behaviour = req -> json(req, 200, Fixtures.text("text_response.json"));

        adapter.chat(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash")).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertEquals(1, seen.size());
            Seen s = seen.get(0);
            assertEquals("/v1beta/models/gemini-2.5-flash:generateContent", s.path());
            assertNull(s.query());
            assertFalse(s.uri().contains(KEY));
            assertEquals(KEY, s.headers().get("x-goog-api-key"));
            assertEquals("detour", s.headers().get("x-team"));
            assertEquals("[{\"role\":\"user\",\"parts\":[{\"text\":\"Give me python code to sort a list.\"}]}]",
                    parse(s.body()).get("contents").toString());
            assertTrue(r.text().startsWith("```python"));
            assertEquals(FinishReason.STOP, r.finishReason());
            assertEquals(96, r.usage().totalTokens());
            ctx.completeNow();
        })));
    }

    @Test
    void stream_uses_alt_sse_and_pushes_chunks_until_the_response_ends(VertxTestContext ctx) {
        String sse = Fixtures.text("stream_text.sse");
        behaviour = req -> {
            req.response().setChunked(true).putHeader("content-type", "text/event-stream");
            int third = sse.length() / 3;
            req.response().write(sse.substring(0, third));
            req.response().write(sse.substring(third, 2 * third));
            req.response().end(sse.substring(2 * third));
        };
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        adapter.stream(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"), chunks::add).onComplete(ctx.succeeding(v -> ctx.verify(() -> {
            Seen s = seen.get(0);
            assertEquals("/v1beta/models/gemini-2.5-flash:streamGenerateContent", s.path());
            assertEquals("alt=sse", s.query());
            assertFalse(s.uri().contains(KEY));
            assertEquals(KEY, s.headers().get("x-goog-api-key"));
            assertEquals("Hello! How can I help you today?",
                    chunks.stream().map(ChatChunk::text).filter(t -> t != null).collect(Collectors.joining()));
            assertEquals(FinishReason.STOP, chunks.get(chunks.size() - 2).finishReason());
            assertEquals(16, chunks.get(chunks.size() - 1).usage().totalTokens());
            ctx.completeNow();
        })));
    }

    @Test
    void a_stream_that_ends_before_a_finish_reason_fails_as_connection(VertxTestContext ctx) {
        behaviour = req -> req.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .end("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}]}\r\n\r\n");
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        adapter.stream(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"), chunks::add).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.CONNECTION, ((ProviderException) t).kind());
            assertEquals("Hel", chunks.get(0).text());
            ctx.completeNow();
        })));
    }

    @Test
    void a_stream_whose_connection_drops_fails_as_connection(VertxTestContext ctx) {
        behaviour = req -> req.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .write("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"Hel\"}]}}]}\r\n\r\n")
                .onComplete(ar -> req.connection().close());

        adapter.stream(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"), c -> { }).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.CONNECTION, ((ProviderException) t).kind());
            ctx.completeNow();
        })));
    }

    @Test
    void an_error_event_in_the_stream_fails_it_with_the_classified_kind(VertxTestContext ctx) {
        behaviour = req -> req.response().setChunked(true).putHeader("content-type", "text/event-stream")
                .end("data: {\"error\":{\"code\":500,\"message\":\"An internal error has occurred.\",\"status\":\"INTERNAL\"}}\r\n\r\n");

        adapter.stream(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"), c -> { }).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.SERVER_ERROR, ((ProviderException) t).kind());
            ctx.completeNow();
        })));
    }

    @Test
    void an_error_status_is_classified_with_its_retry_after(VertxTestContext ctx) {
        behaviour = req -> req.response().setStatusCode(429).putHeader("retry-after", "7")
                .putHeader("content-type", "application/json").end(Fixtures.text("error_rate_limited.json"));

        adapter.chat(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash")).onComplete(ctx.failing(t -> ctx.verify(() -> {
            ProviderException e = (ProviderException) t;
            assertEquals(ErrorKind.RATE_LIMITED, e.kind());
            assertEquals(429, e.status());
            assertEquals(Duration.ofSeconds(7), e.retryAfter());
            assertFalse(e.getMessage().contains(KEY));
            ctx.completeNow();
        })));
    }

    @Test
    void an_upstream_error_that_echoes_the_key_never_carries_it_into_the_failure(VertxTestContext ctx) {
        behaviour = req -> json(req, 403, "{\"error\":{\"code\":403,\"message\":\"Key " + req.getHeader("x-goog-api-key")
                + " is not allowed to call this model.\",\"status\":\"PERMISSION_DENIED\"}}");

        adapter.chat(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash")).onComplete(ctx.failing(t -> ctx.verify(() -> {
            ProviderException e = (ProviderException) t;
            assertEquals(ErrorKind.PERMISSION, e.kind());
            assertFalse(e.getMessage().contains(KEY), e.getMessage());
            assertTrue(e.getMessage().contains("***"), e.getMessage());
            ctx.completeNow();
        })));
    }

    @Test
    void an_error_status_on_a_stream_is_classified_before_any_chunk(VertxTestContext ctx) {
        behaviour = req -> json(req, 503, "{\"error\":{\"code\":503,\"message\":\"The model is overloaded. Please try again later.\",\"status\":\"UNAVAILABLE\"}}");
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        adapter.stream(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"), chunks::add).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.OVERLOADED, ((ProviderException) t).kind());
            assertTrue(chunks.isEmpty());
            ctx.completeNow();
        })));
    }

    @Test
    void a_refused_connection_fails_as_connection(Vertx vertx, VertxTestContext ctx) {
        vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1").compose(s -> {
            int port = s.actualPort();
            return s.close().map(v -> port);
        }).compose(port -> {
            ProviderAdapter closedPort = adapterFor(vertx, "http://127.0.0.1:" + port);
            return closedPort.chat(hello("gemini-2.5-flash"), geminiCall("gemini-2.5-flash"))
                    .andThen(ar -> closedPort.close());
        }).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.CONNECTION, ((ProviderException) t).kind());
            assertEquals(0, ((ProviderException) t).status());
            ctx.completeNow();
        })));
    }

    @Test
    void cancelling_the_call_resets_the_upstream_connection(VertxTestContext ctx) {
        FakeCall call = geminiCall("gemini-2.5-flash");
        // The upstream never answers; when the request has arrived, core gives up on the call.
        behaviour = req -> {
            req.connection().closeHandler(v -> ctx.verify(() -> {
                assertTrue(call.cancelled());
                ctx.completeNow();
            }));
            call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "first token timeout"));
        };

        adapter.stream(hello("gemini-2.5-flash"), call, c -> { });
    }

    @Test
    void a_call_cancelled_before_it_starts_never_reaches_the_upstream(VertxTestContext ctx) {
        FakeCall call = geminiCall("gemini-2.5-flash");
        call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout"));
        behaviour = req -> json(req, 200, Fixtures.text("text_response.json"));

        adapter.chat(hello("gemini-2.5-flash"), call).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertTrue(seen.isEmpty());
            ctx.completeNow();
        })));
    }

    @Test
    void one_input_is_embedded_with_embed_content(VertxTestContext ctx) {
        behaviour = req -> json(req, 200, Fixtures.text("embed_content_response.json"));
        EmbeddingRequest r = new EmbeddingRequest("gemini-embedding-001", List.of("Hello world"), null, null, null, null);

        adapter.embed(r, geminiCall("gemini-embedding-001")).onComplete(ctx.succeeding(e -> ctx.verify(() -> {
            Seen s = seen.get(0);
            assertEquals("/v1beta/models/gemini-embedding-001:embedContent", s.path());
            assertEquals(KEY, s.headers().get("x-goog-api-key"));
            assertNull(s.query());
            assertEquals("Hello world", parse(s.body()).at("/content/parts/0/text").asText());
            assertEquals(1, e.vectors().size());
            assertEquals(4, e.vectors().get(0).length);
            ctx.completeNow();
        })));
    }

    @Test
    void several_inputs_are_embedded_with_batch_embed_contents(VertxTestContext ctx) {
        behaviour = req -> json(req, 200, Fixtures.text("batch_embed_contents_response.json"));
        EmbeddingRequest r = new EmbeddingRequest("gemini-embedding-001",
                List.of("What is the meaning of life?", "How much wood would a woodchuck chuck?", "How does the brain work?"),
                null, null, null, null);

        adapter.embed(r, geminiCall("gemini-embedding-001")).onComplete(ctx.succeeding(e -> ctx.verify(() -> {
            Seen s = seen.get(0);
            assertEquals("/v1beta/models/gemini-embedding-001:batchEmbedContents", s.path());
            JsonNode body = parse(s.body());
            assertEquals(3, body.get("requests").size());
            assertEquals("models/gemini-embedding-001", body.at("/requests/2/model").asText());
            assertEquals(3, e.vectors().size());
            ctx.completeNow();
        })));
    }

    @Test
    void an_unsupported_request_fails_without_calling_the_upstream(VertxTestContext ctx) {
        behaviour = req -> json(req, 200, Fixtures.text("text_response.json"));
        ChatRequest r = ChatRequest.builder("gemini-2.5-flash", List.of(new Message("user",
                List.of(new dev.detour.api.model.ContentPart.Other("input_audio", null)), false, null, null, null, null, null))).build();

        adapter.chat(r, geminiCall("gemini-2.5-flash")).onComplete(ctx.failing(t -> ctx.verify(() -> {
            assertEquals(ErrorKind.UNSUPPORTED, ((ProviderException) t).kind());
            assertTrue(seen.isEmpty());
            ctx.completeNow();
        })));
    }

    @Test
    void a_malformed_model_name_or_a_file_url_fails_as_invalid_request_without_calling_the_upstream(VertxTestContext ctx) {
        behaviour = req -> json(req, 200, Fixtures.text("text_response.json"));
        ChatRequest badModel = ChatRequest.builder("../files/x", List.of(Message.text("user", "Hi"))).build();
        ChatRequest fileUrl = ChatRequest.builder("gemini-2.5-flash", List.of(new Message("user",
                List.of(new dev.detour.api.model.ContentPart.Image("file:///etc/passwd", null)), false, null, null, null,
                null, null))).build();

        adapter.chat(badModel, geminiCall("../files/x")).onComplete(ctx.failing(t1 -> ctx.verify(() -> {
            assertEquals(ErrorKind.INVALID_REQUEST, ((ProviderException) t1).kind());
            adapter.stream(fileUrl, geminiCall("gemini-2.5-flash"), c -> { }).onComplete(ctx.failing(t2 -> ctx.verify(() -> {
                assertEquals(ErrorKind.INVALID_REQUEST, ((ProviderException) t2).kind());
                assertTrue(seen.isEmpty());
                ctx.completeNow();
            })));
        })));
    }

    @Test
    void model_problem_refuses_what_cannot_go_into_the_url_path(Vertx vertx) {
        ProviderAdapter real = new GeminiProviderFactory().create(GeminiOptions.defaults(),
                new ProviderContext("gemini", "http://127.0.0.1:1", KEY, "", Map.of(), vertx, Clock.SYSTEM));
        try {
            assertNull(real.modelProblem("gemini-2.5-flash"));
            assertNull(real.modelProblem("models/gemini-2.5-flash"));
            for (String bad : List.of("../files/x", "gemini-2.5-flash:generateContent", "a?alt=json", "a%2Fb")) {
                assertTrue(real.modelProblem(bad) != null, bad);
            }
        } finally {
            real.close();
        }
    }

    @Test
    void capabilities_declare_vision_tools_json_and_the_long_context_of_gemini_1_5_and_2() {
        Capabilities c = adapter.capabilities("gemini-2.5-flash");

        assertTrue(c.vision() && c.tools() && c.json());
        assertFalse(c.otherParts());
        assertEquals(1_048_576, c.contextWindow());
        assertEquals(1_048_576, adapter.capabilities("gemini-1.5-pro-002").contextWindow());
        assertEquals(0, adapter.capabilities("gemma-3-27b-it").contextWindow());
    }
}
