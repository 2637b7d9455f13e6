package dev.detour.plugin.anthropic;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
import dev.detour.wire.http.RequestChecks;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pure translation between Detour's canonical (OpenAI-shaped) chat model and Anthropic's Messages
 * API JSON. No I/O, no state; the input is never mutated.
 *
 * <h2>Canonical request → Anthropic</h2>
 * <ul>
 *   <li>{@code system} and {@code developer} messages are lifted, in order, into the top-level
 *       {@code system} string (joined with a blank line). They must be text only.</li>
 *   <li>{@code tool} messages become {@code tool_result} blocks of a {@code user} turn; consecutive
 *       messages of the same Anthropic role are merged into one turn, because the API expects
 *       alternating turns (tool results therefore precede the user's text in a merged turn, as
 *       Anthropic requires).</li>
 *   <li>Assistant {@code tool_calls} become {@code tool_use} blocks; their arguments (JSON text) are
 *       parsed into the {@code input} object. Arguments that are blank, not valid JSON or not a JSON
 *       object are sent as {@code {}}: the history came from a model and refusing it would strand
 *       the conversation on every Anthropic target, while the following {@code tool_result} still
 *       tells the model what happened. Assistant {@code reasoning} is dropped (Anthropic only takes
 *       thinking blocks back with their signature, which the canonical model does not keep) and
 *       empty assistant text is skipped.</li>
 *   <li>Images: {@code data:} URLs become {@code base64} sources with their media type; http(s) URLs
 *       become {@code url} sources. Other URL schemes ({@code file:}, ...) are refused as
 *       {@link ErrorKind#INVALID_REQUEST} ({@link RequestChecks}: no provider can fetch them).
 *       Images in assistant or system messages, non-base64 data URLs and
 *       {@link ContentPart.Other} parts are refused as {@link ErrorKind#UNSUPPORTED} (core then
 *       tries another target).</li>
 *   <li>{@code tools} → {@code [{name, description, input_schema}]} (a missing schema becomes an
 *       empty object schema; OpenAI's {@code strict} is ignored). {@code tool_choice}: {@code auto} →
 *       {@code {type:auto}}, {@code required} → {@code {type:any}}, {@code none} → {@code {type:none}},
 *       a named function → {@code {type:tool,name}}; {@code parallel_tool_calls: false} adds
 *       {@code disable_parallel_tool_use: true}. {@code tool_choice} is omitted when there are no tools.</li>
 *   <li>{@code response_format} {@code json_object} / {@code json_schema}: the Messages API has no
 *       JSON mode, so it is emulated by an instruction appended to {@code system} (with the schema
 *       for {@code json_schema}); {@code text} adds nothing; other types are refused.</li>
 *   <li>{@code temperature} is clamped to Anthropic's range 0..1 (OpenAI allows up to 2);
 *       {@code top_p} is sent as is; {@code stop} → {@code stop_sequences};
 *       {@code max_completion_tokens} (else {@code max_tokens}, else the option
 *       {@code default_max_tokens}) → {@code max_tokens}; {@code user} → {@code metadata.user_id};
 *       a stream sets {@code stream: true}.</li>
 *   <li>{@code n > 1} is refused ({@link ErrorKind#UNSUPPORTED}: Anthropic returns one answer).
 *       {@code seed}, {@code metadata}, {@code stream_options} and OpenAI-only extra fields are
 *       ignored; the Anthropic-only extra fields {@code top_k} and {@code thinking} are passed through.</li>
 * </ul>
 *
 * <h2>Anthropic → canonical</h2>
 * Text blocks are concatenated into the message text, {@code thinking} blocks into
 * {@code reasoning}, {@code tool_use} blocks become tool calls (input serialised back to JSON
 * text); other block types (server tools, redacted thinking) are dropped. {@code stop_reason}:
 * {@code end_turn}, {@code stop_sequence}, {@code pause_turn} → stop; {@code max_tokens},
 * {@code model_context_window_exceeded} → length; {@code tool_use} → tool_calls; {@code refusal}
 * → content_filter. Usage: Anthropic's {@code input_tokens} counts only uncached input, so
 * {@code promptTokens = input_tokens + cache_read_input_tokens + cache_creation_input_tokens}
 * (the API's documented total), {@code cachedTokens = cache_read_input_tokens},
 * {@code cacheCreationTokens = cache_creation_input_tokens}, {@code completionTokens =
 * output_tokens} (thinking included; Anthropic reports no reasoning breakdown, so 0).
 */
public final class AnthropicTranslator {

    /** Appended to the system prompt to emulate OpenAI's JSON modes. */
    static final String JSON_INSTRUCTION = "Respond only with a single valid JSON object, without Markdown code "
            + "fences and without any text before or after it.";
    static final String JSON_SCHEMA_INSTRUCTION = "The JSON object must conform to this JSON Schema:";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private AnthropicTranslator() {
    }

    /**
     * The Messages API body for a canonical request.
     *
     * @throws ProviderException {@link ErrorKind#UNSUPPORTED} for a feature Anthropic cannot honour
     */
    public static ObjectNode toRequest(ChatRequest request, AnthropicOptions options) {
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
                case "system", "developer" -> appendParagraph(system, systemText(m, i));
                case "user" -> addTurn(turns, "user", userBlocks(m, i));
                case "assistant" -> {
                    List<JsonNode> blocks = assistantBlocks(m, i);
                    // An assistant message with neither text nor tool calls would be an empty turn, which Anthropic rejects.
                    if (!blocks.isEmpty()) {
                        addTurn(turns, "assistant", blocks);
                    }
                }
                case "tool" -> addTurn(turns, "user", List.of(toolResult(m, i)));
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
            msg.putArray("content").addAll(t.blocks);
        }

        Integer limit = request.outputLimit();
        body.put("max_tokens", limit != null ? limit : options.defaultMaxTokens());

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
            ObjectNode choice = toolChoice(request.toolChoice(), request.parallelToolCalls());
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
            for (String passThrough : List.of("top_k", "thinking")) {
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

    /**
     * The canonical response for a Messages API answer.
     *
     * @param created the creation time to report (Anthropic sends none), epoch seconds
     * @throws ProviderException {@link ErrorKind#UNKNOWN} when the body is not a message
     */
    public static ChatResponse fromResponse(JsonNode body, long created) {
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
                List.of(new Choice(0, message, finish)), usage(body.get("usage")), null);
    }

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

    /** Canonical usage of an Anthropic {@code usage} object, or null when there is none. */
    public static Usage usage(JsonNode usage) {
        if (usage == null || !usage.isObject()) {
            return null;
        }
        int input = usage.path("input_tokens").asInt(0);
        int read = usage.path("cache_read_input_tokens").asInt(0);
        int creation = usage.path("cache_creation_input_tokens").asInt(0);
        int output = usage.path("output_tokens").asInt(0);
        return new Usage(input + read + creation, output, read, creation, 0);
    }

    // ---- request helpers -------------------------------------------------------------------

    private record Turn(String role, List<JsonNode> blocks) {
    }

    private static void addTurn(List<Turn> turns, String role, List<JsonNode> blocks) {
        if (!turns.isEmpty() && turns.get(turns.size() - 1).role.equals(role)) {
            turns.get(turns.size() - 1).blocks.addAll(blocks);
        } else {
            turns.add(new Turn(role, new ArrayList<>(blocks)));
        }
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

    private static String systemText(Message m, int i) {
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
            use.set("input", parseArguments(call.arguments()));
            blocks.add(use);
        }
        return blocks;
    }

    private static JsonNode toolResult(Message m, int i) {
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

    private static JsonNode parseArguments(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return NODES.objectNode();
        }
        try {
            JsonNode parsed = JSON.readTree(arguments);
            return parsed != null && parsed.isObject() ? parsed : NODES.objectNode();
        } catch (JsonProcessingException e) {
            return NODES.objectNode();
        }
    }

    private static ObjectNode toolChoice(JsonNode choice, Boolean parallelToolCalls) {
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

    // ---- response helpers ------------------------------------------------------------------

    static String inputText(JsonNode input) {
        if (input == null || input.isNull() || input.isMissingNode()) {
            return "{}";
        }
        return input.toString();
    }

    static String textOrNull(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }

    private static ProviderException unsupported(String what) {
        return new ProviderException(ErrorKind.UNSUPPORTED, 0, "anthropic does not support " + what);
    }
}
