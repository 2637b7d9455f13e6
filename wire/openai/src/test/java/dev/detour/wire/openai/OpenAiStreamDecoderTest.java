package dev.detour.wire.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared OpenAI stream decoder (moved here from provider-openai's and provider-azure-openai's tests). */
class OpenAiStreamDecoderTest {

    /** A stand-in provider classifier: the error type decides, as a provider's would. */
    private static final Function<JsonNode, ProviderException> CLASSIFY = node -> {
        JsonNode err = node.has("error") ? node.get("error") : node;
        ErrorKind kind = err.path("type").asText("").contains("overloaded") ? ErrorKind.OVERLOADED : ErrorKind.SERVER_ERROR;
        return new ProviderException(kind, 0, err.path("message").asText("error event"));
    };

    private static OpenAiStreamDecoder decoder(ChunkSink sink, Promise<Void> p) {
        return new OpenAiStreamDecoder(sink, p, CLASSIFY);
    }

    private static String fixture(String name) {
        try (InputStream in = OpenAiStreamDecoderTest.class.getResourceAsStream("/openai/" + name)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<String> texts(List<ChatChunk> chunks) {
        List<String> t = new ArrayList<>();
        chunks.forEach(c -> t.add(c.text()));
        return t;
    }

    @Test
    void decodes_the_same_chunks_whatever_the_split_points() {
        byte[] bytes = fixture("stream-text.sse").getBytes(StandardCharsets.UTF_8);
        List<ChatChunk> whole = new ArrayList<>();
        Promise<Void> p0 = Promise.promise();
        OpenAiStreamDecoder d0 = decoder(whole::add, p0);
        d0.feed(Buffer.buffer(bytes));
        d0.end();
        assertTrue(p0.future().succeeded());

        // Every single split point, then every piece size up to 17 bytes
        for (int cut = 1; cut < bytes.length; cut++) {
            List<ChatChunk> got = new ArrayList<>();
            Promise<Void> p = Promise.promise();
            OpenAiStreamDecoder d = decoder(got::add, p);
            d.feed(Buffer.buffer(bytes).slice(0, cut).copy());
            d.feed(Buffer.buffer(bytes).slice(cut, bytes.length).copy());
            d.end();
            assertTrue(p.future().succeeded(), "cut at " + cut);
            assertEquals(whole, got, "cut at " + cut);
        }
        for (int size = 1; size <= 17; size++) {
            List<ChatChunk> got = new ArrayList<>();
            Promise<Void> p = Promise.promise();
            OpenAiStreamDecoder d = decoder(got::add, p);
            for (int i = 0; i < bytes.length; i += size) {
                d.feed(Buffer.buffer(bytes).slice(i, Math.min(bytes.length, i + size)).copy());
            }
            d.end();
            assertTrue(p.future().succeeded(), "pieces of " + size);
            assertEquals(texts(whole), texts(got), "pieces of " + size);
        }
    }

    @Test
    void accepts_crlf_line_endings_and_comments() {
        String sse = ": keep-alive\r\n\r\n" + fixture("stream-text.sse").replace("\n", "\r\n");
        List<ChatChunk> got = new ArrayList<>();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(got::add, p);
        d.feed(Buffer.buffer(sse));
        d.end();
        assertTrue(p.future().succeeded());
        assertEquals(5, got.size());
    }

    @Test
    void completes_on_a_final_done_without_its_blank_line() {
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> { }, p);
        d.feed(Buffer.buffer("data: [DONE]"));
        d.end();
        assertTrue(p.future().succeeded());
        assertTrue(d.finished());
    }

    @Test
    void ignores_events_after_done() {
        List<ChatChunk> got = new ArrayList<>();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(got::add, p);
        d.feed(Buffer.buffer("data: [DONE]\n\ndata: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"late\"}}]}\n\n"));
        d.end();
        assertTrue(p.future().succeeded());
        assertTrue(got.isEmpty());
    }

    @Test
    void fails_as_connection_when_nothing_arrived() {
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> { }, p);
        d.end();
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals("stream ended before any event", e.getMessage());
    }

