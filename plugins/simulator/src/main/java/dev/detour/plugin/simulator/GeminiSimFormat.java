package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Gemini {@code models/{model}:generateContent} and {@code :streamGenerateContent}: candidates
 * with content parts, {@code functionCall} parts when function declarations are offered, and
 * {@code usageMetadata}. A stream is server-sent events with {@code alt=sse}, else one JSON array
 * written element by element, as the API does. Request fields are accepted in camelCase and
 * snake_case (both are valid proto JSON). A stream carries only the first candidate.
 */
final class GeminiSimFormat implements SimFormat {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    @Override
    public SimPrompt parse(SimCall call, JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new SimRequestException(null, "request body must be a JSON object");
        }
        JsonNode contents = Fields.array(body, "contents", "contents");
        if (contents == null || contents.isEmpty()) {
            throw new SimRequestException("contents", "is required and must not be empty");
        }
        int chars = 0;
        JsonNode sys = Fields.get(body, "systemInstruction", "system_instruction");
        if (sys != null) {
            chars += text(sys, "systemInstruction", false).length();
        }
        String lastUser = "";
        boolean toolResult = false;
        for (int i = 0; i < contents.size(); i++) {
            String path = "contents[" + i + "]";
            JsonNode c = contents.get(i);
            if (!c.isObject()) {
                throw new SimRequestException(path, "must be an object");
            }
            String role = Fields.text(c, path + ".role", "role");
            String text = text(c, path, false);
            String results = text(c, path, true);
            chars += text.length() + results.length();
            if (!results.isEmpty()) {
                toolResult = i == contents.size() - 1;
                lastUser = results;
            } else if (role == null || role.equals("user")) {
                toolResult = false;
                lastUser = text;
            } else {
                toolResult = false;
            }
        }
        List<SimPrompt.SimTool> tools = new ArrayList<>();
        JsonNode ts = Fields.array(body, "tools", "tools");
        if (ts != null) {
            for (int i = 0; i < ts.size(); i++) {
                JsonNode decls = Fields.array(ts.get(i), "tools[" + i + "].functionDeclarations", "functionDeclarations",
                        "function_declarations");
                for (int j = 0; decls != null && j < decls.size(); j++) {
                    String path = "tools[" + i + "].functionDeclarations[" + j + "]";
                    String name = Fields.text(decls.get(j), path + ".name", "name");
                    if (name == null || name.isEmpty()) {
                        throw new SimRequestException(path + ".name", "is required");
                    }
                    tools.add(new SimPrompt.SimTool(name, Fields.get(decls.get(j), "parameters", "parametersJsonSchema",
                            "parameters_json_schema")));
                }
            }
        }
        SimPrompt.ToolMode mode = SimPrompt.ToolMode.AUTO;
        String forced = null;
        JsonNode tc = Fields.get(body, "toolConfig", "tool_config");
        JsonNode fcc = tc == null ? null : Fields.get(tc, "functionCallingConfig", "function_calling_config");
        if (fcc != null) {
            String m = fcc.path("mode").asText("AUTO");
            mode = m.equals("NONE") ? SimPrompt.ToolMode.NONE
                    : m.equals("ANY") ? SimPrompt.ToolMode.REQUIRED : SimPrompt.ToolMode.AUTO;
            List<String> allowed = Fields.strings(fcc, "toolConfig.functionCallingConfig.allowedFunctionNames",
                    "allowedFunctionNames", "allowed_function_names");
            if (mode == SimPrompt.ToolMode.REQUIRED && !allowed.isEmpty()) {
                forced = allowed.get(0);
            }
        }
        JsonNode gc = Fields.get(body, "generationConfig", "generation_config");
        Integer maxTokens = null;
        boolean json = false;
        JsonNode schema = null;
        List<String> stop = List.of();
        int candidates = 1;
        if (gc != null) {
            maxTokens = Fields.integer(gc, "generationConfig.maxOutputTokens", 1, "maxOutputTokens", "max_output_tokens");
            String mime = Fields.text(gc, "generationConfig.responseMimeType", "responseMimeType", "response_mime_type");
            json = "application/json".equals(mime);
            schema = Fields.get(gc, "responseJsonSchema", "responseSchema", "response_json_schema", "response_schema",
                    "_responseJsonSchema");
            stop = Fields.strings(gc, "generationConfig.stopSequences", "stopSequences", "stop_sequences");
            Integer n = Fields.integer(gc, "generationConfig.candidateCount", 1, "candidateCount", "candidate_count");
            candidates = n == null ? 1 : n;
        }
        SimPrompt.StreamMode stream = !call.streamPath() ? SimPrompt.StreamMode.NONE
                : call.sse() ? SimPrompt.StreamMode.SSE : SimPrompt.StreamMode.JSON_ARRAY;
        return new SimPrompt(call.endpoint(), call.pathModel(), lastUser, toolResult, tools, mode, forced, json, schema,
                maxTokens, stop, chars, candidates, stream, true);
    }

    /** The text of a Content's parts, or (results) the JSON of its functionResponse parts. */
    private static String text(JsonNode content, String path, boolean results) {
        JsonNode parts = Fields.array(content, path + ".parts", "parts");
        if (parts == null) {
            throw new SimRequestException(path + ".parts", "is required");
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < parts.size(); i++) {
            JsonNode p = parts.get(i);
            JsonNode v = results ? Fields.get(p, "functionResponse", "function_response") : p.get("text");
            if (v == null) {
                continue;
            }
            if (!results && !v.isTextual()) {
                throw new SimRequestException(path + ".parts[" + i + "].text", "must be a string");
            }
            if (sb.length() > 0) {
                sb.append('\n');
            }
            sb.append(results ? v.path("response").toString() : v.asText());
        }
        return sb.toString();
    }

    @Override
    public JsonNode body(SimPrompt p, List<SimAnswer> answers) {
        ObjectNode o = NODES.objectNode();
        ArrayNode cs = o.putArray("candidates");
        int completion = 0;
        for (SimAnswer a : answers) {
            ObjectNode c = candidate(a, a.toolCall() != null ? functionCall(a) : NODES.objectNode().put("text", a.text()));
            c.put("finishReason", finishReason(a));
            cs.add(c);
            completion += a.completionTokens();
        }
        o.set("usageMetadata", usage(answers.get(0).promptTokens(), completion));
        o.put("modelVersion", p.model());
        o.put("responseId", "sim" + answers.get(0).key());
        return o;
    }

    @Override
    public List<String> frames(SimPrompt p, List<SimAnswer> answers) {
        SimAnswer a = answers.get(0);
        List<ObjectNode> events = new ArrayList<>();
        if (a.toolCall() != null) {
            // Gemini sends a function call whole, never as partial arguments.
            events.add(response(p, a, functionCall(a)));
        } else {
            List<String> words = AnswerGenerator.words(a.text());
            if (words.isEmpty()) {
                words = List.of("");
            }
            for (String w : words) {
                events.add(response(p, a, NODES.objectNode().put("text", w)));
            }
        }
        ObjectNode last = events.get(events.size() - 1);
        ((ObjectNode) last.get("candidates").get(0)).put("finishReason", finishReason(a));
        last.set("usageMetadata", usage(a.promptTokens(), a.completionTokens()));
        List<String> out = new ArrayList<>();
        for (int i = 0; i < events.size(); i++) {
            if (p.stream() == SimPrompt.StreamMode.SSE) {
                out.add("data: " + events.get(i) + "\r\n\r\n");
            } else {
                out.add((i == 0 ? "[" : ",\r\n") + events.get(i));
            }
        }
        if (p.stream() == SimPrompt.StreamMode.JSON_ARRAY) {
            out.add("]");
        }
        return out;
    }

    @Override
    public JsonNode error(int status, String message) {
        ObjectNode o = NODES.objectNode();
        o.putObject("error").put("code", status).put("message", message).put("status", grpcStatus(status));
        return o;
    }

    static String grpcStatus(int status) {
        switch (status) {
            case 400: return "INVALID_ARGUMENT";
            case 401: return "UNAUTHENTICATED";
            case 403: return "PERMISSION_DENIED";
            case 404: return "NOT_FOUND";
            case 409: return "ABORTED";
            case 429: return "RESOURCE_EXHAUSTED";
            case 499: return "CANCELLED";
            case 501: return "UNIMPLEMENTED";
            case 503: case 529: return "UNAVAILABLE";
            case 504: return "DEADLINE_EXCEEDED";
            default: return status >= 500 ? "INTERNAL" : "FAILED_PRECONDITION";
        }
    }

    private static ObjectNode response(SimPrompt p, SimAnswer a, ObjectNode part) {
        ObjectNode o = NODES.objectNode();
        o.putArray("candidates").add(candidate(a, part));
        o.put("modelVersion", p.model());
        o.put("responseId", "sim" + a.key());
        return o;
    }

    private static ObjectNode candidate(SimAnswer a, ObjectNode part) {
        ObjectNode c = NODES.objectNode();
        ObjectNode content = c.putObject("content");
        content.putArray("parts").add(part);
        content.put("role", "model");
        c.put("index", a.index());
        return c;
    }

    private static ObjectNode functionCall(SimAnswer a) {
        ObjectNode part = NODES.objectNode();
        part.putObject("functionCall").put("name", a.toolCall().name()).set("args", a.toolCall().arguments());
        return part;
    }

    private static ObjectNode usage(int prompt, int completion) {
        return NODES.objectNode().put("promptTokenCount", prompt).put("candidatesTokenCount", completion)
                .put("totalTokenCount", prompt + completion);
    }

    private static String finishReason(SimAnswer a) {
        return a.finish() == SimAnswer.Finish.LENGTH ? "MAX_TOKENS" : "STOP";
    }
}
