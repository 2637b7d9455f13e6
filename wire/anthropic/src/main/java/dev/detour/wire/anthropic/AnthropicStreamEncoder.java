package dev.detour.wire.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;

import java.util.HashMap;
import java.util.Map;

/**
 * Turns the canonical chunks of one committed stream into Anthropic Messages stream events:
 * {@code message_start}, then content blocks ({@code content_block_start}, deltas,
 * {@code content_block_stop}) numbered 0, 1, .. in order of appearance, then {@code message_delta}
 * with the stop reason and usage, and {@code message_stop}.
 *
 * <ul>
 *   <li>A run of text (or refusal) deltas is one {@code text} block with {@code text_delta}s; a run of
 *       reasoning is one {@code thinking} block with {@code thinking_delta}s; each tool call (by
 *       {@link ToolCallDelta#index()}) is one {@code tool_use} block whose id and name are sent at its
 *       start and whose argument pieces are {@code input_json_delta}s. Only one block is open at a
 *       time: starting another closes the open one.</li>
 *   <li>Argument pieces for a tool call whose block was already closed (providers that interleave
 *       parallel calls) are still sent against that call's block index, which Anthropic clients
 *       accumulate by.</li>
 *   <li>Usage usually arrives only with the last chunk, so {@code message_start} reports the input
 *       tokens known by then (often 0) and {@code message_delta} reports the final counts, input
 *       included (its usage is cumulative).</li>
 * </ul>
 * Answers are mapped as {@link AnthropicCodec} describes (stop reasons, usage, ids); a refusal is
 * sent as text. Not thread-safe: one per stream, used on its event loop.
 */
