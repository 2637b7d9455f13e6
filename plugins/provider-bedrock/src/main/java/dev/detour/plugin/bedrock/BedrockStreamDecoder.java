package dev.detour.plugin.bedrock;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.provider.ChunkSink;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decodes one ConverseStream body: binary event-stream frames ({@link EventStreamReader}) whose
 * {@code :event-type} names the event and whose payload is its JSON.
 * <ul>
 *   <li>{@code messageStart {role}} &rarr; a role chunk</li>
 *   <li>{@code contentBlockStart {contentBlockIndex, start: {toolUse: {toolUseId, name}}}} &rarr;
 *       the first delta of a tool call (tool calls are numbered 0, 1, ... in order)</li>
 *   <li>{@code contentBlockDelta {contentBlockIndex, delta: {text} | {toolUse: {input}} |
 *       {reasoningContent: {text}}}} &rarr; a text, arguments or reasoning delta</li>
 *   <li>{@code contentBlockStop} &rarr; nothing</li>
 *   <li>{@code messageStop {stopReason}} &rarr; the finish chunk</li>
 *   <li>{@code metadata {usage}} &rarr; the usage chunk</li>
 * </ul>
 * The promise completes when the body ends after {@code messageStop}; it fails with the classified
 * error on an exception message ({@code :message-type} {@code exception} or {@code error}), with
 * {@code SERVER_ERROR} on a corrupt frame (CRC mismatch) or payload, and with {@code CONNECTION}
 * when the body ends before {@code messageStop}. Not thread-safe: one per stream.
 */
final class BedrockStreamDecoder {

    private final ChunkSink sink;
    private final Promise<Void> result;
    private final String id;
    private final String model;
    private final long created;
    private final EventStreamReader reader = new EventStreamReader(this::onMessage);
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();
    private boolean stopped;
    private boolean finished;

    /** @param id the response id to report on every chunk; model and created likewise */
    BedrockStreamDecoder(ChunkSink sink, Promise<Void> result, String id, String model, long created) {
        this.sink = sink;
        this.result = result;
        this.id = id;
        this.model = model;
        this.created = created;
    }

    void feed(Buffer buffer) {
        if (finished) {
            return;
        }
        try {
            reader.feed(buffer);
        } catch (IllegalArgumentException corrupt) {
            fail(new ProviderException(ErrorKind.SERVER_ERROR, 0, "upstream sent a corrupt event stream: " + corrupt.getMessage()));
        }
    }

    void end() {
        if (finished) {
            return;
        }
        if (stopped && !reader.hasPartialMessage()) {
            finished = true;
            result.tryComplete();
        } else {
            fail(new ProviderException(ErrorKind.CONNECTION, 0, reader.messages() == 0
                    ? "stream ended before any event" : "stream ended before messageStop"));
        }
    }

    void fail(Throwable failure) {
        if (!finished) {
            finished = true;
            result.tryFail(failure);
        }
    }

    private void onMessage(EventStreamReader.Message m) {
        if (finished) {
            return;
        }
        String messageType = m.header(":message-type");
        if ("exception".equals(messageType)) {
            fail(BedrockErrors.fromStreamException(m.header(":exception-type"), m.payload()));
            return;
        }
        if ("error".equals(messageType)) {
            String code = m.header(":error-code");
            fail(new ProviderException(BedrockErrors.classify(0, BedrockErrors.errorType(code), m.header(":error-message")), 0,
                    m.header(":error-message") != null ? m.header(":error-message") : "error in stream: " + code, null, code));
            return;
        }
        JsonNode p;
        try {
            p = WireJson.MAPPER.readTree(m.payload());
        } catch (IOException e) {
            fail(new ProviderException(ErrorKind.SERVER_ERROR, 0, "upstream sent a stream event that is not JSON"));
            return;
        }
        if (p == null) {
            return;
        }
        try {
            ChatChunk chunk = chunk(String.valueOf(m.header(":event-type")), p);
            if (chunk != null) {
                sink.next(chunk);
            }
        } catch (RuntimeException e) {
            fail(e);
        }
    }

    private ChatChunk chunk(String event, JsonNode p) {
        switch (event) {
            case "messageStart":
                return new ChatChunk(id, model, created, 0, p.path("role").asText("assistant"), null, null, List.of(), null, null, null);
            case "contentBlockStart": {
                JsonNode use = p.path("start").path("toolUse");
                if (!use.isObject()) {
                    return null;
                }
                int tool = toolIndexByBlock.size();
                toolIndexByBlock.put(p.path("contentBlockIndex").asInt(), tool);
                return new ChatChunk(id, model, created, 0, null, null, null,
                        List.of(new ToolCallDelta(tool, use.path("toolUseId").asText(null), use.path("name").asText(null), "")),
                        null, null, null);
            }
            case "contentBlockDelta": {
                JsonNode d = p.path("delta");
                if (d.hasNonNull("text")) {
                    return new ChatChunk(id, model, created, 0, null, d.get("text").asText(), null, List.of(), null, null, null);
                }
                if (d.has("toolUse")) {
                    Integer tool = toolIndexByBlock.get(p.path("contentBlockIndex").asInt());
                    if (tool == null) {
                        throw new ProviderException(ErrorKind.SERVER_ERROR, 0, "tool input delta for a block that did not start a tool call");
                    }
                    return new ChatChunk(id, model, created, 0, null, null, null,
                            List.of(new ToolCallDelta(tool, null, null, d.get("toolUse").path("input").asText(""))), null, null, null);
                }
                JsonNode reasoning = d.path("reasoningContent").path("text");
                if (reasoning.isTextual()) {
                    return new ChatChunk(id, model, created, 0, null, null, reasoning.asText(), List.of(), null, null, null);
                }
                return null;
            }
            case "messageStop":
                stopped = true;
                return new ChatChunk(id, model, created, 0, null, null, null, List.of(),
                        BedrockTranslator.finishReason(p.path("stopReason").asText("end_turn")), null, null);
            case "metadata": {
                var usage = BedrockTranslator.usage(p.get("usage"));
                return usage == null ? null : new ChatChunk(id, model, created, 0, null, null, null, List.of(), null, usage, null);
            }
            default:
                // contentBlockStop, and event types added after this adapter was written.
                return null;
        }
    }
}
