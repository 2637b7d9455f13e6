package dev.detour.plugin.bedrock;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ProviderContext;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeUpstream;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static dev.detour.api.testing.TestFutures.await;
import static dev.detour.api.testing.TestFutures.awaitFailure;
import static dev.detour.api.testing.TestFutures.onContext;
import static dev.detour.plugin.bedrock.BedrockSignerTest.ACCESS_KEY;
import static dev.detour.plugin.bedrock.BedrockSignerTest.SECRET;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(VertxExtension.class)
class BedrockAdapterTest {

    private static final String MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");
    private static final Clock FIXED = new Clock() {
        @Override
        public long nanos() {
            return System.nanoTime();
        }

        @Override
        public Instant now() {
            return NOW;
        }
    };

    private Vertx vertx;
    private Context loop;
    private FakeUpstream upstream;
    private BedrockAdapter adapter;
    /** Signature checks done on the server side: null when the last request verified, else why not. */
    private final List<String> signatureProblems = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp(Vertx vertx) throws Exception {
        this.vertx = vertx;
        this.loop = vertx.getOrCreateContext();
        this.upstream = await(FakeUpstream.start(vertx));
        this.adapter = adapter(upstream.baseUrl(), "us-west-2", new BedrockOptions(null, ACCESS_KEY, SECRET, null, 4));
    }

    @AfterEach
    void tearDown() throws Exception {
        await(adapter.close());
        await(upstream.close());
    }

    private BedrockAdapter adapter(String baseUrl, String region, BedrockOptions options) {
        return (BedrockAdapter) new BedrockProviderFactory().create(options,
                new ProviderContext("bedrock", baseUrl, "ignored-api-key", region, Map.of("X-Tenant", "northwind"), vertx, FIXED));
    }

    private static ChatRequest hello() {
        return OpenAiJson.parseRequest(BedrockTranslatorTest.json("{\"model\":\"" + MODEL + "\",\"messages\":["
                + "{\"role\":\"system\",\"content\":\"Be brief.\"},{\"role\":\"user\",\"content\":\"Hello!\"}],\"max_tokens\":100}"));
    }

    /** Answers JSON after recomputing the request's signature from what arrived on the wire. */
    private void answerJson(int status, Map<String, String> headers, String body) {
        upstream.onRequest((req, b) -> {
            verifySignature(req.method().name(), req.uri(), req.headers(), b);
            HttpServerResponse resp = req.response().setStatusCode(status).putHeader("content-type", "application/json")
                    .putHeader("x-amzn-RequestId", "c2a2ff6b-5f5b-4f3f-8b5a-1f2e3d4c5b6a");
            headers.forEach(resp::putHeader);
            resp.end(body);
        });
    }

    /** Streams encoded event-stream frames, cut into pieces of the given size. */
    private void answerStream(Buffer frames, int pieceSize) {
        upstream.onRequest((req, b) -> {
            verifySignature(req.method().name(), req.uri(), req.headers(), b);
            HttpServerResponse resp = req.response().setChunked(true)
                    .putHeader("content-type", "application/vnd.amazon.eventstream");
            for (int i = 0; i < frames.length(); i += pieceSize) {
                resp.write(frames.getBuffer(i, Math.min(frames.length(), i + pieceSize)));
            }
            resp.end();
        });
    }

    private void verifySignature(String method, String uri, io.vertx.core.MultiMap headers, Buffer body) {
        try {
            int q = uri.indexOf('?');
            String expected = SigV4Check.expectedSignature(method, q < 0 ? uri : uri.substring(0, q), q < 0 ? "" : uri.substring(q + 1),
                    headers, body.getBytes(), SECRET);
            Matcher m = SigV4Check.AUTHORIZATION.matcher(headers.get("Authorization"));
            if (!m.matches() || !m.group(6).equals(expected)) {
                signatureProblems.add("signature mismatch: " + headers.get("Authorization"));
            }
        } catch (AssertionError | RuntimeException e) {
            signatureProblems.add(String.valueOf(e.getMessage()));
        }
    }

    // ---------------------------------------------------------------- refused before sending

    @Test
    void a_model_id_that_would_change_the_url_path_is_refused_without_a_call() throws Exception {
        assertNull(adapter.modelProblem(MODEL));
        assertNull(adapter.modelProblem("arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-sonnet-v2:0"));
        assertTrue(adapter.modelProblem("..") != null && adapter.modelProblem(".") != null);
        answerJson(200, Map.of(), fixture("/bedrock/converse-text.json"));
        ChatRequest dots = OpenAiJson.parseRequest(BedrockTranslatorTest.json(
                "{\"model\":\"..\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello!\"}]}"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(dots, new FakeCall())));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(0, upstream.received.size());
    }

    // ---------------------------------------------------------------- non-streamed

