package dev.detour.core.http;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.provider.WireBody;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.Scrubber;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.nio.charset.StandardCharsets;

/**
 * Writes a server-sent-event stream to a client, coalescing every event produced in one event-loop
 * turn (typically all the chunks of one upstream read) into a single write, so a 20-chunk answer
 * that arrives in one packet leaves in one packet rather than twenty. OpenAI streams add chunks as
 * {@code data: <json>\n\n} (forwarding a chunk's upstream bytes when it has them); other formats
 * add frames they encoded themselves with {@link #write(Buffer)}. Every write leaves through the
 * gateway's {@link Scrubber}, so no configured secret reaches the client in any event or field.
 * A client that reads slower than the upstream sends pauses the upstream (through the request's
 * {@link AbortSignal}) until its write queue drains, so a slow reader costs at most one write
 * queue and one read of buffering, never the whole answer.
 */
final class SseWriter {
    private static final byte[] DATA = "data: ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] END = "\n\n".getBytes(StandardCharsets.US_ASCII);
    private static final Buffer DONE = Buffer.buffer("data: [DONE]\n\n");

    private final HttpServerResponse response;
    private final Scrubber scrubber;
    private final Context context;
    private final AbortSignal flow;
    private Buffer pending;
    private boolean flushScheduled;
    private boolean drainSet;

    /**
     * @param flow told when the client falls behind (its write queue is full) and when it has caught
     *             up, so the engine pauses and resumes the upstream instead of buffering for the client
     */
    SseWriter(HttpServerResponse response, Scrubber scrubber, AbortSignal flow) {
        this.response = response;
        this.scrubber = scrubber;
        this.context = Vertx.currentContext();
        this.flow = flow;
    }

    /** Queues a chunk: as {@code wire}, the upstream's own event, when it is OpenAI's and given. */
    void add(ChatChunk chunk, WireBody wire) {
        if (wire != null && wire.is(WireBody.OPENAI)) {
            append(wire.bytes());
        } else {
            add(OpenAiJson.writeChunk(chunk));
        }
    }

    /** Queues a JSON event (an error, for instance). */
    void add(JsonNode json) {
        try {
            append(WireJson.MAPPER.writeValueAsBytes(json));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes what is queued and {@code data: [DONE]}, and ends the response (OpenAI streams). */
    void end() {
        end(DONE);
    }

    /** Queues frames already encoded in the stream's format. */
    void write(Buffer frames) {
        if (frames.length() == 0) {
            return;
        }
        if (pending == null) {
            pending = Buffer.buffer(frames.length() + 64);
        }
        pending.appendBuffer(frames);
        scheduleFlush();
    }

    /** Writes what is queued and {@code last}, and ends the response. */
    void end(Buffer last) {
        if (response.closed()) {
            return;
        }
        if (pending != null) {
            pending.appendBuffer(last);
            response.end(scrubber.scrub(pending));
            pending = null;
        } else {
            response.end(scrubber.scrub(last));
        }
    }

    private void append(byte[] json) {
        if (pending == null) {
            pending = Buffer.buffer(json.length + 64);
        }
        pending.appendBytes(DATA).appendBytes(json).appendBytes(END);
        scheduleFlush();
    }

    private void scheduleFlush() {
        if (!flushScheduled && context != null) {
            flushScheduled = true;
            context.runOnContext(v -> flush());
        }
    }

    private void flush() {
        flushScheduled = false;
        if (pending != null && !response.closed() && !response.ended()) {
            response.write(scrubber.scrub(pending));
            pending = null;
            if (response.writeQueueFull()) {
                if (!drainSet) {
                    drainSet = true;
                    response.drainHandler(v -> flow.clientCaughtUp());
                }
                flow.clientBehind();
            }
        }
    }
}
