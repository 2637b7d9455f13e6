package dev.detour.core.cache;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * Puts a streamed answer back together, chunk by chunk as the client was sent them, so a stream
 * can be stored like a whole answer: each choice's text, reasoning, refusal and tool calls (by
 * their index), its finish reason, and the usage. A stream longer than {@link #MAX_CHARS}
 * characters is not kept (its recording stops and {@link #response()} is null): a cache entry
 * that large would only push out many others. Not thread-safe: one per stream, on its event loop.
 */
public final class StreamRecorder {
    /** The most characters (all choices' text, reasoning, refusal and tool arguments) kept. */
    public static final int MAX_CHARS = 4 << 20;

    private String id;
    private String model;
    private long created;
    private Usage usage;
    private final List<Parts> choices = new ArrayList<>(1);
    private int chars;
    private boolean overflow;

    private static final class Parts {
        final StringBuilder text = new StringBuilder();
        StringBuilder reasoning;
        StringBuilder refusal;
        final List<ToolParts> tools = new ArrayList<>(0);
        FinishReason finish;
    }

    private static final class ToolParts {
        final int index;
        String id;
        String name;
        final StringBuilder arguments = new StringBuilder();

        ToolParts(int index) {
            this.index = index;
        }
    }

    /** Adds the next chunk the client was sent. */
    public void add(ChatChunk c) {
        if (overflow) {
            return;
        }
        if (id == null) {
            id = c.id();
            model = c.model();
            created = c.created();
        }
        if (c.usage() != null) {
            usage = c.usage();
        }
        if (c.index() < 0 || c.index() > 127) {
            overflow = true;
            return;
        }
        if (!c.hasContent() && c.finishReason() == null && c.role() == null) {
            return;
        }
        Parts p = choice(c.index());
        if (c.text() != null) {
            p.text.append(c.text());
            chars += c.text().length();
        }
        if (c.reasoning() != null) {
            p.reasoning = append(p.reasoning, c.reasoning());
        }
        if (c.refusal() != null) {
            p.refusal = append(p.refusal, c.refusal());
        }
        for (ToolCallDelta d : c.toolCalls()) {
            ToolParts t = tool(p, d.index());
            if (d.id() != null) {
                t.id = d.id();
            }
            if (d.name() != null) {
                t.name = d.name();
            }
            t.arguments.append(d.argumentsDelta());
            chars += d.argumentsDelta().length();
        }
        if (c.finishReason() != null) {
            p.finish = c.finishReason();
        }
        if (chars > MAX_CHARS) {
            overflow = true;
            choices.clear();
        }
    }

    private StringBuilder append(StringBuilder sb, String s) {
        chars += s.length();
        return (sb == null ? new StringBuilder() : sb).append(s);
    }

    private Parts choice(int index) {
        while (choices.size() <= index) {
            choices.add(null);
        }
        Parts p = choices.get(index);
        if (p == null) {
            p = new Parts();
            choices.set(index, p);
        }
        return p;
    }

    private static ToolParts tool(Parts p, int index) {
        for (ToolParts t : p.tools) {
            if (t.index == index) {
                return t;
            }
        }
        ToolParts t = new ToolParts(index);
        p.tools.add(t);
        return t;
    }

    /**
     * The whole answer the stream carried, or null when there is none to keep: it was too long, a
     * choice index was skipped, or a tool call never got its name.
     */
    public ChatResponse response() {
        if (overflow || choices.isEmpty()) {
            return null;
        }
        List<Choice> out = new ArrayList<>(choices.size());
        for (int i = 0; i < choices.size(); i++) {
            Parts p = choices.get(i);
            if (p == null) {
                return null;
            }
            List<ToolCall> calls = new ArrayList<>(p.tools.size());
            for (ToolParts t : p.tools) {
                if (t.name == null) {
                    return null;
                }
                calls.add(new ToolCall(t.id, t.name, t.arguments.toString()));
            }
            List<ContentPart> content = p.text.length() == 0 && !calls.isEmpty() ? null
                    : List.of(new ContentPart.Text(p.text.toString()));
            out.add(new Choice(i, new Message("assistant", content, true, null, calls, null,
                    p.reasoning == null ? null : p.reasoning.toString(),
                    p.refusal == null ? null : p.refusal.toString()), p.finish));
        }
        return new ChatResponse(id, model, created, out, usage, null);
    }
}
