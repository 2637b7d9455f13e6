package dev.detour.wire.openai;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The common shapes of a Chat Completions request and answer, read straight from their bytes with
 * Jackson's streaming parser: no tree, no second walk over it. Only what the tree readers of
 * {@link OpenAiJson} accept and turn into exactly the same record is handled here (plain-text
 * messages, the usual sampling and stream fields; a text answer with its usage). Anything else,
 * and anything invalid, returns null, and the caller reads the body through the tree, which
 * handles every shape and names every problem. So this class only ever changes the speed.
 */
final class OpenAiFastPath {
    private OpenAiFastPath() {
    }

    // ---------------------------------------------------------------- request

    /** The request in {@code b}, or null when it is not a plain one (then use the tree reader). */
    static ChatRequest request(byte[] b) {
        try (JsonParser p = WireJson.MAPPER.getFactory().createParser(b)) {
            ChatRequest r = request(p);
            return r != null && p.nextToken() == null ? r : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static ChatRequest request(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        String model = null;
        List<Message> messages = null;
        Double temperature = null;
        Double topP = null;
        Integer maxTokens = null;
        Integer maxCompletionTokens = null;
        Long seed = null;
        Integer n = null;
        boolean stream = false;
        boolean includeUsage = false;
        String user = null;
        int seen = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
            if (t != JsonToken.FIELD_NAME) {
                return null;
            }
            String name = p.currentName();
            int bit = switch (name) {
                case "model" -> 1;
                case "messages" -> 2;
                case "temperature" -> 4;
                case "top_p" -> 8;
                case "max_tokens" -> 16;
                case "max_completion_tokens" -> 32;
                case "seed" -> 64;
                case "n" -> 128;
                case "stream" -> 256;
                case "stream_options" -> 512;
                case "user" -> 1024;
                default -> 0;
            };
            if (bit == 0 || (seen & bit) != 0) {
                return null;   // another field, or one given twice: the tree reader decides
            }
            seen |= bit;
            JsonToken v = p.nextToken();
            switch (name) {
                case "model" -> model = v == JsonToken.VALUE_STRING ? p.getText() : null;
                case "messages" -> messages = messages(p, v);
                case "temperature" -> temperature = number(p, v, 0, 2);
                case "top_p" -> topP = number(p, v, 0, 1);
                case "max_tokens" -> maxTokens = count(p, v, 1);
                case "max_completion_tokens" -> maxCompletionTokens = count(p, v, 1);
                case "n" -> n = count(p, v, 1);
                case "seed" -> seed = v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                        ? p.getLongValue() : null;
                case "stream" -> {
                    if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                        return null;
                    }
                    stream = v == JsonToken.VALUE_TRUE;
                }
                case "stream_options" -> {
                    Boolean usage = streamOptions(p, v);
                    if (usage == null) {
                        return null;
                    }
                    includeUsage = usage;
                }
                default -> user = v == JsonToken.VALUE_STRING ? p.getText() : null;
            }
            // A field present with a value this reader does not take (null, a wrong type, out of
            // range) leaves its variable null: the tree reader handles it.
            if (bit == 1 && model == null || bit == 2 && messages == null || bit == 4 && temperature == null
                    || bit == 8 && topP == null || bit == 16 && maxTokens == null || bit == 32 && maxCompletionTokens == null
                    || bit == 64 && seed == null || bit == 128 && n == null || bit == 1024 && user == null) {
                return null;
            }
        }
        if (model == null || model.isEmpty() || messages == null) {
            return null;
        }
        return new ChatRequest(model, messages, List.of(), null, null, null, List.of(), temperature, topP, maxTokens,
                maxCompletionTokens, seed, n, stream, includeUsage, user, java.util.Map.of(), null);
    }

