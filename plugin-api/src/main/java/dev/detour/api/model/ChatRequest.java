package dev.detour.api.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;
import java.util.Map;

/**
 * The canonical chat request: OpenAI Chat Completions' fields, typed where Detour or an adapter
 * needs to understand them, with every other field kept in {@link #extra()} so an
 * OpenAI-compatible target receives it unchanged.
 *
 * <p>Immutable and a pure value: two requests with the same fields are equal. Adapters translate it
 * afresh on every attempt, and overrides produce copies via {@link #toBuilder()}. Optional numbers
 * are null when the client did not send them. The client's own bytes are not part of it: core hands
 * them to the attempt ({@link dev.detour.api.provider.Call#inbound()}) while they still say what
 * this record says.
 *
 * @param model               the model (core replaces the route name with the target's model)
 * @param messages            the conversation, at least one message
 * @param tools               functions the model may call (empty if none)
 * @param toolChoice          OpenAI's {@code tool_choice} as sent ({@code "auto"}, {@code "none"},
 *                            {@code "required"} or {@code {"type":"function","function":{"name":..}}}), or null
 * @param parallelToolCalls   OpenAI's {@code parallel_tool_calls}, or null
 * @param responseFormat      OpenAI's {@code response_format} as sent, or null
 * @param stop                stop sequences (empty if none)
 * @param temperature         sampling temperature, or null
 * @param topP                nucleus sampling, or null
 * @param maxTokens           {@code max_tokens}, or null
 * @param maxCompletionTokens {@code max_completion_tokens}, or null
 * @param seed                sampling seed, or null
 * @param n                   number of choices, or null
 * @param stream              whether the client asked for a stream
 * @param includeUsage        {@code stream_options.include_usage}
 * @param user                end-user id, or null
 * @param metadata            OpenAI's {@code metadata} (empty if none)
 * @param extra               every other top-level field, passed through to OpenAI-compatible targets
 */
public record ChatRequest(String model, List<Message> messages, List<Tool> tools, JsonNode toolChoice,
                          Boolean parallelToolCalls, JsonNode responseFormat, List<String> stop,
                          Double temperature, Double topP, Integer maxTokens, Integer maxCompletionTokens,
                          Long seed, Integer n, boolean stream, boolean includeUsage, String user,
                          Map<String, String> metadata, ObjectNode extra) {

    public ChatRequest {
        if (messages == null || messages.isEmpty()) {
            throw new IllegalArgumentException("messages must not be empty");
        }
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        stop = stop == null ? List.of() : List.copyOf(stop);
        metadata = metadata == null ? Map.of() : Map.copyOf(metadata);
    }

    /** The output limit the client asked for ({@code max_completion_tokens}, else {@code max_tokens}), or null. */
    public Integer outputLimit() {
        return maxCompletionTokens != null ? maxCompletionTokens : maxTokens;
    }

    /** Whether the client asked for JSON output ({@code json_object} or {@code json_schema}). */
    public boolean wantsJson() {
        if (responseFormat == null) {
            return false;
        }
        String t = responseFormat.path("type").asText("");
        return t.equals("json_object") || t.equals("json_schema");
    }

    /** The JSON schema of a {@code json_schema} response format, or null. */
    public JsonNode jsonSchema() {
        if (responseFormat == null) {
            return null;
        }
        JsonNode s = responseFormat.path("json_schema").path("schema");
        return s.isMissingNode() || s.isNull() ? null : s;
    }

    /** Whether any message has an image part. */
    public boolean hasImages() {
        for (Message m : messages) {
            if (m.hasImages()) {
                return true;
            }
        }
        return false;
    }

    /** All text of all messages, for estimates (token counts, cache keys). */
    public int textLength() {
        int n = 0;
        for (Message m : messages) {
            n += m.text().length();
        }
        return n;
    }

    /** A builder starting from this request. */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /** A builder for a request with the given messages. */
    public static Builder builder(String model, List<Message> messages) {
        Builder b = new Builder();
        b.model = model;
        b.messages = messages;
        return b;
    }

    /** Builds modified copies; every setter returns the builder. */
    public static final class Builder {
        private String model;
        private List<Message> messages;
        private List<Tool> tools;
        private JsonNode toolChoice;
        private Boolean parallelToolCalls;
        private JsonNode responseFormat;
        private List<String> stop;
        private Double temperature;
        private Double topP;
        private Integer maxTokens;
        private Integer maxCompletionTokens;
        private Long seed;
        private Integer n;
        private boolean stream;
        private boolean includeUsage;
        private String user;
        private Map<String, String> metadata;
        private ObjectNode extra;

        private Builder() {
        }

        private Builder(ChatRequest r) {
            model = r.model;
            messages = r.messages;
            tools = r.tools;
            toolChoice = r.toolChoice;
            parallelToolCalls = r.parallelToolCalls;
            responseFormat = r.responseFormat;
            stop = r.stop;
            temperature = r.temperature;
            topP = r.topP;
            maxTokens = r.maxTokens;
            maxCompletionTokens = r.maxCompletionTokens;
            seed = r.seed;
            n = r.n;
            stream = r.stream;
            includeUsage = r.includeUsage;
            user = r.user;
            metadata = r.metadata;
            extra = r.extra;
        }

        public Builder model(String v) { model = v; return this; }
        public Builder stream(boolean v) { stream = v; return this; }
        public Builder includeUsage(boolean v) { includeUsage = v; return this; }
        public Builder messages(List<Message> v) { messages = v; return this; }
        public Builder tools(List<Tool> v) { tools = v; return this; }
        public Builder toolChoice(JsonNode v) { toolChoice = v; return this; }
        public Builder parallelToolCalls(Boolean v) { parallelToolCalls = v; return this; }
        public Builder responseFormat(JsonNode v) { responseFormat = v; return this; }
        public Builder stop(List<String> v) { stop = v; return this; }
        public Builder temperature(Double v) { temperature = v; return this; }
        public Builder topP(Double v) { topP = v; return this; }
        public Builder maxTokens(Integer v) { maxTokens = v; return this; }
        public Builder maxCompletionTokens(Integer v) { maxCompletionTokens = v; return this; }
        public Builder seed(Long v) { seed = v; return this; }
        public Builder n(Integer v) { n = v; return this; }
        public Builder user(String v) { user = v; return this; }
        public Builder metadata(Map<String, String> v) { metadata = v; return this; }
        public Builder extra(ObjectNode v) { extra = v; return this; }

        public ChatRequest build() {
            return new ChatRequest(model, messages, tools, toolChoice, parallelToolCalls, responseFormat, stop,
                    temperature, topP, maxTokens, maxCompletionTokens, seed, n, stream, includeUsage, user,
                    metadata, extra);
        }
    }
}
