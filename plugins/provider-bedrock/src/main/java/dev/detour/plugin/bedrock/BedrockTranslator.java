package dev.detour.plugin.bedrock;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
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

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Pure translation between the canonical (OpenAI-shaped) model and Bedrock's Converse API.
 * Never mutates its input.
 *
 * <p>Request: {@code system}/{@code developer} messages &rarr; {@code system: [{text}]}; user text
 * &rarr; {@code {text}}, {@code data:} images &rarr; {@code {image: {format, source: {bytes}}}}
 * (png, jpeg, gif, webp); assistant tool calls &rarr; {@code {toolUse: {toolUseId, name, input}}};
 * {@code tool} messages &rarr; a user message with {@code {toolResult: {toolUseId, content:
 * [{json}|{text}]}}}; consecutive messages of one role are merged (Converse wants alternating
 * turns); {@code max_completion_tokens}/{@code max_tokens}, {@code temperature}, {@code top_p},
 * {@code stop} &rarr; {@code inferenceConfig}; tools &rarr; {@code toolConfig} with
 * {@code toolChoice} auto / any ({@code required}) / tool (a named function).
 *
 * <p>Refused as {@code INVALID_REQUEST} (wrong everywhere, {@link RequestChecks}): image URLs that
 * are neither {@code data:} nor {@code http(s):}. Refused as {@code UNSUPPORTED} (another target
 * may take the request): {@code http(s):} image URLs, image types other than the four above, content parts Detour does not
 * model, {@code response_format} JSON modes, {@code n > 1}, and {@code tool_choice: none} on a
 * conversation that already holds tool calls. Ignored: {@code seed}, {@code user},
 * {@code metadata}, {@code parallel_tool_calls}, a tool's {@code strict}, and unknown fields.
 *
 * <p>Response: text blocks &rarr; text, {@code toolUse} &rarr; tool calls, {@code reasoningContent}
 * &rarr; reasoning; stop reasons {@code end_turn}/{@code stop_sequence} &rarr; stop,
 * {@code tool_use} &rarr; tool_calls, {@code max_tokens} &rarr; length,
 * {@code guardrail_intervened}/{@code content_filtered} &rarr; content_filter.
 */
final class BedrockTranslator {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private BedrockTranslator() {
    }

    // ---------------------------------------------------------------- request

