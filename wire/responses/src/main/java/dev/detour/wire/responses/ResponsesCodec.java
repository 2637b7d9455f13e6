package dev.detour.wire.responses;

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

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * OpenAI's Responses API JSON as Detour serves it ({@code POST /v1/responses}): requests read into
 * the canonical (Chat Completions shaped) request, answers written as Response objects. Pure
 * functions: no I/O, no state, inputs never mutated. The stream is {@link ResponsesStreamEncoder}.
 *
 * <p>Detour is stateless: nothing is stored, so {@code store} is answered as {@code false} and
 * everything that needs a stored object ({@code previous_response_id}, {@code conversation},
 * {@code background}, {@code prompt} templates, {@code item_reference} items, {@code file_id}s) is
 * refused with a {@link WireFormatException} naming the field. Every target serves the API through
 * the canonical request, so tools OpenAI runs on its own servers (web search, file search, computer
 * use, code interpreter, MCP...) are refused too: no other target can run them.
 *
 * <h2>Requests</h2>
 * <table>
 *   <caption>Responses request field → canonical request</caption>
 *   <tr><th>Responses</th><th>canonical</th></tr>
 *   <tr><td>{@code model}</td><td>model</td></tr>
 *   <tr><td>{@code instructions}</td><td>a leading {@code system} message</td></tr>
 *   <tr><td>{@code input} as a string</td><td>one user message with string content</td></tr>
 *   <tr><td>{@code input} messages ({@code type: message} or just a {@code role}): {@code user},
 *       {@code system}, {@code developer}, {@code assistant}; content a string or parts
 *       ({@code input_text}, {@code input_image} by {@code image_url}, {@code input_file} by
 *       {@code file_data} or {@code file_url}; an assistant's {@code output_text} and
 *       {@code refusal})</td><td>messages with text, image and {@code file} parts (a file is kept as
 *       Chat Completions' {@code file} part, which only OpenAI-compatible targets take)</td></tr>
 *   <tr><td>{@code function_call} items</td><td>tool calls of an assistant message: one that directly
 *       follows an assistant message or another call joins it (parallel calls, or text and calls of
 *       one answer)</td></tr>
 *   <tr><td>{@code function_call_output} items (output a string or parts)</td><td>{@code tool}
 *       messages</td></tr>
 *   <tr><td>{@code reasoning} items</td><td>dropped: their encrypted content means something only to
 *       the OpenAI model that wrote it</td></tr>
 *   <tr><td>{@code tools} of type {@code function} (flat: {@code name}, {@code description},
 *       {@code parameters}, {@code strict})</td><td>tools</td></tr>
 *   <tr><td>{@code tool_choice} {@code auto}, {@code none}, {@code required},
 *       {@code {"type": "function", "name"}}; {@code parallel_tool_calls}</td><td>the same in Chat
 *       Completions' shape</td></tr>
 *   <tr><td>{@code text.format} {@code text}, {@code json_object}, {@code json_schema}
 *       ({@code name}, {@code schema}, {@code description}, {@code strict})</td><td>{@code response_format}
 *       (none for {@code text}); {@code text.verbosity} as {@code verbosity}</td></tr>
 *   <tr><td>{@code max_output_tokens}, {@code temperature}, {@code top_p}, {@code metadata},
 *       {@code user}, {@code stream}</td><td>{@code max_completion_tokens}, temperature, top_p, metadata,
 *       user, stream (usage always asked for: a Response reports it)</td></tr>
 *   <tr><td>{@code reasoning.effort}, {@code safety_identifier}, {@code prompt_cache_key},
 *       {@code service_tier}</td><td>{@code reasoning_effort} and the same names in
 *       {@link ChatRequest#extra()} (for OpenAI-compatible targets)</td></tr>
 * </table>
 * Accepted and ignored: {@code store} (answered {@code false}), {@code include},
 * {@code truncation}, {@code stream_options}, {@code top_logprobs}, {@code reasoning.summary} and
 * other top-level fields.
 *
 * <h2>Answers</h2>
 * The first choice becomes the {@code output}: a {@code reasoning} item (its text as
 * {@code reasoning_text} content) when the answer has reasoning, a {@code message} item with one
 * {@code output_text} part (and a {@code refusal} part for a refusal) when it has text, then one
 * {@code function_call} item per tool call. {@code status} is {@code completed}, or
 * {@code incomplete} with {@code incomplete_details.reason} {@code max_output_tokens} (finish
 * reason length) or {@code content_filter}. {@code usage}: {@code input_tokens} (cached included, as
 * {@code input_tokens_details.cached_tokens}), {@code output_tokens} (reasoning included, as
 * {@code output_tokens_details.reasoning_tokens}), {@code total_tokens}. The request's settings are
 * echoed ({@code instructions}, {@code tools}, {@code tool_choice}, {@code text}, ...), with
 * {@code store: false}. Ids are Detour's: {@code resp_<hex>}, and per item {@code msg_}, {@code rs_},
 * {@code fc_} with the same hex; a call's {@code call_id} is the provider's tool-call id.
 */
public final class ResponsesCodec {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /** The input item types Detour reads (for the error naming the others). */
    private static final String ITEM_TYPES = "message, function_call, function_call_output, reasoning";
    /** Extra fields with the same name and meaning in Chat Completions. */
    private static final List<String> PASS_THROUGH = List.of("safety_identifier", "prompt_cache_key", "service_tier");

    private ResponsesCodec() {
    }

    // ================================================================== requests

    /**
     * The request a client sent to {@code /v1/responses}.
     *
     * @throws WireFormatException naming the offending field (a JSON path) when the body does not
     *                             fit the API, or asks for what a stateless gateway cannot do
     */
    public static ResponsesRequest parseRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "request body must be a JSON object");
        }
        stateless(body);
        JsonNode modelNode = body.get("model");
        if (modelNode == null || modelNode.isNull()) {
            throw new WireFormatException("model", "field required");
        }
        if (!modelNode.isTextual() || modelNode.asText().isEmpty()) {
            throw new WireFormatException("model", "must be a non-empty string");
        }
        List<Message> messages = new ArrayList<>();
        String instructions = JsonFields.optText(body, "instructions", "instructions");
        if (instructions != null && !instructions.isEmpty()) {
            messages.add(Message.text("system", instructions));
        }
        JsonNode input = body.get("input");
        if (input == null || input.isNull()) {
            throw new WireFormatException("input", "field required (a string or an array of input items)");
        }
        if (input.isTextual()) {
            messages.add(Message.text("user", input.asText()));
        } else if (input.isArray()) {
            for (int i = 0; i < input.size(); i++) {
                addItem(messages, input.get(i), "input[" + i + "]");
            }
        } else {
            throw new WireFormatException("input", "must be a string or an array of input items");
        }
        if (messages.stream().allMatch(m -> m.role().equals("system") || m.role().equals("developer"))) {
            throw new WireFormatException("input", "must contain at least one message or item besides instructions");
        }

        ChatRequest.Builder b = ChatRequest.builder(modelNode.asText(), messages);
        JsonNode tools = JsonFields.nonNull(body.get("tools"));
        if (tools != null) {
            b.tools(tools(tools));
        }
        JsonNode choice = JsonFields.nonNull(body.get("tool_choice"));
        if (choice != null) {
            b.toolChoice(toolChoice(choice));
        }
        JsonNode parallel = JsonFields.nonNull(body.get("parallel_tool_calls"));
        if (parallel != null) {
            if (!parallel.isBoolean()) {
                throw new WireFormatException("parallel_tool_calls", "must be a boolean");
            }
            b.parallelToolCalls(parallel.asBoolean());
        }
        ObjectNode extra = NODES.objectNode();
        JsonNode text = JsonFields.nonNull(body.get("text"));
        if (text != null) {
            if (!text.isObject()) {
                throw new WireFormatException("text", "must be an object");
            }
            JsonNode format = JsonFields.nonNull(text.get("format"));
            if (format != null) {
                b.responseFormat(responseFormat(format));
            }
            String verbosity = JsonFields.optText(text, "verbosity", "text.verbosity");
            if (verbosity != null) {
                extra.put("verbosity", verbosity);
            }
        }
        b.maxCompletionTokens(JsonFields.optInt(body, "max_output_tokens", 1));
        b.temperature(JsonFields.optNumber(body, "temperature", 0, 2));
        b.topP(JsonFields.optNumber(body, "top_p", 0, 1));
        b.user(JsonFields.optText(body, "user", "user"));
        b.metadata(metadata(body.get("metadata")));
        JsonNode reasoning = JsonFields.nonNull(body.get("reasoning"));
        if (reasoning != null) {
            if (!reasoning.isObject()) {
                throw new WireFormatException("reasoning", "must be an object");
            }
            String effort = JsonFields.optText(reasoning, "effort", "reasoning.effort");
            if (effort != null) {
                extra.put("reasoning_effort", effort);
            }
        }
        for (String f : PASS_THROUGH) {
            JsonNode v = JsonFields.nonNull(body.get(f));
            if (v != null) {
                if (!v.isTextual()) {
                    throw new WireFormatException(f, "must be a string");
                }
                extra.set(f, v);
            }
        }
        b.extra(extra.isEmpty() ? null : extra);
        JsonFields.optBool(body, "store", "store");   // checked, then answered as false: nothing is stored
        boolean stream = JsonFields.optBool(body, "stream", "stream");
        // A Response always reports usage, streamed or not: ask OpenAI-style targets for it.
        b.stream(stream).includeUsage(stream);
        return new ResponsesRequest(b.build(), instructions);
    }

    /** Refuses what only a stateful server can serve, naming the field. */
    private static void stateless(JsonNode body) {
        if (JsonFields.nonNull(body.get("previous_response_id")) != null) {
            throw new WireFormatException("previous_response_id", "Detour is stateless and stores no responses, so "
                    + "it cannot continue one by id: send the whole conversation in input (with store: false)");
        }
        if (JsonFields.nonNull(body.get("conversation")) != null) {
            throw new WireFormatException("conversation", "Detour is stateless and keeps no conversations: send "
                    + "the whole conversation in input");
        }
        if (body.path("background").asBoolean(false)) {
            throw new WireFormatException("background", "background responses need a stored response to poll, "
                    + "and Detour is stateless: use stream or a plain request");
        }
        if (JsonFields.nonNull(body.get("prompt")) != null) {
            throw new WireFormatException("prompt", "prompt templates are stored at OpenAI, which Detour does not "
                    + "reach for every target: send the text as instructions and input");
        }
    }

    private static void addItem(List<Message> out, JsonNode item, String path) {
        if (!item.isObject()) {
            throw new WireFormatException(path, "must be an object (an input item)");
        }
        String type = JsonFields.optText(item, "type", path + ".type");
        if (type == null) {
            if (!item.has("role")) {
                throw new WireFormatException(path + ".type", "field required (" + ITEM_TYPES + ")");
            }
            type = "message";
        }
        switch (type) {
            case "message" -> out.add(message(item, path));
            case "function_call" -> addCall(out, item, path);
            case "function_call_output" -> out.add(callOutput(item, path));
            case "reasoning" -> {
                // Dropped: an encrypted reasoning item means something only to the OpenAI model that wrote it.
            }
            case "item_reference" -> throw new WireFormatException(path + ".type", "item_reference needs a stored "
                    + "item, and Detour is stateless: send the item itself");
            default -> throw new WireFormatException(path + ".type", "input item type '" + type
                    + "' is not supported (" + ITEM_TYPES + "): it belongs to a tool that OpenAI runs on its servers");
        }
    }

    private static Message message(JsonNode item, String path) {
        JsonNode roleNode = item.get("role");
        if (roleNode == null || roleNode.isNull()) {
            throw new WireFormatException(path + ".role", "field required");
        }
        String role = roleNode.asText();
        boolean assistant = role.equals("assistant");
        if (!assistant && !role.equals("user") && !role.equals("system") && !role.equals("developer")) {
            throw new WireFormatException(path + ".role", "must be 'user', 'assistant', 'system' or 'developer', got '"
                    + role + "'");
        }
        JsonNode content = item.get("content");
        if (content == null || content.isNull()) {
            throw new WireFormatException(path + ".content", "field required");
        }
        if (content.isTextual()) {
            return Message.text(role, content.asText());
        }
        if (!content.isArray()) {
            throw new WireFormatException(path + ".content", "must be a string or an array of content parts");
        }
        List<ContentPart> parts = new ArrayList<>(content.size());
        for (int i = 0; i < content.size(); i++) {
            String p = path + ".content[" + i + "]";
            JsonNode part = content.get(i);
            String type = part.isObject() ? JsonFields.optText(part, "type", p + ".type") : null;
            if (type == null) {
                throw new WireFormatException(p + ".type", "field required (a content part object)");
            }
            switch (type) {
                case "input_text", "output_text" -> parts.add(new ContentPart.Text(requiredText(part, "text", p)));
                // The canonical model has no refusal in a request message: the model is told in text.
                case "refusal" -> parts.add(new ContentPart.Text(requiredText(part, "refusal", p)));
                case "input_image" -> {
                    if (assistant) {
                        throw new WireFormatException(p + ".type", "an assistant message cannot carry images");
                    }
                    parts.add(image(part, p));
                }
                case "input_file" -> {
                    if (assistant) {
                        throw new WireFormatException(p + ".type", "an assistant message cannot carry files");
                    }
                    parts.add(file(part, p));
                }
                default -> throw new WireFormatException(p + ".type", "content part type '" + type
                        + "' is not supported (input_text, input_image, input_file; output_text and refusal in "
                        + "assistant messages)");
            }
        }
        if (assistant) {
            // An assistant turn is one text in the canonical shape, whatever its parts were.
            StringBuilder sb = new StringBuilder();
            for (ContentPart cp : parts) {
                sb.append(((ContentPart.Text) cp).text());
            }
            return Message.assistant(sb.toString(), List.of());
        }
        return new Message(role, parts, false, null, List.of(), null, null, null);
    }

    private static ContentPart image(JsonNode part, String p) {
        String url = JsonFields.optText(part, "image_url", p + ".image_url");
        if (url == null || url.isEmpty()) {
            if (JsonFields.nonNull(part.get("file_id")) != null) {
                throw new WireFormatException(p + ".file_id", "a file_id names a file stored at OpenAI, which not "
                        + "every target can read: send the image as image_url (a URL or a data: URL)");
            }
            throw new WireFormatException(p + ".image_url", "field required");
        }
        String detail = JsonFields.optText(part, "detail", p + ".detail");
        return new ContentPart.Image(url, detail);
    }

    /** A file as Chat Completions' {@code file} part: the same data, in the shape OpenAI-compatible targets read. */
    private static ContentPart file(JsonNode part, String p) {
        ObjectNode file = NODES.objectNode();
        String data = JsonFields.optText(part, "file_data", p + ".file_data");
        String url = JsonFields.optText(part, "file_url", p + ".file_url");
        String id = JsonFields.optText(part, "file_id", p + ".file_id");
        if (data == null && url == null) {
            throw new WireFormatException(id != null ? p + ".file_id" : p + ".file_data", id != null
                    ? "a file_id names a file stored at OpenAI, which not every target can read: send file_data"
                    : "field required (file_data or file_url)");
        }
        if (data != null) {
            file.put("file_data", data);
        } else {
            file.put("file_url", url);
        }
        String name = JsonFields.optText(part, "filename", p + ".filename");
        if (name != null) {
            file.put("filename", name);
        }
        ObjectNode raw = NODES.objectNode().put("type", "file");
        raw.set("file", file);
        return new ContentPart.Other("file", raw);
    }

    /** A function call joins the assistant message right before it (one answer), else starts one. */
    private static void addCall(List<Message> out, JsonNode item, String path) {
        String callId = requiredText(item, "call_id", path);
        String name = requiredText(item, "name", path);
        JsonNode args = item.get("arguments");
        if (args == null || args.isNull()) {
            throw new WireFormatException(path + ".arguments", "field required (a JSON text)");
        }
        if (!args.isTextual()) {
            throw new WireFormatException(path + ".arguments", "must be a string (the arguments as JSON text)");
        }
        ToolCall call = new ToolCall(callId, name, args.asText());
        Message last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last.role().equals("assistant")) {
            List<ToolCall> calls = new ArrayList<>(last.toolCalls());
            calls.add(call);
            out.set(out.size() - 1, new Message("assistant", last.content(), last.textContent(), last.name(), calls,
                    null, last.reasoning(), last.refusal()));
        } else {
            out.add(new Message("assistant", null, false, null, List.of(call), null, null, null));
        }
    }

    private static Message callOutput(JsonNode item, String path) {
        String callId = requiredText(item, "call_id", path);
        JsonNode output = item.get("output");
        if (output == null || output.isNull()) {
            throw new WireFormatException(path + ".output", "field required");
        }
        if (output.isTextual()) {
            return new Message("tool", List.of(new ContentPart.Text(output.asText())), true, null, List.of(), callId,
                    null, null);
        }
        if (!output.isArray()) {
            throw new WireFormatException(path + ".output", "must be a string or an array of content parts");
        }
        List<ContentPart> parts = new ArrayList<>();
        for (int i = 0; i < output.size(); i++) {
            String p = path + ".output[" + i + "]";
            JsonNode part = output.get(i);
            String type = part.isObject() ? JsonFields.optText(part, "type", p + ".type") : null;
            if (type == null) {
                throw new WireFormatException(p + ".type", "field required (a content part object)");
            }
            switch (type) {
                case "input_text" -> parts.add(new ContentPart.Text(requiredText(part, "text", p)));
                case "input_image" -> parts.add(image(part, p));
                case "input_file" -> parts.add(file(part, p));
                default -> throw new WireFormatException(p + ".type", "content part type '" + type
                        + "' is not supported in a function_call_output (input_text, input_image, input_file)");
            }
        }
        if (parts.isEmpty()) {
            parts.add(new ContentPart.Text(""));
        }
        boolean plain = parts.size() == 1 && parts.get(0) instanceof ContentPart.Text;
        return new Message("tool", parts, plain, null, List.of(), callId, null, null);
    }

    private static List<Tool> tools(JsonNode tools) {
        if (!tools.isArray()) {
            throw new WireFormatException("tools", "must be an array");
        }
        List<Tool> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String p = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            if (!t.isObject()) {
                throw new WireFormatException(p, "must be an object");
            }
            String type = JsonFields.optText(t, "type", p + ".type");
            if (type == null) {
                throw new WireFormatException(p + ".type", "field required");
            }
            if (!type.equals("function")) {
                throw new WireFormatException(p + ".type", "tool type '" + type + "' is a tool OpenAI runs on its "
                        + "own servers, which Detour's other targets cannot run; only function tools are supported");
            }
            String name = requiredText(t, "name", p);
            JsonNode params = JsonFields.nonNull(t.get("parameters"));
            if (params != null && !params.isObject()) {
                throw new WireFormatException(p + ".parameters", "must be a JSON Schema object");
            }
            JsonNode strict = JsonFields.nonNull(t.get("strict"));
            if (strict != null && !strict.isBoolean()) {
                throw new WireFormatException(p + ".strict", "must be a boolean");
            }
            out.add(new Tool(name, JsonFields.optText(t, "description", p + ".description"),
                    params == null ? null : params.deepCopy(), strict == null ? null : strict.asBoolean()));
        }
        return out;
    }

    /** {@code tool_choice} in Chat Completions' shape. */
    private static JsonNode toolChoice(JsonNode choice) {
        if (choice.isTextual()) {
            String c = choice.asText();
            if (!c.equals("auto") && !c.equals("none") && !c.equals("required")) {
                throw new WireFormatException("tool_choice", "must be 'auto', 'none', 'required' or "
                        + "{\"type\": \"function\", \"name\": ...}, got '" + c + "'");
            }
            return TextNode.valueOf(c);
        }
        if (!choice.isObject()) {
            throw new WireFormatException("tool_choice", "must be a string or an object");
        }
        String type = JsonFields.optText(choice, "type", "tool_choice.type");
        if (!"function".equals(type)) {
            throw new WireFormatException("tool_choice.type", "tool_choice type '" + type + "' is not supported "
                    + "(auto, none, required, or a function by name)");
        }
        ObjectNode out = NODES.objectNode().put("type", "function");
        out.putObject("function").put("name", requiredText(choice, "name", "tool_choice"));
        return out;
    }

    /** {@code text.format} as Chat Completions' {@code response_format}, or null for plain text. */
    private static JsonNode responseFormat(JsonNode format) {
        if (!format.isObject()) {
            throw new WireFormatException("text.format", "must be an object");
        }
        String type = JsonFields.optText(format, "type", "text.format.type");
        if (type == null) {
            throw new WireFormatException("text.format.type", "field required");
        }
        switch (type) {
            case "text":
                return null;
            case "json_object":
                return NODES.objectNode().put("type", "json_object");
            case "json_schema": {
                ObjectNode js = NODES.objectNode();
                js.put("name", requiredText(format, "name", "text.format"));
                JsonNode schema = format.get("schema");
                if (schema == null || !schema.isObject()) {
                    throw new WireFormatException("text.format.schema", "field required (a JSON Schema object)");
                }
                String description = JsonFields.optText(format, "description", "text.format.description");
                if (description != null) {
                    js.put("description", description);
                }
                js.set("schema", schema.deepCopy());
                JsonNode strict = JsonFields.nonNull(format.get("strict"));
                if (strict != null) {
                    if (!strict.isBoolean()) {
                        throw new WireFormatException("text.format.strict", "must be a boolean");
                    }
                    js.put("strict", strict.asBoolean());
                }
                ObjectNode rf = NODES.objectNode().put("type", "json_schema");
                rf.set("json_schema", js);
                return rf;
            }
            default:
                throw new WireFormatException("text.format.type", "must be 'text', 'json_object' or 'json_schema', got '"
                        + type + "'");
        }
    }

    private static Map<String, String> metadata(JsonNode metadata) {
        if (metadata == null || metadata.isNull()) {
            return null;
        }
        if (!metadata.isObject()) {
            throw new WireFormatException("metadata", "must be an object of strings");
        }
        Map<String, String> out = new LinkedHashMap<>();
        metadata.fields().forEachRemaining(e -> {
            if (!e.getValue().isTextual()) {
                throw new WireFormatException("metadata." + e.getKey(), "must be a string");
            }
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    private static String requiredText(JsonNode o, String field, String path) {
        JsonNode n = o.get(field);
        if (n == null || n.isNull()) {
            throw new WireFormatException(path + "." + field, "field required");
        }
        if (!n.isTextual()) {
            throw new WireFormatException(path + "." + field, "must be a string");
        }
        return n.asText();
    }

    // ================================================================== answers

    /**
     * The Response object for a whole answer.
     *
     * @param r     the answer (its first choice is the output)
     * @param q     the request it answers (its settings are echoed)
     * @param id    the response id ({@link #newId()})
     * @param model the model to report (the serving target's), or null for the answer's own
     */
    public static ObjectNode writeResponse(ChatResponse r, ResponsesRequest q, String id, String model) {
        FinishReason finish = r.finishReason();
        ObjectNode o = shell(q, id, r.created() > 0 ? r.created() : System.currentTimeMillis() / 1000,
                model != null ? model : r.model(), status(finish));
        incomplete(o, finish);
        ArrayNode output = o.putArray("output");
        if (!r.choices().isEmpty()) {
            Message m = r.choices().get(0).message();
            String hex = hex(id);
            String itemStatus = "incomplete".equals(o.path("status").asText()) ? "incomplete" : "completed";
            if (m.reasoning() != null && !m.reasoning().isEmpty()) {
                output.add(reasoningItem("rs_" + hex, m.reasoning()));
            }
            String text = m.text();
            if (!text.isEmpty() || (m.refusal() != null && !m.refusal().isEmpty())) {
                ObjectNode msg = messageItem("msg_" + hex, itemStatus);
                ArrayNode content = msg.putArray("content");
                if (!text.isEmpty()) {
                    content.add(outputText(text));
                }
                if (m.refusal() != null && !m.refusal().isEmpty()) {
                    content.add(refusal(m.refusal()));
                }
                output.add(msg);
            }
            List<ToolCall> calls = m.toolCalls();
            for (int i = 0; i < calls.size(); i++) {
                ToolCall c = calls.get(i);
                output.add(functionCallItem(callItemId(hex, i), callId(c.id(), hex, i), c.name(), c.arguments(),
                        "completed"));
            }
        }
        if (r.usage() != null) {
            o.set("usage", writeUsage(r.usage()));
        }
        return o;
    }

    /** A new response id: {@code resp_} and 32 hex digits. */
    public static String newId() {
        // Written by hand: String.format costs more than the rest of writing a small Response.
        ThreadLocalRandom rnd = ThreadLocalRandom.current();
        char[] id = new char[5 + 32];
        "resp_".getChars(0, 5, id, 0);
        hex(rnd.nextLong(), id, 5);
        hex(rnd.nextLong(), id, 21);
        return new String(id);
    }

    private static void hex(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    private static final char[] HEX = "0123456789abcdef".toCharArray();

    /** Responses' {@code usage}: input, output and total tokens, with the cached and reasoning breakdowns. */
    public static ObjectNode writeUsage(Usage u) {
        ObjectNode o = NODES.objectNode();
        o.put("input_tokens", u.promptTokens());
        o.putObject("input_tokens_details").put("cached_tokens", u.cachedTokens());
        o.put("output_tokens", u.completionTokens());
        o.putObject("output_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        o.put("total_tokens", u.totalTokens());
        return o;
    }

    /** {@code completed}, or {@code incomplete} when the answer was cut by its limit or a content filter. */
    static String status(FinishReason finish) {
        return finish == FinishReason.LENGTH || finish == FinishReason.CONTENT_FILTER ? "incomplete" : "completed";
    }

    /** Sets {@code incomplete_details} for an incomplete answer. */
    static void incomplete(ObjectNode response, FinishReason finish) {
        if (finish == FinishReason.LENGTH) {
            response.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else if (finish == FinishReason.CONTENT_FILTER) {
            response.putObject("incomplete_details").put("reason", "content_filter");
        }
    }

    /**
     * A Response object without output or usage: the fields every event that carries the response
     * shows, with the request's settings echoed.
     */
    static ObjectNode shell(ResponsesRequest q, String id, long createdAt, String model, String status) {
        ChatRequest c = q.chat();
        ObjectNode o = NODES.objectNode();
        o.put("id", id);
        o.put("object", "response");
        o.put("created_at", createdAt);
        o.put("status", status);
        o.put("background", false);
        o.putNull("error");
        o.putNull("incomplete_details");
        if (q.instructions() == null) {
            o.putNull("instructions");
        } else {
            o.put("instructions", q.instructions());
        }
        if (c.maxCompletionTokens() == null) {
            o.putNull("max_output_tokens");
        } else {
            o.put("max_output_tokens", c.maxCompletionTokens());
        }
        ObjectNode md = o.putObject("metadata");
        c.metadata().forEach(md::put);
        o.put("model", model);
        o.putArray("output");
        o.put("parallel_tool_calls", c.parallelToolCalls() == null || c.parallelToolCalls());
        o.putNull("previous_response_id");
        o.put("store", false);
        putNumber(o, "temperature", c.temperature());
        o.set("text", textConfig(c));
        o.set("tool_choice", echoToolChoice(c.toolChoice()));
        ArrayNode tools = o.putArray("tools");
        for (Tool t : c.tools()) {
            ObjectNode to = tools.addObject().put("type", "function").put("name", t.name());
            if (t.description() != null) {
                to.put("description", t.description());
            }
            if (t.parameters() == null) {
                to.putNull("parameters");
            } else {
                to.set("parameters", t.parameters());
            }
            if (t.strict() == null) {
                to.putNull("strict");
            } else {
                to.put("strict", t.strict());
            }
        }
        putNumber(o, "top_p", c.topP());
        o.put("truncation", "disabled");
        if (c.user() != null) {
            o.put("user", c.user());
        }
        return o;
    }

    private static void putNumber(ObjectNode o, String field, Double v) {
        if (v == null) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    /** The request's {@code text} config, back in the Responses shape. */
    private static ObjectNode textConfig(ChatRequest c) {
        ObjectNode text = NODES.objectNode();
        JsonNode rf = c.responseFormat();
        String type = rf == null ? "text" : rf.path("type").asText("text");
        if (type.equals("json_schema")) {
            ObjectNode f = text.putObject("format").put("type", "json_schema");
            rf.path("json_schema").fields().forEachRemaining(e -> f.set(e.getKey(), e.getValue()));
        } else {
            text.putObject("format").put("type", type.equals("json_object") ? "json_object" : "text");
        }
        JsonNode verbosity = c.extra() == null ? null : c.extra().get("verbosity");
        if (verbosity != null) {
            text.set("verbosity", verbosity);
        }
        return text;
    }

    /** The canonical {@code tool_choice} back in the Responses shape ({@code auto} when none was set). */
    private static JsonNode echoToolChoice(JsonNode choice) {
        if (choice == null) {
            return TextNode.valueOf("auto");
        }
        if (choice.isObject()) {
            return NODES.objectNode().put("type", "function").put("name", choice.path("function").path("name").asText());
        }
        return choice;
    }

    static ObjectNode messageItem(String id, String status) {
        return NODES.objectNode().put("id", id).put("type", "message").put("status", status).put("role", "assistant");
    }

    static ObjectNode outputText(String text) {
        ObjectNode p = NODES.objectNode().put("type", "output_text");
        p.putArray("annotations");
        p.putArray("logprobs");
        return p.put("text", text);
    }

    static ObjectNode refusal(String refusal) {
        return NODES.objectNode().put("type", "refusal").put("refusal", refusal);
    }

    static ObjectNode reasoningItem(String id, String text) {
        ObjectNode o = NODES.objectNode().put("id", id).put("type", "reasoning");
        o.putArray("summary");
        o.putArray("content").addObject().put("type", "reasoning_text").put("text", text);
        return o;
    }

    static ObjectNode functionCallItem(String id, String callId, String name, String arguments, String status) {
        return NODES.objectNode().put("id", id).put("type", "function_call").put("status", status)
                .put("arguments", arguments).put("call_id", callId).put("name", name);
    }

    /** The hex part of a response id, shared by its items' ids. */
    static String hex(String responseId) {
        return responseId.startsWith("resp_") ? responseId.substring(5) : responseId;
    }

    static String callItemId(String hex, int index) {
        return "fc_" + hex + "_" + index;
    }

    /** The provider's tool-call id, or one made up when it gave none (a function_call_output must name it). */
    static String callId(String providerId, String hex, int index) {
        return providerId == null || providerId.isEmpty() ? "call_" + hex + "_" + index : providerId;
    }
}
