package dev.detour.wire.responses;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns the canonical chunks of one committed stream into the Responses API's event stream, every
 * event framed {@code event: <type>\ndata: <json>\n\n} and numbered by {@code sequence_number} from 0:
 *
 * <pre>
 * response.created, response.in_progress                      (status in_progress, no output yet)
 * per output item, in order of appearance (output_index 0, 1, ..):
 *   response.output_item.added
 *   message:       response.content_part.added, response.output_text.delta.., response.output_text.done,
 *                  response.content_part.done  (a refusal: the same with response.refusal.delta/.done)
 *   reasoning:     the same with a reasoning_text part and response.reasoning_text.delta/.done
 *   function_call: response.function_call_arguments.delta.., response.function_call_arguments.done
 *   response.output_item.done
 * response.completed | response.incomplete                    (the whole Response, usage included)
 * </pre>
 *
 * A run of text is one {@code message} item, a run of reasoning one {@code reasoning} item, each
 * tool call (by {@link ToolCallDelta#index()}) one {@code function_call} item; only one item is open
 * at a time, and starting another closes it (argument pieces for a call whose item is closed, from a
 * provider that interleaves parallel calls, still go to that call's item). A stream that fails after
 * it has started ends with {@link #failed}: an {@code error} event, then {@code response.failed} with
 * what was produced so far, so a client never mistakes a cut answer for a whole one. Items, ids,
 * status and usage are as {@link ResponsesCodec#writeResponse} writes them, so the events accumulate
 * to the same Response a non-streamed request gets. Not thread-safe: one per stream, used on its
 * event loop.
 */
public final class ResponsesStreamEncoder {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private enum Kind { MESSAGE, REASONING, CALL }

    private enum Part { NONE, TEXT, REFUSAL, REASONING }

    /** One output item: its text so far and, for a message, its finished parts. */
    private static final class Item {
        final Kind kind;
        final String id;
        final int index;
        final ArrayNode parts = NODES.arrayNode();
        final StringBuilder text = new StringBuilder();
        Part open = Part.NONE;
        String callId;
        String name;
        boolean done;

        Item(Kind kind, String id, int index) {
            this.kind = kind;
            this.id = id;
            this.index = index;
        }
    }

    private final ResponsesRequest request;
    private final String id;
    private final String hex;
    private final long createdAt;
    private final String model;
    private final List<Item> items = new ArrayList<>();
    private final Map<Integer, Item> callByIndex = new HashMap<>();
    private Item open;
    private int messages;
    private int reasonings;
    private int sequence;
    private boolean started;
    private boolean ended;
    private FinishReason finish;
    private Usage usage;

    /**
     * @param request   the request the stream answers (its settings are echoed in the Response)
     * @param id        the response id ({@link ResponsesCodec#newId()})
     * @param createdAt epoch seconds
     * @param model     the model to report (the serving target's)
     */
    public ResponsesStreamEncoder(ResponsesRequest request, String id, long createdAt, String model) {
        this.request = request;
        this.id = id;
        this.hex = ResponsesCodec.hex(id);
        this.createdAt = createdAt;
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
        start(out);
        if (c.reasoning() != null && !c.reasoning().isEmpty()) {
            Item it = item(out, Kind.REASONING);
            part(out, it, Part.REASONING);
            it.text.append(c.reasoning());
            out.appendBuffer(event("response.reasoning_text.delta", partEvent(it).put("delta", c.reasoning())));
        }
        if (c.text() != null && !c.text().isEmpty()) {
            Item it = item(out, Kind.MESSAGE);
            part(out, it, Part.TEXT);
            it.text.append(c.text());
            ObjectNode ev = partEvent(it).put("delta", c.text());
            ev.putArray("logprobs");
            out.appendBuffer(event("response.output_text.delta", ev));
        }
        if (c.refusal() != null && !c.refusal().isEmpty()) {
            Item it = item(out, Kind.MESSAGE);
            part(out, it, Part.REFUSAL);
            it.text.append(c.refusal());
            out.appendBuffer(event("response.refusal.delta", partEvent(it).put("delta", c.refusal())));
        }
        for (ToolCallDelta d : c.toolCalls()) {
            Item it = callByIndex.get(d.index());
            if (it == null) {
                close(out);
                it = new Item(Kind.CALL, ResponsesCodec.callItemId(hex, d.index()), items.size());
                it.callId = ResponsesCodec.callId(d.id(), hex, d.index());
                it.name = d.name() == null ? "" : d.name();
                items.add(it);
                callByIndex.put(d.index(), it);
                open = it;
                out.appendBuffer(event("response.output_item.added", NODES.objectNode().put("output_index", it.index)
                        .set("item", callItem(it, "in_progress"))));
            }
            if (!d.argumentsDelta().isEmpty()) {
                it.text.append(d.argumentsDelta());
                out.appendBuffer(event("response.function_call_arguments.delta", NODES.objectNode()
                        .put("item_id", it.id).put("output_index", it.index).put("delta", d.argumentsDelta())));
            }
        }
        return out;
    }

    /** The closing events of a stream that ended normally: the open item's, then the whole Response. */
    public Buffer finish() {
        return finish(null);
    }

    /**
     * The closing events of a stream that ended normally, with extension fields on the terminal
     * event (beside {@code response}), e.g. Detour's report of a resumed stream; clients ignore
     * fields they do not know.
     *
     * @param extensions top-level fields to add to {@code response.completed}/{@code response.incomplete}, or null
     */
    public Buffer finish(Map<String, ? extends JsonNode> extensions) {
        Buffer out = Buffer.buffer();
        if (ended) {
            return out;
        }
        start(out);
        close(out);
        for (Item it : items) {
            // Interleaved calls may have been left open by an item that started after them.
            if (it.kind == Kind.CALL && !it.done) {
                closeCall(out, it);
            }
        }
        String status = ResponsesCodec.status(finish);
        ObjectNode response = response(status);
        ResponsesCodec.incomplete(response, finish);
        if (usage != null) {
            response.set("usage", ResponsesCodec.writeUsage(usage));
        }
        ObjectNode ev = NODES.objectNode();
        ev.set("response", response);
        if (extensions != null) {
            extensions.forEach(ev::set);
        }
        out.appendBuffer(event(status.equals("completed") ? "response.completed" : "response.incomplete", ev));
        ended = true;
        return out;
    }

    /**
     * The events of a stream that failed after it had started: an {@code error} event with Detour's
     * code and message (and {@code attempts}, when given), then {@code response.failed} with the
     * output produced so far (open items marked {@code incomplete}) and the error.
     *
     * @param code     Detour's error code, e.g. {@code stream_interrupted}
     * @param message  what happened
     * @param attempts Detour's attempts list, or null
     */
    public Buffer failed(String code, String message, JsonNode attempts) {
        Buffer out = Buffer.buffer();
        if (ended) {
            return out;
        }
        start(out);
        ObjectNode err = NODES.objectNode().put("code", code).put("message", message).putNull("param");
        if (attempts != null) {
            err.set("attempts", attempts);
        }
        out.appendBuffer(event("error", err));
        ObjectNode response = response("failed");
        // Response.error's code is one of OpenAI's; Detour's own code is on the error event above.
        response.putObject("error").put("code", "rate_limit_exceeded".equals(code) ? code : "server_error")
                .put("message", message);
        out.appendBuffer(event("response.failed", NODES.objectNode().set("response", response)));
        ended = true;
        return out;
    }

    private void start(Buffer out) {
        if (started) {
            return;
        }
        started = true;
        out.appendBuffer(event("response.created", NODES.objectNode().set("response", response("in_progress"))));
        out.appendBuffer(event("response.in_progress", NODES.objectNode().set("response", response("in_progress"))));
    }

    /** The Response as it stands: every item so far, those still open with {@code status}-dependent state. */
    private ObjectNode response(String status) {
        ObjectNode r = ResponsesCodec.shell(request, id, createdAt, model, status);
        ArrayNode output = r.putArray("output");
        if (status.equals("in_progress")) {
            return r;
        }
        for (Item it : items) {
            output.add(whole(it, itemStatus(it, status)));
        }
        return r;
    }

    /**
     * An item's status in a terminal Response, as {@link ResponsesCodec#writeResponse} has it: the
     * message of an answer cut by its limit is incomplete; in a failed one, what was not finished is.
     */
    private static String itemStatus(Item it, String responseStatus) {
        if (it.kind == Kind.CALL || responseStatus.equals("failed")) {
            return it.done ? "completed" : "incomplete";
        }
        return responseStatus;
    }

    /** The open item if it is of {@code kind}, else a new one (closing the open one). */
    private Item item(Buffer out, Kind kind) {
        if (open != null && open.kind == kind) {
            return open;
        }
        close(out);
        // The first message and reasoning items have the ids a whole answer's have.
        int n = kind == Kind.MESSAGE ? messages++ : reasonings++;
        String itemId = (kind == Kind.MESSAGE ? "msg_" : "rs_") + hex + (n == 0 ? "" : "_" + n);
        Item it = new Item(kind, itemId, items.size());
        items.add(it);
        open = it;
        ObjectNode item = kind == Kind.MESSAGE ? ResponsesCodec.messageItem(it.id, "in_progress")
                : NODES.objectNode().put("id", it.id).put("type", "reasoning");
        if (kind == Kind.REASONING) {
            item.putArray("summary");
        }
        item.putArray("content");
        out.appendBuffer(event("response.output_item.added", NODES.objectNode().put("output_index", it.index)
                .set("item", item)));
        return it;
    }

    /** Makes {@code part} the open content part of {@code it}, closing another first. */
    private void part(Buffer out, Item it, Part part) {
        if (it.open == part) {
            return;
        }
        closePart(out, it);
        it.open = part;
        ObjectNode ev = NODES.objectNode().put("item_id", it.id).put("output_index", it.index)
                .put("content_index", it.parts.size());
        ev.set("part", partJson(part, ""));
        out.appendBuffer(event("response.content_part.added", ev));
    }

    private void closePart(Buffer out, Item it) {
        if (it.open == Part.NONE) {
            return;
        }
        String text = it.text.toString();
        ObjectNode done = partEvent(it);
        switch (it.open) {
            case TEXT -> {
                done.put("text", text);
                done.putArray("logprobs");
                out.appendBuffer(event("response.output_text.done", done));
            }
            case REFUSAL -> out.appendBuffer(event("response.refusal.done", done.put("refusal", text)));
            case REASONING -> out.appendBuffer(event("response.reasoning_text.done", done.put("text", text)));
            default -> throw new IllegalStateException(it.open.name());
        }
        ObjectNode part = partJson(it.open, text);
        ObjectNode ev = partEvent(it);
        ev.set("part", part);
        out.appendBuffer(event("response.content_part.done", ev));
        it.parts.add(part);
        it.text.setLength(0);
        it.open = Part.NONE;
    }

    /** Closes the open item: its open part, then {@code response.output_item.done} with the whole item. */
    private void close(Buffer out) {
        Item it = open;
        if (it == null) {
            return;
        }
        open = null;
        if (it.kind == Kind.CALL) {
            closeCall(out, it);
            return;
        }
        closePart(out, it);
        it.done = true;
        out.appendBuffer(event("response.output_item.done", NODES.objectNode().put("output_index", it.index)
                .set("item", whole(it, ResponsesCodec.status(finish)))));
    }

    private void closeCall(Buffer out, Item it) {
        if (it.done) {
            return;
        }
        it.done = true;
        out.appendBuffer(event("response.function_call_arguments.done", NODES.objectNode().put("item_id", it.id)
                .put("output_index", it.index).put("name", it.name).put("arguments", it.text.toString())));
        out.appendBuffer(event("response.output_item.done", NODES.objectNode().put("output_index", it.index)
                .set("item", callItem(it, "completed"))));
    }

    /** An item as a whole: its finished parts and the open one's text so far. */
    private ObjectNode whole(Item it, String status) {
        if (it.kind == Kind.CALL) {
            return callItem(it, status);
        }
        ArrayNode content = it.parts.deepCopy();
        if (it.open != Part.NONE) {
            content.add(partJson(it.open, it.text.toString()));
        }
        ObjectNode o = it.kind == Kind.MESSAGE ? ResponsesCodec.messageItem(it.id, status)
                : NODES.objectNode().put("id", it.id).put("type", "reasoning");
        if (it.kind == Kind.REASONING) {
            o.putArray("summary");
        }
        o.set("content", content);
        return o;
    }

    private static ObjectNode callItem(Item it, String status) {
        return ResponsesCodec.functionCallItem(it.id, it.callId, it.name, it.text.toString(), status);
    }

    private static ObjectNode partJson(Part part, String text) {
        return switch (part) {
            case TEXT -> ResponsesCodec.outputText(text);
            case REFUSAL -> ResponsesCodec.refusal(text);
            case REASONING -> NODES.objectNode().put("type", "reasoning_text").put("text", text);
            default -> throw new IllegalStateException(part.name());
        };
    }

    private static ObjectNode partEvent(Item it) {
        return NODES.objectNode().put("item_id", it.id).put("output_index", it.index)
                .put("content_index", it.parts.size());
    }

    /** One event: {@code type} and {@code sequence_number} first, then {@code fields}. */
    private Buffer event(String type, ObjectNode fields) {
        ObjectNode data = NODES.objectNode().put("type", type).put("sequence_number", sequence++);
        data.setAll(fields);
        try {
            byte[] bytes = WireJson.MAPPER.writeValueAsBytes(data);
            return Buffer.buffer(bytes.length + type.length() + 16).appendString("event: ").appendString(type)
                    .appendString("\ndata: ").appendBytes(bytes).appendString("\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
