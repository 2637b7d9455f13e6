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
 * <p>A chunk whose text, in any text-bearing field (content, reasoning, refusal, a tool call's
 * arguments; per choice), ends with what may be the beginning of a secret is held back, whole and
 * unchanged, with the chunks after it, until the field goes on with something else (all of them
 * then leave as they came, the same instances, so their upstream bytes still go with them) or with
 * the rest of the secret: then the parts of the secret in the held chunks are masked, those chunks
 * rewritten as new instances, which leave without their upstream bytes (those go only with the very
 * instance an adapter delivered). A finish reason ends the fields of its choice. Holding whole
 * chunks rather than cutting their text keeps the usual case, a token that ends in a key's first
 * letter, as cheap as any other chunk.
 *
 * <p>Another field's content releases what is held (so no field waits on another), and so does a
 * long run of held chunks; a field released while it may hold a secret's beginning is remembered,
 * and should it go on with the rest of the secret, that rest is masked, since its beginning has
 * already left.
 *
 * <p>Chunks that need nothing (no field ends with a secret's possible beginning, nothing held) pass
 * through as the same instance, at the cost of a look at each delta's last characters.
 *
 * <p>Not thread-safe: one per streamed attempt, used on its event loop.
 */
final class StreamScrubber {
    private static final int CONTENT = 0;
    private static final int REASONING = 1;
    private static final int REFUSAL = 2;
    private static final int TOOL = 3;
    /**
     * Chunks held at most before they are released anyway: enough for a key written escaped, a
     * few characters a chunk; few enough that no upstream can make a stream hold much.
     */
    private static final int MAX_HELD = 256;
    /** Released beginnings remembered at most, so no upstream can grow this. */
    private static final int MAX_RELEASED = 16;

    private final Scrubber scrubber;
    private final List<ChatChunk> held = new ArrayList<>(2);
    private final ArrayDeque<ChatChunk> ready = new ArrayDeque<>(2);
    /** Fields released early whose sent text may be a secret's beginning: field, then that text. */
    private final List<Object[]> released = new ArrayList<>(0);

    StreamScrubber(Scrubber scrubber) {
        this.scrubber = scrubber;
    }

    /** One text-bearing field of one choice. */
    private record Field(int choice, int kind, int tool) {
    }

    /** A field's text in one held chunk: which chunk, which tool delta of it, and where it lies in the joined text. */
    private record Piece(int chunk, int entry, int start, int end) {
    }

    /**
     * {@code c} if it can be sent now and nothing is held; else null, and what can be sent now (in
     * order, {@code c} among them when it is released) is taken with {@link #poll()}.
     */
    ChatChunk next(ChatChunk c) {
        if (held.isEmpty() && !endsPending(c) && !continuesReleased(c)) {
            if (c.finishReason() != null && !released.isEmpty()) {
                released.removeIf(r -> ((Field) r[0]).choice() == c.index());
            }
            return c;
        }
        held.add(c);
        boolean pending = false;
        boolean other = false;
        List<Field> fields = fields();
        for (Field f : fields) {
            String sent = sent(f);
            List<Piece> pieces = new ArrayList<>(held.size());
            String text = join(f, sent, pieces);
            while (mask(f, text, sent.length(), pieces)) {
                pieces = new ArrayList<>(held.size());
                text = join(f, sent, pieces);
            }
            boolean ended = c.finishReason() != null && c.index() == f.choice();
            boolean waits = !ended && text.length() > sent.length() && scrubber.pendingFrom(text) < text.length();
            if (waits && !carries(c, f) && c.hasContent()) {
                // Another field goes on: this one must not hold it up.
                other = true;
            }
            pending |= waits;
        }
        if (other && held.size() > 1) {
            // What was held leaves before c, which is judged on its own.
            ChatChunk last = held.remove(held.size() - 1);
            release(fields());
            ChatChunk alone = next(last);
            if (alone != null) {
                ready.add(alone);
            }
        } else if (!pending || other || held.size() >= MAX_HELD) {
            release(fields);
        }
        return null;
    }

    /** The stream ended: releases what is held (take it with {@link #poll()}). */
    void end() {
        ready.addAll(held);
        held.clear();
        released.clear();
    }

    /** The next chunk to send, in order, or null. */
    ChatChunk poll() {
        return ready.poll();
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

    private boolean continuesReleased(ChatChunk c) {
        for (Object[] r : released) {
            if (carries(c, (Field) r[0])) {
                return true;
            }
        }
        return false;
    }

    private boolean pending(String delta) {
        return delta != null && !delta.isEmpty() && scrubber.pendingFrom(delta) < delta.length();
    }

    /** Sends every held chunk; remembers the fields whose sent text may begin a secret. */
    private void release(List<Field> fields) {
        List<Object[]> keep = new ArrayList<>(0);
        for (Field f : fields) {
            String text = join(f, sent(f), null);
            int from = scrubber.pendingFrom(text);
            boolean ended = false;
            for (ChatChunk c : held) {
                ended |= c.finishReason() != null && c.index() == f.choice();
            }
            if (!ended && from < text.length() && keep.size() < MAX_RELEASED) {
                keep.add(new Object[] {f, text.substring(Math.max(from, text.length() - scrubber.window() + 1))});
            }
        }
        released.clear();
        released.addAll(keep);
        ready.addAll(held);
        held.clear();
    }

    /** The fields with text in what is held, or remembered as released early. */
    private List<Field> fields() {
        List<Field> out = new ArrayList<>(2);
        for (Object[] r : released) {
            add(out, (Field) r[0]);
        }
        for (ChatChunk c : held) {
            if (has(c.text())) {
                add(out, new Field(c.index(), CONTENT, -1));
            }
            if (has(c.reasoning())) {
                add(out, new Field(c.index(), REASONING, -1));
            }
            if (has(c.refusal())) {
                add(out, new Field(c.index(), REFUSAL, -1));
            }
            for (ToolCallDelta d : c.toolCalls()) {
                if (has(d.argumentsDelta())) {
                    add(out, new Field(c.index(), TOOL, d.index()));
                }
            }
        }
        return out;
    }

    private static void add(List<Field> fields, Field f) {
        if (!fields.contains(f)) {
            fields.add(f);
        }
    }

    private static boolean has(String s) {
        return s != null && !s.isEmpty();
    }

    private String sent(Field f) {
        for (Object[] r : released) {
            if (r[0].equals(f)) {
                return (String) r[1];
            }
        }
        return "";
    }

    /** Whether {@code c} has text for field {@code f}. */
    private static boolean carries(ChatChunk c, Field f) {
        if (c.index() != f.choice()) {
            return false;
        }
        return switch (f.kind()) {
            case CONTENT -> has(c.text());
            case REASONING -> has(c.reasoning());
            case REFUSAL -> has(c.refusal());
            default -> {
                for (ToolCallDelta d : c.toolCalls()) {
                    if (d.index() == f.tool() && has(d.argumentsDelta())) {
                        yield true;
                    }
                }
                yield false;
            }
        };
    }

    /**
     * The field's sent text and its text in each held chunk, joined; {@code pieces} (if given) says
     * where each lies.
     */
    private String join(Field f, String sent, List<Piece> pieces) {
        StringBuilder b = new StringBuilder(sent);
        for (int i = 0; i < held.size(); i++) {
            ChatChunk c = held.get(i);
            if (c.index() != f.choice()) {
                continue;
            }
            if (f.kind() == TOOL) {
                for (int k = 0; k < c.toolCalls().size(); k++) {
                    ToolCallDelta d = c.toolCalls().get(k);
                    if (d.index() == f.tool() && has(d.argumentsDelta())) {
                        piece(b, d.argumentsDelta(), i, k, pieces);
                    }
                }
            } else {
                String t = f.kind() == CONTENT ? c.text() : f.kind() == REASONING ? c.reasoning() : c.refusal();
                if (has(t)) {
                    piece(b, t, i, -1, pieces);
                }
            }
        }
        return b.toString();
    }

    private static void piece(StringBuilder b, String t, int chunk, int entry, List<Piece> pieces) {
        if (pieces != null) {
            pieces.add(new Piece(chunk, entry, b.length(), b.length() + t.length()));
        }
        b.append(t);
    }

    /**
     * Masks, in the held chunks, every secret of the field's joined text that crosses from one
     * piece into the next (one within a single piece is the byte filter's); returns whether any was.
     */
    private boolean mask(Field f, String text, int sent, List<Piece> pieces) {
        long[] spans = scrubber.spans(text, sent);
        boolean masked = false;
        for (long span : spans) {
            int start = (int) (span >>> 32);
            int end = (int) span;
            boolean within = false;
            for (Piece p : pieces) {
                within |= start >= p.start() && end <= p.end();
            }
            if (within) {
                continue;
            }
            boolean first = true;
            for (Piece p : pieces) {
                int from = Math.max(start, p.start());
                int to = Math.min(end, p.end());
                if (from >= to) {
                    continue;
                }
                String t = text.substring(p.start(), p.end());
                String cut = t.substring(0, from - p.start()) + (first ? Scrubber.MASK : "")
                        + t.substring(to - p.start());
                first = false;
                held.set(p.chunk(), with(held.get(p.chunk()), f, p.entry(), cut));
                masked = true;
            }
            if (masked) {
                // The pieces moved: the next span is found again on the rewritten text.
                return true;
            }
        }
        return masked;
    }

    /** {@code c} with field {@code f}'s text (in tool delta {@code entry}) replaced, and without its upstream bytes. */
    private static ChatChunk with(ChatChunk c, Field f, int entry, String t) {
        String text = f.kind() == CONTENT ? t : c.text();
        String reasoning = f.kind() == REASONING ? t : c.reasoning();
        String refusal = f.kind() == REFUSAL ? t : c.refusal();
        List<ToolCallDelta> tools = c.toolCalls();
        if (f.kind() == TOOL) {
            tools = new ArrayList<>(tools);
            ToolCallDelta d = tools.get(entry);
            tools.set(entry, new ToolCallDelta(d.index(), d.id(), d.name(), t));
        }
        return new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), text, reasoning, tools,
                c.finishReason(), c.usage(), refusal);
    }
}
