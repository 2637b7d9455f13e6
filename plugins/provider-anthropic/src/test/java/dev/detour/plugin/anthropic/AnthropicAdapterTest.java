package dev.detour.plugin.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeTarget;
import dev.detour.api.testing.FakeUpstream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static dev.detour.api.testing.TestFutures.onContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end over loopback: the adapter against a fake Anthropic, a real Vert.x server on port 0.
 */
@ExtendWith(VertxExtension.class)
class AnthropicAdapterTest {

    private static final String KEY = "sk-ant-test-key";

    private Vertx vertx;
    private HttpServer server;
    private volatile Handler<HttpServerRequest> upstream;
    private final List<Received> received = new CopyOnWriteArrayList<>();
    private Context loop;
    private ProviderAdapter adapter;

    /** What the fake upstream saw of one request. */
    private record Received(String method, String path, MultiMap headers, JsonNode body) {
    }

    @BeforeEach
    void start(Vertx vertx, VertxTestContext ctx) {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        server = vertx.createHttpServer()
                .requestHandler(req -> req.body().onSuccess(body -> {
                    received.add(new Received(req.method().name(), req.path(), MultiMap.caseInsensitiveMultiMap()
                            .addAll(req.headers()), Fixtures.parse(body.toString())));
                    upstream.handle(req);
                }));
        server.listen(0, "127.0.0.1").onComplete(ctx.succeeding(s -> {
            adapter = adapterFor("http://127.0.0.1:" + s.actualPort(), new AnthropicOptions(null, null,
                    List.of("beta-one", "beta-two")), Map.of("x-team", "detour"));
            ctx.completeNow();
        }));
    }

    @AfterEach
    void stop(VertxTestContext ctx) {
        adapter.close().compose(v -> server.close()).onComplete(ctx.succeedingThenComplete());
    }

    private ProviderAdapter adapterFor(String baseUrl, AnthropicOptions options, Map<String, String> headers) {
        return new AnthropicProviderFactory().create(options,
                new ProviderContext("anthropic", baseUrl, KEY, "us-east-1", headers, vertx, Clock.SYSTEM));
    }

    private static ChatRequest hello(boolean stream) {
        return ChatRequest.builder("claude-sonnet-4-5", List.of(Message.text("user", "Hello"))).stream(stream).build();
    }

    /** Runs an adapter call on an event loop, as core does. */
    private static void json(HttpServerRequest req, int status, byte[] body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(Buffer.buffer(body));
    }

    private static void sse(HttpServerRequest req, byte[] stream, int pieceSize, boolean end) {
        FakeUpstream.writeInPieces(req.response().putHeader("content-type", "text/event-stream"), stream, pieceSize);
        if (end) {
            req.response().end();
        }
    }

    /** A call to {@code anthropic/claude-sonnet-4-5} with the default timeouts. */
    private static FakeCall sonnetCall() {
        return new FakeCall(FakeTarget.of("anthropic", "claude-sonnet-4-5"));
    }

    @Test
    void chat_sends_documented_headers_and_returns_translated_answer(VertxTestContext ctx) {
        upstream = req -> json(req, 200, Fixtures.bytes("response-text.json"));

        onContext(loop, () -> adapter.chat(hello(false), sonnetCall())).onComplete(ctx.succeeding(r -> ctx.verify(() -> {
            assertEquals("Hi! My name is Claude.", r.text());
            assertEquals(FinishReason.STOP, r.finishReason());
            assertEquals(1, received.size());
            Received got = received.get(0);
            assertEquals("POST", got.method());
            assertEquals("/v1/messages", got.path());
            assertEquals(KEY, got.headers().get("x-api-key"));
            assertEquals("2023-06-01", got.headers().get("anthropic-version"));
            assertEquals("application/json", got.headers().get("content-type"));
            assertEquals("beta-one,beta-two", got.headers().get("anthropic-beta"));
            assertEquals("detour", got.headers().get("x-team"));
            assertNull(got.headers().get("authorization"));
            assertEquals(4096, got.body().path("max_tokens").asInt());
            assertFalse(got.body().has("stream"));
            ctx.completeNow();
        })));
    }