    /** The Converse / ConverseStream body (the model goes in the path, not the body). */
    static ObjectNode request(ChatRequest r) {
        if (r.n() != null && r.n() > 1) {
            throw unsupported("n > 1 (Converse returns one answer)");
        }
        if (r.wantsJson()) {
            throw unsupported("response_format " + r.responseFormat().path("type").asText() + " (Converse has no JSON mode)");
        }
        ObjectNode body = NODES.objectNode();
        ArrayNode system = NODES.arrayNode();
        ArrayNode messages = NODES.arrayNode();
        boolean toolBlocks = false;
        String lastRole = null;
        ArrayNode lastContent = null;
        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String path = "messages[" + i + "]";
            if (m.role().equals("system") || m.role().equals("developer")) {
                String text = m.text();
                if (!text.isEmpty()) {
                    system.addObject().put("text", text);
                }
                continue;
            }
            ArrayNode blocks = NODES.arrayNode();
            String role;
            switch (m.role()) {
                case "user" -> {
                    role = "user";
                    addParts(blocks, m, path);
                }
                case "assistant" -> {
                    role = "assistant";
                    addParts(blocks, m, path);
                    for (int t = 0; t < m.toolCalls().size(); t++) {
                        ToolCall tc = m.toolCalls().get(t);
                        ObjectNode use = blocks.addObject().putObject("toolUse");
                        use.put("toolUseId", tc.id());
                        use.put("name", tc.name());
                        use.set("input", toolInput(tc.arguments(), path + ".tool_calls[" + t + "].function.arguments"));
                        toolBlocks = true;
                    }
                }
                case "tool", "function" -> {
                    role = "user";
                    ObjectNode result = blocks.addObject().putObject("toolResult");
                    result.put("toolUseId", m.toolCallId() != null ? m.toolCallId() : m.name());
                    result.putArray("content").add(toolResultContent(m.text()));
                    toolBlocks = true;
                }
                default -> throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, path + ".role: unknown role " + m.role());
            }
            if (blocks.isEmpty()) {
                continue;
            }
            if (role.equals(lastRole)) {
                lastContent.addAll(blocks);
            } else {
                ObjectNode msg = messages.addObject();
                msg.put("role", role);
                lastContent = msg.putArray("content");
                lastContent.addAll(blocks);
                lastRole = role;
            }
        }
        if (messages.isEmpty()) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "messages: Converse needs at least one user or assistant message");
        }
        body.set("messages", messages);
        if (!system.isEmpty()) {
            body.set("system", system);
        }
        ObjectNode inference = NODES.objectNode();
        if (r.outputLimit() != null) {
            inference.put("maxTokens", r.outputLimit());
        }
        if (r.temperature() != null) {
            inference.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            inference.put("topP", r.topP());
        }
        if (!r.stop().isEmpty()) {
            ArrayNode s = inference.putArray("stopSequences");
            r.stop().forEach(s::add);
        }
        if (!inference.isEmpty()) {
            body.set("inferenceConfig", inference);
        }
        ObjectNode toolConfig = toolConfig(r, toolBlocks);
        if (toolConfig != null) {
            body.set("toolConfig", toolConfig);
        }
        return body;
    }

    private static void addParts(ArrayNode blocks, Message m, String path) {
        if (m.content() == null) {
            return;
        }
        for (int p = 0; p < m.content().size(); p++) {
            ContentPart part = m.content().get(p);
            if (part instanceof ContentPart.Text t) {
                // Converse rejects blank text blocks; an empty assistant turn carrying only tool calls is common.
                if (!t.text().isBlank()) {
                    blocks.addObject().put("text", t.text());
                }
            } else if (part instanceof ContentPart.Image img) {
                blocks.add(image(img, path + ".content[" + p + "]"));
            } else if (part instanceof ContentPart.Other o) {
                throw unsupported("content parts of type '" + o.type() + "'");
            }
        }
    }

    private static ObjectNode image(ContentPart.Image img, String path) {
        RequestChecks.imageUrl(img.url(), path + ".image_url.url");
        if (!img.isData()) {
            throw unsupported("image URLs (Converse takes inline bytes only; send a data: URL) at " + path);
        }
        String media = img.dataMediaType() == null ? "" : img.dataMediaType().toLowerCase(Locale.ROOT);
        String format = switch (media) {
            case "image/png" -> "png";
            case "image/jpeg", "image/jpg" -> "jpeg";
            case "image/gif" -> "gif";
            case "image/webp" -> "webp";
            default -> throw unsupported("image type '" + media + "' at " + path + " (Converse takes png, jpeg, gif, webp)");
        };
        int comma = img.url().indexOf(',');
        if (comma < 0 || !img.url().substring(0, comma).endsWith(";base64")) {
            throw unsupported("non-base64 data: URL at " + path);
        }
        ObjectNode block = NODES.objectNode();
        ObjectNode image = block.putObject("image");
        image.put("format", format);
        image.putObject("source").put("bytes", img.dataBase64());
        return block;
    }

    private static JsonNode toolInput(String arguments, String path) {
        try {
            JsonNode n = WireJson.MAPPER.readTree(arguments);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (IOException ignored) {
            // falls through to the error below
        }
        throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, path + ": Converse needs tool arguments that are a JSON object");
    }

    /** A JSON object result travels as {@code {json}} (models read it structured), anything else as {@code {text}}. */
    private static ObjectNode toolResultContent(String text) {
        ObjectNode c = NODES.objectNode();
        String s = text.strip();
        if (s.startsWith("{")) {
            try {
                JsonNode n = WireJson.MAPPER.readTree(s);
                if (n != null && n.isObject()) {
                    c.set("json", n);
                    return c;
                }
            } catch (IOException notJson) {
                // sent as text
            }
        }
        c.put("text", text.isEmpty() ? " " : text);
        return c;
    }

    private static ObjectNode toolConfig(ChatRequest r, boolean toolBlocks) {
        JsonNode choice = r.toolChoice();
        String mode = choice == null ? "auto" : choice.isTextual() ? choice.asText() : "function";
        if (r.tools().isEmpty()) {
            return null;
        }
        if (mode.equals("none")) {
            if (toolBlocks) {
                // Converse needs toolConfig once tool blocks are in the history, and cannot forbid calls.
                throw unsupported("tool_choice 'none' on a conversation with tool calls");
            }
            return null;
        }
        ObjectNode cfg = NODES.objectNode();
        ArrayNode tools = cfg.putArray("tools");
        for (Tool t : r.tools()) {
            ObjectNode spec = tools.addObject().putObject("toolSpec");
            spec.put("name", t.name());
            if (t.description() != null && !t.description().isEmpty()) {
                spec.put("description", t.description());
            }
            JsonNode schema = t.parameters() != null ? t.parameters()
                    : NODES.objectNode().put("type", "object").set("properties", NODES.objectNode());
            spec.putObject("inputSchema").set("json", schema);
        }
        switch (mode) {
            case "auto" -> cfg.putObject("toolChoice").putObject("auto");
            case "required" -> cfg.putObject("toolChoice").putObject("any");
            case "function" -> {
                String name = choice.path("function").path("name").asText("");
                if (name.isEmpty()) {
                    throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "tool_choice.function.name is required");
                }
                cfg.putObject("toolChoice").putObject("tool").put("name", name);
            }
            default -> throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "tool_choice: unknown value '" + mode + "'");
        }
        return cfg;
    }

    private static ProviderException unsupported(String what) {
        return new ProviderException(ErrorKind.UNSUPPORTED, 0, "bedrock does not support " + what);
    }

    // ---------------------------------------------------------------- response

    /**
     * Parses a Converse answer.
     *
     * @param id      the response id to report (Bedrock has none in the body; the adapter passes
     *                the {@code x-amzn-RequestId})
     * @param model   the model that was called
     * @param created epoch seconds
     */
    static ChatResponse response(JsonNode body, String id, String model, long created) {
        JsonNode content = body.path("output").path("message").path("content");
        if (!content.isArray()) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "upstream sent a malformed response: output.message.content is missing");
        }
        StringBuilder text = new StringBuilder();
        StringBuilder reasoning = new StringBuilder();
        List<ToolCall> calls = new ArrayList<>();
        for (JsonNode block : content) {
            if (block.hasNonNull("text")) {
                text.append(block.get("text").asText());
            } else if (block.has("toolUse")) {
                JsonNode use = block.get("toolUse");
                JsonNode input = use.get("input");
                calls.add(new ToolCall(use.path("toolUseId").asText(null), use.path("name").asText(""),
                        input == null || input.isNull() ? "{}" : input.toString()));
            } else if (block.has("reasoningContent")) {
                JsonNode rt = block.get("reasoningContent").path("reasoningText").path("text");
                if (rt.isTextual()) {
                    reasoning.append(rt.asText());
                }
            }
        }
        boolean hasText = text.length() > 0 || calls.isEmpty();
        Message msg = new Message("assistant", hasText ? List.of(new ContentPart.Text(text.toString())) : null, true,
                null, calls, null, reasoning.length() > 0 ? reasoning.toString() : null, null);
        return new ChatResponse(id, model, created, List.of(new Choice(0, msg, finishReason(body.path("stopReason").asText(null)))),
                usage(body.get("usage")), null);
    }

    /** Bedrock's stop reason as a canonical finish reason (unknown values &rarr; stop, null &rarr; null). */
    static FinishReason finishReason(String stopReason) {
        if (stopReason == null) {
            return null;
        }
        return switch (stopReason) {
            case "tool_use" -> FinishReason.TOOL_CALLS;
            case "max_tokens", "model_context_window_exceeded" -> FinishReason.LENGTH;
            case "guardrail_intervened", "content_filtered" -> FinishReason.CONTENT_FILTER;
            default -> FinishReason.STOP;
        };
    }

    /**
     * Bedrock's {@code TokenUsage}. Its {@code totalTokens} is the documented total; the prompt is
     * that total less the output, so cache reads and writes are counted in the prompt whether or
     * not a model family reports them inside {@code inputTokens}.
     */
    static Usage usage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        int input = u.path("inputTokens").asInt(0);
        int output = u.path("outputTokens").asInt(0);
        int read = u.path("cacheReadInputTokens").asInt(0);
        int write = u.path("cacheWriteInputTokens").asInt(0);
        int total = u.path("totalTokens").asInt(0);
        int prompt = total >= output && total > 0 ? Math.max(total - output, input) : input + read + write;
        return new Usage(prompt, output, read, write, 0);
    }
}
