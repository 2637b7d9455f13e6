package dev.detour.api.model;

import java.util.List;

/**
 * One event of a streamed chat completion, in the canonical shape: the deltas of one choice.
 * A chunk "carries content" when it has text, reasoning, a refusal or a tool-call delta; a
 * role-only or usage-only chunk does not. Core commits a stream to its target at the first chunk
 * that carries content: before that any failure fails over invisibly. A pure value (equal when its
 * fields are); the upstream event's own bytes travel beside it
 * ({@link dev.detour.api.provider.ChunkSink#next(ChatChunk, dev.detour.api.provider.WireBody)}).
 *
 * @param id             the provider's response id
 * @param model          the model, as the provider named it
 * @param created        epoch seconds
 * @param index          the choice index
 * @param role           the role, usually on the first chunk only, else null
 * @param text           a text delta, or null
 * @param reasoning      a reasoning/thinking delta, or null
 * @param toolCalls      tool-call deltas (empty if none)
 * @param finishReason   set on the last chunk of a choice, else null
 * @param usage          set on the usage chunk (last), else null
 * @param refusal        a refusal delta, or null
 */
public record ChatChunk(String id, String model, long created, int index, String role, String text,
                        String reasoning, List<ToolCallDelta> toolCalls, FinishReason finishReason,
                        Usage usage, String refusal) {

    public ChatChunk {
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A text delta. */
    public static ChatChunk text(String id, String model, long created, String text) {
        return new ChatChunk(id, model, created, 0, null, text, null, List.of(), null, null, null);
    }

    /** Whether this chunk carries content (text, reasoning, refusal or a tool call). */
    public boolean hasContent() {
        return (text != null && !text.isEmpty()) || (reasoning != null && !reasoning.isEmpty())
                || (refusal != null && !refusal.isEmpty()) || !toolCalls.isEmpty();
    }

    /** A copy with another model name. */
    public ChatChunk withModel(String newModel) {
        return new ChatChunk(id, newModel, created, index, role, text, reasoning, toolCalls, finishReason, usage, refusal);
    }
}
