package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.wire.OpenAiJson;
import dev.detour.api.wire.SseDecoder;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.List;

/**
 * Decodes one Chat Completions event stream: network buffers, split anywhere, go in through
 * {@link #feed(Buffer)}; every {@code chat.completion.chunk} comes out as canonical chunks on the
 * sink; the promise completes at {@code data: [DONE]}.
 *
 * <p>The promise fails with a {@link ProviderException} when the provider sends an error event
 * ({@code data: {"error": {...}}}, classified by {@link OpenAiErrors}), when an event is not a
 * valid chunk ({@code SERVER_ERROR}), or when the stream ends without {@code [DONE]}
 * ({@code CONNECTION}: the answer may be truncated, so it must not pass as complete). Anything a
 * sink throws fails the promise too. Nothing reaches the sink after the promise completed.
 * Not thread-safe: one per stream, on its event loop.
 */
final class OpenAiStreamDecoder {

    private static final String DONE = "[DONE]";

    private final ChunkSink sink;
    private final Promise<Void> result;
    private final SseDecoder sse = new SseDecoder(this::onEvent);
    private boolean finished;
    private int events;

    OpenAiStreamDecoder(ChunkSink sink, Promise<Void> result) {
        this.sink = sink;
        this.result = result;
    }

    /** Feeds the next bytes of the response body. */
    void feed(Buffer buffer) {
        if (!finished) {
            sse.feed(buffer);
        }
    }

    /** The response body ended. */
    void end() {
        if (finished) {
            return;
        }
        // A last event without its blank line (lenient servers) still counts, [DONE] included.
        sse.end();
        if (!finished) {
            fail(new ProviderException(ErrorKind.CONNECTION, 0, events == 0
                    ? "stream ended before any event" : "stream ended before [DONE]"));
        }
    }

    /** The transport failed. */
    void fail(Throwable failure) {
        if (!finished) {
            finished = true;
            result.tryFail(failure);
        }
    }

    /** Whether the stream completed or failed. */
    boolean finished() {
        return finished;
    }

    private void onEvent(String type, String data) {
        if (finished) {
            return;
        }
        events++;
        String d = data.strip();
        if (d.equals(DONE)) {
            finished = true;
            result.tryComplete();
            return;
        }
        if (d.isEmpty()) {
            return;
        }
        JsonNode node;
        try {
            node = OpenAiJson.MAPPER.readTree(d);
        } catch (IOException e) {
            fail(new ProviderException(ErrorKind.SERVER_ERROR, 0, "upstream sent a stream event that is not JSON"));
            return;
        }
        if (node.hasNonNull("error") || type.equals("error")) {
            fail(OpenAiErrors.fromStreamError(node));
            return;
        }
        List<ChatChunk> chunks;
        try {
            chunks = OpenAiJson.parseChunk(node);
        } catch (IllegalArgumentException e) {
            fail(OpenAiTranslator.malformed("stream chunk", e));
            return;
        }
        try {
            for (ChatChunk c : chunks) {
                sink.next(c);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }
}
