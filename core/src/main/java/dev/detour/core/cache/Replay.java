package dev.detour.core.cache;

import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.Message;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;

import java.util.ArrayList;
import java.util.List;

/**
 * A stored answer as the chunks of a stream, for a streamed request answered from the cache:
 * per choice a role chunk, its reasoning, text, refusal and tool calls each whole in one chunk,
 * and a chunk with its finish reason; the usage, when known, in a chunk of its own. Whole pieces
 * rather than a drip: the answer is already complete, and the client gets it at once.
 */
public final class Replay {
    private Replay() {
    }

    /**
     * The chunks of {@code r}.
     *
     * @param usageFirst where the usage chunk goes: first (an Anthropic stream reports the input
     *                   tokens in its opening event) or last (an OpenAI stream's usage chunk is the
     *                   last one before {@code [DONE]})
     * @param withUsage  whether to send the usage chunk at all (an OpenAI client gets one only when
     *                   it asked, with {@code stream_options.include_usage})
     */
    public static List<ChatChunk> chunks(ChatResponse r, boolean usageFirst, boolean withUsage) {
        List<ChatChunk> out = new ArrayList<>(4 * r.choices().size() + 1);
        ChatChunk usage = withUsage && r.usage() != null ? new ChatChunk(r.id(), r.model(), r.created(), 0, null, null,
                null, List.of(), null, r.usage(), null) : null;
        if (usage != null && usageFirst) {
            out.add(usage);
        }
        for (Choice c : r.choices()) {
            Message m = c.message();
            out.add(chunk(r, c.index(), "assistant", null, null, List.of(), null, null));
            if (m.reasoning() != null && !m.reasoning().isEmpty()) {
                out.add(chunk(r, c.index(), null, null, m.reasoning(), List.of(), null, null));
            }
            String text = m.text();
            if (!text.isEmpty()) {
                out.add(chunk(r, c.index(), null, text, null, List.of(), null, null));
            }
            if (m.refusal() != null && !m.refusal().isEmpty()) {
                out.add(chunk(r, c.index(), null, null, null, List.of(), null, m.refusal()));
            }
            if (!m.toolCalls().isEmpty()) {
                List<ToolCallDelta> calls = new ArrayList<>(m.toolCalls().size());
                for (int i = 0; i < m.toolCalls().size(); i++) {
                    ToolCall t = m.toolCalls().get(i);
                    calls.add(new ToolCallDelta(i, t.id(), t.name(), t.arguments()));
                }
                out.add(chunk(r, c.index(), null, null, null, calls, null, null));
            }
            out.add(chunk(r, c.index(), null, null, null, List.of(),
                    c.finishReason() != null ? c.finishReason() : dev.detour.api.model.FinishReason.STOP, null));
        }
        if (usage != null && !usageFirst) {
            out.add(usage);
        }
        return out;
    }

    private static ChatChunk chunk(ChatResponse r, int index, String role, String text, String reasoning,
                                   List<ToolCallDelta> calls, dev.detour.api.model.FinishReason finish,
                                   String refusal) {
        return new ChatChunk(r.id(), r.model(), r.created(), index, role, text, reasoning, calls, finish, null, refusal);
    }
}
