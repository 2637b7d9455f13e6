package dev.detour.plugin.azure;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.wire.OpenAiJson;
import dev.detour.api.wire.SseDecoder;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.List;

/**
 * Decodes one Azure OpenAI Chat Completions event stream (OpenAI's {@code chat.completion.chunk}
 * events ending in {@code data: [DONE]}). Azure's extra events are harmless: the first one carries
 * only {@code prompt_filter_results} and no choices, and yields no chunk.
 *
 * <p>The promise fails with {@code CONTENT_FILTER} when a choice finishes with
 * {@code finish_reason: content_filter} (Azure's output filter cut the answer; the chunks before
 * it were delivered), with the classified error for an in-stream error object, with
 * {@code SERVER_ERROR} for an event that is not a chunk, and with {@code CONNECTION} when the
 * body ends without {@code [DONE]}. Not thread-safe: one per stream, on its event loop.
 */
final class AzureStreamDecoder {

    private final ChunkSink sink;
    private final Promise<Void> result;
    private final SseDecoder sse = new SseDecoder(this::onEvent);
    private boolean finished;
    private int events;

    AzureStreamDecoder(ChunkSink sink, Promise<Void> result) {
        this.sink = sink;
        this.result = result;
    }

    void feed(Buffer buffer) {
        if (!finished) {
            sse.feed(buffer);
        }
    }

    void end() {
        if (finished) {
            return;
        }
        sse.end();
        if (!finished) {
            fail(new ProviderException(ErrorKind.CONNECTION, 0, events == 0
                    ? "stream ended before any event" : "stream ended before [DONE]"));
        }
    }

    void fail(Throwable failure) {
        if (!finished) {
            finished = true;
            result.tryFail(failure);
        }
    }

    private void onEvent(String type, String data) {
        if (finished) {
            return;
        }
        events++;
        String d = data.strip();
        if (d.equals("[DONE]")) {
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
            fail(AzureErrors.fromErrorObject(node));
            return;
        }
        List<ChatChunk> chunks;
        try {
            chunks = OpenAiJson.parseChunk(node);
        } catch (IllegalArgumentException e) {
            fail(AzureTranslator.malformed("stream chunk", e));
            return;
        }
        try {
            for (ChatChunk c : chunks) {
                if (c.finishReason() == FinishReason.CONTENT_FILTER) {
                    // Deliver what this last chunk still carries, then report the cut.
                    if (c.hasContent()) {
                        sink.next(new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(),
                                c.reasoning(), c.toolCalls(), null, null, c.refusal()));
                    }
                    fail(AzureErrors.filteredAnswer());
                    return;
                }
                sink.next(c);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }
}