    @Test
    void fails_as_connection_when_the_body_ends_before_done() {
        Promise<Void> p = Promise.promise();
        List<ChatChunk> got = new ArrayList<>();
        OpenAiStreamDecoder d = decoder(got::add, p);
        d.feed(Buffer.buffer("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"}}]}\n\n"));
        d.end();
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals("stream ended before [DONE]", e.getMessage());
        assertEquals(List.of("Hel"), texts(got));
    }

    @Test
    void fails_as_server_error_on_an_event_that_is_not_json() {
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> { }, p);
        d.feed(Buffer.buffer("data: {not json\n\n"));
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
    }

    @Test
    void fails_as_server_error_with_status_200_on_a_malformed_chunk() {
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> { }, p);
        d.feed(Buffer.buffer("data: [1, 2]\n\n"));
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals(200, e.status());
    }

    @Test
    void fails_with_what_the_sink_throws_and_stops_delivering() {
        RuntimeException boom = new IllegalStateException("client went away");
        List<ChatChunk> got = new ArrayList<>();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> {
            got.add(c);
            throw boom;
        }, p);
        d.feed(Buffer.buffer(fixture("stream-text.sse")));
        d.end();
        assertSame(boom, p.future().cause());
        assertEquals(1, got.size());
    }

    @Test
    void fails_with_the_classified_error_of_an_event_typed_error() {
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(c -> { }, p);
        d.feed(Buffer.buffer("event: error\ndata: {\"message\":\"overloaded\",\"type\":\"overloaded_error\"}\n\n"));
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.OVERLOADED, e.kind());
    }

    @Test
    void fails_with_the_classified_error_of_an_in_band_error_object() {
        Promise<Void> p = Promise.promise();
        List<ChatChunk> got = new ArrayList<>();
        OpenAiStreamDecoder d = decoder(got::add, p);
        d.feed(Buffer.buffer("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hi\"}}]}\n\n"
                + "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n"));
        ProviderException e = assertInstanceOf(ProviderException.class, p.future().cause());
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals("The server had an error", e.getMessage());
        assertEquals(List.of("Hi"), texts(got));
    }

    @Test
    void a_rejecting_chunk_check_delivers_the_content_without_finish_reason_then_fails() {
        ProviderException filtered = new ProviderException(ErrorKind.CONTENT_FILTER, 200, "filtered");
        List<ChatChunk> got = new ArrayList<>();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = new OpenAiStreamDecoder(got::add, p, CLASSIFY,
                c -> c.finishReason() == FinishReason.CONTENT_FILTER ? filtered : null);
        d.feed(Buffer.buffer("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Once\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" upon\"},\"finish_reason\":\"content_filter\"}]}\n\n"
                + "data: [DONE]\n\n"));
        d.end();
        assertSame(filtered, p.future().cause());
        assertEquals(List.of("Once", " upon"), texts(got));
        assertNull(got.get(1).finishReason());
    }

    /** Records every delivery: the chunk, and the event's bytes when they came with it. */
    private static final class Recording implements ChunkSink {
        final List<ChatChunk> chunks = new ArrayList<>();
        final List<String> wires = new ArrayList<>();

        @Override
        public void next(ChatChunk chunk) {
            chunks.add(chunk);
            wires.add(null);
        }

        @Override
        public void next(ChatChunk chunk, WireBody wire) {
            assertEquals(WireBody.OPENAI, wire.format());
            chunks.add(chunk);
            wires.add(new String(wire.bytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void an_event_that_is_one_chunk_comes_with_its_exact_json() {
        String plain = "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"H\\u00e9\"},\"finish_reason\":null}]}";
        String tools = "{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":\"t\","
                + "\"function\":{\"name\":\"f\",\"arguments\":\"\"}}]}}]}";
        String two = "{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"a\"}},{\"index\":1,\"delta\":{\"content\":\"b\"}}]}";
        Recording sink = new Recording();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = decoder(sink, p);
        d.feed(Buffer.buffer("data:  " + plain + " \n\ndata: " + tools + "\n\ndata: " + two + "\n\ndata: [DONE]\n\n"));
        d.end();

        assertTrue(p.future().succeeded());
        assertEquals(4, sink.chunks.size());
        assertEquals("H\u00e9", sink.chunks.get(0).text());
        // A plain event (read without a tree) and one read through the tree: each its bytes, as sent.
        assertEquals(plain, sink.wires.get(0));
        assertEquals(tools, sink.wires.get(1));
        // An event that makes two chunks: neither says what the whole event says.
        assertNull(sink.wires.get(2));
        assertNull(sink.wires.get(3));
    }

    @Test
    void a_chunk_the_check_rewrites_goes_without_the_events_bytes() {
        ProviderException filtered = new ProviderException(ErrorKind.CONTENT_FILTER, 200, "filtered");
        Recording sink = new Recording();
        Promise<Void> p = Promise.promise();
        OpenAiStreamDecoder d = new OpenAiStreamDecoder(sink, p, CLASSIFY,
                c -> c.finishReason() == FinishReason.CONTENT_FILTER ? filtered : null);
        d.feed(Buffer.buffer("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Once\"}}]}\n\n"
                + "data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\" upon\"},\"finish_reason\":\"content_filter\"}]}\n\n"));
        assertSame(filtered, p.future().cause());
        assertEquals(List.of("Once", " upon"), texts(sink.chunks));
        assertEquals("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Once\"}}]}", sink.wires.get(0));
        assertNull(sink.wires.get(1), "the event says content_filter; the chunk delivered does not");
    }
}