    @Test
    void chat_fails_with_classified_error_and_retry_after(VertxTestContext ctx) {
        upstream = req -> {
            req.response().putHeader("retry-after", "3");
            json(req, 429, "{\"type\":\"error\",\"error\":{\"type\":\"rate_limit_error\",\"message\":\"Number of request tokens has exceeded your per-minute rate limit\"}}".getBytes());
        };

        onContext(loop, () -> adapter.chat(hello(false), sonnetCall())).onComplete(ctx.failing(e -> ctx.verify(() -> {
            ProviderException pe = assertInstanceOf(ProviderException.class, e);
            assertEquals(ErrorKind.RATE_LIMITED, pe.kind());
            assertEquals(429, pe.status());
            assertEquals(java.time.Duration.ofSeconds(3), pe.retryAfter());
            assertFalse(pe.getMessage().contains(KEY));
            assertEquals(1, received.size(), "exactly one upstream call");
            ctx.completeNow();
        })));
    }

    @Test
    void chat_fails_with_overloaded_on_529(VertxTestContext ctx) {
        upstream = req -> json(req, 529, Fixtures.bytes("error-overloaded.json"));

        onContext(loop, () -> adapter.chat(hello(false), sonnetCall())).onComplete(ctx.failing(e -> ctx.verify(() -> {
            assertEquals(ErrorKind.OVERLOADED, ((ProviderException) e).kind());
            ctx.completeNow();
        })));
    }

