package dev.detour.wire.openai;

import dev.detour.wire.http.SseDecoder;
import dev.detour.wire.http.TransportErrors;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.WireBody;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Objects;
import java.util.function.Function;

/**
 * Decodes one OpenAI Chat Completions event stream ({@code text/event-stream} of
 * {@code chat.completion.chunk} events ending in {@code data: [DONE]}), for every adapter whose
 * upstream speaks that format (OpenAI, Azure OpenAI, vLLM, ...). Network buffers, split anywhere,
 * go in through {@link #feed(Buffer)}; canonical chunks come out on the sink; the result promise
 * completes at {@code [DONE]}.
 *
 * <p>The promise fails with a {@link ProviderException}:
 * <ul>
 *   <li>for an in-band error ({@code data: {"error": {...}}}, or an {@code event: error}):
 *       whatever the adapter's error classifier returns for the event's JSON;</li>
 *   <li>for an event that is not JSON ({@code SERVER_ERROR}, status 0) or not a valid chunk
 *       ({@code SERVER_ERROR}, status 200);</li>
 *   <li>for a chunk the optional chunk check rejects (see {@link ChunkCheck});</li>
 *   <li>when the body ends without {@code [DONE]} ({@code CONNECTION}: the answer may be
 *       truncated, so it must not pass as complete).</li>
 * </ul>
 * Anything the sink throws fails the promise too. Nothing reaches the sink after the promise
 * completed, and events after {@code [DONE]} are ignored. Events without data (keep-alive
 * comments) are skipped. Not thread-safe: one decoder per stream, used on its event loop.
 *
 * <pre>{@code
 * Promise<Void> done = Promise.promise();
 * OpenAiStreamDecoder decoder = new OpenAiStreamDecoder(sink, done, MyErrors::fromStreamError);
 * response.exceptionHandler(t -> decoder.fail(TransportErrors.classify(t)));
 * response.handler(decoder::feed);
 * response.endHandler(v -> decoder.end());
 * return done.future();
 * }</pre>
 */
public final class OpenAiStreamDecoder {

    /**
     * Inspects each chunk before it is delivered, for provider rules that turn an otherwise valid
     * chunk into a failure (Azure OpenAI's output filter ending a choice with
     * {@code finish_reason: content_filter}).
     */
    @FunctionalInterface
    public interface ChunkCheck {

        /**
         * @param chunk the chunk about to be delivered
         * @return null to deliver the chunk as it is; otherwise the failure that ends the stream:
         *         the chunk's content (text, reasoning, tool calls, refusal) is still delivered,
         *         without its finish reason and usage, then the promise fails with it
         */
        ProviderException check(ChatChunk chunk);
    }

    private static final String DONE = "[DONE]";

    private final ChunkSink sink;
    private final Promise<Void> result;
    private final Function<JsonNode, ProviderException> errorClassifier;
    private final ChunkCheck chunkCheck;
    private final SseDecoder sse = new SseDecoder(this::onEvent);
    private boolean finished;
    private int events;

    /**
     * A decoder without a chunk check.
     *
     * @param sink            receives the chunks, on the caller's thread
     * @param result          completed at {@code [DONE]}, failed as described above
     * @param errorClassifier turns the JSON of an in-band error event (the whole event, e.g.
     *                        {@code {"error": {...}}}) into the provider's classified failure
     */
    public OpenAiStreamDecoder(ChunkSink sink, Promise<Void> result,
                               Function<JsonNode, ProviderException> errorClassifier) {
        this(sink, result, errorClassifier, null);
    }

    /**
     * A decoder whose chunks pass {@code chunkCheck} before delivery.
     *
     * @param chunkCheck the per-chunk check, or null for none
     */
    public OpenAiStreamDecoder(ChunkSink sink, Promise<Void> result,
                               Function<JsonNode, ProviderException> errorClassifier, ChunkCheck chunkCheck) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.result = Objects.requireNonNull(result, "result");
        this.errorClassifier = Objects.requireNonNull(errorClassifier, "errorClassifier");
        this.chunkCheck = chunkCheck;
    }

    /** Feeds the next bytes of the response body; ignored once finished. */
    public void feed(Buffer buffer) {
        if (!finished) {
            try {
                sse.feed(buffer);
            } catch (ProviderException tooLong) {
                fail(tooLong);
            }
        }
    }

    /**
     * The response body ended. A last event without its blank line (lenient servers) still
     * counts, {@code [DONE]} included; without {@code [DONE]} the promise fails as CONNECTION.
     */
    public void end() {
        if (finished) {
            return;
        }
        sse.end();
        if (!finished) {
            fail(new ProviderException(ErrorKind.CONNECTION, 0, events == 0
                    ? "stream ended before any event" : "stream ended before [DONE]"));
        }
    }

    /** Fails the stream with {@code failure} (a transport failure, already classified), unless finished. */
    public void fail(Throwable failure) {
        if (!finished) {
            finished = true;
            result.tryFail(failure);
        }
    }

    /** Whether the stream completed or failed. */
    public boolean finished() {
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
        // One copy to bytes, read by the parser and, when the event is one chunk, forwarded as they are.
        byte[] json = d.getBytes(StandardCharsets.UTF_8);
        ChatChunk plain = type.equals("error") ? null : OpenAiJson.parsePlainChunk(json);
        if (plain != null) {
            deliverOne(plain, json);
            return;
        }
        JsonNode node;
        try {
            node = WireJson.MAPPER.readTree(json);
        } catch (IOException e) {
            fail(new ProviderException(ErrorKind.SERVER_ERROR, 0, "upstream sent a stream event that is not JSON"));
            return;
        }
        if (node.hasNonNull("error") || type.equals("error")) {
            fail(errorClassifier.apply(node));
            return;
        }
        List<ChatChunk> chunks;
        try {
            chunks = OpenAiJson.parseChunk(node);
        } catch (IllegalArgumentException e) {
            fail(new ProviderException(ErrorKind.SERVER_ERROR, 200,
                    "upstream sent a malformed stream chunk: " + e.getMessage()));
            return;
        }
        if (chunks.size() == 1) {
            // One event, one chunk: its bytes go with it, so an OpenAI client can get them as they are.
            deliverOne(chunks.get(0), json);
            return;
        }
        try {
            for (ChatChunk c : chunks) {
                if (!passes(c)) {
                    return;
                }
                sink.next(c);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /** Hands the sink the one chunk of an event, with the event's JSON, past the chunk check. */
    private void deliverOne(ChatChunk c, byte[] json) {
        try {
            if (passes(c)) {
                sink.next(c, new WireBody(WireBody.OPENAI, json));
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    /**
     * Whether {@code c} passes the chunk check; if not, what it still carries is delivered without
     * its finish reason and usage (and without the event's bytes, which say otherwise), and the
     * stream fails with the check's reason.
     */
    private boolean passes(ChatChunk c) {
        ProviderException rejected = chunkCheck == null ? null : chunkCheck.check(c);
        if (rejected == null) {
            return true;
        }
        if (c.hasContent()) {
            sink.next(new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(),
                    c.reasoning(), c.toolCalls(), null, null, c.refusal()));
        }
        fail(rejected);
        return false;
    }
}
