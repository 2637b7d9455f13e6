package dev.detour.wire.gemini;

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
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.RequestChecks;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Pure translation between the canonical (OpenAI-shaped) model and the Gemini Generative Language
 * API's JSON ({@code GenerateContentRequest} / {@code GenerateContentResponse},
 * {@code EmbedContentRequest} / {@code BatchEmbedContentsRequest}). No I/O; the input is never
 * mutated; a request Gemini cannot express fails with a {@link ProviderException} before any call.
 *
 * <p>Request mapping:
 * <ul>
 *   <li>{@code system} / {@code developer} messages (wherever they appear) → {@code systemInstruction}
 *       text parts; when the conversation has nothing else, they become the user turn, since Gemini
 *       requires {@code contents}.</li>
 *   <li>{@code user} → role {@code user}; {@code assistant} → role {@code model}; {@code tool} →
 *       a {@code functionResponse} part in a {@code user} content (Content.role "must be either
 *       'user' or 'model'"); the function name is looked up from the assistant tool call whose id
 *       the tool message answers. Consecutive contents of one role are merged into one, which is
 *       how Gemini expects the answers to parallel calls.</li>
 *   <li>Images: {@code data:} URL → {@code inlineData}; {@code http(s)} URL → {@code fileData}
 *       {@code {fileUri, mimeType}} with the MIME type guessed from the extension (omitted when
 *       unknown); any other URL scheme ({@code file:}, ...) → INVALID_REQUEST ({@link RequestChecks}:
 *       no provider can fetch it); any other part type → UNSUPPORTED.</li>
 *   <li>Tools → one {@code functionDeclarations} tool; parameter schemas are reduced to Gemini's
 *       OpenAPI subset ({@link #toGeminiSchema}); {@code tool_choice} → {@code toolConfig}.</li>
 *   <li>Sampling fields → {@code generationConfig}; {@code response_format} →
 *       {@code responseMimeType} (+ {@code responseSchema}).</li>
 * </ul>
 */
public final class GeminiTranslator {
    /** The mapper the translator reads and writes Gemini JSON with. */
    public static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

    /** The OpenAPI-subset keys Gemini's {@code Schema} accepts; everything else is dropped. */
    private static final Set<String> SCHEMA_KEYS = Set.of("type", "format", "title", "description", "nullable",
            "enum", "items", "minItems", "maxItems", "properties", "required", "minProperties", "maxProperties",
            "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering", "default", "minimum",
            "maximum");
    private static final int MAX_SCHEMA_DEPTH = 32;
    private static final Pattern GEMINI_MAJOR = Pattern.compile("(?:models/)?gemini-([0-9]+)[.-].*");

    /**
     * Google's documented sentinel for a replayed function call that has no thought signature
     * (the Thought Signatures guide): the canonical model cannot carry Gemini's opaque signatures,
     * and a conversation may come from another provider after a failover.
     */
    static final String SKIP_THOUGHT_SIGNATURE = "skip_thought_signature_validator";

    private GeminiTranslator() {
    }

    // ---------------------------------------------------------------- requests

    /**
     * The {@code GenerateContentRequest} body for a chat request (the same body serves the Gemini
     * API and Vertex AI's {@code publishers/google} models).
     *
     * @param r              the request; never mutated
     * @param safetySettings Gemini {@code SafetySetting} objects sent as {@code safetySettings}
     *                       (copied; empty: the field is left out)
     * @throws ProviderException INVALID_REQUEST or UNSUPPORTED when Gemini cannot express the request
     */
    public static ObjectNode toGenerateContentRequest(ChatRequest r, List<JsonNode> safetySettings) {
        ObjectNode body = JSON.objectNode();
        ArrayNode contents = JSON.arrayNode();
        ArrayNode systemParts = JSON.arrayNode();
        Map<String, String> callNames = new HashMap<>();
        boolean signCalls = requiresThoughtSignatures(r.model());

        for (int i = 0; i < r.messages().size(); i++) {
            Message m = r.messages().get(i);
            String where = "messages[" + i + "]";
            switch (m.role()) {
                case "system", "developer" -> {
                    if (m.content() != null) {
                        for (ContentPart p : m.content()) {
                            if (!(p instanceof ContentPart.Text t)) {
                                throw unsupported(where + ": Gemini's systemInstruction takes text only");
                            }
                            if (!t.text().isEmpty()) {
                                systemParts.add(JSON.objectNode().put("text", t.text()));
                            }
                        }
                    }
                }
                case "user" -> append(contents, "user", contentParts(m, where));
                case "assistant" -> {
                    ArrayNode parts = contentParts(m, where);
                    for (int c = 0; c < m.toolCalls().size(); c++) {
                        ToolCall tc = m.toolCalls().get(c);
                        if (tc.id() != null) {
                            callNames.put(tc.id(), tc.name());
                        }
                        ObjectNode fc = JSON.objectNode();
                        fc.put("name", tc.name());
                        fc.set("args", toArgs(tc.arguments()));
                        ObjectNode part = JSON.objectNode();
                        part.set("functionCall", fc);
                        if (signCalls) {
                            part.put("thoughtSignature", SKIP_THOUGHT_SIGNATURE);
                        }
                        parts.add(part);
                    }
                    append(contents, "model", parts);
                }
                case "tool" -> {
                    String name = m.toolCallId() == null ? null : callNames.get(m.toolCallId());
                    if (name == null) {
                        name = m.name();
                    }
                    if (name == null) {
                        throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, where
                                + ": tool message answers tool_call_id '" + m.toolCallId()
                                + "', which no earlier assistant tool call has");
                    }
                    ObjectNode fr = JSON.objectNode();
                    fr.put("name", name);
                    fr.set("response", toolResponse(m.text()));
                    ArrayNode parts = JSON.arrayNode();
                    parts.add(JSON.objectNode().set("functionResponse", fr));
                    append(contents, "user", parts);
                }
                default -> throw new ProviderException(ErrorKind.INVALID_REQUEST, 0,
                        where + ": unknown role '" + m.role() + "'");
            }
        }
        if (contents.isEmpty()) {
            if (systemParts.isEmpty()) {
                throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "messages: nothing to send (all empty)");
            }
            append(contents, "user", systemParts);
        } else if (!systemParts.isEmpty()) {
            body.set("systemInstruction", JSON.objectNode().set("parts", systemParts));
        }
        body.set("contents", contents);

        if (!r.tools().isEmpty()) {
            ArrayNode decls = JSON.arrayNode();
            for (Tool t : r.tools()) {
                ObjectNode d = decls.addObject();
                d.put("name", t.name());
                if (t.description() != null && !t.description().isEmpty()) {
                    d.put("description", t.description());
                }
                if (t.parameters() != null && hasProperties(t.parameters())) {
                    d.set("parameters", toGeminiSchema(t.parameters()));
                }
            }
            body.putArray("tools").addObject().set("functionDeclarations", decls);
            ObjectNode toolConfig = toolConfig(r.toolChoice());
            if (toolConfig != null) {
                body.set("toolConfig", toolConfig);
            }
        }

        if (safetySettings != null && !safetySettings.isEmpty()) {
            ArrayNode ss = body.putArray("safetySettings");
            safetySettings.forEach(s -> ss.add(s.deepCopy()));
        }

        ObjectNode gc = generationConfig(r);
        if (!gc.isEmpty()) {
            body.set("generationConfig", gc);
        }
        return body;
    }

    /**
     * Whether the model is Gemini 3 or later, which rejects replayed {@code functionCall} parts
     * without a {@code thoughtSignature} (HTTP 400 "Function call is missing a thought_signature").
     */
    static boolean requiresThoughtSignatures(String model) {
        if (model == null) {
            return false;
        }
        java.util.regex.Matcher m = GEMINI_MAJOR.matcher(model);
        return m.matches() && Integer.parseInt(m.group(1)) >= 3;
    }

    private static void append(ArrayNode contents, String role, ArrayNode parts) {
        if (parts.isEmpty()) {
            return;
        }
        if (!contents.isEmpty()) {
            ObjectNode last = (ObjectNode) contents.get(contents.size() - 1);
            if (role.equals(last.path("role").asText())) {
                ((ArrayNode) last.get("parts")).addAll(parts);
                return;
            }
        }
        ObjectNode c = contents.addObject();
        c.put("role", role);
        c.set("parts", parts);
    }

    private static ArrayNode contentParts(Message m, String where) {
        ArrayNode parts = JSON.arrayNode();
        if (m.content() == null) {
            return parts;
        }
        for (int i = 0; i < m.content().size(); i++) {
            ContentPart p = m.content().get(i);
            if (p instanceof ContentPart.Text t) {
                // Gemini rejects empty text parts; an empty string carries nothing anyway.
                if (!t.text().isEmpty()) {
                    parts.add(JSON.objectNode().put("text", t.text()));
                }
            } else if (p instanceof ContentPart.Image img) {
                parts.add(imagePart(img, where + ".content[" + i + "]"));
            } else if (p instanceof ContentPart.Other o) {
                throw unsupported(where + ".content[" + i + "]: content part type '" + o.type()
                        + "' is not supported by the gemini adapter");
            }
        }
        return parts;
    }

    private static ObjectNode imagePart(ContentPart.Image img, String where) {
        String url = img.url();
        RequestChecks.imageUrl(url, where + ".image_url.url");
        if (img.isData()) {
            String mime = img.dataMediaType();
            String data = img.dataBase64();
            if (mime == null || data == null || !url.substring(0, url.indexOf(',') + 1).contains(";base64")) {
                throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, where
                        + ": image data URL must look like data:<mime>;base64,<data>");
            }
            ObjectNode inline = JSON.objectNode();
            inline.put("mimeType", mime);
            inline.put("data", data);
            return JSON.objectNode().set("inlineData", inline);
        }
        String lower = url.toLowerCase(Locale.ROOT);
        if (lower.startsWith("https://") || lower.startsWith("http://")) {
            ObjectNode file = JSON.objectNode();
            String mime = guessMimeType(url);
            if (mime != null) {
                file.put("mimeType", mime);
            }
            file.put("fileUri", url);
            return JSON.objectNode().set("fileData", file);
        }
        // "DATA:..." in capitals: RequestChecks let it through, ContentPart does not read it.
        throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, where
                + ": image data URL must look like data:<mime>;base64,<data>");
    }

    /** The MIME type for a URL's file extension, or null when unknown. */
    static String guessMimeType(String url) {
        String path = url;
        int cut = path.indexOf('?');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        cut = path.indexOf('#');
        if (cut >= 0) {
            path = path.substring(0, cut);
        }
        int dot = path.lastIndexOf('.');
        if (dot < 0 || dot < path.lastIndexOf('/')) {
            return null;
        }
        switch (path.substring(dot + 1).toLowerCase(Locale.ROOT)) {
            case "png":
                return "image/png";
            case "jpg":
            case "jpeg":
                return "image/jpeg";
            case "webp":
                return "image/webp";
            case "heic":
                return "image/heic";
            case "heif":
                return "image/heif";
            case "gif":
                return "image/gif";
            case "pdf":
                return "application/pdf";
            default:
                return null;
        }
    }

    /** Function-call args must be a JSON object (a protobuf Struct). */
    private static JsonNode toArgs(String arguments) {
        if (arguments == null || arguments.isBlank()) {
            return JSON.objectNode();
        }
        try {
            JsonNode n = MAPPER.readTree(arguments);
            if (n != null && n.isObject()) {
                return n;
            }
        } catch (JsonProcessingException e) {
            // fall through: keep what the model produced rather than dropping the turn
        }
        return JSON.objectNode().put("arguments", arguments);
    }

    /** A tool result that is a JSON object is sent as that object, anything else as {"content": text}. */
    private static JsonNode toolResponse(String text) {
        String t = text.strip();
        if (t.startsWith("{")) {
            try {
                JsonNode n = MAPPER.readTree(t);
                if (n != null && n.isObject()) {
                    return n;
                }
            } catch (JsonProcessingException e) {
                // not JSON: wrap below
            }
        }
        return JSON.objectNode().put("content", text);
    }

    private static boolean hasProperties(JsonNode schema) {
        // Gemini rejects an OBJECT schema without properties; a function without parameters omits it.
        JsonNode props = schema.path("properties");
        if (props.isObject()) {
            return !props.isEmpty();
        }
        return schema.has("anyOf") || schema.has("$ref") || !"object".equals(schema.path("type").asText("object"));
    }

    private static ObjectNode toolConfig(JsonNode choice) {
        if (choice == null || choice.isNull() || choice.isMissingNode()) {
            return null;
        }
        ObjectNode fcc = JSON.objectNode();
        if (choice.isTextual()) {
            switch (choice.asText()) {
                case "auto" -> fcc.put("mode", "AUTO");
                case "none" -> fcc.put("mode", "NONE");
                case "required" -> fcc.put("mode", "ANY");
                default -> throw new ProviderException(ErrorKind.INVALID_REQUEST, 0,
                        "tool_choice: unknown value '" + choice.asText() + "'");
            }
        } else if (choice.isObject() && "function".equals(choice.path("type").asText())) {
            String name = choice.path("function").path("name").asText("");
            if (name.isEmpty()) {
                throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "tool_choice.function.name is missing");
            }
            fcc.put("mode", "ANY");
            fcc.putArray("allowedFunctionNames").add(name);
        } else {
            throw unsupported("tool_choice " + choice + " cannot be expressed for Gemini");
        }
        return JSON.objectNode().set("functionCallingConfig", fcc);
    }

    private static ObjectNode generationConfig(ChatRequest r) {
        ObjectNode gc = JSON.objectNode();
        if (!r.stop().isEmpty()) {
            ArrayNode s = gc.putArray("stopSequences");
            r.stop().forEach(s::add);
        }
        if (r.n() != null) {
            gc.put("candidateCount", r.n());
        }
        if (r.outputLimit() != null) {
            gc.put("maxOutputTokens", r.outputLimit());
        }
        if (r.temperature() != null) {
            gc.put("temperature", r.temperature());
        }
        if (r.topP() != null) {
            gc.put("topP", r.topP());
        }
        if (r.seed() != null) {
            long s = r.seed();
            // Gemini's seed is an int32; fold larger values so the same client seed stays deterministic.
            gc.put("seed", s == (int) s ? (int) s : (int) (s ^ (s >>> 32)));
        }
        if (r.extra() != null) {
            JsonNode pp = r.extra().get("presence_penalty");
            if (pp != null && pp.isNumber()) {
                gc.put("presencePenalty", pp.doubleValue());
            }
            JsonNode fp = r.extra().get("frequency_penalty");
            if (fp != null && fp.isNumber()) {
                gc.put("frequencyPenalty", fp.doubleValue());
            }
        }
        if (r.responseFormat() != null) {
            String type = r.responseFormat().path("type").asText("");
            if (type.equals("json_object")) {
                gc.put("responseMimeType", "application/json");
            } else if (type.equals("json_schema")) {
                gc.put("responseMimeType", "application/json");
                JsonNode schema = r.jsonSchema();
                if (schema != null) {
                    gc.set("responseSchema", toGeminiSchema(schema));
                }
            } else if (!type.equals("text") && !type.isEmpty()) {
                throw unsupported("response_format type '" + type + "' is not supported by Gemini");
            }
        }
        return gc;
    }

    /**
     * Reduces a JSON Schema to the OpenAPI 3.0 subset Gemini's {@code Schema} accepts: keys outside
     * {@link #SCHEMA_KEYS} ({@code additionalProperties}, {@code $schema}, {@code strict}, ...) are
     * dropped; local {@code $ref}s into {@code $defs}/{@code definitions} are inlined; type unions
     * with {@code "null"} become {@code nullable}; {@code oneOf} becomes {@code anyOf};
     * {@code const} becomes a one-value {@code enum}; enum values become strings; types are
     * upper-cased as in Google's examples. A recursive schema fails as UNSUPPORTED.
     */
    static ObjectNode toGeminiSchema(JsonNode schema) {
        return convertSchema(schema, schema, 0);
    }

    private static ObjectNode convertSchema(JsonNode s, JsonNode root, int depth) {
        if (depth > MAX_SCHEMA_DEPTH) {
            throw unsupported("JSON schema is recursive or nested deeper than " + MAX_SCHEMA_DEPTH
                    + " levels, which Gemini's schema subset cannot express");
        }
        ObjectNode out = JSON.objectNode();
        if (s == null || !s.isObject()) {
            return out;
        }
        JsonNode ref = s.get("$ref");
        if (ref != null && ref.isTextual()) {
            JsonNode target = resolveRef(ref.asText(), root);
            if (target == null) {
                throw unsupported("JSON schema $ref '" + ref.asText() + "' cannot be resolved for Gemini");
            }
            ObjectNode resolved = convertSchema(target, root, depth + 1);
            if (s.hasNonNull("description")) {
                resolved.put("description", s.get("description").asText());
            }
            return resolved;
        }
        boolean nullable = false;
        Iterator<Map.Entry<String, JsonNode>> it = s.properties().iterator();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            String key = e.getKey();
            JsonNode v = e.getValue();
            switch (key) {
                case "type" -> {
                    if (v.isTextual()) {
                        if (v.asText().equals("null")) {
                            nullable = true;
                        } else {
                            out.put("type", v.asText().toUpperCase(Locale.ROOT));
                        }
                    } else if (v.isArray()) {
                        List<String> types = new ArrayList<>();
                        for (JsonNode t : v) {
                            if (t.asText().equals("null")) {
                                nullable = true;
                            } else {
                                types.add(t.asText().toUpperCase(Locale.ROOT));
                            }
                        }
                        if (types.size() == 1) {
                            out.put("type", types.get(0));
                        } else if (types.size() > 1) {
                            ArrayNode any = out.putArray("anyOf");
                            types.forEach(t -> any.addObject().put("type", t));
                        }
                    }
                }
                case "properties" -> {
                    ObjectNode props = out.putObject("properties");
                    v.properties().forEach(p -> props.set(p.getKey(), convertSchema(p.getValue(), root, depth + 1)));
                }
                case "items" -> {
                    if (v.isObject()) {
                        out.set("items", convertSchema(v, root, depth + 1));
                    }
                }
                case "anyOf", "oneOf" -> {
                    ArrayNode any = JSON.arrayNode();
                    for (JsonNode alt : v) {
                        if ("null".equals(alt.path("type").asText()) && alt.size() == 1) {
                            nullable = true;
                        } else {
                            any.add(convertSchema(alt, root, depth + 1));
                        }
                    }
                    if (any.size() == 1) {
                        out.setAll((ObjectNode) any.get(0));
                    } else if (!any.isEmpty()) {
                        out.set("anyOf", any);
                    }
                }
                case "enum" -> {
                    ArrayNode values = out.putArray("enum");
                    for (JsonNode ev : v) {
                        if (ev.isNull()) {
                            nullable = true;
                        } else {
                            values.add(ev.isTextual() ? ev.asText() : ev.toString());
                        }
                    }
                }
                case "const" -> out.putArray("enum").add(v.isTextual() ? v.asText() : v.toString());
                case "nullable" -> nullable = nullable || v.asBoolean(false);
                default -> {
                    if (SCHEMA_KEYS.contains(key)) {
                        out.set(key, v.deepCopy());
                    }
                }
            }
        }
        if (nullable) {
            out.put("nullable", true);
        }
        return out;
    }

    private static JsonNode resolveRef(String ref, JsonNode root) {
        if (!ref.startsWith("#/")) {
            return null;
        }
        JsonNode node = root.at(ref.substring(1));
        return node.isMissingNode() ? null : node;
    }

    /** The model id for the URL path ({@code models/} prefix removed); refuses anything path-like. */
    public static String modelId(String model) {
        if (!isModelName(model)) {
            throw new ProviderException(ErrorKind.INVALID_REQUEST, 0, "model '" + model + "' is not a valid Gemini model name");
        }
        return model.startsWith("models/") ? model.substring("models/".length()) : model;
    }

    /** Whether {@code model} can go into the URL path as a model id (with or without {@code models/}). */
    public static boolean isModelName(String model) {
        if (model == null) {
            return false;
        }
        // [A-Za-z0-9][A-Za-z0-9._-]*, scanned rather than matched: it runs on every call.
        int from = model.startsWith("models/") ? "models/".length() : 0;
        if (from == model.length()) {
            return false;
        }
        for (int i = from; i < model.length(); i++) {
            char c = model.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (i > from && (c == '.' || c == '_' || c == '-'));
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    // ---------------------------------------------------------------- responses

    /**
     * The canonical response for a {@code GenerateContentResponse}.
     *
     * @param fallbackId    the id when the response has no {@code responseId}
     * @param fallbackModel the model when the response has no {@code modelVersion}
     * @param created       epoch seconds of the answer
     * @throws ProviderException CONTENT_FILTER when the prompt was blocked ({@code promptFeedback.blockReason})
     */
    public static ChatResponse fromGenerateContentResponse(JsonNode body, String fallbackId, String fallbackModel, long created) {
        String id = body.path("responseId").asText(fallbackId);
        String model = body.path("modelVersion").asText(fallbackModel);
        JsonNode candidates = body.path("candidates");
        List<Choice> choices = new ArrayList<>();
        if (!candidates.isArray() || candidates.isEmpty()) {
            throw blockedOrEmpty(body);
        }
        for (int i = 0; i < candidates.size(); i++) {
            JsonNode c = candidates.get(i);
            int index = c.path("index").asInt(i);
            StringBuilder text = new StringBuilder();
            StringBuilder reasoning = new StringBuilder();
            List<ToolCall> calls = new ArrayList<>();
            for (JsonNode p : c.path("content").path("parts")) {
                if (p.has("functionCall")) {
                    calls.add(toolCall(p.get("functionCall"), calls.size()));
                } else if (p.has("text")) {
                    (p.path("thought").asBoolean(false) ? reasoning : text).append(p.get("text").asText());
                }
            }
            List<ContentPart> content = text.length() == 0 && !calls.isEmpty()
                    ? null : List.of(new ContentPart.Text(text.toString()));
            Message msg = new Message("assistant", content, true, null, calls, null,
                    reasoning.length() == 0 ? null : reasoning.toString(), null);
            choices.add(new Choice(index, msg, finishReason(c.path("finishReason").asText(null), !calls.isEmpty())));
        }
        return new ChatResponse(id, model, created, choices, usage(body.path("usageMetadata")), null);
    }

    /** The failure for a response without candidates: a blocked prompt, or an empty answer. */
    static ProviderException blockedOrEmpty(JsonNode body) {
        String block = body.path("promptFeedback").path("blockReason").asText(null);
        if (block != null) {
            String msg = body.path("promptFeedback").path("blockReasonMessage").asText("");
            return new ProviderException(ErrorKind.CONTENT_FILTER, 200, "Gemini blocked the prompt: " + block
                    + (msg.isEmpty() ? "" : " (" + msg + ")"), null, block);
        }
        return new ProviderException(ErrorKind.SERVER_ERROR, 200, "Gemini answered without candidates");
    }

    /** A tool call from a {@code functionCall}: its {@code id} when Gemini sent one, else {@code call_<n>}. */
    static ToolCall toolCall(JsonNode fc, int ordinal) {
        String id = fc.path("id").asText("");
        JsonNode args = fc.get("args");
        return new ToolCall(id.isEmpty() ? "call_" + ordinal : id, fc.path("name").asText(""),
                args == null || args.isNull() ? "{}" : args.toString());
    }

    /**
     * Gemini's finish reason in the canonical shape: STOP (with a function call: TOOL_CALLS),
     * MAX_TOKENS → LENGTH, SAFETY / RECITATION / BLOCKLIST / PROHIBITED_CONTENT / SPII /
     * IMAGE_SAFETY → CONTENT_FILTER, anything else (OTHER, LANGUAGE, MALFORMED_FUNCTION_CALL) → STOP.
     */
    static FinishReason finishReason(String reason, boolean hasToolCalls) {
        if (reason == null || reason.isEmpty()) {
            return null;
        }
        switch (reason) {
            case "MAX_TOKENS":
                return FinishReason.LENGTH;
            case "SAFETY":
            case "RECITATION":
            case "BLOCKLIST":
            case "PROHIBITED_CONTENT":
            case "SPII":
            case "IMAGE_SAFETY":
                return FinishReason.CONTENT_FILTER;
            default:
                return hasToolCalls ? FinishReason.TOOL_CALLS : FinishReason.STOP;
        }
    }

    /**
     * Usage from {@code usageMetadata}, or null when it has no counts. Gemini counts thinking
     * ({@code thoughtsTokenCount}) apart from {@code candidatesTokenCount}; canonical completion
     * tokens include reasoning, so both are added. Tool-use prompt tokens count as prompt tokens.
     */
    static Usage usage(JsonNode um) {
        if (um == null || !um.isObject() || !(um.has("promptTokenCount") || um.has("candidatesTokenCount"))) {
            return null;
        }
        int prompt = um.path("promptTokenCount").asInt(0) + um.path("toolUsePromptTokenCount").asInt(0);
        int thoughts = um.path("thoughtsTokenCount").asInt(0);
        int completion = um.path("candidatesTokenCount").asInt(0) + thoughts;
        return new Usage(prompt, completion, um.path("cachedContentTokenCount").asInt(0), 0, thoughts);
    }

    // ---------------------------------------------------------------- embeddings

    /** {@code embedContent} for one input, {@code batchEmbedContents} for several. */
    public static String embedMethod(EmbeddingRequest r) {
        return r.input().size() == 1 ? "embedContent" : "batchEmbedContents";
    }

    /** The body for {@link #embedMethod}. */
    public static ObjectNode toEmbedRequest(EmbeddingRequest r) {
        String model = "models/" + modelId(r.model());
        if (r.input().size() == 1) {
            return embedContent(model, r.input().get(0), r.dimensions());
        }
        ObjectNode body = JSON.objectNode();
        ArrayNode requests = body.putArray("requests");
        for (String in : r.input()) {
            requests.add(embedContent(model, in, r.dimensions()));
        }
        return body;
    }

    private static ObjectNode embedContent(String model, String text, Integer dimensions) {
        ObjectNode req = JSON.objectNode();
        req.put("model", model);
        ObjectNode content = req.putObject("content");
        content.putArray("parts").addObject().put("text", text);
        if (dimensions != null) {
            req.put("outputDimensionality", dimensions);
        }
        return req;
    }

    /** The canonical embeddings for an {@code embedContent} or {@code batchEmbedContents} answer. */
    public static EmbeddingResponse fromEmbedResponse(JsonNode body, String model, int expected) {
        List<float[]> vectors = new ArrayList<>();
        if (body.has("embedding")) {
            vectors.add(values(body.get("embedding")));
        } else {
            for (JsonNode e : body.path("embeddings")) {
                vectors.add(values(e));
            }
        }
        if (vectors.size() != expected) {
            throw new ProviderException(ErrorKind.SERVER_ERROR, 200, "Gemini returned " + vectors.size()
                    + " embeddings for " + expected + " inputs");
        }
        return new EmbeddingResponse(model, vectors, null);
    }

    private static float[] values(JsonNode embedding) {
        JsonNode values = embedding.path("values");
        float[] v = new float[values.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) values.get(i).asDouble();
        }
        return v;
    }

    private static ProviderException unsupported(String message) {
        return new ProviderException(ErrorKind.UNSUPPORTED, 0, message);
    }
}
