package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One generated answer, whichever wire format will carry it: either text or one tool call.
 *
 * @param index            the choice / candidate index
 * @param text             the answer text (null for a tool call)
 * @param toolCall         the tool call, or null
 * @param finish           why it ended
 * @param stopSequence     the stop sequence that ended it, when {@code finish} is {@code STOP_SEQUENCE}
 * @param promptTokens     input tokens
 * @param completionTokens output tokens
 * @param key              a deterministic hex key derived from the prompt, for ids
 */
record SimAnswer(int index, String text, ToolCall toolCall, Finish finish, String stopSequence, int promptTokens,
                 int completionTokens, String key) {

    /** A tool call: deterministic id suffix, tool name, arguments object. */
    record ToolCall(String key, String name, ObjectNode arguments) {
    }

    /** Why generation ended, in neutral terms that each format maps to its own words. */
    enum Finish { STOP, STOP_SEQUENCE, LENGTH, TOOL_CALL }
}