    /** Plain messages: a role and a text content, maybe a name; anything else is for the tree reader. */
    private static List<Message> messages(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_ARRAY) {
            return null;
        }
        List<Message> out = new ArrayList<>(4);
        for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
            if (e != JsonToken.START_OBJECT) {
                return null;
            }
            String role = null;
            String content = null;
            String name = null;
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String field = p.currentName();
                if (p.nextToken() != JsonToken.VALUE_STRING) {
                    return null;
                }
                switch (field) {
                    case "role" -> {
                        if (role != null) {
                            return null;
                        }
                        role = p.getText();
                    }
                    case "content" -> {
                        if (content != null) {
                            return null;
                        }
                        content = p.getText();
                    }
                    case "name" -> {
                        if (name != null) {
                            return null;
                        }
                        name = p.getText();
                    }
                    default -> {
                        return null;
                    }
                }
            }
            // A tool message needs its tool_call_id, which this reader does not take.
            if (role == null || content == null || role.equals("tool") || !OpenAiJson.isRole(role)) {
                return null;
            }
            out.add(new Message(role, List.of(new ContentPart.Text(content)), true, name, List.of(), null, null, null));
        }
        return out.isEmpty() ? null : out;
    }

    private static Double number(JsonParser p, JsonToken t, double min, double max) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT && t != JsonToken.VALUE_NUMBER_FLOAT) {
            return null;
        }
        double v = p.getDoubleValue();
        return v < min || v > max ? null : v;
    }

    private static Integer count(JsonParser p, JsonToken t, int min) throws IOException {
        if (t != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            return null;
        }
        int v = p.getIntValue();
        return v < min ? null : v;
    }

    /** {@code include_usage} of a stream_options object holding only it (false when absent), or null. */
    private static Boolean streamOptions(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            return null;
        }
        Boolean usage = Boolean.FALSE;
        boolean seen = false;
        for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
            if (seen || !"include_usage".equals(p.currentName())) {
                return null;
            }
            seen = true;
            JsonToken v = p.nextToken();
            if (v != JsonToken.VALUE_TRUE && v != JsonToken.VALUE_FALSE) {
                return null;
            }
            usage = v == JsonToken.VALUE_TRUE;
        }
        return usage;
    }

    // ---------------------------------------------------------------- stream chunk

    /**
     * The one chunk of a plain stream event (its JSON, UTF-8): one choice with a text, role,
     * refusal or reasoning delta, maybe a finish reason and usage; or no choice and usage. Null for
     * anything else (tool call deltas, several choices, an error, no chunk at all, anything
     * invalid): then read the tree.
     */
    static dev.detour.api.model.ChatChunk chunk(byte[] data) {
        // Bytes, not a String: Jackson's byte parser names fields through a much cheaper symbol
        // table than its char parser does (which took half of this method's time).
        try (JsonParser p = WireJson.MAPPER.getFactory().createParser(data)) {
            dev.detour.api.model.ChatChunk c = chunk(p);
            return c != null && p.nextToken() == null ? c : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static dev.detour.api.model.ChatChunk chunk(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        Top top = new Top();
        ChoiceFields choice = null;
        boolean several = false;
        for (JsonToken v = top.untilChoices(p); v != JsonToken.END_OBJECT; v = top.untilChoices(p)) {
            if (v == JsonToken.VALUE_NULL) {
                continue;
            }
            if (v != JsonToken.START_ARRAY) {
                return null;
            }
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                several |= choice != null;
                choice = ChoiceFields.read(p, e, "delta", 0);
                if (choice == null || several) {
                    return null;   // several choices, or one this reader does not take: the tree reader
                }
            }
        }
        if (choice == null) {
            // As the tree reader: no choice and no usage is no chunk (left to it), usage alone one chunk.
            return top.usage == null ? null : new dev.detour.api.model.ChatChunk(top.id, top.model, top.created, 0, null,
                    null, null, List.of(), null, top.usage, null);
        }
        TextFields d = choice.fields;
        return new dev.detour.api.model.ChatChunk(top.id, top.model, top.created, choice.index,
                d == null ? null : d.role, d == null ? null : d.content, d == null ? null : d.reasoning(), List.of(),
                FinishReason.fromWire(choice.finish), top.usage, d == null ? null : d.refusal);
    }

    /**
     * The top-level fields an answer and a stream event share: id, model, created and usage, each
     * at most once; any other field is skipped, an error object refused.
     */
    private static final class Top {
        static final int ID = 1;
        static final int MODEL = 2;
        static final int CREATED = 4;
        static final int USAGE = 8;
        static final int CHOICES = 16;
        static final int FINGERPRINT = 32;

        String id;
        String model;
        long created;
        Usage usage;
        String fingerprint;
        int seen;

        /**
         * Reads the object's top-level fields up to {@code choices}: the token of its value (for
         * the caller to read), {@code END_OBJECT} when the object ends first, or null when the
         * body is not plain (a second {@code choices} included).
         */
        JsonToken untilChoices(JsonParser p) throws IOException {
            for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals("choices")) {
                    return first(CHOICES) ? v : null;
                }
                if (!read(p, name, v)) {
                    return null;
                }
            }
            return JsonToken.END_OBJECT;
        }

        /** Whether {@code bit} is seen for the first time (and marks it). */
        boolean first(int bit) {
            boolean fresh = (seen & bit) == 0;
            seen |= bit;
            return fresh;
        }

        /** Reads the value of top-level field {@code name} (not {@code choices}); false when the body is not plain. */
        boolean read(JsonParser p, String name, JsonToken v) throws IOException {
            switch (name) {
                case "id", "model", "system_fingerprint" -> {
                    int bit = name.equals("id") ? ID : name.equals("model") ? MODEL : FINGERPRINT;
                    if (!first(bit) || v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
                        return false;
                    }
                    String s = text(p, v);
                    if (bit == ID) {
                        id = s;
                    } else if (bit == MODEL) {
                        model = s;
                    } else {
                        fingerprint = s;
                    }
                }
                case "created" -> {
                    if (!first(CREATED) || v != JsonToken.VALUE_NUMBER_INT) {
                        return false;
                    }
                    created = p.getLongValue();
                }
                case "usage" -> {
                    if (!first(USAGE)) {
                        return false;
                    }
                    if (v != JsonToken.VALUE_NULL) {
                        usage = usage(p, v);
                        return usage != null;
                    }
                }
                case "error" -> {
                    return false;
                }
                default -> p.skipChildren();
            }
            return true;
        }
    }

    /** One choice: its index, its message (or delta) fields, its finish reason. */
    private static final class ChoiceFields {
        int index;
        TextFields fields;
        String finish;

        /**
         * Reads a choice whose text fields are under {@code content} ("message" or "delta"), or
         * returns null when it is not plain; {@code position} is its index when it names none.
         */
        static ChoiceFields read(JsonParser p, JsonToken t, String content, int position) throws IOException {
            if (t != JsonToken.START_OBJECT) {
                return null;
            }
            ChoiceFields c = new ChoiceFields();
            c.index = position;
            int seen = 0;
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                int bit = name.equals("index") ? 1 : name.equals(content) ? 2 : name.equals("finish_reason") ? 4 : 0;
                if (bit != 0 && (seen & bit) != 0) {
                    return null;
                }
                seen |= bit;
                if (bit == 1) {
                    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
                        return null;
                    }
                    c.index = p.getIntValue();
                } else if (bit == 2) {
                    c.fields = TextFields.read(p, v);
                    if (c.fields == null) {
                        return null;
                    }
                } else if (bit == 4) {
                    if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
                        return null;
                    }
                    c.finish = text(p, v);
                } else {
                    p.skipChildren();
                }
            }
            return c;
        }
    }

    /**
     * The string fields of a message or delta: role, content, name, refusal, reasoning; each at
     * most once and a string or null; tool calls (non-null) and anything else invalid make it not
     * plain. Other fields are skipped, as the tree readers ignore them.
     */
    private static final class TextFields {
        String role;
        String content;
        String name;
        String refusal;
        String reasoningContent;
        String reasoningOther;
        /** Whether {@code tool_calls} or {@code tool_call_id} was there (as null). */
        boolean toolFields;

        String reasoning() {
            return reasoningContent != null ? reasoningContent : reasoningOther;
        }

        static TextFields read(JsonParser p, JsonToken t) throws IOException {
            if (t != JsonToken.START_OBJECT) {
                return null;
            }
            TextFields out = new TextFields();
            int seen = 0;
            for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                String field = p.currentName();
                JsonToken v = p.nextToken();
                int bit = switch (field) {
                    case "role" -> 1;
                    case "content" -> 2;
                    case "name" -> 4;
                    case "refusal" -> 8;
                    case "reasoning_content" -> 16;
                    case "reasoning" -> 32;
                    case "tool_calls", "tool_call_id" -> -1;
                    default -> 0;
                };
                if (bit < 0 && v != JsonToken.VALUE_NULL || bit > 0 && (seen & bit) != 0) {
                    return null;   // tool calls, or a field given twice
                }
                if (bit <= 0) {
                    out.toolFields |= bit < 0;
                    p.skipChildren();
                    continue;
                }
                seen |= bit;
                if (v != JsonToken.VALUE_STRING && v != JsonToken.VALUE_NULL) {
                    return null;
                }
                String s = text(p, v);
                switch (bit) {
                    case 1 -> out.role = s;
                    case 2 -> out.content = s;
                    case 4 -> out.name = s;
                    case 8 -> out.refusal = s;
                    case 16 -> out.reasoningContent = s;
                    default -> out.reasoningOther = s;
                }
            }
            return out;
        }
    }

    // ---------------------------------------------------------------- answer

    /**
     * The answer in {@code b}, or null when it is not a plain text answer (tool calls, content
     * parts, an error object, anything unexpected).
     */
    static ChatResponse response(byte[] b) {
        try (JsonParser p = WireJson.MAPPER.getFactory().createParser(b)) {
            ChatResponse r = response(p);
            return r != null && p.nextToken() == null ? r : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    private static ChatResponse response(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return null;
        }
        Top top = new Top();
        List<Choice> choices = null;
        for (JsonToken v = top.untilChoices(p); v != JsonToken.END_OBJECT; v = top.untilChoices(p)) {
            if (v != JsonToken.START_ARRAY) {
                return null;
            }
            choices = new ArrayList<>(1);
            for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                ChoiceFields c = ChoiceFields.read(p, e, "message", choices.size());
                Message m = c == null ? null : answer(c.fields);
                if (m == null) {
                    return null;
                }
                choices.add(new Choice(c.index, m, FinishReason.fromWire(c.finish)));
            }
        }
        if (choices == null) {
            return null;
        }
        return new ChatResponse(top.id, top.model, top.created, choices, top.usage, top.fingerprint);
    }

    private static String text(JsonParser p, JsonToken v) throws IOException {
        return v == JsonToken.VALUE_STRING ? p.getText() : null;
    }

    /** An assistant's text answer (or no content at all), as {@code parseResponse} reads it; null when not plain. */
    private static Message answer(TextFields m) {
        if (m == null) {
            return null;   // no message: the tree reader
        }
        if (m.content == null) {
            if (m.toolFields) {
                return null;   // the tree reader reads such a message as a whole: let it
            }
            // As the tree reader: no content and no tool calls is an empty assistant answer.
            return new Message("assistant", null, true, null, List.of(), null, m.reasoning(), m.refusal);
        }
        String role = m.role == null ? "assistant" : m.role;
        if (!OpenAiJson.isRole(role) || role.equals("tool")) {
            return null;
        }
        return new Message(role, List.of(new ContentPart.Text(m.content)), true, m.name, List.of(), null, m.reasoning(),
                m.refusal);
    }

    /** OpenAI's usage with plain integer counts, as {@code parseUsage} reads it, or null. */
    private static Usage usage(JsonParser p, JsonToken t) throws IOException {
        if (t != JsonToken.START_OBJECT) {
            return null;
        }
        int prompt = 0;
        int completion = 0;
        int cached = 0;
        int reasoning = 0;
        for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "prompt_tokens" -> prompt = integer(p, v);
                case "completion_tokens" -> completion = integer(p, v);
                case "prompt_tokens_details" -> cached = detail(p, v, "cached_tokens");
                case "completion_tokens_details" -> reasoning = detail(p, v, "reasoning_tokens");
                default -> p.skipChildren();
            }
            if (prompt < 0 || completion < 0 || cached < 0 || reasoning < 0) {
                return null;
            }
        }
        return new Usage(prompt, completion, cached, 0, reasoning);
    }

    /** A non-negative int, or -1 when the value is anything else. */
    private static int integer(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() != JsonParser.NumberType.INT) {
            return -1;
        }
        return Math.max(-1, p.getIntValue());
    }

    /** One count of a details object (0 when absent or null), or -1 when anything is unexpected. */
    private static int detail(JsonParser p, JsonToken t, String field) throws IOException {
        if (t == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (t != JsonToken.START_OBJECT) {
            return -1;
        }
        int value = 0;
        for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            if (name.equals(field)) {
                value = integer(p, v);
            } else {
                p.skipChildren();
            }
            if (value < 0) {
                return -1;
            }
        }
        return value;
    }
}