    @Test
    void chat_refuses_unsupported_request_without_calling_upstream(VertxTestContext ctx) {
        upstream = req -> ctx.failNow("upstream must not be called");

        onContext(loop, () -> adapter.chat(hello(false).toBuilder().n(3).build(), sonnetCall()))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.UNSUPPORTED, ((ProviderException) e).kind());
                    assertTrue(received.isEmpty());
                    ctx.completeNow();
                })));
    }

    @Test
    void stream_delivers_documented_tool_use_stream_split_into_small_writes(VertxTestContext ctx) {
        upstream = req -> sse(req, Fixtures.bytes("stream-tool-use.sse"), 37, true);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        onContext(loop, () -> adapter.stream(hello(true), sonnetCall(), chunks::add))
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertEquals("assistant", chunks.get(0).role());
                    String text = chunks.stream().map(ChatChunk::text).filter(t -> t != null).collect(Collectors.joining());
                    assertEquals("Okay, let's check the weather for San Francisco, CA:", text);
                    List<ToolCallDelta> tools = chunks.stream().flatMap(c -> c.toolCalls().stream()).toList();
                    assertEquals("toolu_01T1x1fJ34qAmk2tNTrN7Up6", tools.get(0).id());
                    assertEquals(FinishReason.TOOL_CALLS, chunks.get(chunks.size() - 2).finishReason());
                    assertEquals(472, chunks.get(chunks.size() - 1).usage().promptTokens());
                    assertTrue(received.get(0).body().path("stream").asBoolean());
                    assertEquals(1, received.size());
                    ctx.completeNow();
                })));
    }

    @Test
    void stream_fails_with_overloaded_on_in_band_error(VertxTestContext ctx) {
        upstream = req -> sse(req, Fixtures.bytes("stream-error.sse"), 1024, true);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        onContext(loop, () -> adapter.stream(hello(true), sonnetCall(), chunks::add))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.OVERLOADED, ((ProviderException) e).kind());
                    assertTrue(chunks.stream().noneMatch(ChatChunk::hasContent));
                    ctx.completeNow();
                })));
    }

    @Test
    void stream_fails_with_connection_when_upstream_ends_without_message_stop(VertxTestContext ctx) {
        upstream = req -> sse(req, Fixtures.bytes("stream-cut.sse"), 1024, true);

        onContext(loop, () -> adapter.stream(hello(true), sonnetCall(), c -> { }))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.CONNECTION, ((ProviderException) e).kind());
                    ctx.completeNow();
                })));
    }

    @Test
    void stream_fails_with_connection_when_upstream_drops_the_connection(VertxTestContext ctx) {
        upstream = req -> {
            sse(req, Fixtures.bytes("stream-cut.sse"), 1024, false);
            req.connection().close();
        };

        onContext(loop, () -> adapter.stream(hello(true), sonnetCall(), c -> { }))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.CONNECTION, ((ProviderException) e).kind());
                    ctx.completeNow();
                })));
    }

    @Test
    void stream_fails_with_classified_error_status_before_any_chunk(VertxTestContext ctx) {
        upstream = req -> json(req, 401, "{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"invalid x-api-key\"}}".getBytes());
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        onContext(loop, () -> adapter.stream(hello(true), sonnetCall(), chunks::add))
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.AUTHENTICATION, ((ProviderException) e).kind());
                    assertTrue(chunks.isEmpty());
                    ctx.completeNow();
                })));
    }

    @Test
    void fails_with_connection_when_upstream_refuses_connections(VertxTestContext ctx) {
        vertx.createHttpServer().requestHandler(r -> { }).listen(0, "127.0.0.1")
                .compose(s -> s.close().map(s.actualPort()))
                .compose(port -> {
                    ProviderAdapter closed = adapterFor("http://127.0.0.1:" + port, AnthropicOptions.defaults(), Map.of());
                    return onContext(loop, () -> closed.chat(hello(false), sonnetCall()))
                            .eventually(() -> closed.close());
                })
                .onComplete(ctx.failing(e -> ctx.verify(() -> {
                    assertEquals(ErrorKind.CONNECTION, ((ProviderException) e).kind());
                    assertEquals(0, ((ProviderException) e).status());
                    ctx.completeNow();
                })));
    }

    @Test
    void cancel_resets_the_streaming_connection(VertxTestContext ctx) {
        // The upstream starts a stream and never finishes it: only the cancel can end the call.
        FakeCall call = sonnetCall();
        ProviderException deadline = new ProviderException(ErrorKind.TIMEOUT, 0, "idle timeout");
        Promise<Void> closed = Promise.promise();
        upstream = req -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            sse(req, Fixtures.bytes("stream-cut.sse"), 4096, false);
        };

        onContext(loop, () -> adapter.stream(hello(true), call, chunk -> {
            if (chunk.hasContent()) {
                call.cancel(deadline);
            }
        })).onComplete(ctx.failing(e -> ctx.verify(() -> assertSame(deadline, e))))
                .transform(ar -> closed.future())
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertEquals(1, call.cancelHandlers(), "one cancel handler per HTTP request");
                    ctx.completeNow();
                })));
    }

    @Test
    void cancel_resets_a_pending_chat_request(VertxTestContext ctx) {
        FakeCall call = sonnetCall();
        ProviderException deadline = new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout");
        Promise<Void> closed = Promise.promise();
        // The upstream holds the request without answering; the test cancels once it has arrived.
        upstream = req -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            loop.runOnContext(v -> call.cancel(deadline));
        };

        Future<ChatResponse> result = onContext(loop, () -> adapter.chat(hello(false), call));

        result.onComplete(ctx.failing(e -> ctx.verify(() -> assertSame(deadline, e))))
                .transform(ar -> closed.future())
                .onComplete(ctx.succeeding(v -> ctx.verify(() -> {
                    assertEquals(1, call.cancelHandlers(), "one cancel handler per HTTP request");
                    ctx.completeNow();
                })));
    }

    @Test
    void declares_capabilities_of_claude_models() {
        assertEquals(new Capabilities(true, true, true, false, 200_000), adapter.capabilities("claude-opus-4-1"));
        assertEquals(0, adapter.capabilities("some-proxy-model").contextWindow());
    }

    @Test
    void continues_a_cut_answer_by_a_prefill_without_its_trailing_whitespace() {
        ChatRequest r = adapter.continuation(hello(true), "Hello, dear \n");

        assertEquals(2, r.messages().size());
        assertEquals("assistant", r.messages().get(1).role());
        assertEquals("Hello, dear", r.messages().get(1).text(), "the API refuses a final assistant message ending in whitespace");
        assertTrue(r.stream());
    }

    @Test
    void a_clients_own_prefill_is_continued_with_the_text_after_it() {
        ChatRequest prefilled = ChatRequest.builder("claude-sonnet-4-5", List.of(Message.text("user", "JSON please"),
                Message.assistant("{", List.of()))).build();

        ChatRequest r = adapter.continuation(prefilled, "\"a\": 1, ");

        assertEquals(2, r.messages().size());
        assertEquals("{\"a\": 1,", r.messages().get(1).text());
        assertEquals(hello(false).messages(), adapter.continuation(hello(false), " \n").messages(),
                "nothing but whitespace: no prefill, the request as it was");
    }
}
