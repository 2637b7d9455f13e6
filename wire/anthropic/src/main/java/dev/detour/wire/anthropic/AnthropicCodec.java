package dev.detour.wire.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.JsonFields;
import dev.detour.wire.http.RequestChecks;
import dev.detour.wire.http.WireFormatException;
import dev.detour.wire.http.WireJson;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Anthropic's Messages API JSON both ways, between its wire shape and Detour's canonical
 * (OpenAI-shaped) model: the one codec of the format, used by core's {@code POST /v1/messages}
 * (it reads requests and writes answers) and by the {@code anthropic} adapter (it writes requests
 * and reads answers). Pure functions: no I/O, no state, inputs are never mutated. Streams are
 * {@link AnthropicStreamEncoder} and {@link AnthropicStreamDecoder}.
 *
 * <h2>Requests</h2>
 * <table>
 *   <caption>Anthropic request field ↔ canonical request</caption>
 *   <tr><th>Anthropic</th><th>canonical</th></tr>
 *   <tr><td>{@code model}, {@code max_tokens}</td><td>model, {@code max_tokens} (written from
 *       {@link ChatRequest#outputLimit()}, else the adapter's default)</td></tr>
 *   <tr><td>{@code system} (a string, or text blocks read joined by a blank line)</td><td>one leading
 *       {@code system} message; {@code system} and {@code developer} messages are written joined by a
 *       blank line, and must be text only</td></tr>
 *   <tr><td>{@code messages}: user and assistant turns, content a string or blocks</td><td>messages;
 *       string content ↔ a message whose {@link Message#textContent()} is set. Consecutive canonical
 *       messages of one Anthropic role are written as one turn (the API expects alternating turns), so
 *       a merged turn's content is blocks.</td></tr>
 *   <tr><td>{@code text}, {@code image} blocks ({@code base64} source ↔ {@code data:} URL, {@code url}
 *       source ↔ the URL)</td><td>content parts</td></tr>
 *   <tr><td>{@code tool_result} blocks of a user turn</td><td>{@code tool} messages, placed before the
 *       rest of the turn on reading as OpenAI requires; content written as a string when it is text
 *       only. {@code is_error} is stated in the text on reading (the canonical model has no flag).</td></tr>
 *   <tr><td>assistant {@code text} and {@code tool_use} blocks ({@code input} object ↔ the arguments as
 *       JSON text)</td><td>assistant text and tool calls; arguments that are not a JSON object are
 *       written as {@code {}}: the history came from a model and refusing it would strand the
 *       conversation, while the following tool result still tells the model what happened</td></tr>
 *   <tr><td>{@code tools} ({@code name}, {@code description}, {@code input_schema})</td><td>tools (a
 *       missing schema is written as an empty object schema; OpenAI's {@code strict} is not sent);
 *       server tools (a {@code type} other than {@code custom}) are refused on reading</td></tr>
 *   <tr><td>{@code tool_choice} {@code auto}, {@code any}, {@code none}, {@code tool}+{@code name};
 *       {@code disable_parallel_tool_use: true}</td><td>{@code "auto"}, {@code "required"},
 *       {@code "none"}, a named function; {@code parallel_tool_calls: false}. Written only with
 *       tools.</td></tr>
 *   <tr><td>{@code stop_sequences}, {@code temperature} and {@code top_p} (0..1),
 *       {@code metadata.user_id}, {@code stream}</td><td>stop, temperature (clamped to 0..1 on
 *       writing: OpenAI allows up to 2), top_p, user, stream (reading a stream also asks
 *       OpenAI-style targets for usage: Anthropic streams always end with it)</td></tr>
 *   <tr><td>{@code top_k}, {@code thinking}</td><td>the same fields in {@link ChatRequest#extra()}</td></tr>
 * </table>
 * Not carried, by design: on reading, {@code thinking} and {@code redacted_thinking} blocks of
 * assistant turns (Anthropic takes them back only with their signature, which no other target
 * understands) and other top-level fields; {@code document} blocks are kept as
 * {@link ContentPart.Other} for targets to refuse. On writing, assistant reasoning (no signature),
 * image {@code detail}, OpenAI's {@code seed}, {@code metadata} and other extra fields. Refused on
 * writing as {@link ErrorKind#UNSUPPORTED} (core then tries another target): {@code n > 1}, unknown
 * roles, non-text system content, images in assistant messages, image data URLs that are not base64,
 * {@link ContentPart.Other} parts, a {@code response_format} other than {@code text},
 * {@code json_object}, {@code json_schema} (the JSON modes are emulated by an instruction appended to
 * {@code system}, as the Messages API has none); image URLs no provider can fetch are
 * {@link ErrorKind#INVALID_REQUEST} ({@link RequestChecks}). A request that does not fit the API is a
 * {@link WireFormatException} naming the field as a JSON path.
 *
 * <h2>Answers</h2>
 * {@code text} blocks ↔ the message text (read concatenated, written as one block when not empty),
 * {@code thinking} blocks ↔ reasoning (written with an empty {@code signature}: Detour has none),
 * {@code tool_use} blocks ↔ tool calls, in that order; a refusal is written as text; other blocks
 * (server tools, redacted thinking) are dropped on reading. {@code stop_reason}: {@code end_turn},
 * {@code stop_sequence}, {@code pause_turn} ↔ STOP (written {@code end_turn}; the matched
 * {@code stop_sequence} is not kept); {@code max_tokens}, {@code model_context_window_exceeded} ↔
 * LENGTH (written {@code max_tokens}); {@code tool_use} ↔ TOOL_CALLS and FUNCTION_CALL;
 * {@code refusal} ↔ CONTENT_FILTER. Usage: Anthropic's {@code input_tokens} counts only uncached
 * input, so canonical prompt tokens = {@code input_tokens + cache_read_input_tokens +
 * cache_creation_input_tokens} (the API's documented total), cached tokens =
 * {@code cache_read_input_tokens}, cache creation = {@code cache_creation_input_tokens}, completion
 * = {@code output_tokens} (thinking included; no reasoning breakdown is reported, so 0).
 */
public final class AnthropicCodec {

    /** Appended to the system prompt to emulate OpenAI's JSON modes. */
    public static final String JSON_INSTRUCTION = "Respond only with a single valid JSON object, without Markdown "
            + "code fences and without any text before or after it.";
    /** Introduces the schema of a {@code json_schema} response format after {@link #JSON_INSTRUCTION}. */
    public static final String JSON_SCHEMA_INSTRUCTION = "The JSON object must conform to this JSON Schema:";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AnthropicCodec() {
    }

    // ================================================================== requests: read

    /**
     * The canonical request for a Messages API body, as a client sent it.
     *
     * @throws WireFormatException naming the offending field when the body does not fit the API
     */
    public static ChatRequest parseRequest(JsonNode body) {
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


    // ================================================================== requests: write

    /**
     * The Messages API body for a canonical request, to send to Anthropic.
     *
     * @param defaultMaxTokens the {@code max_tokens} to send when the request sets no output limit
     *                         (the API requires one)
     * @throws ProviderException {@link ErrorKind#UNSUPPORTED} for a feature Anthropic cannot honour,
     *                           {@link ErrorKind#INVALID_REQUEST} for a request no target can take
     */
    public static ObjectNode writeRequest(ChatRequest request, int defaultMaxTokens) {
        if (request.n() != null && request.n() > 1) {
            throw unsupported("n > 1 (Anthropic returns a single answer)");
        }
        ObjectNode body = NODES.objectNode();
        body.put("model", request.model());

        StringBuilder system = new StringBuilder();
        List<Turn> turns = new ArrayList<>();
        for (int i = 0; i < request.messages().size(); i++) {
            Message m = request.messages().get(i);
            String role = m.role();
            switch (role) {
                case "system", "developer" -> appendParagraph(system, systemMessageText(m, i));
                case "user" -> addTurn(turns, "user", userBlocks(m, i), plainText(m));
                case "assistant" -> {
                    List<JsonNode> blocks = assistantBlocks(m, i);
                    // An assistant message with neither text nor tool calls would be an empty turn, which Anthropic rejects.
                    if (!blocks.isEmpty()) {
                        addTurn(turns, "assistant", blocks, plainText(m));
                    }
                }
                case "tool" -> addTurn(turns, "user", List.of(toolResultBlock(m, i)), null);
                default -> throw unsupported("message role '" + role + "' (messages[" + i + "])");
            }
        }
        if (turns.isEmpty()) {
            throw unsupported("a conversation without user or assistant messages");
        }
        String jsonInstruction = jsonInstruction(request);
        if (jsonInstruction != null) {
            appendParagraph(system, jsonInstruction);
        }
        if (system.length() > 0) {
            body.put("system", system.toString());
        }
        ArrayNode messages = body.putArray("messages");
        for (Turn t : turns) {
            ObjectNode msg = messages.addObject();
            msg.put("role", t.role);
            if (t.plain != null) {
                msg.put("content", t.plain);
            } else {
                msg.putArray("content").addAll(t.blocks);
            }
        }

        Integer limit = request.outputLimit();
        body.put("max_tokens", limit != null ? limit : defaultMaxTokens);

        if (!request.tools().isEmpty()) {
            ArrayNode tools = body.putArray("tools");
            for (Tool t : request.tools()) {
                ObjectNode tool = tools.addObject();
                tool.put("name", t.name());
                if (t.description() != null) {
                    tool.put("description", t.description());
                }
                JsonNode schema = t.parameters();
                if (schema == null || !schema.isObject()) {
                    ObjectNode empty = NODES.objectNode();
                    empty.put("type", "object");
                    empty.putObject("properties");
                    schema = empty;
                }
                tool.set("input_schema", schema.deepCopy());
            }
            ObjectNode choice = writeToolChoice(request.toolChoice(), request.parallelToolCalls());
            if (choice != null) {
                body.set("tool_choice", choice);
            }
        }

        if (!request.stop().isEmpty()) {
            ArrayNode stops = body.putArray("stop_sequences");
            request.stop().forEach(stops::add);
        }
        if (request.temperature() != null) {
            body.put("temperature", Math.max(0.0, Math.min(1.0, request.temperature())));
        }
        if (request.topP() != null) {
            body.put("top_p", request.topP());
        }
        if (request.user() != null && !request.user().isEmpty()) {
            body.putObject("metadata").put("user_id", request.user());
        }
        if (request.extra() != null) {
            for (String passThrough : PASS_THROUGH) {
                JsonNode v = request.extra().get(passThrough);
                if (v != null && !v.isNull()) {
                    body.set(passThrough, v.deepCopy());
                }
            }
        }
        if (request.stream()) {
            body.put("stream", true);
        }
        return body;
    }

    /** Anthropic-only request fields that travel in the canonical {@link ChatRequest#extra()}. */
    private static final List<String> PASS_THROUGH = List.of("top_k", "thinking");

    /**
     * One Anthropic turn being written: its blocks, and while it holds exactly one message whose
     * content was a plain string, that string (the shape the client used).
     */
    private static final class Turn {
        final String role;
        final List<JsonNode> blocks;
        String plain;

        Turn(String role, List<JsonNode> blocks, String plain) {
            this.role = role;
            this.blocks = new ArrayList<>(blocks);
            this.plain = plain;
        }
    }

    private static void addTurn(List<Turn> turns, String role, List<JsonNode> blocks, String plain) {
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role.equals(role)) {
            Turn t = turns.get(turns.size() - 1);
            t.blocks.addAll(blocks);
            t.plain = null;
        } else {
            turns.add(new Turn(role, blocks, plain));
        }
    }

    /** The message's text when it was sent as one non-empty plain string, else null. */
    private static String plainText(Message m) {
        if (!m.textContent() || m.content() == null || m.content().size() != 1 || !m.toolCalls().isEmpty()
                || !(m.content().get(0) instanceof ContentPart.Text t) || t.text().isEmpty()) {
            return null;
        }
        return t.text();
    }

    private static void appendParagraph(StringBuilder sb, String text) {
        if (text.isEmpty()) {
            return;
        }
        if (sb.length() > 0) {
            sb.append("\n\n");
        }
        sb.append(text);
    }

    private static String systemMessageText(Message m, int i) {
        if (m.content() != null) {
            for (ContentPart p : m.content()) {
                if (!(p instanceof ContentPart.Text)) {
                    throw unsupported("non-text content in a " + m.role() + " message (messages[" + i + "])");
                }
            }
        }
        return m.text();
    }

    private static List<JsonNode> userBlocks(Message m, int i) {
        List<JsonNode> blocks = new ArrayList<>();
        if (m.content() == null) {
            return blocks;
        }
        for (ContentPart p : m.content()) {
            blocks.add(contentBlock(p, i));
        }
        return blocks;
    }

    private static List<JsonNode> assistantBlocks(Message m, int i) {
        List<JsonNode> blocks = new ArrayList<>();
        if (m.content() != null) {
            for (ContentPart p : m.content()) {
                if (p instanceof ContentPart.Text t) {
                    // Anthropic rejects empty text blocks; OpenAI clients send "" beside tool calls.
                    if (!t.text().isEmpty()) {
                        blocks.add(textBlock(t.text()));
                    }
                } else {
                    throw unsupported("non-text content in an assistant message (messages[" + i + "])");
                }
            }
        }
        for (ToolCall call : m.toolCalls()) {
            ObjectNode use = NODES.objectNode();
            use.put("type", "tool_use");
            use.put("id", call.id());
            use.put("name", call.name());
            use.set("input", toolInput(call.arguments()));
            blocks.add(use);
        }
        return blocks;
    }

    private static JsonNode toolResultBlock(Message m, int i) {
        ObjectNode result = NODES.objectNode();
        result.put("type", "tool_result");
        result.put("tool_use_id", m.toolCallId());
        boolean textOnly = m.content() == null || m.content().stream().allMatch(p -> p instanceof ContentPart.Text);
        if (textOnly) {
            result.put("content", m.text());
        } else {
            ArrayNode content = result.putArray("content");
            for (ContentPart p : m.content()) {
                content.add(contentBlock(p, i));
            }
        }
        return result;
    }

    private static JsonNode contentBlock(ContentPart p, int i) {
        if (p instanceof ContentPart.Text t) {
            return textBlock(t.text());
        }
        if (p instanceof ContentPart.Image img) {
            return imageBlock(img, i);
        }
        ContentPart.Other o = (ContentPart.Other) p;
        throw unsupported("content part type '" + o.type() + "' (messages[" + i + "])");
    }

    private static ObjectNode textBlock(String text) {
        ObjectNode b = NODES.objectNode();
        b.put("type", "text");
        b.put("text", text);
        return b;
    }

    private static ObjectNode imageBlock(ContentPart.Image img, int i) {
        ObjectNode b = NODES.objectNode();
        b.put("type", "image");
        ObjectNode source = b.putObject("source");
        String url = img.url();
        RequestChecks.imageUrl(url, "messages[" + i + "]");
        if (img.isData()) {
            String header = url.substring(0, Math.max(0, url.indexOf(',')));
            String mediaType = img.dataMediaType();
            String data = img.dataBase64();
            if (!header.endsWith(";base64") || mediaType == null || data == null) {
                throw unsupported("an image data URL that is not base64 with a media type (messages[" + i + "])");
            }
            source.put("type", "base64");
            source.put("media_type", mediaType);
            source.put("data", data);
        } else {
            String lower = url.toLowerCase(Locale.ROOT);
            if (!lower.startsWith("https://") && !lower.startsWith("http://")) {
                // "DATA:..." in capitals: RequestChecks let it through, ContentPart does not read it.
                throw unsupported("an image data URL that is not base64 with a media type (messages[" + i + "])");
            }
            source.put("type", "url");
            source.put("url", url);
        }
        return b;
    }

    private static ObjectNode writeToolChoice(JsonNode choice, Boolean parallelToolCalls) {
        boolean noParallel = Boolean.FALSE.equals(parallelToolCalls);
        ObjectNode out = NODES.objectNode();
        if (choice == null || choice.isNull()) {
            if (!noParallel) {
                return null;
            }
            out.put("type", "auto");
        } else if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> out.put("type", "auto");
                case "required" -> out.put("type", "any");
                case "none" -> {
                    out.put("type", "none");
                    return out;
                }
                default -> throw new ProviderException(ErrorKind.INVALID_REQUEST, 0,
                        "tool_choice '" + choice.asText() + "' is not auto, required or none");
            }
        } else if (choice.isObject() && choice.path("function").path("name").isTextual()) {
            out.put("type", "tool");
            out.put("name", choice.path("function").path("name").asText());
        } else {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "tool_choice has an unknown shape");
        }
        if (noParallel) {
            out.put("disable_parallel_tool_use", true);
        }
        return out;
    }

    private static String jsonInstruction(ChatRequest request) {
        if (request.responseFormat() == null || request.responseFormat().isNull()) {
            return null;
        }
        String type = request.responseFormat().path("type").asText("");
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return JSON_INSTRUCTION;
            case "json_schema":
                JsonNode schema = request.jsonSchema();
                return schema == null ? JSON_INSTRUCTION
                        : JSON_INSTRUCTION + "\n" + JSON_SCHEMA_INSTRUCTION + "\n" + schema.toString();
            default:
                throw unsupported("response_format type '" + type + "'");
        }
    }

    private static ProviderException unsupported(String what) {
        return new ProviderException(ErrorKind.UNSUPPORTED, 0, "anthropic does not support " + what);
    }

    // ================================================================== answers: read

    /**
     * The canonical response for a Messages API answer from Anthropic.
     *
     * @param created the creation time to report (Anthropic sends none), epoch seconds
     * @throws ProviderException {@link ErrorKind#UNKNOWN} (status 200) when the body is not a message
     */
    public static ChatResponse parseResponse(JsonNode body, long created) {
        if (body == null || !body.isObject() || !body.path("content").isArray()) {
            throw new ProviderException(ErrorKind.UNKNOWN, 200, "anthropic: response is not a message object");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> toolCalls = new ArrayList<>();
        for (JsonNode block : body.get("content")) {
            switch (block.path("type").asText("")) {
                case "text" -> text.append(block.path("text").asText(""));
                case "thinking" -> reasoning.append(block.path("thinking").asText(""));
                case "tool_use" -> toolCalls.add(new ToolCall(textOrNull(block.get("id")),
                        block.path("name").asText(""), inputText(block.get("input"))));
                default -> {
                    // Server-tool and redacted blocks have no canonical counterpart.
                }
            }
        }
        List<ContentPart> content = text.length() == 0 && !toolCalls.isEmpty()
                ? null : List.of(new ContentPart.Text(text.toString()));
        Message message = new Message("assistant", content, true, null, toolCalls, null,
                reasoning.length() == 0 ? null : reasoning.toString(), null);
        FinishReason finish = finishReason(textOrNull(body.get("stop_reason")));
        return new ChatResponse(textOrNull(body.get("id")), textOrNull(body.get("model")), created,
                List.of(new Choice(0, message, finish)), parseUsage(body.get("usage")), null);
    }

    // ================================================================== answers: write

    /**
     * The Messages API answer for a canonical response, to send to a client.
     *
     * @param model the model to report, or null for the response's own
     */
    public static ObjectNode writeResponse(ChatResponse r, String model) {
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
                use.set("input", toolInput(call.arguments()));
            }
        }
        root.put("stop_reason", stopReason(finish));
        root.putNull("stop_sequence");
        root.set("usage", writeUsage(r.usage(), true));
        return root;
    }

    // ================================================================== shared mappings

    /** The canonical finish reason of an Anthropic {@code stop_reason}; null for null, STOP for unknown values. */
    public static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "refusal" -> FinishReason.CONTENT_FILTER;
            // end_turn, stop_sequence, pause_turn (a server-tool loop paused; the turn is usable as is)
            default -> FinishReason.STOP;
        };
    }

    /** Anthropic's {@code stop_reason} for a canonical finish reason ({@code end_turn} when unknown). */
    public static String stopReason(FinishReason finish) {
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

    /** Canonical usage of an Anthropic {@code usage} object, or null when there is none. */
    public static Usage parseUsage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        int input = usage.path("input_tokens").asInt(0);
        int read = usage.path("cache_read_input_tokens").asInt(0);
        int creation = usage.path("cache_creation_input_tokens").asInt(0);
        int output = usage.path("output_tokens").asInt(0);
        return new Usage(input + read + creation, output, read, creation, 0);
    }

    /**
     * Anthropic's usage object for canonical usage (zeros for null): the inverse of
     * {@link #parseUsage}, so cache reads and writes are taken out of {@code input_tokens}.
     *
     * @param withOutput whether to include {@code output_tokens}
     */
    public static ObjectNode writeUsage(Usage u, boolean withOutput) {
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
    public static String messageId(String id) {
        if (id == null || id.isEmpty()) {
            return "msg_" + randomHex();
        }
        return id.startsWith("msg_") ? id : "msg_" + id;
    }

    /** A tool use id, generated when the target gave none. */
    public static String toolUseId(String id) {
        return id == null || id.isEmpty() ? "toolu_" + randomHex() : id;
    }

    /** The {@code input} object for tool arguments (JSON text); anything but a JSON object becomes {@code {}}. */
    public static JsonNode toolInput(String arguments) {
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

    /** Tool arguments (JSON text) for a {@code tool_use} block's {@code input}; {@code {}} when absent. */
    static String inputText(JsonNode input) {
        if (input == null || input.isNull() || input.isMissingNode()) {
            return "{}";
        }
        return input.toString();
    }

    /** The text of a value node, or null when it is absent or JSON null. */
    static String textOrNull(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }

    private static String randomHex() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return (Long.toHexString(r.nextLong()) + Long.toHexString(r.nextLong())).toLowerCase(Locale.ROOT);
    }

    /**
     * Anthropic's prefill continuation of a cut answer: the answer so far as the last (assistant)
     * message, which the model continues (merged into a final assistant message already there).
     * The API refuses a final assistant message that ends in whitespace, so that is trimmed off
     * (core drops the whitespace the continuation then starts with, which the client already has).
     * For Anthropic's own API and Claude on other clouds alike.
     */
    public static ChatRequest prefillContinuation(ChatRequest request, String sent) {
        List<Message> messages = new ArrayList<>(request.messages());
        Message last = messages.get(messages.size() - 1);
        String answer = sent;
        if (last.role().equals("assistant") && last.toolCalls().isEmpty()) {
            messages.remove(messages.size() - 1);
            answer = last.text() + sent;
        }
        answer = answer.stripTrailing();
        if (!answer.isEmpty()) {
            messages.add(Message.assistant(answer, List.of()));
        }
        return request.toBuilder().messages(messages).build();
    }
}
