package dev.detour.core.failover;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ToolCallDelta;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * One streamed attempt's guard against a secret that an upstream splits across deltas (content
 * {@code "sk-ab"}, then {@code "cdef…"}): no single event then holds it, so the byte filter that
 * every write passes through ({@link Scrubber#scrub(io.vertx.core.buffer.Buffer)}) cannot see it,
 * while a client that joins the deltas can.
 *
 * <p>Per choice and text-bearing field (content, reasoning, refusal, each tool call's arguments)
 * it holds back only a tail that is a proper prefix of some secret, and sends it in front of that
 * field's next delta, so a secret is always whole within one event (where the filter masks it).
 * A field's held tail is released on its own, just before the chunk, when a chunk brings another
 * field's content or a finish reason for its choice, and at the end of the stream. A tail released
 * that way is remembered: should the field go on with the rest of a secret, that rest is masked
 * here, since its beginning has already left.
 *
 * <p>A chunk whose text changed is a new chunk without its upstream bytes ({@link ChatChunk#raw()}),
 * so the client gets it written afresh. Chunks that need nothing (no field ends with a secret's
 * beginning, nothing held) pass through as the same instance, at the cost of a look at each
 * delta's last characters.
 *
 * <p>Not thread-safe: one per streamed attempt, used on its event loop.
 */
final class StreamScrubber {
    private static final int CONTENT = 0;
    private static final int REASONING = 1;
    private static final int REFUSAL = 2;
    private static final int TOOL = 3;
    /** Fields remembered at most (beyond those holding a tail), so no upstream can grow this. */
    private static final int MAX_FIELDS = 16;

    private final Scrubber scrubber;
    /** The fields holding a tail or remembering a released one; usually none. */
    private final List<Field> fields = new ArrayList<>(2);
    private final ArrayDeque<ChatChunk> released = new ArrayDeque<>(2);
    private ChatChunk last;

    StreamScrubber(Scrubber scrubber) {
        this.scrubber = scrubber;
    }

    /** One text-bearing field of one choice. */
    private static final class Field {
        final int choice;
        final int kind;
        final int tool;
        /** Not yet sent: a proper prefix of some secret. */
        String held = "";
        /** Sent without its continuation (released early): a proper prefix of some secret. */
        String sent = "";

        Field(int choice, int kind, int tool) {
            this.choice = choice;
            this.kind = kind;
            this.tool = tool;
        }
    }

    /**
     * The chunk to send for {@code c}: {@code c} itself when nothing changed, a rewritten chunk,
     * or null when nothing of it is left to send now. Chunks released by this call must be sent
     * first: take them with {@link #poll()}.
     */
    ChatChunk next(ChatChunk c) {
        last = c;
        if (fields.isEmpty() && !endsPending(c)) {
            return c;
        }
        int choice = c.index();
        boolean finishing = c.finishReason() != null;
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.choice == choice && !f.held.isEmpty() && !continues(c, f) && (finishing || c.hasContent())) {
                release(f, c);
            }
        }
        String text = step(choice, CONTENT, -1, c.text(), finishing);
        String reasoning = step(choice, REASONING, -1, c.reasoning(), finishing);
        String refusal = step(choice, REFUSAL, -1, c.refusal(), finishing);
        List<ToolCallDelta> tools = c.toolCalls();
        for (int i = 0; i < c.toolCalls().size(); i++) {
            ToolCallDelta d = c.toolCalls().get(i);
            String args = step(choice, TOOL, d.index(), d.argumentsDelta(), finishing);
            if (args != d.argumentsDelta()) {
                if (tools == c.toolCalls()) {
                    tools = new ArrayList<>(c.toolCalls());
                }
                tools.set(i, new ToolCallDelta(d.index(), d.id(), d.name(), args));
            }
        }
        if (finishing) {
            fields.removeIf(f -> f.choice == choice);
        }
        if (text == c.text() && reasoning == c.reasoning() && refusal == c.refusal() && tools == c.toolCalls()) {
            return c;
        }
        if (tools != c.toolCalls()) {
            // A piece whose arguments are all held back says nothing yet, unless it names the call.
            tools.removeIf(d -> d.id() == null && d.name() == null && d.argumentsDelta().isEmpty());
        }
        ChatChunk out = new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), text, reasoning, tools,
                c.finishReason(), c.usage(), refusal);
        return out.role() == null && !out.hasContent() && out.finishReason() == null && out.usage() == null ? null : out;
    }

    /** The stream ended: releases every held tail (take them with {@link #poll()}). */
    void end() {
        if (last != null) {
            for (Field f : fields) {
                if (!f.held.isEmpty()) {
                    release(f, last);
                }
            }
        }
        fields.clear();
    }

    /** The next released chunk to send, in order, or null. */
    ChatChunk poll() {
        return released.poll();
    }

    private boolean endsPending(ChatChunk c) {
        if (pending(c.text()) || pending(c.reasoning()) || pending(c.refusal())) {
            return true;
        }
        for (int i = 0; i < c.toolCalls().size(); i++) {
            if (pending(c.toolCalls().get(i).argumentsDelta())) {
                return true;
            }
        }
        return false;
    }

    private boolean pending(String delta) {
        return delta != null && !delta.isEmpty() && scrubber.pendingFrom(delta) < delta.length();
    }

    /** What to send of {@code delta} now; the same instance when it is sent as it came. */
    private String step(int choice, int kind, int tool, String delta, boolean finishing) {
        if (delta == null || delta.isEmpty()) {
            return delta;
        }
        Field f = find(choice, kind, tool);
        if (f == null && (finishing || !pending(delta))) {
            return delta;
        }
        String sent = f == null ? "" : f.sent;
        String held = f == null ? "" : f.held;
        int boundary = sent.length();
        String fresh = scrubber.maskFrom(sent.isEmpty() && held.isEmpty() ? delta : sent + held + delta, boundary);
        String whole = boundary == 0 ? fresh : sent + fresh;
        int from = finishing ? whole.length() : scrubber.pendingFrom(whole);
        String send;
        if (from < boundary) {
            // What was sent may still be the beginning of a secret: hold all that follows it.
            send = "";
            held = fresh;
        } else {
            send = whole.substring(boundary, from);
            held = whole.substring(from);
            sent = "";
        }
        if (held.isEmpty() && sent.isEmpty()) {
            if (f != null) {
                fields.remove(f);
            }
        } else {
            if (f == null) {
                f = add(choice, kind, tool);
            }
            f.held = held;
            f.sent = sent;
        }
        return send.equals(delta) ? delta : send;
    }

    private boolean continues(ChatChunk c, Field f) {
        return switch (f.kind) {
            case CONTENT -> c.text() != null && !c.text().isEmpty();
            case REASONING -> c.reasoning() != null && !c.reasoning().isEmpty();
            case REFUSAL -> c.refusal() != null && !c.refusal().isEmpty();
            default -> {
                for (ToolCallDelta d : c.toolCalls()) {
                    if (d.index() == f.tool && !d.argumentsDelta().isEmpty()) {
                        yield true;
                    }
                }
                yield false;
            }
        };
    }

    /** Queues {@code f}'s held tail as a chunk of its own (ids from {@code like}), and remembers it as sent. */
    private void release(Field f, ChatChunk like) {
        String t = f.held;
        released.add(switch (f.kind) {
            case CONTENT -> new ChatChunk(like.id(), like.model(), like.created(), f.choice, null, t, null, List.of(),
                    null, null, null);
            case REASONING -> new ChatChunk(like.id(), like.model(), like.created(), f.choice, null, null, t, List.of(),
                    null, null, null);
            case REFUSAL -> new ChatChunk(like.id(), like.model(), like.created(), f.choice, null, null, null, List.of(),
                    null, null, t);
            default -> new ChatChunk(like.id(), like.model(), like.created(), f.choice, null, null, null,
                    List.of(new ToolCallDelta(f.tool, null, null, t)), null, null, null);
        });
        // What was sent before it may be part of the same secret's beginning: remember both (no
        // more than a secret's length, which is all a secret that goes on can reach back).
        String sent = f.sent + t;
        int keep = scrubber.window() - 1;
        f.sent = sent.length() > keep ? sent.substring(sent.length() - keep) : sent;
        f.held = "";
    }

    private Field find(int choice, int kind, int tool) {
        for (int i = 0; i < fields.size(); i++) {
            Field f = fields.get(i);
            if (f.choice == choice && f.kind == kind && f.tool == tool) {
                return f;
            }
        }
        return null;
    }

    private Field add(int choice, int kind, int tool) {
        if (fields.size() >= MAX_FIELDS) {
            // Forget the oldest released tail; a field still holding one is never dropped.
            for (int i = 0; i < fields.size(); i++) {
                if (fields.get(i).held.isEmpty()) {
                    fields.remove(i);
                    break;
                }
            }
        }
        Field f = new Field(choice, kind, tool);
        fields.add(f);
        return f;
    }
}