public final class AnthropicStreamEncoder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private enum Kind { NONE, TEXT, THINKING, TOOL }

    private final String model;
    private final Map<Integer, Integer> blockByTool = new HashMap<>();
    private boolean started;
    private boolean ended;
    private int nextBlock;
    private int openBlock = -1;
    private Kind openKind = Kind.NONE;
    private int openTool = -1;
    private FinishReason finish;
    private Usage usage;

    /** @param model the model to report (the serving target's) */
    public AnthropicStreamEncoder(String model) {
        this.model = model;
    }

    /** The events for the next chunk (an empty buffer when it carries nothing to send). */
    public Buffer chunk(ChatChunk c) {
        Buffer out = Buffer.buffer();
        if (ended) {
            return out;
        }
        if (c.usage() != null) {
            usage = c.usage();
        }
        if (c.finishReason() != null) {
            finish = c.finishReason();
        }
        start(out, c.id());
        if (c.reasoning() != null && !c.reasoning().isEmpty()) {
            open(out, Kind.THINKING, -1, null, null);
            delta(out, openBlock, NODES.objectNode().put("type", "thinking_delta").put("thinking", c.reasoning()));
        }
        String text = c.text();
        if (c.refusal() != null && !c.refusal().isEmpty()) {
            text = text == null ? c.refusal() : text + c.refusal();
        }
        if (text != null && !text.isEmpty()) {
            open(out, Kind.TEXT, -1, null, null);
            delta(out, openBlock, NODES.objectNode().put("type", "text_delta").put("text", text));
        }
        for (ToolCallDelta d : c.toolCalls()) {
            Integer block = blockByTool.get(d.index());
            if (block == null) {
                open(out, Kind.TOOL, d.index(), d.id(), d.name());
                block = openBlock;
            }
            if (!d.argumentsDelta().isEmpty()) {
                delta(out, block, NODES.objectNode().put("type", "input_json_delta")
                        .put("partial_json", d.argumentsDelta()));
            }
        }
        return out;
    }

    /** The closing events of a stream that ended normally. */
    public Buffer finish() {
        return finish(null);
    }

    /**
     * The closing events of a stream that ended normally, with extension fields on its
     * {@code message_delta} (the event that carries the final usage), e.g. Detour's report of a
     * resumed stream; clients ignore fields they do not know.
     *
     * @param extensions top-level fields to add to {@code message_delta}, or null
     */
    public Buffer finish(Map<String, ? extends JsonNode> extensions) {
        Buffer out = Buffer.buffer();
        if (ended) {
            return out;
        }
        start(out, null);
        close(out);
        ObjectNode md = NODES.objectNode().put("type", "message_delta");
        md.putObject("delta").put("stop_reason", AnthropicCodec.stopReason(finish)).putNull("stop_sequence");
        md.set("usage", AnthropicCodec.writeUsage(usage, true));
        if (extensions != null) {
            extensions.forEach(md::set);
        }
        out.appendBuffer(event("message_delta", md));
        out.appendBuffer(event("message_stop", NODES.objectNode().put("type", "message_stop")));
        ended = true;
        return out;
    }

    /**
     * The in-band error event for a stream that failed after it had started, as Anthropic sends one
     * (the open block is left unclosed, so a client cannot mistake the answer for a complete one).
     *
     * @param body an Anthropic error body: {@code {"type": "error", "error": {"type", "message"}}}
     */
    public Buffer error(ObjectNode body) {
        ended = true;
        return event("error", body);
    }

    private void start(Buffer out, String id) {
        if (started) {
            return;
        }
        started = true;
        ObjectNode root = NODES.objectNode().put("type", "message_start");
        ObjectNode msg = root.putObject("message");
        msg.put("id", AnthropicCodec.messageId(id));
        msg.put("type", "message");
        msg.put("role", "assistant");
        msg.putArray("content");
        msg.put("model", model);
        msg.putNull("stop_reason");
        msg.putNull("stop_sequence");
        ObjectNode u = AnthropicCodec.writeUsage(usage, false);
        u.put("output_tokens", usage == null ? 0 : usage.completionTokens());
        msg.set("usage", u);
        out.appendBuffer(event("message_start", root));
    }

    /** Makes a block of this kind (for a tool: of this call) the open one, closing another first. */
    private void open(Buffer out, Kind kind, int tool, String id, String name) {
        if (openKind == kind && (kind != Kind.TOOL || openTool == tool)) {
            return;
        }
        close(out);
        openBlock = nextBlock++;
        openKind = kind;
        openTool = tool;
        ObjectNode block = NODES.objectNode();
        switch (kind) {
            case TEXT -> block.put("type", "text").put("text", "");
            case THINKING -> block.put("type", "thinking").put("thinking", "").put("signature", "");
            case TOOL -> {
                blockByTool.put(tool, openBlock);
                block.put("type", "tool_use").put("id", AnthropicCodec.toolUseId(id))
                        .put("name", name == null ? "" : name);
                block.putObject("input");
            }
            default -> throw new IllegalStateException(kind.name());
        }
        ObjectNode ev = NODES.objectNode().put("type", "content_block_start").put("index", openBlock);
        ev.set("content_block", block);
        out.appendBuffer(event("content_block_start", ev));
    }

    private void close(Buffer out) {
        if (openKind == Kind.NONE) {
            return;
        }
        out.appendBuffer(event("content_block_stop",
                NODES.objectNode().put("type", "content_block_stop").put("index", openBlock)));
        openKind = Kind.NONE;
        openTool = -1;
    }

    private static void delta(Buffer out, int index, ObjectNode delta) {
        ObjectNode ev = NODES.objectNode().put("type", "content_block_delta").put("index", index);
        ev.set("delta", delta);
        out.appendBuffer(event("content_block_delta", ev));
    }

    /** One server-sent event in Anthropic's framing: {@code event: <type>\ndata: <json>\n\n}. */
    static Buffer event(String type, JsonNode data) {
        try {
            byte[] bytes = WireJson.MAPPER.writeValueAsBytes(data);
            return Buffer.buffer(bytes.length + type.length() + 16).appendString("event: ").appendString(type)
                    .appendString("\ndata: ").appendBytes(bytes).appendString("\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
