package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * A chat request reduced to what the answer generator needs, whichever wire format it came in.
 *
 * @param endpoint        the endpoint name the call was made to
 * @param model           the model asked for
 * @param lastText        the text the answer refers to: the last user message, or the last tool
 *                        result when {@code lastIsToolResult}
 * @param lastIsToolResult whether the conversation ends with a tool result
 * @param tools           the tools offered (empty if none)
 * @param toolMode        how the tools may be used
 * @param forcedTool      the tool the client forced, or null
 * @param wantsJson       whether the client asked for a JSON answer
 * @param jsonSchema      the schema of that JSON answer, or null
 * @param maxTokens       the output limit, or null
 * @param stop            stop sequences (empty if none)
 * @param promptChars     the length of all prompt text, for usage counts
 * @param choices         how many alternative answers were asked for (at least 1)
 * @param stream          how the answer is delivered
 * @param streamUsage     whether a streamed answer reports usage (OpenAI {@code stream_options.include_usage};
 *                        the other formats always do)
 */
record SimPrompt(String endpoint, String model, String lastText, boolean lastIsToolResult, List<SimTool> tools,
                 ToolMode toolMode, String forcedTool, boolean wantsJson, JsonNode jsonSchema, Integer maxTokens,
                 List<String> stop, int promptChars, int choices, StreamMode stream, boolean streamUsage) {

    SimPrompt {
        tools = tools == null ? List.of() : List.copyOf(tools);
        stop = stop == null ? List.of() : List.copyOf(stop);
        lastText = lastText == null ? "" : lastText;
        toolMode = toolMode == null ? ToolMode.AUTO : toolMode;
        choices = Math.max(1, choices);
        stream = stream == null ? StreamMode.NONE : stream;
    }

    /** A tool: its name and the JSON Schema of its arguments (null when it has none). */
    record SimTool(String name, JsonNode parameters) {
    }

    /** {@code auto}: call a tool unless answering a tool result; {@code required}: always; {@code none}: never. */
    enum ToolMode { AUTO, REQUIRED, NONE }

    /** Not streamed, streamed as server-sent events, or (Gemini without {@code alt=sse}) as a JSON array. */
    enum StreamMode { NONE, SSE, JSON_ARRAY }

    boolean streamed() {
        return stream != StreamMode.NONE;
    }
}
