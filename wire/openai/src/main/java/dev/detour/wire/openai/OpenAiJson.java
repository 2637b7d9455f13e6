package dev.detour.wire.openai;

import dev.detour.wire.http.Bytes;
import dev.detour.wire.http.JsonFields;
import dev.detour.wire.http.WireFormatException;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.wire.http.WireJson;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.detour.wire.http.JsonFields.nonNull;
import static dev.detour.wire.http.JsonFields.optInt;
import static dev.detour.wire.http.JsonFields.optNumber;
import static dev.detour.wire.http.JsonFields.optText;
import static dev.detour.wire.http.JsonFields.requireIntegral;

/**
 * The canonical model's JSON form, which is OpenAI's Chat Completions / Embeddings wire format,
 * in both directions. Core uses it for the inbound OpenAI API; the OpenAI-compatible adapters and
 * the simulator use it for the outbound side, so the two can never drift apart.
 *
 * <p>Parsing validates types and names the offending field in a {@link WireFormatException}.
 * Writing never mutates its input. Stateless and thread-safe.
 */
public final class OpenAiJson {

    /**
     * A shared mapper; never reconfigure it. Numbers are read with Jackson's fast parsers (the
     * JDK's {@code Double.parseDouble} was a visible share of a request's cost).
     */
    private static final ObjectMapper MAPPER = WireJson.MAPPER;

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final Set<String> ROLES = Set.of("system", "developer", "user", "assistant", "tool", "function");
    private static final Set<String> KNOWN_EMBEDDING_FIELDS = Set.of("model", "input", "dimensions", "encoding_format",
            "user");
    private static final Set<String> KNOWN_REQUEST_FIELDS = Set.of("model", "messages", "tools", "tool_choice",
            "parallel_tool_calls", "response_format", "stop", "temperature", "top_p", "max_tokens",
            "max_completion_tokens", "seed", "n", "stream", "stream_options", "user", "metadata");

    private OpenAiJson() {
    }

    // ---------------------------------------------------------------- chat request

    /**
     * The request in {@code body} (UTF-8 bytes) when it is a plain one: text messages and the
     * usual sampling and stream fields, nothing else. It is read without building a JSON tree and
     * is exactly what {@link #parseRequest(JsonNode)} would return. Null otherwise, including for
     * invalid bodies: then read the tree, which handles every shape and names every problem.
     */
    public static ChatRequest parsePlainRequest(byte[] body) {
        return OpenAiFastPath.request(body);
    }

    /**
     * The answer in {@code body} (UTF-8 bytes) when it is a plain text answer; exactly what
     * {@link #parseResponse(JsonNode)} would return, read without building a JSON tree. Null
     * otherwise (tool calls, content parts, an error object, anything invalid): then read the tree.
     */
    public static ChatResponse parsePlainResponse(byte[] body) {
        return OpenAiFastPath.response(body);
    }

    /**
     * The one chunk of a plain stream event's JSON {@code data} (UTF-8 bytes), read without a JSON
     * tree and exactly as {@link #parseChunk} reads it; null for anything else (tool call deltas,
     * several choices, an error, invalid JSON): then read the tree.
     */
    public static ChatChunk parsePlainChunk(byte[] data) {
        return OpenAiFastPath.chunk(data);
    }

    static boolean isRole(String role) {
        return ROLES.contains(role);
    }

