package dev.detour.plugin.openai;

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
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.provider.WireBody;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.detour.api.testing.TestFutures.await;
import static dev.detour.api.testing.TestFutures.awaitFailure;
import static dev.detour.api.testing.TestFutures.onContext;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static dev.detour.api.testing.FakeUpstream.writeInPieces;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class OpenAiAdapterTest {

    private static final String KEY = "sk-test-7f3a9c1e5b";

    private Vertx vertx;
    private Context loop;
    private FakeUpstream upstream;
    private OpenAiAdapter adapter;

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        this.upstream = await(FakeUpstream.start(vertx));
        this.adapter = adapter(upstream.baseUrl("/v1"), KEY, Map.of("X-Tenant", "northwind"),
                new OpenAiOptions("org-abc", "proj_123", 4));
    }

    @AfterEach
    void tearDown() throws Exception {
        await(adapter.close());
        await(upstream.close());
    }

    private OpenAiAdapter adapter(String baseUrl, String key, Map<String, String> headers, OpenAiOptions options) {
        return (OpenAiAdapter) new OpenAiProviderFactory().create(options,
                new ProviderContext("test", baseUrl, key, "", headers, vertx, Clock.SYSTEM));
    }

    // ---------------------------------------------------------------- helpers

    /** Runs an adapter call on an event loop, as core does. */
    private static ChatRequest request(String json) {
        return OpenAiJson.parseRequest(json(json));
    }

    private static JsonNode json(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static final String HELLO = """
            {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello!"}],"temperature":0.2,
             "logprobs":true,"service_tier":"flex","vendor_extension":{"nested":[1,2,{"x":"y"}]}}""";

    private static void sseResponse(HttpServerResponse resp) {
        resp.setChunked(true).putHeader("content-type", "text/event-stream");
    }

    // ---------------------------------------------------------------- non-streamed

    @Test
    void sends_bearer_key_json_and_extra_headers_and_forwards_unknown_fields_unchanged() throws Exception {
        // Given an upstream answering with the documented chat completion object
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));

        // When a request with fields Detour does not model is sent
        ChatResponse response = await(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        // Then the answer is translated
        assertEquals("chatcmpl-123", response.id());
        assertEquals("\n\nHello there, how may I assist you today?", response.choices().get(0).message().text());
        assertEquals(FinishReason.STOP, response.choices().get(0).finishReason());
        assertEquals(9, response.usage().promptTokens());
        assertEquals(12, response.usage().completionTokens());

        // And the upstream saw exactly one well-formed request
        assertEquals(1, upstream.received.size());
        FakeUpstream.Received r = upstream.received.get(0);
        assertEquals("POST", r.method());
        assertEquals("/v1/chat/completions", r.uri());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        assertEquals("application/json", r.header("Content-Type"));
        assertEquals("application/json", r.header("Accept"));
        assertEquals("northwind", r.header("X-Tenant"));
        assertEquals("org-abc", r.header("OpenAI-Organization"));
        assertEquals("proj_123", r.header("OpenAI-Project"));
        JsonNode sent = json(r.body().toString());
        assertEquals(json("{\"nested\":[1,2,{\"x\":\"y\"}]}"), sent.get("vendor_extension"));
        assertEquals("flex", sent.get("service_tier").asText());
        assertTrue(sent.get("logprobs").asBoolean());
        assertEquals(0.2, sent.get("temperature").asDouble());
        assertFalse(sent.has("stream"), "a non-streamed call must not ask for a stream");
        assertFalse(sent.has("stream_options"));
    }

    @Test
    void sends_the_clients_own_bytes_with_the_targets_model_when_the_call_carries_them() throws Exception {
        // Given the client's body, formatted its own way, with a field the canonical model does not keep
        String client = "{ \"model\" : \"support\",\n  \"messages\": [{\"role\":\"user\",\"content\":\"Hello!\","
                + "\"x_part\":{\"cache\":true}}], \"service_tier\":\"flex\" }";
        ChatRequest request = request(client).toBuilder().model("gpt-4o-mini").build();
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));
        FakeCall call = new FakeCall().inbound(new WireBody(WireBody.OPENAI, client.getBytes(StandardCharsets.UTF_8)));

        // When the attempt carries that body
        await(onContext(loop, () -> adapter.chat(request, call)));

        // Then the upstream gets those very bytes, only the model's value replaced
        assertEquals(client.replace("\"support\"", "\"gpt-4o-mini\""), upstream.received.get(0).body().toString());
    }

    @Test
    void a_stream_sends_the_clients_bytes_asking_for_usage_and_hands_back_each_events_bytes() throws Exception {
        String client = "{\"model\":\"support\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}";
        ChatRequest request = request(client).toBuilder().model("gpt-4o-mini").build();
        String sse = fixture("/openai/stream-text.sse");
        upstream.onRequest((req, body) -> {
            HttpServerResponse resp = req.response();
            sseResponse(resp);
            resp.end(sse);
        });
        FakeCall call = new FakeCall().inbound(new WireBody(WireBody.OPENAI, client.getBytes(StandardCharsets.UTF_8)));
        List<String> wires = new CopyOnWriteArrayList<>();
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        await(onContext(loop, () -> adapter.stream(request, call, new ChunkSink() {
            @Override
            public void next(ChatChunk chunk) {
                chunks.add(chunk);
                wires.add("(none)");
            }

            @Override
            public void next(ChatChunk chunk, WireBody wire) {
                chunks.add(chunk);
                wires.add(new String(wire.bytes(), StandardCharsets.UTF_8));
            }
        })));

        assertEquals("{\"stream_options\":{\"include_usage\":true},\"model\":\"gpt-4o-mini\",\"stream\":true,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}", upstream.received.get(0).body().toString());
        assertEquals(5, chunks.size());
        for (int i = 0; i < chunks.size(); i++) {
            assertTrue(sse.contains("data: " + wires.get(i) + "\n"), "event " + i + " comes with its own bytes: " + wires.get(i));
            assertEquals(OpenAiJson.parseChunk(json(wires.get(i))), List.of(chunks.get(i)), "and they say what the chunk says");
        }
    }

    @Test
    void hands_back_the_upstreams_answer_bytes_beside_the_canonical_answer() throws Exception {
        String answer = fixture("/openai/chat-completion.json");
        upstream.respond(200, "application/json", answer);
        FakeCall call = new FakeCall();

        ChatResponse response = await(onContext(loop, () -> adapter.chat(request(HELLO), call)));

        assertEquals(WireBody.OPENAI, call.answerWire().format());
        assertEquals(answer, new String(call.answerWire().bytes(), StandardCharsets.UTF_8));
        assertEquals(OpenAiJson.parseResponse(json(answer)), response, "the bytes say what the answer says");
        assertNull(new FakeCall().inbound(), "without the client's body the request is written from the record");
    }

    @Test
    void sends_no_authorization_header_when_the_provider_has_no_key() throws Exception {
        // Given a local vLLM-style provider without api_key
        OpenAiAdapter keyless = adapter(upstream.baseUrl("/v1"), null, Map.of(), OpenAiOptions.DEFAULTS);
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));

        await(onContext(loop, () -> keyless.chat(request(HELLO), new FakeCall())));

        FakeUpstream.Received r = upstream.received.get(0);
        assertNull(r.header("Authorization"));
        assertNull(r.header("OpenAI-Organization"));
        await(keyless.close());
    }

    @Test
    void allows_every_capability_by_default() {
        assertEquals(dev.detour.api.provider.Capabilities.ALL, adapter.capabilities("any-model"));
    }

    @Test
    void registers_a_cancel_handler_for_every_call() throws Exception {
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));
        FakeCall call = new FakeCall();
        await(onContext(loop, () -> adapter.chat(request(HELLO), call)));
        assertEquals(1, call.cancelHandlers());
    }

    // ---------------------------------------------------------------- streamed

    private List<ChatChunk> streamFixture(String fixtureName, int pieceSize) throws Exception {
        upstream.onRequest((req, body) -> {
            HttpServerResponse resp = req.response();
            sseResponse(resp);
            writeInPieces(resp, fixture("/openai/" + fixtureName), pieceSize);
            resp.end();
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();
        await(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), chunks::add)));
        return chunks;
    }

    @Test
    void streams_role_text_finish_and_usage_chunks_until_done() throws Exception {
        // Given an upstream streaming the documented chunks, usage chunk and [DONE]
        List<ChatChunk> chunks = streamFixture("stream-text.sse", 64 * 1024);

        // Then every chunk arrives in order, in canonical form
        assertEquals(5, chunks.size());
        assertEquals("assistant", chunks.get(0).role());
        assertFalse(chunks.get(0).hasContent());
        assertEquals("Hello", chunks.get(1).text());
        assertEquals(" wörld ✓", chunks.get(2).text());
        assertEquals(FinishReason.STOP, chunks.get(3).finishReason());
        assertEquals(9, chunks.get(4).usage().promptTokens());
        assertEquals(3, chunks.get(4).usage().completionTokens());

        // And the request asked for a stream with usage, accepting text/event-stream
        FakeUpstream.Received r = upstream.received.get(0);
        JsonNode sent = json(r.body().toString());
        assertTrue(sent.get("stream").asBoolean());
        assertTrue(sent.get("stream_options").get("include_usage").asBoolean());
        assertEquals("text/event-stream", r.header("Accept"));
        assertEquals("flex", sent.get("service_tier").asText());
    }

    @Test
    void streams_tool_call_deltas() throws Exception {
        List<ChatChunk> chunks = streamFixture("stream-tool-calls.sse", 64 * 1024);

        ToolCallDelta first = chunks.get(0).toolCalls().get(0);
        assertEquals(0, first.index());
        assertEquals("call_abc123", first.id());
        assertEquals("get_current_weather", first.name());
        StringBuilder args = new StringBuilder();
        chunks.forEach(c -> c.toolCalls().forEach(t -> args.append(t.argumentsDelta())));
        assertEquals("{\"location\": \"Boston, MA\"}", args.toString());
        assertEquals(FinishReason.TOOL_CALLS, chunks.get(3).finishReason());
        assertEquals(99, chunks.get(4).usage().totalTokens());
    }

    @Test
    void decodes_a_stream_written_in_three_byte_pieces() throws Exception {
        // Multi-byte UTF-8 characters and event boundaries fall inside pieces
        List<ChatChunk> chunks = streamFixture("stream-text.sse", 3);
        assertEquals(5, chunks.size());
        assertEquals(" wörld ✓", chunks.get(2).text());
    }

    @Test
    void an_image_url_no_provider_can_fetch_is_refused_as_invalid_request_without_a_call() throws Exception {
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));
        ChatRequest r = request("""
                {"model":"gpt-4o","messages":[{"role":"user","content":[{"type":"text","text":"What is this?"},
                 {"type":"image_url","image_url":{"url":"file:///etc/passwd"}}]}]}""");

        ProviderException chat = awaitFailure(onContext(loop, () -> adapter.chat(r, new FakeCall())));
        ProviderException stream = awaitFailure(onContext(loop, () -> adapter.stream(r, new FakeCall(), c -> { })));

        for (ProviderException e : List.of(chat, stream)) {
            assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
            assertEquals(0, e.status());
            assertTrue(e.getMessage().startsWith("messages[0].content[1].image_url.url: image URLs must be http(s): or data: URLs"),
                    e.getMessage());
        }
        assertEquals(0, upstream.received.size(), "nothing is sent upstream");
    }

    @Test
    void fails_with_the_classified_error_when_the_stream_carries_an_error_event() throws Exception {
        upstream.onRequest((req, body) -> {
            sseResponse(req.response());
            req.response().end(fixture("/openai/stream-error.sse"));
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals("The server had an error while processing your request. Sorry about that!", e.getMessage());
        assertEquals("server_error", e.providerCode());
        assertEquals(2, chunks.size(), "chunks before the error are delivered");
    }

    @Test
    void fails_as_connection_when_the_stream_ends_without_done() throws Exception {
        upstream.onRequest((req, body) -> {
            sseResponse(req.response());
            String all = fixture("/openai/stream-text.sse");
            req.response().end(all.substring(0, all.indexOf("data: [DONE]")));
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals("stream ended before [DONE]", e.getMessage());
        assertEquals(5, chunks.size());
    }

    @Test
    void fails_a_stream_with_the_classified_error_when_the_upstream_answers_429() throws Exception {
        upstream.onRequest((req, body) -> req.response().setStatusCode(429)
                .putHeader("content-type", "application/json").putHeader("retry-after-ms", "1500")
                .end(fixture("/openai/error-rate-limit.json")));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals("rate_limit_exceeded", e.providerCode());
        assertEquals(1500, e.retryAfter().toMillis());
    }

    @Test
    void fails_a_stream_as_server_error_when_the_upstream_answers_with_plain_json() throws Exception {
        // Given a compatible server that ignores stream:true
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertTrue(chunks.isEmpty());
    }

    // ---------------------------------------------------------------- transport failures

    @Test
    void fails_as_connection_when_the_connection_is_refused() throws Exception {
        // Given a port nobody listens on any more
        FakeUpstream gone = await(FakeUpstream.start(vertx));
        String url = gone.baseUrl();
        await(gone.close());
        OpenAiAdapter a = adapter(url, KEY, Map.of(), OpenAiOptions.DEFAULTS);

        ProviderException e = awaitFailure(onContext(loop, () -> a.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals(0, e.status());
        assertFalse(e.getMessage().contains(KEY));
        await(a.close());
    }

    @Test
    void fails_as_connection_when_the_server_closes_the_socket_without_answering() throws Exception {
        upstream.onRequest((req, body) -> req.connection().close());

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.CONNECTION, e.kind());
    }

    @Test
    void fails_a_stream_as_connection_when_the_server_closes_the_socket_mid_stream() throws Exception {
        upstream.onRequest((req, body) -> {
            sseResponse(req.response());
            String all = fixture("/openai/stream-text.sse");
            req.response().write(all.substring(0, all.indexOf("\n\n") + 2))
                    .onComplete(v -> req.connection().close());
        });
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals(1, chunks.size());
    }

    @Test
    void resets_the_request_when_cancelled_and_the_server_sees_the_connection_close() throws Exception {
        // Given an upstream that accepts the request and never answers
        Promise<Void> requestSeen = Promise.promise();
        Promise<Void> connectionClosed = Promise.promise();
        upstream.onRequest((req, body) -> {
            req.connection().closeHandler(v -> connectionClosed.tryComplete());
            requestSeen.tryComplete();
        });
        // Only the reset can close the connection before the test gives up waiting
        FakeCall call = FakeCall.withoutIdleTimeout();
        Future<ChatResponse> result = onContext(loop, () -> adapter.chat(request(HELLO), call));
        await(requestSeen.future());

        // When core cancels the call (e.g. its total timeout fired)
        loop.runOnContext(v -> call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout")));

        // Then the connection is closed, which the upstream observes, and the call fails
        await(connectionClosed.future());
        awaitFailure(result);
    }

    @Test
    void resets_a_stream_when_cancelled_after_the_first_chunk() throws Exception {
        Promise<Void> connectionClosed = Promise.promise();
        upstream.onRequest((req, body) -> {
            req.connection().closeHandler(v -> connectionClosed.tryComplete());
            sseResponse(req.response());
            String all = fixture("/openai/stream-text.sse");
            req.response().write(all.substring(0, all.indexOf("\n\n") + 2));
        });
        // Only the reset can close the connection before the test gives up waiting
        FakeCall call = FakeCall.withoutIdleTimeout();
        // When the first chunk arrives, core decides to abandon the stream
        Future<Void> result = onContext(loop, () -> adapter.stream(request(HELLO), call,
                c -> call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "idle timeout"))));

        await(connectionClosed.future());
        awaitFailure(result);
    }

    @Test
    void does_not_call_the_upstream_when_the_call_was_cancelled_before_it_started() throws Exception {
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));
        FakeCall call = new FakeCall();
        call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout"));

        awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), call)));

        assertEquals(0, upstream.received.size());
    }

    // ---------------------------------------------------------------- error answers over HTTP

    @Test
    void classifies_an_error_answer_with_status_code_message_and_retry_after() throws Exception {
        upstream.onRequest((req, body) -> req.response().setStatusCode(503)
                .putHeader("content-type", "application/json").putHeader("retry-after", "7")
                .end(fixture("/openai/error-overloaded.json")));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertEquals(503, e.status());
        assertEquals("The engine is currently overloaded, please try again later", e.getMessage());
        assertEquals("server_error", e.providerCode());
        assertEquals(7, e.retryAfter().toSeconds());
    }

    @Test
    void classifies_a_context_length_error_answer() throws Exception {
        upstream.respond(400, "application/json", fixture("/openai/error-context-length.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
        assertEquals("context_length_exceeded", e.providerCode());
    }

    @Test
    void classifies_an_error_object_sent_with_status_200() throws Exception {
        upstream.respond(200, "application/json",
                "{\"error\":{\"message\":\"upstream exploded\",\"type\":\"server_error\",\"code\":502}}");

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals(502, e.status());
    }

    @Test
    void fails_as_server_error_when_a_2xx_body_is_not_json() throws Exception {
        upstream.respond(200, "application/json", "<html>oops</html>");

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
    }

    // ---------------------------------------------------------------- keys

    @Test
    void never_puts_the_api_key_in_an_exception_message() throws Exception {
        // Given an upstream that echoes the key it received in its error message
        upstream.onRequest((req, body) -> req.response().setStatusCode(401)
                .putHeader("content-type", "application/json")
                .end("{\"error\":{\"message\":\"Incorrect API key provided: " + req.getHeader("Authorization")
                        + "\",\"type\":\"invalid_request_error\",\"code\":\"invalid_api_key\"}}"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertFalse(e.getMessage().contains(KEY), e.getMessage());
        assertFalse(e.toString().contains(KEY));
        assertEquals("Incorrect API key provided: Bearer [redacted]", e.getMessage());

        // And in a stream's in-band error and a non-JSON body too
        upstream.onRequest((req, body) -> {
            sseResponse(req.response());
            req.response().end("data: {\"error\":{\"message\":\"bad key " + KEY + "\",\"type\":\"server_error\"}}\n\n");
        });
        ProviderException s = awaitFailure(onContext(loop, () -> adapter.stream(request(HELLO), new FakeCall(), c -> { })));
        assertFalse(s.getMessage().contains(KEY), s.getMessage());
        upstream.respond(502, "text/html", "<html>bad gateway for " + KEY + "</html>");
        ProviderException h = awaitFailure(onContext(loop, () -> adapter.chat(request(HELLO), new FakeCall())));
        assertFalse(h.getMessage().contains(KEY), h.getMessage());
        assertEquals(ErrorKind.SERVER_ERROR, h.kind());
    }

    // ---------------------------------------------------------------- embeddings

    @Test
    void round_trips_embeddings() throws Exception {
        upstream.respond(200, "application/json", fixture("/openai/embeddings.json"));
        EmbeddingRequest req = new EmbeddingRequest("text-embedding-3-small", List.of("a", "b"), 3, "base64", null,
                null);

        FakeCall call = new FakeCall();
        EmbeddingResponse resp = await(onContext(loop, () -> adapter.embed(req, call)));

        assertEquals(2, resp.vectors().size());
        assertArrayEquals(new float[] {0.5f, -1.25f, 2.0f}, resp.vectors().get(1));
        assertEquals(8, resp.usage().promptTokens());
        FakeUpstream.Received r = upstream.received.get(0);
        assertEquals("/v1/embeddings", r.uri());
        assertEquals("Bearer " + KEY, r.header("Authorization"));
        JsonNode sent = json(r.body().toString());
        assertEquals(json("[\"a\",\"b\"]"), sent.get("input"));
        assertEquals(3, sent.get("dimensions").asInt());
        assertEquals("base64", sent.get("encoding_format").asText(), "the client's encoding is asked for");
        assertNull(call.answerWire(), "floats where base64 was asked for: core re-encodes, no bytes handed back");
    }

    @Test
    void hands_back_the_embeddings_bytes_when_they_are_in_the_encoding_asked_for() throws Exception {
        String body = "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":[-0.5134599804878235,0.1]}],\"model\":\"m\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}";
        upstream.respond(200, "application/json", body);
        FakeCall call = new FakeCall();

        EmbeddingResponse resp = await(onContext(loop, () -> adapter.embed(
                new EmbeddingRequest("m", List.of("x"), null, null, null, null), call)));

        assertArrayEquals(new float[] {-0.5134599804878235f, 0.1f}, resp.vectors().get(0));
        assertEquals(body, new String(call.answerWire().bytes(), StandardCharsets.UTF_8));
        assertEquals(WireBody.OPENAI, call.answerWire().format());
        assertFalse(json(upstream.received.get(0).body().toString()).has("encoding_format"),
                "no encoding asked for by the client: none asked of the upstream (its default is floats)");
    }

    @Test
    void parses_base64_embeddings_from_upstream() throws Exception {
        ByteBuffer bb = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN);
        bb.putFloat(1.5f).putFloat(-2f).putFloat(0.25f);
        String b64 = Base64.getEncoder().encodeToString(bb.array());
        upstream.respond(200, "application/json", "{\"object\":\"list\",\"data\":[{\"object\":\"embedding\",\"index\":0,"
                + "\"embedding\":\"" + b64 + "\"}],\"model\":\"text-embedding-3-small\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}");

        EmbeddingResponse resp = await(onContext(loop, () -> adapter.embed(
                new EmbeddingRequest("text-embedding-3-small", List.of("x"), null, null, null, null), new FakeCall())));

        assertArrayEquals(new float[] {1.5f, -2f, 0.25f}, resp.vectors().get(0));
    }

    @Test
    void classifies_embedding_errors_like_chat_errors() throws Exception {
        upstream.respond(404, "application/json", fixture("/openai/error-model-not-found.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.embed(
                new EmbeddingRequest("nope", List.of("x"), null, null, null, null), new FakeCall())));

        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals("model_not_found", e.providerCode());
    }

    // ---------------------------------------------------------------- continuation (stream.resume)

    @Test
    void continues_a_cut_answer_with_the_answer_so_far_and_an_instruction_by_default() {
        ChatRequest r = adapter.continuation(request(HELLO), "The quick brown ");

        List<Message> m = r.messages();
        assertEquals(request(HELLO).messages().size() + 2, m.size());
        assertEquals("assistant", m.get(m.size() - 2).role());
        assertEquals("The quick brown ", m.get(m.size() - 2).text());
        assertEquals("user", m.get(m.size() - 1).role());
        assertEquals(ProviderAdapter.CONTINUE_INSTRUCTION, m.get(m.size() - 1).text());
        assertEquals(request(HELLO).model(), r.model(), "everything else as it was");
    }

    @Test
    void continues_by_vllms_assistant_prefix_when_configured() throws Exception {
        OpenAiAdapter vllm = adapter(upstream.baseUrl("/v1"), KEY, Map.of(),
                new OpenAiOptions(null, null, null, OpenAiOptions.CONTINUE_FINAL_MESSAGE));

        ChatRequest original = request(HELLO);
        ChatRequest r = vllm.continuation(original, "The quick brown ");

        List<Message> m = r.messages();
        assertEquals(request(HELLO).messages().size() + 1, m.size());
        assertEquals("assistant", m.get(m.size() - 1).role());
        assertEquals("The quick brown ", m.get(m.size() - 1).text(), "a prefix keeps its whitespace");
        JsonNode body = OpenAiJson.writeRequest(r);
        assertTrue(body.path("continue_final_message").asBoolean());
        assertFalse(body.path("add_generation_prompt").asBoolean(true));
        assertFalse(original.extra().has("continue_final_message"), "the request it continues is untouched");
        assertEquals("flex", body.path("service_tier").asText(), "the client's other fields still travel");
        await(vllm.close());
    }

    // ---------------------------------------------------------------- base URL

    @Test
    void appends_the_base_url_query_to_every_request() throws Exception {
        // Azure-style deployments carry ?api-version= on the base URL
        OpenAiAdapter azure = adapter(upstream.baseUrl("/v1") + "/deployments/gpt4o?api-version=2024-10-21", null,
                Map.of("api-key", "azure-key"), OpenAiOptions.DEFAULTS);
        upstream.respond(200, "application/json", fixture("/openai/chat-completion.json"));

        await(onContext(loop, () -> azure.chat(request(HELLO), new FakeCall())));

        FakeUpstream.Received r = upstream.received.get(0);
        assertEquals("/v1/deployments/gpt4o/chat/completions?api-version=2024-10-21", r.uri());
        assertEquals("azure-key", r.header("api-key"));
        await(azure.close());
    }
}
