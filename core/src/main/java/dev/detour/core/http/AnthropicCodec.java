package dev.detour.core.http;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.JsonFields;
import dev.detour.wire.http.WireFormatException;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Pure translation between the Anthropic Messages API as clients send it to {@code POST /v1/messages}
 * and Detour's canonical (OpenAI-shaped) model: the inverse of the Anthropic provider plugin's
 * translator, so an Anthropic client can be served by any target. No I/O, no state.
 *
 * <h2>Anthropic request → canonical</h2>
 * <ul>
 *   <li>{@code model} (a route or {@code provider/model}) and {@code max_tokens} (required, ≥ 1) are
 *       kept as they are; {@code system} (a string or text blocks) becomes one leading {@code system}
 *       message.</li>
 *   <li>User {@code text} and {@code image} blocks become content parts (a {@code base64} source
 *       becomes a {@code data:} URL, a {@code url} source the URL). {@code document} blocks are kept as
 *       {@link ContentPart.Other} (targets that cannot take them refuse them, and core fails over).
 *       {@code tool_result} blocks become one canonical {@code tool} message each, placed before the
 *       rest of that user turn as OpenAI requires; {@code is_error} is stated in the text because the
 *       canonical model has no flag for it.</li>
 *   <li>Assistant {@code tool_use} blocks become tool calls (the {@code input} object serialised as
 *       the arguments text); {@code thinking} and {@code redacted_thinking} blocks are dropped (the
 *       canonical model cannot carry their signatures back).</li>
 *   <li>{@code tools} → canonical tools ({@code input_schema} → parameters); server tools (a
 *       {@code type} other than {@code custom}) are refused. {@code tool_choice} → OpenAI's
 *       {@code "auto"}, {@code "required"} (for {@code any}), {@code "none"} or a named function;
 *       {@code disable_parallel_tool_use: true} → {@code parallel_tool_calls: false}.</li>
 *   <li>{@code stop_sequences} → stop, {@code temperature} and {@code top_p} (Anthropic's range 0..1),
 *       {@code metadata.user_id} →
 *       user, {@code stream}; {@code top_k} and {@code thinking} go to the extra fields, where the
 *       Anthropic adapter picks them up. Other top-level fields are ignored.</li>
 * </ul>
 * Every schema violation is a {@link WireFormatException} naming the field as a JSON path.
 *
 * <h2>Canonical response → Anthropic message</h2>
 * {@code thinking} blocks (from reasoning), then a {@code text} block, then {@code tool_use} blocks;
 * finish reasons map STOP → {@code end_turn}, LENGTH → {@code max_tokens}, TOOL_CALLS →
 * {@code tool_use}, CONTENT_FILTER → {@code refusal}. Canonical prompt tokens include cached ones while
 * Anthropic's {@code input_tokens} does not, so cache reads and writes are subtracted and reported in
 * {@code cache_read_input_tokens} / {@code cache_creation_input_tokens} (the plugin's inverse).
 */
final class AnthropicCodec {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AnthropicCodec() {
    }

    // ------------------------------------------------------------------ request

    /**
     * The canonical request for a Messages API body.
     *
     * @throws WireFormatException naming the offending field when the body does not fit the API
     */
    static ChatRequest parseRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "request body must be a JSON object");
        }
        String model = requiredText(body, "model");
        JsonNode maxTokensNode = body.get("max_tokens");
        if (maxTokensNode == null || maxTokensNode.isNull()) {
            throw new WireFormatException("max_tokens", "field required");
        }
        if (!maxTokensNode.canConvertToInt() || !maxTokensNode.isIntegralNumber()) {
            throw new WireFormatException("max_tokens", "must be an integer");
        }
        int maxTokens = maxTokensNode.intValue();
        if (maxTokens < 1) {
            throw new WireFormatException("max_tokens", "must be at least 1, got " + maxTokens);
        }

        List<Message> messages = new ArrayList<>();
        String system = systemText(body.get("system"));
        if (system != null && !system.isEmpty()) {
            messages.add(Message.text("system", system));
        }
        JsonNode msgs = body.get("messages");
        if (msgs == null || msgs.isNull()) {
            throw new WireFormatException("messages", "field required");
        }
        if (!msgs.isArray()) {
            throw new WireFormatException("messages", "must be an array");
        }
        if (msgs.isEmpty()) {
            throw new WireFormatException("messages", "must contain at least one message");
        }
        for (int i = 0; i < msgs.size(); i++) {
            addMessage(messages, msgs.get(i), "messages[" + i + "]");
        }
        if (messages.stream().allMatch(m -> m.role().equals("system"))) {
            throw new WireFormatException("messages", "must contain at least one message with content");
        }

        ChatRequest.Builder b = ChatRequest.builder(model, messages).maxTokens(maxTokens);

        JsonNode tools = body.get("tools");
        if (tools != null && !tools.isNull()) {
            b.tools(tools(tools));
        }
        JsonNode choice = body.get("tool_choice");
        if (choice != null && !choice.isNull()) {
            toolChoice(choice, b);
        }
        JsonNode stops = body.get("stop_sequences");
        if (stops != null && !stops.isNull()) {
            if (!stops.isArray()) {
                throw new WireFormatException("stop_sequences", "must be an array of strings");
            }
            List<String> stop = new ArrayList<>();
            for (int i = 0; i < stops.size(); i++) {
                if (!stops.get(i).isTextual()) {
                    throw new WireFormatException("stop_sequences[" + i + "]", "must be a string");
                }
                stop.add(stops.get(i).asText());
            }
            b.stop(stop);
        }
        b.temperature(JsonFields.optNumber(body, "temperature", 0, 1));
        b.topP(JsonFields.optNumber(body, "top_p", 0, 1));

        ObjectNode extra = null;
        JsonNode topK = body.get("top_k");
        if (topK != null && !topK.isNull()) {
            if (!topK.isIntegralNumber() || topK.asLong() < 0) {
                throw new WireFormatException("top_k", "must be a non-negative integer");
            }
            extra = NODES.objectNode();
            extra.set("top_k", topK.deepCopy());
        }
        JsonNode thinking = body.get("thinking");
        if (thinking != null && !thinking.isNull()) {
            if (!thinking.isObject() || !thinking.path("type").isTextual()) {
                throw new WireFormatException("thinking", "must be an object with a type");
            }
            if (extra == null) {
                extra = NODES.objectNode();
            }
            extra.set("thinking", thinking.deepCopy());
        }
        b.extra(extra);

        JsonNode metadata = body.get("metadata");
        if (metadata != null && !metadata.isNull()) {
            if (!metadata.isObject()) {
                throw new WireFormatException("metadata", "must be an object");
            }
            String user = JsonFields.optText(metadata, "user_id", "metadata.user_id");
            if (user != null) {
                b.user(user);
            }
        }
        JsonNode stream = body.get("stream");
        if (stream != null && !stream.isNull()) {
            if (!stream.isBoolean()) {
                throw new WireFormatException("stream", "must be a boolean");
            }
            // Anthropic streams always end with usage; ask OpenAI-style targets for it too.
            b.stream(stream.asBoolean()).includeUsage(stream.asBoolean());
        }
        return b.build();
    }

    private static String requiredText(JsonNode body, String field) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw new WireFormatException(field, "field required");
        }
        if (!n.isTextual() || n.asText().isEmpty()) {
            throw new WireFormatException(field, "must be a non-empty string");
        }
        return n.asText();
    }

    private static String systemText(JsonNode system) {
        if (system == null || system.isNull()) {
            return null;
        }
        if (system.isTextual()) {
            return system.asText();
        }
        if (!system.isArray()) {
            throw new WireFormatException("system", "must be a string or an array of text blocks");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < system.size(); i++) {
            String path = "system[" + i + "]";
            JsonNode block = system.get(i);
            if (!block.isObject() || !"text".equals(block.path("type").asText(null))) {
                throw new WireFormatException(path + ".type", "system blocks must be text blocks");
            }
            String text = blockText(block, path);
            if (!text.isEmpty()) {
                if (sb.length() > 0) {
                    sb.append("\n\n");
                }
                sb.append(text);
            }
        }
        return sb.toString();
    }

    private static void addMessage(List<Message> out, JsonNode m, String path) {
        if (!m.isObject()) {
            throw new WireFormatException(path, "must be an object with role and content");
        }
        JsonNode roleNode = m.get("role");
        if (roleNode == null || roleNode.isNull()) {
            throw new WireFormatException(path + ".role", "field required");
        }
        String role = roleNode.asText();
        if (!role.equals("user") && !role.equals("assistant")) {
            throw new WireFormatException(path + ".role", "must be 'user' or 'assistant', got '" + role + "'");
        }
        JsonNode content = m.get("content");
        if (content == null || content.isNull()) {
            throw new WireFormatException(path + ".content", "field required");
        }
        if (content.isTextual()) {
            out.add(Message.text(role, content.asText()));
            return;
        }
        if (!content.isArray()) {
            throw new WireFormatException(path + ".content", "must be a string or an array of content blocks");
        }
        if (role.equals("user")) {
            addUser(out, content, path + ".content");
        } else {
            addAssistant(out, content, path + ".content");
        }
    }

    private static void addUser(List<Message> out, JsonNode blocks, String path) {
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String p = path + "[" + i + "]";
            JsonNode block = blocks.get(i);
            String type = blockType(block, p);
            switch (type) {
                case "text" -> parts.add(new ContentPart.Text(blockText(block, p)));
                case "image" -> parts.add(image(block, p));
                case "document" -> parts.add(new ContentPart.Other("document", block.deepCopy()));
                // Tool results must follow the assistant's calls directly in the canonical (OpenAI) shape.
                case "tool_result" -> out.add(toolResult(block, p));
                default -> throw new WireFormatException(p + ".type", "content block type '" + type
                        + "' is not supported in a user message (text, image, document, tool_result)");
            }
        }
        if (!parts.isEmpty()) {
            out.add(new Message("user", parts, false, null, List.of(), null, null, null));
        }
    }

    private static void addAssistant(List<Message> out, JsonNode blocks, String path) {
        StringBuilder text = new StringBuilder();
        boolean anyText = false;
        List<ToolCall> calls = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String p = path + "[" + i + "]";
            JsonNode block = blocks.get(i);
            String type = blockType(block, p);
            switch (type) {
                case "text" -> {
                    text.append(blockText(block, p));
                    anyText = true;
                }
                case "tool_use" -> {
                    String id = requiredString(block, "id", p);
                    String name = requiredString(block, "name", p);
                    JsonNode input = block.get("input");
                    if (input != null && !input.isNull() && !input.isObject()) {
                        throw new WireFormatException(p + ".input", "must be an object");
                    }
                    calls.add(new ToolCall(id, name, input == null || input.isNull() ? "{}" : input.toString()));
                }
                case "thinking", "redacted_thinking" -> {
                    // Dropped: thinking goes back to Anthropic only with its signature, which no other target understands.
                }
                default -> throw new WireFormatException(p + ".type", "content block type '" + type
                        + "' is not supported in an assistant message (text, tool_use, thinking)");
            }
        }
        if (!anyText && calls.isEmpty()) {
            return;
        }
        List<ContentPart> parts = anyText ? List.of(new ContentPart.Text(text.toString())) : null;
        out.add(new Message("assistant", parts, true, null, calls, null, null, null));
    }

    private static Message toolResult(JsonNode block, String p) {
        String id = requiredString(block, "tool_use_id", p);
        boolean isError = block.path("is_error").asBoolean(false);
        JsonNode content = block.get("content");
        List<ContentPart> parts = new ArrayList<>();
        if (content == null || content.isNull()) {
            parts.add(new ContentPart.Text(""));
        } else if (content.isTextual()) {
            parts.add(new ContentPart.Text(content.asText()));
        } else if (content.isArray()) {
            for (int i = 0; i < content.size(); i++) {
                String cp = p + ".content[" + i + "]";
                JsonNode c = content.get(i);
                String type = blockType(c, cp);
                switch (type) {
                    case "text" -> parts.add(new ContentPart.Text(blockText(c, cp)));
                    case "image" -> parts.add(image(c, cp));
                    default -> throw new WireFormatException(cp + ".type", "content block type '" + type
                            + "' is not supported in a tool_result (text, image)");
                }
            }
            if (parts.isEmpty()) {
                parts.add(new ContentPart.Text(""));
            }
        } else {
            throw new WireFormatException(p + ".content", "must be a string or an array of content blocks");
        }
        if (isError) {
            // The canonical tool message has no error flag, so the model is told in the text itself.
            int first = -1;
            for (int i = 0; i < parts.size() && first < 0; i++) {
                if (parts.get(i) instanceof ContentPart.Text) {
                    first = i;
                }
            }
            if (first < 0) {
                parts.add(0, new ContentPart.Text("Error"));
            } else {
                String t = ((ContentPart.Text) parts.get(first)).text();
                parts.set(first, new ContentPart.Text(t.isEmpty() ? "Error" : "Error: " + t));
            }
        }
        boolean plain = parts.size() == 1 && parts.get(0) instanceof ContentPart.Text;
        return new Message("tool", parts, plain, null, List.of(), id, null, null);
    }

    private static ContentPart image(JsonNode block, String p) {
        JsonNode source = block.get("source");
        if (source == null || !source.isObject()) {
            throw new WireFormatException(p + ".source", "field required (an object with type base64 or url)");
        }
        String type = source.path("type").asText("");
        switch (type) {
            case "base64" -> {
                String mediaType = requiredString(source, "media_type", p + ".source");
                String data = requiredString(source, "data", p + ".source");
                return new ContentPart.Image("data:" + mediaType + ";base64," + data, null);
            }
            case "url" -> {
                String url = requiredString(source, "url", p + ".source");
                return new ContentPart.Image(url, null);
            }
            default -> throw new WireFormatException(p + ".source.type", "must be 'base64' or 'url', got '" + type + "'");
        }
    }

    private static String blockType(JsonNode block, String p) {
        if (block == null || !block.isObject()) {
            throw new WireFormatException(p, "must be a content block object");
        }
        JsonNode type = block.get("type");
        if (type == null || !type.isTextual()) {
            throw new WireFormatException(p + ".type", "field required");
        }
        return type.asText();
    }

    private static String blockText(JsonNode block, String p) {
        JsonNode text = block.get("text");
        if (text == null || !text.isTextual()) {
            throw new WireFormatException(p + ".text", "must be a string");
        }
        return text.asText();
    }

    private static String requiredString(JsonNode o, String field, String p) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual() || n.asText().isEmpty()) {
            throw new WireFormatException(p + "." + field, "must be a non-empty string");
        }
        return n.asText();
    }

    private static List<Tool> tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw new WireFormatException("tools", "must be an array");
        }
        List<Tool> out = new ArrayList<>();
        for (int i = 0; i < tools.size(); i++) {
            String p = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!t.isObject()) {
                throw new WireFormatException(p, "must be an object");
            }
            String type = t.path("type").asText("custom");
            if (!type.equals("custom")) {
                throw new WireFormatException(p + ".type", "server tool '" + type
                        + "' is not supported; only custom tools (name, description, input_schema) are");
            }
            String name = requiredString(t, "name", p);
            JsonNode schema = t.get("input_schema");
            if (schema == null || !schema.isObject()) {
                throw new WireFormatException(p + ".input_schema", "field required (a JSON Schema object)");
            }
            JsonNode description = t.get("description");
            if (description != null && !description.isNull() && !description.isTextual()) {
                throw new WireFormatException(p + ".description", "must be a string");
            }
            out.add(new Tool(name, description == null || description.isNull() ? null : description.asText(),
                    schema.deepCopy(), null));
        }
        return out;
    }

    private static void toolChoice(JsonNode choice, ChatRequest.Builder b) {
        if (!choice.isObject()) {
            throw new WireFormatException("tool_choice", "must be an object with a type");
        }
        String type = choice.path("type").asText("");
        JsonNode out = switch (type) {
            case "auto" -> TextNode.valueOf("auto");
            case "any" -> TextNode.valueOf("required");
            case "none" -> TextNode.valueOf("none");
            case "tool" -> {
                String name = requiredString(choice, "name", "tool_choice");
                ObjectNode fn = NODES.objectNode();
                fn.put("type", "function");
                fn.putObject("function").put("name", name);
                yield fn;
            }
            default -> throw new WireFormatException("tool_choice.type",
                    "must be one of auto, any, tool, none; got '" + type + "'");
        };
        b.toolChoice(out);
        if (choice.path("disable_parallel_tool_use").asBoolean(false)) {
            b.parallelToolCalls(false);
        }
    }

    // ------------------------------------------------------------------ response

    /** The Messages API answer for a canonical response; {@code model} is the model to report. */
    static ObjectNode writeResponse(ChatResponse r, String model) {
        ObjectNode root = NODES.objectNode();
        root.put("id", messageId(r.id()));
        root.put("type", "message");
        root.put("role", "assistant");
        root.put("model", model != null ? model : r.model());
        ArrayNode content = root.putArray("content");
        FinishReason finish = null;
        if (!r.choices().isEmpty()) {
            Message m = r.choices().get(0).message();
            finish = r.choices().get(0).finishReason();
            if (m.reasoning() != null && !m.reasoning().isEmpty()) {
                // The signature is required by Anthropic's schema; Detour has none to give.
                content.addObject().put("type", "thinking").put("thinking", m.reasoning()).put("signature", "");
            }
            String text = m.text();
            if (m.refusal() != null && !m.refusal().isEmpty()) {
                text = text.isEmpty() ? m.refusal() : text + "\n" + m.refusal();
            }
            if (!text.isEmpty()) {
                content.addObject().put("type", "text").put("text", text);
            }
            for (ToolCall call : m.toolCalls()) {
                ObjectNode use = content.addObject();
                use.put("type", "tool_use");
                use.put("id", toolUseId(call.id()));
                use.put("name", call.name());
                use.set("input", parseInput(call.arguments()));
            }
        }
        root.put("stop_reason", stopReason(finish));
        root.putNull("stop_sequence");
        root.set("usage", usage(r.usage(), true));
        return root;
    }

    /** Anthropic's {@code stop_reason} for a canonical finish reason ({@code end_turn} when unknown). */
    static String stopReason(FinishReason finish) {
        if (finish == null) {
            return "end_turn";
        }
        return switch (finish) {
            case LENGTH -> "max_tokens";
            case TOOL_CALLS, FUNCTION_CALL -> "tool_use";
            case CONTENT_FILTER -> "refusal";
            case STOP -> "end_turn";
        };
    }

    /**
     * Anthropic's usage object. Anthropic counts only uncached input in {@code input_tokens}, while
     * canonical prompt tokens include cache reads and writes.
     *
     * @param withOutput whether to include {@code output_tokens}
     */
    static ObjectNode usage(Usage u, boolean withOutput) {
        ObjectNode o = NODES.objectNode();
        if (u == null) {
            o.put("input_tokens", 0);
            if (withOutput) {
                o.put("output_tokens", 0);
            }
            return o;
        }
        o.put("input_tokens", Math.max(0, u.promptTokens() - u.cachedTokens() - u.cacheCreationTokens()));
        if (u.cacheCreationTokens() > 0) {
            o.put("cache_creation_input_tokens", u.cacheCreationTokens());
        }
        if (u.cachedTokens() > 0) {
            o.put("cache_read_input_tokens", u.cachedTokens());
        }
        if (withOutput) {
            o.put("output_tokens", u.completionTokens());
        }
        return o;
    }

    /** A message id: the canonical one when it is already Anthropic's {@code msg_...}, else prefixed. */
    static String messageId(String id) {
        if (id == null || id.isEmpty()) {
            return "msg_" + randomHex();
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }

    /** A tool use id, generated when the target gave none. */
    static String toolUseId(String id) {
        return id == null || id.isEmpty() ? "toolu_" + randomHex() : id;
    }

    /** The {@code input} object for tool arguments; anything but a JSON object becomes {@code {}}. */
    static JsonNode parseInput(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return NODES.objectNode();
        }
        try {
            JsonNode n = WireJson.MAPPER.readTree(arguments);
            return n != null && n.isObject() ? n : NODES.objectNode();
        } catch (JsonProcessingException e) {
            return NODES.objectNode();
        }
    }

    /** One server-sent event in Anthropic's framing: {@code event: <type>\ndata: <json>\n\n}. */
    static Buffer event(String type, JsonNode data) {
        try {
            byte[] bytes = WireJson.MAPPER.writeValueAsBytes(data);
            return Buffer.buffer(bytes.length + type.length() + 16).appendString("event: ").appendString(type)
                    .appendString("\ndata: ").appendBytes(bytes).appendString("\n\n");
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String randomHex() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return (Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong())).toLowerCase(Locale.ROOT);
    }
}