    @Test
    void sends_a_sigv4_signed_converse_request_and_translates_the_answer() throws Exception {
        answerJson(200, Map.of(), fixture("/bedrock/converse-text.json"));

        ChatResponse r = await(onContext(loop, () -> adapter.chat(hello(), new FakeCall())));

        // Then the answer is translated
        assertEquals("Hello! How can I help you today?", r.text());
        assertEquals(FinishReason.STOP, r.finishReason());
        assertEquals(21, r.usage().totalTokens());
        assertEquals("c2a2ff6b-5f5b-4f3f-8b5a-1f2e3d4c5b6a", r.id());
        assertEquals(MODEL, r.model());

        // And exactly one request reached /model/{encoded id}/converse, signed and verifiable on arrival
        assertEquals(1, upstream.received.size());
        FakeUpstream.Received got = upstream.received.get(0);
        assertEquals("POST", got.method());
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse", got.uri());
        assertEquals(List.of(), signatureProblems);
        Matcher m = SigV4Check.AUTHORIZATION.matcher(got.header("Authorization"));
        assertTrue(m.matches(), got.header("Authorization"));
        assertEquals(ACCESS_KEY + "/20261126/us-west-2/bedrock", m.group(1) + "/" + m.group(2) + "/" + m.group(3) + "/" + m.group(4));
        assertEquals("20261126T120000Z", got.header("X-Amz-Date"));
        assertEquals(SigV4Check.hex(SigV4Check.sha256(got.body().getBytes())), got.header("x-amz-content-sha256"));
        assertEquals("application/json", got.header("Accept"));
        assertEquals("northwind", got.header("X-Tenant"));
        assertFalse(got.headers().toString().contains("ignored-api-key"), "the provider api_key is not used");
        JsonNode sent = BedrockTranslatorTest.json(got.body().toString());
        assertEquals("Be brief.", sent.at("/system/0/text").asText());
        assertEquals(100, sent.at("/inferenceConfig/maxTokens").asInt());
    }

    @Test
    void takes_credentials_from_the_environment_and_the_region_from_options() throws Exception {
        answerJson(200, Map.of(), fixture("/bedrock/converse-text.json"));
        Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", ACCESS_KEY, "AWS_SECRET_ACCESS_KEY", SECRET,
                "AWS_SESSION_TOKEN", "FQoGZXIvYXdzEXAMPLE");
        BedrockAdapter a = new BedrockAdapter(new BedrockOptions("eu-central-1", null, null, null, null),
                new ProviderContext("b", upstream.baseUrl(), null, "eu", Map.of(), vertx, FIXED), env::get);

        await(onContext(loop, () -> a.chat(hello(), new FakeCall())));

