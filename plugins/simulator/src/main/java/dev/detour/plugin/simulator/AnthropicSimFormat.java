package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Anthropic Messages ({@code POST /v1/messages}): message objects with content blocks, and the
 * {@code message_start ... message_stop} event stream. Only the first answer is used (the API has
 * no {@code n}). Headers such as {@code x-api-key} and {@code anthropic-version} are not checked.
 */
final class AnthropicSimFormat implements SimFormat {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Override
    public SimPrompt parse(SimCall call, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new SimRequestException(null, "request body must be a JSON object");
        }
        String model = Fields.text(body, "model", "model");
        if (model == null || model.isEmpty()) {
            throw new SimRequestException("model", "Field required");
        }
        Integer maxTokens = Fields.integer(body, "max_tokens", 1, "max_tokens");
        if (maxTokens == null) {
            throw new SimRequestException("max_tokens", "Field required");
        }
        JsonNode msgs = Fields.array(body, "messages", "messages");
        if (msgs == null || msgs.isEmpty()) {
            throw new SimRequestException("messages", "Field required (a non-empty array)");
        }
        int chars = systemChars(body.get("system"));
        String lastUser = "";
        boolean toolResult = false;
        for (int i = 0; i < msgs.size(); i++) {
            String path = "messages." + i;
            JsonNode m = msgs.get(i);
            if (!m.isObject()) {
                throw new SimRequestException(path, "must be an object");
            }
            String role = Fields.text(m, path + ".role", "role");
            if (!"user".equals(role) && !"assistant".equals(role)) {
                throw new SimRequestException(path + ".role", "must be 'user' or 'assistant' (was " + role + ")");
            }
            JsonNode content = m.get("content");
            if (content == null || !(content.isTextual() || content.isArray())) {
                throw new SimRequestException(path + ".content", "Field required (a string or an array of content blocks)");
            }
            String text = text(content, path + ".content", false);
            chars += text.length();
            if (role.equals("user")) {
                String results = text(content, path + ".content", true);
                toolResult = i == msgs.size() - 1 && !results.isEmpty();
                lastUser = toolResult ? results : text;
                chars += results.length();
            } else {
                toolResult = false;
            }
        }
        List<SimPrompt.SimTool> tools = new ArrayList<>();
        JsonNode ts = Fields.array(body, "tools", "tools");
        if (ts != null) {
            for (int i = 0; i < ts.size(); i++) {
                String name = Fields.text(ts.get(i), "tools." + i + ".name", "name");
                if (name == null || name.isEmpty()) {
                    throw new SimRequestException("tools." + i + ".name", "Field required");
                }
                tools.add(new SimPrompt.SimTool(name, ts.get(i).get("input_schema")));
            }
        }
        SimPrompt.ToolMode mode = SimPrompt.ToolMode.AUTO;
        String forced = null;
        JsonNode tc = body.get("tool_choice");
        if (tc != null && tc.isObject()) {
            String t = tc.path("type").asText("auto");
            if (t.equals("none")) {
                mode = SimPrompt.ToolMode.NONE;
            } else if (t.equals("any")) {
                mode = SimPrompt.ToolMode.REQUIRED;
            } else if (t.equals("tool")) {
                forced = tc.path("name").asText(null);
            }
        }
        // Structured outputs: the beta `output_format` and its successor `output_config.format`.
        JsonNode format = body.has("output_format") ? body.get("output_format") : body.path("output_config").get("format");
        boolean json = format != null && "json_schema".equals(format.path("type").asText());
        JsonNode schema = json && format.get("schema") != null && format.get("schema").isObject() ? format.get("schema") : null;
        boolean stream = Fields.bool(body, "stream", "stream");
        return new SimPrompt(call.endpoint(), model, lastUser, toolResult, tools, mode, forced, json, schema, maxTokens,
                Fields.strings(body, "stop_sequences", "stop_sequences"), chars, 1,
                stream ? SimPrompt.StreamMode.SSE : SimPrompt.StreamMode.NONE, true);
    }

    private static int systemChars(JsonNode system) {
        if (system == null || system.isNull()) {
            return 0;
        }
        if (!system.isTextual() && !system.isArray()) {
            throw new SimRequestException("system", "must be a string or an array of text blocks");
        }
        return text(system, "system", false).length();
    }

    /** The text of a content value: its text blocks, or (toolResults) the text of its tool_result blocks. */
    private static String text(JsonNode content, String path, boolean toolResults) {
        if (content.isTextual()) {
            return toolResults ? "" : content.asText();
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < content.size(); i++) {
            JsonNode b = content.get(i);
            String type = b.path("type").asText(null);
            if (type == null) {
                throw new SimRequestException(path + "." + i + ".type", "Field required");
            }
            if (!toolResults && type.equals("text")) {
                append(sb, Fields.text(b, path + "." + i + ".text", "text"));
            } else if (toolResults && type.equals("tool_result")) {
                JsonNode c = b.get("content");
                append(sb, c == null || c.isNull() ? "(no content)" : c.isTextual() ? c.asText() : text(c, path, false));
            }
        }
        return sb.toString();
    }

    private static void append(StringBuilder sb, String s) {
        if (s != null) {
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(s);
        }
    }

    @Override
    public JsonNode body(SimPrompt p, List<SimAnswer> answers) {
        SimAnswer a = answers.get(0);
        ObjectNode o = message(p, a);
        ArrayNode content = o.putArray("content");
        if (a.toolCall() != null) {
            content.add(toolUse(a).set("input", a.toolCall().arguments()));
        } else if (!a.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", a.text());
        }
        o.put("stop_reason", stopReason(a));
        o.put("stop_sequence", a.stopSequence());
        o.set("usage", usage(a.promptTokens(), a.completionTokens()));
        return o;
    }

    @Override
    public List<String> frames(SimPrompt p, List<SimAnswer> answers) {
        SimAnswer a = answers.get(0);
        List<String> out = new ArrayList<>();
        ObjectNode start = message(p, a);
        start.putArray("content");
        start.putNull("stop_reason");
        start.putNull("stop_sequence");
        start.set("usage", usage(a.promptTokens(), 1));
        out.add(event("message_start", NODES.objectNode().put("type", "message_start").set("message", start)));
        ObjectNode block = a.toolCall() != null ? toolUse(a).set("input", NODES.objectNode())
                : NODES.objectNode().put("type", "text").put("text", "");
        out.add(event("content_block_start", NODES.objectNode().put("type", "content_block_start").put("index", 0)
                .set("content_block", block)));
        out.add(event("ping", NODES.objectNode().put("type", "ping")));
        List<String> pieces = a.toolCall() != null ? AnswerGenerator.pieces(a.toolCall().arguments().toString(), 3)
                : AnswerGenerator.words(a.text());
        for (String piece : pieces) {
            ObjectNode delta = a.toolCall() != null
                    ? NODES.objectNode().put("type", "input_json_delta").put("partial_json", piece)
                    : NODES.objectNode().put("type", "text_delta").put("text", piece);
            out.add(event("content_block_delta", NODES.objectNode().put("type", "content_block_delta").put("index", 0)
                    .set("delta", delta)));
        }
        out.add(event("content_block_stop", NODES.objectNode().put("type", "content_block_stop").put("index", 0)));
        ObjectNode md = NODES.objectNode().put("type", "message_delta");
        md.putObject("delta").put("stop_reason", stopReason(a)).put("stop_sequence", a.stopSequence());
        md.putObject("usage").put("output_tokens", a.completionTokens());
        out.add(event("message_delta", md));
        out.add(event("message_stop", NODES.objectNode().put("type", "message_stop")));
        return out;
    }

    @Override
    public JsonNode error(int status, String message) {
        String type;
        switch (status) {
            case 401: type = "authentication_error"; break;
            case 402: type = "billing_error"; break;
            case 403: type = "permission_error"; break;
            case 404: type = "not_found_error"; break;
            case 413: type = "request_too_large"; break;
            case 429: type = "rate_limit_error"; break;
            case 529: type = "overloaded_error"; break;
            default: type = status >= 500 ? "api_error" : "invalid_request_error";
        }
        ObjectNode o = NODES.objectNode().put("type", "error");
        o.putObject("error").put("type", type).put("message", message);
        o.put("request_id", "req_sim" + Long.toHexString(AnswerGenerator.hash(message)));
        return o;
    }

    private static ObjectNode message(SimPrompt p, SimAnswer a) {
        return NODES.objectNode().put("id", "msg_sim" + a.key()).put("type", "message").put("role", "assistant")
                .put("model", p.model());
    }

    private static ObjectNode toolUse(SimAnswer a) {
        return NODES.objectNode().put("type", "tool_use").put("id", "toolu_sim" + a.toolCall().key())
                .put("name", a.toolCall().name());
    }

    private static ObjectNode usage(int input, int output) {
        return NODES.objectNode().put("input_tokens", input).put("output_tokens", output);
    }

    private static String stopReason(SimAnswer a) {
        switch (a.finish()) {
            case LENGTH: return "max_tokens";
            case TOOL_CALL: return "tool_use";
            case STOP_SEQUENCE: return "stop_sequence";
            default: return "end_turn";
        }
    }

    private static String event(String type, JsonNode data) {
        return SimFormat.sse(type, data);
    }
}
