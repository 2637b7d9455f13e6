package dev.detour.wire.gemini;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.ChunkSink;
import dev.detour.wire.http.SseDecoder;
import io.vertx.core.buffer.Buffer;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the SSE body of {@code streamGenerateContent?alt=sse} into canonical chunks. Every
 * {@code data:} event is a whole {@code GenerateContentResponse} holding the next piece of each
 * candidate. Per candidate it emits: the role on its first chunk, one chunk per text part
 * ({@code thought: true} parts as reasoning), one complete {@link ToolCallDelta} per
 * {@code functionCall} (Gemini never splits a call), and a finish chunk; after the stream, one
 * usage chunk from the last {@code usageMetadata}.
 *
 * <p>Gemini's stream has no terminal {@code [DONE]}: it ends with the HTTP response. A stream that
 * ends before any {@code finishReason} was seen was cut: {@link #end()} fails with CONNECTION.
 * An {@code error} object in the stream fails with its classified kind. Not thread-safe; one per
 * stream, fed on its event loop.
 */
public final class GeminiStreamDecoder {
    private final String fallbackId;
    private final String fallbackModel;
    private final long created;
    private final ChunkSink sink;
    private final SseDecoder sse = new SseDecoder(this::onEvent);
    private final Map<Integer, CandidateState> candidates = new HashMap<>();
    private ProviderException failure;
    private boolean finishSeen;
    private Usage usage;
    private String id;
    private String model;
    private boolean ending;

    private static final class CandidateState {
        boolean roleSent;
        int toolCalls;
    }

    /**
     * @param fallbackId    the chunk id when the stream carries no {@code responseId}
     * @param fallbackModel the model when the stream carries no {@code modelVersion}
     * @param created       epoch seconds stamped on every chunk
     * @param sink          receives the chunks
     */
    public GeminiStreamDecoder(String fallbackId, String fallbackModel, long created, ChunkSink sink) {
        this.fallbackId = fallbackId;
        this.fallbackModel = fallbackModel;
        this.created = created;
        this.sink = sink;
    }

    /**
     * Feeds the next network bytes (split anywhere).
     *
     * @throws ProviderException when the stream carried an error or a malformed event; the stream
     *                           must then be abandoned
     */
    public void feed(Buffer buffer) {
        if (failure == null) {
            sse.feed(buffer);
        }
        if (failure != null) {
            throw failure;
        }
    }

    /**
     * Signals the end of the HTTP body and emits the usage chunk.
     *
     * @throws ProviderException CONNECTION when no finish reason was seen, or the stream's error
     */
    public void end() {
        if (failure == null) {
            ending = true;
            sse.end();
        }
        if (failure != null) {
            throw failure;
        }
        if (!finishSeen) {
            throw new ProviderException(ErrorKind.CONNECTION, 0, "Gemini stream ended before finishReason");
        }
        if (usage != null) {
            sink.next(new ChatChunk(id(), model(), created, 0, null, null, null, List.of(), null, usage, null));
        }
    }

    /** Whether a finish reason has been seen (the stream's content is complete). */
    public boolean finished() {
        return finishSeen;
    }

    private void onEvent(String type, String data) {
        if (failure != null) {
            return;
        }
        String d = data.strip();
        if (d.isEmpty() || d.equals("[DONE]")) {
            return;
        }
        JsonNode event;
        try {
            event = GeminiTranslator.MAPPER.readTree(d);
        } catch (JsonProcessingException e) {
            // An unterminated event at the end of the body is a cut connection, not a bad event;
            // after a finish reason the answer is complete and the stray tail is ignored.
            if (ending && finishSeen) {
                return;
            }
            failure = ending
                    ? new ProviderException(ErrorKind.CONNECTION, 0, "Gemini stream ended in the middle of an event, before finishReason")
                    : new ProviderException(ErrorKind.SERVER_ERROR, 0, "Gemini stream carried an event that is not JSON");
            return;
        }
        if (event == null || !event.isObject()) {
            failure = new ProviderException(ErrorKind.SERVER_ERROR, 0, "Gemini stream carried an event that is not a JSON object");
            return;
        }
        if (event.path("error").isObject()) {
            failure = GeminiErrors.fromError(event.get("error"), 0, null);
            return;
        }
        if (id == null && event.hasNonNull("responseId")) {
            id = event.get("responseId").asText();
        }
        if (model == null && event.hasNonNull("modelVersion")) {
            model = event.get("modelVersion").asText();
        }
        Usage u = GeminiTranslator.usage(event.get("usageMetadata"));
        if (u != null) {
            usage = u;
        }
        JsonNode cands = event.path("candidates");
        if (!cands.isArray() || cands.isEmpty()) {
            if (event.path("promptFeedback").hasNonNull("blockReason")) {
                failure = GeminiTranslator.blockedOrEmpty(event);
            }
            return;
        }
        for (int i = 0; i < cands.size(); i++) {
            JsonNode c = cands.get(i);
            int index = c.path("index").asInt(i);
            CandidateState st = candidates.computeIfAbsent(index, k -> new CandidateState());
            for (JsonNode p : c.path("content").path("parts")) {
                if (p.has("functionCall")) {
                    ToolCall call = GeminiTranslator.toolCall(p.get("functionCall"), st.toolCalls);
                    ToolCallDelta delta = new ToolCallDelta(st.toolCalls++, call.id(), call.name(), call.arguments());
                    emit(st, index, null, null, List.of(delta), null);
                } else if (p.has("text")) {
                    String text = p.get("text").asText();
                    if (text.isEmpty()) {
                        continue;
                    }
                    if (p.path("thought").asBoolean(false)) {
                        emit(st, index, null, text, List.of(), null);
                    } else {
                        emit(st, index, text, null, List.of(), null);
                    }
                }
            }
            FinishReason fr = GeminiTranslator.finishReason(c.path("finishReason").asText(null), st.toolCalls > 0);
            if (fr != null) {
                finishSeen = true;
                emit(st, index, null, null, List.of(), fr);
            }
        }
    }

    private void emit(CandidateState st, int index, String text, String reasoning, List<ToolCallDelta> calls,
                      FinishReason finish) {
        String role = st.roleSent ? null : "assistant";
        st.roleSent = true;
        sink.next(new ChatChunk(id(), model(), created, index, role, text, reasoning, calls, finish, null, null));
    }

    private String id() {
        return id != null ? id : fallbackId;
    }

    private String model() {
        return model != null ? model : fallbackModel;
    }
}