        FakeUpstream.Received got = upstream.received.get(0);
        assertEquals("FQoGZXIvYXdzEXAMPLE", got.header("X-Amz-Security-Token"));
        assertTrue(got.header("Authorization").contains("/eu-central-1/bedrock/aws4_request"));
        assertEquals(List.of(), signatureProblems);
        await(a.close());
    }

    @Test
    void refuses_a_provider_without_region_or_credentials_without_echoing_secrets() {
        IllegalArgumentException noRegion = assertThrows(IllegalArgumentException.class,
                () -> adapter(upstream.baseUrl(), "", new BedrockOptions(null, ACCESS_KEY, SECRET, null, null)));
        assertTrue(noRegion.getMessage().contains("region"));
        IllegalArgumentException noKeys = assertThrows(IllegalArgumentException.class,
                () -> new BedrockAdapter(BedrockOptions.DEFAULTS, new ProviderContext("b", null, null, "us-east-1", Map.of(),
                        vertx, FIXED), name -> null));
        assertTrue(noKeys.getMessage().contains("AWS_ACCESS_KEY_ID"));
        assertFalse(new BedrockOptions(null, ACCESS_KEY, SECRET, "tok", null).toString().contains(SECRET));
    }

    @Test
    void refuses_an_http_image_url_without_calling_the_upstream() throws Exception {
        ChatRequest r = OpenAiJson.parseRequest(BedrockTranslatorTest.json("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":[{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/a.png\"}}]}]}"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(r, new FakeCall())));

        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertEquals(0, upstream.received.size());
    }

    @Test
    void declares_vision_and_tools_but_no_json_mode() {
        assertEquals(new Capabilities(true, true, false, false, 0), adapter.capabilities(MODEL));
    }

    // ---------------------------------------------------------------- streamed

    @Test
    void streams_text_finish_and_usage_from_event_stream_frames_cut_anywhere() throws Exception {
        answerStream(EventStreamEncoder.events(fixture("/bedrock/stream-text.events")), 7);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        await(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), chunks::add)));

        assertEquals(5, chunks.size());
        assertEquals("assistant", chunks.get(0).role());
        assertEquals("Hello", chunks.get(1).text());
        assertEquals(" wörld ✓", chunks.get(2).text());
        assertEquals(FinishReason.STOP, chunks.get(3).finishReason());
        assertEquals(12, chunks.get(4).usage().promptTokens());
        assertEquals(3, chunks.get(4).usage().completionTokens());
        FakeUpstream.Received got = upstream.received.get(0);
        assertEquals("/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse-stream", got.uri());
        assertEquals("application/vnd.amazon.eventstream", got.header("Accept"));
        assertEquals(List.of(), signatureProblems);
    }

    @Test
    void streams_tool_use_as_tool_call_deltas() throws Exception {
        answerStream(EventStreamEncoder.events(fixture("/bedrock/stream-tool-use.events")), 64 * 1024);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        await(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), chunks::add)));

        ToolCallDelta first = chunks.stream().flatMap(c -> c.toolCalls().stream()).findFirst().orElseThrow();
        assertEquals(0, first.index());
        assertEquals("tooluse_abc123", first.id());
        assertEquals("top_song", first.name());
        StringBuilder args = new StringBuilder();
        chunks.forEach(c -> c.toolCalls().forEach(t -> args.append(t.argumentsDelta())));
        assertEquals("{\"sign\": \"WZPZ\"}", args.toString());
        assertEquals(FinishReason.TOOL_CALLS, chunks.get(chunks.size() - 2).finishReason());
        assertEquals(340, chunks.get(chunks.size() - 1).usage().totalTokens());
    }

    @Test
    void fails_a_stream_with_the_classified_error_of_an_exception_event() throws Exception {
        Buffer frames = Buffer.buffer()
                .appendBuffer(EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}"))
                .appendBuffer(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}"))
                .appendBuffer(EventStreamEncoder.exception("throttlingException", "{\"message\":\"Too many tokens, please wait before trying again.\"}"));
        answerStream(frames, 64 * 1024);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals("ThrottlingException", e.providerCode());
        assertEquals(2, chunks.size(), "chunks before the exception are delivered");
    }

    @Test
    void fails_a_stream_as_server_error_on_a_corrupted_frame() throws Exception {
        Buffer frames = EventStreamEncoder.events(fixture("/bedrock/stream-text.events"));
        frames.setByte(frames.length() - 10, (byte) (frames.getByte(frames.length() - 10) ^ 0x40));
        answerStream(frames, 64 * 1024);
        List<ChatChunk> chunks = new CopyOnWriteArrayList<>();

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), chunks::add)));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("CRC"), e.getMessage());
    }

    @Test
    void fails_a_stream_as_connection_when_it_ends_before_message_stop() throws Exception {
        Buffer frames = Buffer.buffer()
                .appendBuffer(EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}"))
                .appendBuffer(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}"));
        answerStream(frames, 64 * 1024);

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.CONNECTION, e.kind());
    }

    // ---------------------------------------------------------------- errors and transport

    @Test
    void classifies_an_http_error_by_its_amzn_error_type() throws Exception {
        answerJson(429, Map.of("x-amzn-ErrorType", "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                fixture("/bedrock/error-throttling.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.stream(hello(), new FakeCall(), c -> { })));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertFalse(e.getMessage().contains(SECRET));
    }

    @Test
    void classifies_a_too_long_prompt_as_context_length() throws Exception {
        answerJson(400, Map.of("x-amzn-ErrorType", "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/"),
                fixture("/bedrock/error-validation-too-long.json"));

        ProviderException e = awaitFailure(onContext(loop, () -> adapter.chat(hello(), new FakeCall())));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
    }

    @Test
    void fails_as_connection_when_the_connection_is_refused() throws Exception {
        FakeUpstream gone = await(FakeUpstream.start(vertx));
        String url = gone.baseUrl();
        await(gone.close());
        BedrockAdapter a = adapter(url, "us-east-1", new BedrockOptions(null, ACCESS_KEY, SECRET, null, null));

        ProviderException e = awaitFailure(onContext(loop, () -> a.chat(hello(), new FakeCall())));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertFalse(e.getMessage().contains(SECRET));
        await(a.close());
    }

    @Test
    void resets_a_stream_when_cancelled_and_the_server_sees_the_connection_close() throws Exception {
        Promise<Void> closed = Promise.promise();
        upstream.onRequest((req, b) -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            req.response().setChunked(true).putHeader("content-type", "application/vnd.amazon.eventstream")
                    .write(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":0,\"delta\":{\"text\":\"Hi\"}}"));
        });
        // Only the reset can close the connection before the test gives up waiting
        FakeCall call = FakeCall.withoutIdleTimeout();
        Future<Void> result = onContext(loop, () -> adapter.stream(hello(), call,
                c -> call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "idle timeout"))));

        await(closed.future());
        awaitFailure(result);
        assertEquals(1, call.cancelHandlers());
    }

    @Test
    void has_no_embeddings() throws Exception {
        ProviderException e = awaitFailure(adapter.embed(new dev.detour.api.model.EmbeddingRequest("m", List.of("x"),
                null, null, null, null), new FakeCall()));
        assertEquals(ErrorKind.UNSUPPORTED, e.kind());
        assertNull(e.retryAfter());
    }
}