    /** Parses a Chat Completions request body. */
    public static ChatRequest parseRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "request body must be a JSON object");
        }
        String model = optText(body, "model");
        if (model == null || model.isEmpty()) {
            throw new WireFormatException("model", "is required and must be a non-empty string");
        }
        JsonNode msgs = body.get("messages");
        if (msgs == null || msgs.isNull()) {
            throw new WireFormatException("messages", "is required");
        }
        if (!msgs.isArray() || msgs.isEmpty()) {
            throw new WireFormatException("messages", "must be a non-empty array");
        }
        List<Message> messages = new ArrayList<>(msgs.size());
        for (int i = 0; i < msgs.size(); i++) {
            messages.add(parseMessage(msgs.get(i), "messages[" + i + "]"));
        }
        List<Tool> tools = parseTools(body.get("tools"));
        JsonNode toolChoice = nonNull(body.get("tool_choice"));
        if (toolChoice != null && !toolChoice.isTextual() && !toolChoice.isObject()) {
            throw new WireFormatException("tool_choice", "must be a string or an object");
        }
        JsonNode responseFormat = nonNull(body.get("response_format"));
        if (responseFormat != null && (!responseFormat.isObject() || !responseFormat.path("type").isTextual())) {
            throw new WireFormatException("response_format", "must be an object with a string 'type'");
        }
        List<String> stop = parseStop(body.get("stop"));
        Double temperature = optNumber(body, "temperature", 0, 2);
        Double topP = optNumber(body, "top_p", 0, 1);
        Integer maxTokens = optInt(body, "max_tokens", 1);
        Integer maxCompletionTokens = optInt(body, "max_completion_tokens", 1);
        Long seed = body.hasNonNull("seed") ? requireIntegral(body.get("seed"), "seed").longValue() : null;
        Integer n = optInt(body, "n", 1);
        boolean stream = optBool(body, "stream");
        boolean includeUsage = false;
        JsonNode so = nonNull(body.get("stream_options"));
        if (so != null) {
            if (!so.isObject()) {
                throw new WireFormatException("stream_options", "must be an object");
            }
            includeUsage = JsonFields.optBool(so, "include_usage", "stream_options.include_usage");
        }
        Boolean parallel = body.hasNonNull("parallel_tool_calls") ? optBool(body, "parallel_tool_calls") : null;
        String user = optText(body, "user");
        Map<String, String> metadata = new LinkedHashMap<>();
        JsonNode md = nonNull(body.get("metadata"));
        if (md != null) {
            if (!md.isObject()) {
                throw new WireFormatException("metadata", "must be an object of strings");
            }
            md.properties().forEach(e -> {
                if (!e.getValue().isTextual()) {
                    throw new WireFormatException("metadata." + e.getKey(), "must be a string");
                }
                metadata.put(e.getKey(), e.getValue().asText());
            });
        }
        ObjectNode extra = null;
        Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN_REQUEST_FIELDS.contains(e.getKey())) {
                if (extra == null) {
                    extra = NODES.objectNode();
                }
                extra.set(e.getKey(), e.getValue());
            }
        }
        return new ChatRequest(model, messages, tools, toolChoice, parallel, responseFormat, stop, temperature, topP,
                maxTokens, maxCompletionTokens, seed, n, stream, includeUsage, user, metadata, extra);
    }

    private static Message parseMessage(JsonNode m, String path) {
        if (m == null || !m.isObject()) {
            throw new WireFormatException(path, "must be an object");
        }
        String role = optText(m, "role", path + ".role");
        if (role == null) {
            throw new WireFormatException(path + ".role", "is required");
        }
        if (!ROLES.contains(role)) {
            throw new WireFormatException(path + ".role",
                    "must be one of system, developer, user, assistant, tool (was '" + role + "')");
        }
        JsonNode c = m.get("content");
        List<ContentPart> content = null;
        boolean textContent = false;
        if (c != null && !c.isNull()) {
            if (c.isTextual()) {
                content = List.of(new ContentPart.Text(c.asText()));
                textContent = true;
            } else if (c.isArray()) {
                content = new ArrayList<>(c.size());
                for (int i = 0; i < c.size(); i++) {
                    content.add(parsePart(c.get(i), path + ".content[" + i + "]"));
                }
            } else {
                throw new WireFormatException(path + ".content", "must be a string or an array of content parts");
            }
        }
        List<ToolCall> toolCalls = new ArrayList<>();
        JsonNode tc = nonNull(m.get("tool_calls"));
        if (tc != null) {
            if (!tc.isArray()) {
                throw new WireFormatException(path + ".tool_calls", "must be an array");
            }
            for (int i = 0; i < tc.size(); i++) {
                String p = path + ".tool_calls[" + i + "]";
                JsonNode call = tc.get(i);
                JsonNode fn = call.path("function");
                String name = optText(fn, "name", p + ".function.name");
                if (name == null) {
                    throw new WireFormatException(p + ".function.name", "is required");
                }
                JsonNode args = fn.get("arguments");
                String argText = args == null || args.isNull() ? "{}" : args.isTextual() ? args.asText() : args.toString();
                toolCalls.add(new ToolCall(optText(call, "id", p + ".id"), name, argText));
            }
        }
        if (content == null && toolCalls.isEmpty() && !role.equals("assistant")) {
            throw new WireFormatException(path + ".content", "is required for role '" + role + "'");
        }
        String toolCallId = optText(m, "tool_call_id", path + ".tool_call_id");
        if (role.equals("tool") && toolCallId == null) {
            throw new WireFormatException(path + ".tool_call_id", "is required for role 'tool'");
        }
        return new Message(role, content, textContent, optText(m, "name", path + ".name"), toolCalls, toolCallId,
                optText(m, "reasoning_content", path + ".reasoning_content"), optText(m, "refusal", path + ".refusal"));
    }

    private static ContentPart parsePart(JsonNode p, String path) {
        if (p == null || !p.isObject()) {
            throw new WireFormatException(path, "must be an object");
        }
        String type = optText(p, "type", path + ".type");
        if (type == null) {
            throw new WireFormatException(path + ".type", "is required");
        }
        switch (type) {
            case "text":
                String text = optText(p, "text", path + ".text");
                if (text == null) {
                    throw new WireFormatException(path + ".text", "is required");
                }
                return new ContentPart.Text(text);
            case "image_url":
                JsonNode iu = p.get("image_url");
                String url = iu == null ? null : iu.isTextual() ? iu.asText() : optText(iu, "url", path + ".image_url.url");
                if (url == null || url.isEmpty()) {
                    throw new WireFormatException(path + ".image_url.url", "is required");
                }
                return new ContentPart.Image(url, iu.isObject() ? optText(iu, "detail", path + ".image_url.detail") : null);
            default:
                return new ContentPart.Other(type, p);
        }
    }

    private static List<Tool> parseTools(JsonNode tools) {
        if (tools == null || tools.isNull()) {
            return List.of();
        }
        if (!tools.isArray()) {
            throw new WireFormatException("tools", "must be an array");
        }
        List<Tool> out = new ArrayList<>(tools.size());
        for (int i = 0; i < tools.size(); i++) {
            String p = "tools[" + i + "]";
            JsonNode t = tools.get(i);
            String type = t.path("type").asText("function");
            if (!type.equals("function")) {
                throw new WireFormatException(p + ".type", "only 'function' tools are supported (was '" + type + "')");
            }
            JsonNode fn = t.get("function");
            if (fn == null || !fn.isObject()) {
                throw new WireFormatException(p + ".function", "is required");
            }
            String name = optText(fn, "name", p + ".function.name");
            if (name == null || name.isEmpty()) {
                throw new WireFormatException(p + ".function.name", "is required");
            }
            JsonNode params = nonNull(fn.get("parameters"));
            if (params != null && !params.isObject()) {
                throw new WireFormatException(p + ".function.parameters", "must be a JSON Schema object");
            }
            Boolean strict = fn.hasNonNull("strict") ? fn.get("strict").asBoolean() : null;
            out.add(new Tool(name, optText(fn, "description", p + ".function.description"), params, strict));
        }
        return out;
    }

    private static List<String> parseStop(JsonNode stop) {
        if (stop == null || stop.isNull()) {
            return List.of();
        }
        if (stop.isTextual()) {
            return List.of(stop.asText());
        }
        if (!stop.isArray()) {
            throw new WireFormatException("stop", "must be a string or an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i < stop.size(); i++) {
            if (!stop.get(i).isTextual()) {
                throw new WireFormatException("stop[" + i + "]", "must be a string");
            }
            out.add(stop.get(i).asText());
        }
        return out;
    }

    private static final JsonStringEncoder QUOTED = JsonStringEncoder.getInstance();
    private static final String[] SPLICED = {"model", "stream", "stream_options"};
    private static final byte[] INCLUDE_USAGE = "\"stream_options\":{\"include_usage\":true},"
            .getBytes(StandardCharsets.US_ASCII);

    /**
     * The body {@link #writeRequest(ChatRequest, byte[])} would write, made from {@code clientBody},
     * the client's own bytes that {@code r} was parsed from (see
     * {@link dev.detour.api.provider.Call#inbound()}), when {@code r} differs from them only in the
     * model and in whether usage is asked for in a stream: the model's value is replaced and, if
     * needed, {@code "stream_options":{"include_usage":true}} inserted, with no JSON written again.
     * Null when that cannot give the same body (no client body, the stream flags differ otherwise,
     * the bytes are not plain UTF-8 JSON, a name is duplicated or escaped); then use
     * {@link #writeRequest(ChatRequest, byte[])}.
     */
    public static byte[] spliceRequest(ChatRequest r, byte[] clientBody) {
        byte[] b = clientBody;
        if (b == null) {
            return null;
        }
        TopLevelFields f = TopLevelFields.scan(b, SPLICED);
        if (f == null || f.start[0] < 0 || b[f.start[0]] != '"') {
            return null;
        }
        boolean streamTrue = f.start[1] >= 0 && Bytes.is(b, f.start[1], f.end[1], "true");
        boolean streamFalse = f.start[1] < 0 || Bytes.is(b, f.start[1], f.end[1], "false");
        boolean hasOptions = f.start[2] >= 0;
        boolean insertUsage = false;
        if (!r.stream()) {
            if (!streamFalse || hasOptions) {
                return null;
            }
        } else {
            if (!streamTrue) {
                return null;
            }
            if (hasOptions) {
                // Kept as they are only when they already say what the record says.
                if (!r.includeUsage() || !clientTree(b).path("stream_options").path("include_usage").asBoolean(false)) {
                    return null;
                }
            } else {
                insertUsage = r.includeUsage();
            }
        }
        byte[] model = QUOTED.quoteAsUTF8(r.model());
        int modelStart = f.start[0];
        int modelEnd = f.end[0];
        int extra = insertUsage ? INCLUDE_USAGE.length : 0;
        byte[] out = new byte[b.length - (modelEnd - modelStart) + model.length + 2 + extra];
        int o = 0;
        if (insertUsage) {
            System.arraycopy(b, 0, out, 0, f.bodyStart);
            o = f.bodyStart;
            System.arraycopy(INCLUDE_USAGE, 0, out, o, INCLUDE_USAGE.length);
            o += INCLUDE_USAGE.length;
            System.arraycopy(b, f.bodyStart, out, o, modelStart - f.bodyStart);
            o += modelStart - f.bodyStart;
        } else {
            System.arraycopy(b, 0, out, 0, modelStart);
            o = modelStart;
        }
        out[o++] = '"';
        System.arraycopy(model, 0, out, o, model.length);
        o += model.length;
        out[o++] = '"';
        System.arraycopy(b, modelEnd, out, o, b.length - modelEnd);
        return out;
    }

    /**
     * Writes a Chat Completions request body from {@code clientBody}, the client's own bytes that
     * {@code r} was parsed from (see {@link dev.detour.api.provider.Call#inbound()}), with
     * {@code model} and the stream flags from {@code r}: every field the client sent travels as
     * sent, even where the canonical model keeps less (a message's unknown fields), and the
     * messages are not written again from the record. Without a client body, as
     * {@link #writeRequest(ChatRequest)}. Mutates neither.
     */
    public static ObjectNode writeRequest(ChatRequest r, byte[] clientBody) {
        if (clientBody == null) {
            return writeRequest(r);
        }
        ObjectNode o = NODES.objectNode();
        o.setAll(clientTree(clientBody));
        o.put("model", r.model());
        JsonNode options = o.remove("stream_options");
        o.remove("stream");
        if (r.stream()) {
            o.put("stream", true);
            if (r.includeUsage()) {
                ObjectNode so = options instanceof ObjectNode so0 ? so0.deepCopy() : NODES.objectNode();
                o.set("stream_options", so.put("include_usage", true));
            }
        }
        return o;
    }

    /** The client body's tree: it was parsed before (the request came from it), so it is a JSON object. */
    private static ObjectNode clientTree(byte[] clientBody) {
        try {
            return (ObjectNode) MAPPER.readTree(clientBody);
        } catch (java.io.IOException | ClassCastException e) {
            throw new IllegalStateException("the client's request body is not a JSON object", e);
        }
    }

    /** Writes a Chat Completions request body from the canonical request (the unknown top-level fields included). */
    public static ObjectNode writeRequest(ChatRequest r) {
        ObjectNode o = NODES.objectNode();
        o.put("model", r.model());
        ArrayNode msgs = o.putArray("messages");
        for (Message m : r.messages()) {
            msgs.add(writeMessage(m, false));
        }
        if (!r.tools().isEmpty()) {
            ArrayNode tools = o.putArray("tools");
            for (Tool t : r.tools()) {
                ObjectNode fn = tools.addObject().put("type", "function").putObject("function");
                fn.put("name", t.name());
                if (t.description() != null) {
                    fn.put("description", t.description());
                }
                if (t.parameters() != null) {
                    fn.set("parameters", t.parameters());
                }
                if (t.strict() != null) {
                    fn.put("strict", t.strict());
                }
            }
        }
        if (r.toolChoice() != null) {
            o.set("tool_choice", r.toolChoice());
        }
        if (r.parallelToolCalls() != null) {
            o.put("parallel_tool_calls", r.parallelToolCalls());
        }
        if (r.responseFormat() != null) {
            o.set("response_format", r.responseFormat());
        }
        if (r.stop().size() == 1) {
            o.put("stop", r.stop().get(0));
        } else if (!r.stop().isEmpty()) {
            ArrayNode s = o.putArray("stop");
            r.stop().forEach(s::add);
        }
        if (r.temperature() != null) {
            o.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            o.put("top_p", r.topP());
        }
        if (r.maxTokens() != null) {
            o.put("max_tokens", r.maxTokens());
        }
        if (r.maxCompletionTokens() != null) {
            o.put("max_completion_tokens", r.maxCompletionTokens());
        }
        if (r.seed() != null) {
            o.put("seed", r.seed());
        }
        if (r.n() != null) {
            o.put("n", r.n());
        }
        if (r.stream()) {
            o.put("stream", true);
            if (r.includeUsage()) {
                o.putObject("stream_options").put("include_usage", true);
            }
        }
        if (r.user() != null) {
            o.put("user", r.user());
        }
        if (!r.metadata().isEmpty()) {
            ObjectNode md = o.putObject("metadata");
            r.metadata().forEach(md::put);
        }
        if (r.extra() != null) {
            r.extra().properties().forEach(e -> o.set(e.getKey(), e.getValue()));
        }
        return o;
    }

    /** Writes one message; {@code response} selects the answer form (content null when absent). */
    public static ObjectNode writeMessage(Message m, boolean response) {
        ObjectNode o = NODES.objectNode();
        o.put("role", m.role());
        if (m.content() == null) {
            o.putNull("content");
        } else if (m.textContent() || response) {
            o.put("content", m.text());
        } else {
            ArrayNode parts = o.putArray("content");
            for (ContentPart p : m.content()) {
                if (p instanceof ContentPart.Text t) {
                    parts.addObject().put("type", "text").put("text", t.text());
                } else if (p instanceof ContentPart.Image img) {
                    ObjectNode iu = parts.addObject().put("type", "image_url").putObject("image_url");
                    iu.put("url", img.url());
                    if (img.detail() != null) {
                        iu.put("detail", img.detail());
                    }
                } else if (p instanceof ContentPart.Other other) {
                    parts.add(other.raw());
                }
            }
        }
        if (m.name() != null) {
            o.put("name", m.name());
        }
        if (!m.toolCalls().isEmpty()) {
            ArrayNode calls = o.putArray("tool_calls");
            for (ToolCall c : m.toolCalls()) {
                ObjectNode call = calls.addObject();
                call.put("id", c.id());
                call.put("type", "function");
                call.putObject("function").put("name", c.name()).put("arguments", c.arguments());
            }
        }
        if (m.toolCallId() != null) {
            o.put("tool_call_id", m.toolCallId());
        }
        if (m.refusal() != null) {
            o.put("refusal", m.refusal());
        } else if (response) {
            o.putNull("refusal");
        }
        if (m.reasoning() != null) {
            o.put("reasoning_content", m.reasoning());
        }
        return o;
    }

    // ---------------------------------------------------------------- chat response

    /** Parses a Chat Completions response. */
    public static ChatResponse parseResponse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "response must be a JSON object");
        }
        JsonNode cs = body.get("choices");
        if (cs == null || !cs.isArray()) {
            throw new WireFormatException("choices", "is required and must be an array");
        }
        List<Choice> choices = new ArrayList<>(cs.size());
        for (int i = 0; i < cs.size(); i++) {
            JsonNode c = cs.get(i);
            JsonNode msg = c.get("message");
            Message m;
            if (msg == null || !msg.isObject()) {
                m = Message.assistant("", List.of());
            } else {
                ObjectNode message = (ObjectNode) msg;
                boolean noRole = !message.hasNonNull("role");
                boolean nullContent = message.has("content") && message.get("content").isNull();
                if (noRole || nullContent) {
                    // Normalised on a copy: the upstream's tree is never changed.
                    message = message.deepCopy();
                    if (noRole) {
                        message.put("role", "assistant");
                    }
                    if (nullContent) {
                        message.remove("content");
                    }
                }
                m = parseAnswerMessage(message, "choices[" + i + "].message");
            }
            choices.add(new Choice(c.path("index").asInt(i), m, FinishReason.fromWire(optText(c, "finish_reason"))));
        }
        return new ChatResponse(optText(body, "id"), optText(body, "model"), body.path("created").asLong(0), choices,
                parseUsage(body.get("usage")), optText(body, "system_fingerprint"));
    }

    private static Message parseAnswerMessage(ObjectNode m, String path) {
        Message parsed = m.has("content") || m.has("tool_calls") ? parseMessage(m, path)
                : new Message("assistant", null, true, null, List.of(), null, null, null);
        String reasoning = optText(m, "reasoning_content");
        if (reasoning == null) {
            reasoning = optText(m, "reasoning");
        }
        return new Message(parsed.role(), parsed.content(), true, parsed.name(), parsed.toolCalls(), null, reasoning,
                optText(m, "refusal"));
    }

    /** Parses OpenAI's {@code usage} object, or returns null. */
    public static Usage parseUsage(JsonNode u) {
        if (u == null || !u.isObject()) {
            return null;
        }
        return new Usage(u.path("prompt_tokens").asInt(0), u.path("completion_tokens").asInt(0),
                u.path("prompt_tokens_details").path("cached_tokens").asInt(0), 0,
                u.path("completion_tokens_details").path("reasoning_tokens").asInt(0));
    }

    /** Writes OpenAI's {@code usage} object. */
    public static ObjectNode writeUsage(Usage u) {
        ObjectNode o = NODES.objectNode();
        o.put("prompt_tokens", u.promptTokens());
        o.put("completion_tokens", u.completionTokens());
        o.put("total_tokens", u.totalTokens());
        if (u.cachedTokens() > 0) {
            o.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        }
        if (u.reasoningTokens() > 0) {
            o.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        }
        return o;
    }

    /** Writes a Chat Completions response. */
    public static ObjectNode writeResponse(ChatResponse r) {
        ObjectNode o = NODES.objectNode();
        o.put("id", r.id());
        o.put("object", "chat.completion");
        o.put("created", r.created());
        o.put("model", r.model());
        ArrayNode cs = o.putArray("choices");
        for (Choice c : r.choices()) {
            ObjectNode co = cs.addObject();
            co.put("index", c.index());
            co.set("message", writeMessage(c.message(), true));
            co.putNull("logprobs");
            if (c.finishReason() == null) {
                co.putNull("finish_reason");
            } else {
                co.put("finish_reason", c.finishReason().wire());
            }
        }
        if (r.usage() != null) {
            o.set("usage", writeUsage(r.usage()));
        }
        if (r.systemFingerprint() != null) {
            o.put("system_fingerprint", r.systemFingerprint());
        }
        return o;
    }

    // ---------------------------------------------------------------- stream chunks

    /**
     * Parses one {@code chat.completion.chunk}: one canonical chunk per choice, plus a usage-only
     * chunk when the event carries usage and no choices.
     */
    public static List<ChatChunk> parseChunk(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "stream chunk must be a JSON object");
        }
        String id = optText(body, "id");
        String model = optText(body, "model");
        long created = body.path("created").asLong(0);
        Usage usage = parseUsage(body.get("usage"));
        JsonNode cs = body.path("choices");
        if (!cs.isArray() || cs.isEmpty()) {
            return usage == null ? List.of()
                    : List.of(new ChatChunk(id, model, created, 0, null, null, null, List.of(), null, usage, null));
        }
        List<ChatChunk> out = new ArrayList<>(cs.size());
        for (int i = 0; i < cs.size(); i++) {
            JsonNode c = cs.get(i);
            JsonNode d = c.path("delta");
            List<ToolCallDelta> tcs = List.of();
            JsonNode tcn = d.get("tool_calls");
            if (tcn != null && tcn.isArray()) {
                tcs = new ArrayList<>(tcn.size());
                for (JsonNode t : tcn) {
                    JsonNode fn = t.path("function");
                    tcs.add(new ToolCallDelta(t.path("index").asInt(0), optText(t, "id"), optText(fn, "name"),
                            optText(fn, "arguments")));
                }
            }
            String reasoning = optText(d, "reasoning_content");
            if (reasoning == null) {
                reasoning = optText(d, "reasoning");
            }
            out.add(new ChatChunk(id, model, created, c.path("index").asInt(i), optText(d, "role"), optText(d, "content"),
                    reasoning, tcs, FinishReason.fromWire(optText(c, "finish_reason")),
                    i == cs.size() - 1 ? usage : null, optText(d, "refusal")));
        }
        return out;
    }

    /**
     * Writes one canonical chunk as a {@code chat.completion.chunk}. A usage-only chunk (no role,
     * content or finish reason) is written with an empty {@code choices} array, as OpenAI does.
     */
    public static ObjectNode writeChunk(ChatChunk c) {
        ObjectNode o = NODES.objectNode();
        o.put("id", c.id());
        o.put("object", "chat.completion.chunk");
        o.put("created", c.created());
        o.put("model", c.model());
        ArrayNode cs = o.putArray("choices");
        boolean usageOnly = c.usage() != null && c.role() == null && !c.hasContent() && c.finishReason() == null;
        if (!usageOnly) {
            ObjectNode co = cs.addObject();
            co.put("index", c.index());
            ObjectNode d = co.putObject("delta");
            if (c.role() != null) {
                d.put("role", c.role());
            }
            if (c.text() != null) {
                d.put("content", c.text());
            }
            if (c.reasoning() != null) {
                d.put("reasoning_content", c.reasoning());
            }
            if (c.refusal() != null) {
                d.put("refusal", c.refusal());
            }
            if (!c.toolCalls().isEmpty()) {
                ArrayNode tcs = d.putArray("tool_calls");
                for (ToolCallDelta t : c.toolCalls()) {
                    ObjectNode to = tcs.addObject();
                    to.put("index", t.index());
                    if (t.id() != null) {
                        to.put("id", t.id());
                        to.put("type", "function");
                    }
                    ObjectNode fn = to.putObject("function");
                    if (t.name() != null) {
                        fn.put("name", t.name());
                    }
                    fn.put("arguments", t.argumentsDelta());
                }
            }
            co.putNull("logprobs");
            if (c.finishReason() == null) {
                co.putNull("finish_reason");
            } else {
                co.put("finish_reason", c.finishReason().wire());
            }
        }
        if (c.usage() != null) {
            o.set("usage", writeUsage(c.usage()));
        }
        return o;
    }

    // ---------------------------------------------------------------- embeddings

    /** Parses an Embeddings request. Token-array inputs are not supported (they are model-specific). */
    public static EmbeddingRequest parseEmbeddingRequest(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new WireFormatException(null, "request body must be a JSON object");
        }
        String model = optText(body, "model");
        if (model == null || model.isEmpty()) {
            throw new WireFormatException("model", "is required and must be a non-empty string");
        }
        JsonNode in = body.get("input");
        List<String> input = new ArrayList<>();
        if (in == null || in.isNull()) {
            throw new WireFormatException("input", "is required");
        } else if (in.isTextual()) {
            input.add(in.asText());
        } else if (in.isArray() && !in.isEmpty()) {
            for (int i = 0; i < in.size(); i++) {
                if (!in.get(i).isTextual()) {
                    throw new WireFormatException("input[" + i + "]", "must be a string (token arrays are not supported)");
                }
                input.add(in.get(i).asText());
            }
        } else {
            throw new WireFormatException("input", "must be a string or a non-empty array of strings");
        }
        ObjectNode extra = null;
        Iterator<Map.Entry<String, JsonNode>> it = body.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!KNOWN_EMBEDDING_FIELDS.contains(e.getKey())) {
                if (extra == null) {
                    extra = NODES.objectNode();
                }
                extra.set(e.getKey(), e.getValue());
            }
        }
        String format = optText(body, "encoding_format");
        if (format != null && !format.equals("float") && !format.equals("base64")) {
            throw new WireFormatException("encoding_format", "must be 'float' or 'base64'");
        }
        return new EmbeddingRequest(model, input, optInt(body, "dimensions", 1), format, optText(body, "user"), extra);
    }

    /**
     * Writes an Embeddings request. Vectors are asked for in the client's encoding (none given: the
     * upstream's default, floats), so an OpenAI-compatible answer can go back to the client as it
     * came; an upstream that answers in the other encoding is re-encoded by core.
     */
    public static ObjectNode writeEmbeddingRequest(EmbeddingRequest r) {
        ObjectNode o = NODES.objectNode();
        o.put("model", r.model());
        ArrayNode in = o.putArray("input");
        r.input().forEach(in::add);
        if (r.dimensions() != null) {
            o.put("dimensions", r.dimensions());
        }
        if (r.encodingFormat() != null) {
            o.put("encoding_format", r.encodingFormat());
        }
        if (r.user() != null) {
            o.put("user", r.user());
        }
        if (r.extra() != null) {
            r.extra().properties().forEach(e -> o.set(e.getKey(), e.getValue()));
        }
        return o;
    }

    /** Parses an Embeddings response whose vectors are floats or base64 little-endian float32. */
    public static EmbeddingResponse parseEmbeddingResponse(JsonNode body) {
        JsonNode data = body == null ? null : body.get("data");
        if (data == null || !data.isArray()) {
            throw new WireFormatException("data", "is required and must be an array");
        }
        float[][] vectors = new float[data.size()][];
        for (int i = 0; i < data.size(); i++) {
            JsonNode d = data.get(i);
            int index = d.path("index").asInt(i);
            JsonNode e = d.get("embedding");
            float[] v;
            if (e != null && e.isArray()) {
                v = new float[e.size()];
                for (int j = 0; j < v.length; j++) {
                    v[j] = (float) e.get(j).asDouble();
                }
            } else if (e != null && e.isTextual()) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(Base64.getDecoder().decode(e.asText()))
                        .order(java.nio.ByteOrder.LITTLE_ENDIAN);
                v = new float[bb.remaining() / 4];
                for (int j = 0; j < v.length; j++) {
                    v[j] = bb.getFloat();
                }
            } else {
                throw new WireFormatException("data[" + i + "].embedding", "must be an array or a base64 string");
            }
            if (index < 0 || index >= vectors.length) {
                throw new WireFormatException("data[" + i + "].index", "out of range");
            }
            vectors[index] = v;
        }
        Usage usage = null;
        JsonNode u = body.get("usage");
        if (u != null && u.isObject()) {
            usage = Usage.of(u.path("prompt_tokens").asInt(0), 0);
        }
        return new EmbeddingResponse(optText(body, "model"), List.of(vectors), usage);
    }

    /**
     * Whether every vector of an Embeddings response is in {@code encodingFormat} ({@code base64}:
     * strings; anything else: arrays of numbers), so the response can reach a client that asked
     * for that encoding as it is.
     */
    public static boolean embeddingsEncodedAs(JsonNode body, String encodingFormat) {
        boolean base64 = "base64".equals(encodingFormat);
        for (JsonNode d : body.path("data")) {
            JsonNode e = d.get("embedding");
            if (e == null || (base64 ? !e.isTextual() : !e.isArray())) {
                return false;
            }
        }
        return true;
    }

    /**
     * Writes an Embeddings response in the requested encoding ({@code float} unless {@code base64}):
     * base64 as little-endian float32, floats as the shortest decimal that reads back as the same
     * float32 (exact, and no longer than it must be).
     */
    public static ObjectNode writeEmbeddingResponse(EmbeddingResponse r, String encodingFormat) {
        ObjectNode o = NODES.objectNode();
        o.put("object", "list");
        ArrayNode data = o.putArray("data");
        boolean base64 = "base64".equals(encodingFormat);
        for (int i = 0; i < r.vectors().size(); i++) {
            float[] v = r.vectors().get(i);
            ObjectNode d = data.addObject().put("object", "embedding").put("index", i);
            if (base64) {
                java.nio.ByteBuffer bb = java.nio.ByteBuffer.allocate(v.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (float f : v) {
                    bb.putFloat(f);
                }
                d.put("embedding", Base64.getEncoder().encodeToString(bb.array()));
            } else {
                ArrayNode e = d.putArray("embedding");
                for (float f : v) {
                    e.add(f);
                }
            }
        }
        o.put("model", r.model());
        int prompt = r.usage() == null ? 0 : r.usage().promptTokens();
        o.putObject("usage").put("prompt_tokens", prompt).put("total_tokens", prompt);
        return o;
    }

    // ---------------------------------------------------------------- helpers

    private static boolean optBool(JsonNode o, String field) {
        return JsonFields.optBool(o, field, field);
    }
}
