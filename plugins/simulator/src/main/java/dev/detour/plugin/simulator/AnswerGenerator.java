package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.plugin.simulator.SimAnswer.Finish;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Produces deterministic answers from prompts: the same prompt to the same endpoint name always
 * gets the same answer, in every wire format. Pure functions; thread-safe.
 */
final class AnswerGenerator {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private static final String[] SENTENCES = {
        "The short version is that it depends on the constraints you care about most.",
        "A careful first step is to measure before changing anything.",
        "Most teams find that the simplest option holds up well in practice.",
        "It helps to write down the assumptions so they can be checked later.",
        "There are a few trade-offs worth weighing before deciding.",
        "In many cases a small experiment answers the question quickly.",
        "Keep the failure modes in mind and plan for each of them.",
        "The documentation covers the remaining details in depth.",
        "Start with the defaults and adjust only what the data shows.",
        "A second opinion from a colleague often catches what one misses.",
        "Consistency matters more than perfection at this stage.",
        "The details can be refined once the overall shape is clear.",
    };

    private static final String[] OFF_TOPIC = {
        "Arctic terns migrate from pole to pole every year, covering tens of thousands of kilometres.",
        "Sourdough bread relies on wild yeast and lactic acid bacteria for its rise and flavour.",
        "The Great Barrier Reef is visible from orbit and spans more than two thousand kilometres.",
        "Chess engines evaluate millions of positions per second to choose a move.",
        "Honey found in ancient tombs has been reported to remain edible after thousands of years.",
        "Volcanic soil is often remarkably fertile, which is why vineyards thrive on old lava flows.",
    };

    private static final int QUOTED_WORDS = 8;

    private AnswerGenerator() {
    }

    /** The answers (one per choice) to a prompt, degraded as asked (null = not degraded). */
    static List<SimAnswer> answer(SimPrompt p, ChaosFaults.Degrade degrade) {
        List<SimAnswer> out = new ArrayList<>(p.choices());
        int promptTokens = Math.max(1, tokens(p.promptChars()));
        for (int i = 0; i < p.choices(); i++) {
            long h = hash(p.endpoint() + '\u0000' + p.model() + '\u0000' + p.lastText() + '\u0000' + p.lastIsToolResult()
                    + '\u0000' + i);
            String key = String.format(Locale.ROOT, "%016x", h);
            if (degrade != null) {
                out.add(degraded(p, degrade, i, h, key, promptTokens));
            } else if (callsTool(p)) {
                SimPrompt.SimTool tool = chooseTool(p);
                ObjectNode args = sampleObject(tool.parameters(), h);
                out.add(new SimAnswer(i, null, new SimAnswer.ToolCall(key, tool.name(), args), Finish.TOOL_CALL, null,
                        promptTokens, Math.max(1, tokens(tool.name().length() + args.toString().length())), key));
            } else {
                String text = p.wantsJson() ? jsonText(p, h) : plainText(p, h);
                out.add(limit(p, text, i, key, promptTokens, Finish.STOP));
            }
        }
        return out;
    }

    /** Token estimate: about four characters per token, as providers roughly report for English. */
    static int tokens(int chars) {
        return (chars + 3) / 4;
    }

    /** Splits a text into stream pieces of about one word each (every piece keeps its leading space). */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 1; i < text.length(); i++) {
            if (text.charAt(i) == ' ' && text.charAt(i - 1) != ' ') {
                out.add(text.substring(start, i));
                start = i;
            }
        }
        if (start < text.length()) {
            out.add(text.substring(start));
        }
        return out;
    }

    /** Splits a JSON text into a few pieces, as providers stream tool arguments. */
    static List<String> pieces(String json, int count) {
        List<String> out = new ArrayList<>();
        int size = Math.max(1, (json.length() + count - 1) / count);
        for (int i = 0; i < json.length(); i += size) {
            out.add(json.substring(i, Math.min(json.length(), i + size)));
        }
        if (out.isEmpty()) {
            out.add("");
        }
        return out;
    }

    private static boolean callsTool(SimPrompt p) {
        if (p.tools().isEmpty() || p.toolMode() == SimPrompt.ToolMode.NONE) {
            return false;
        }
        return p.toolMode() == SimPrompt.ToolMode.REQUIRED || p.forcedTool() != null || !p.lastIsToolResult();
    }

    private static SimPrompt.SimTool chooseTool(SimPrompt p) {
        if (p.forcedTool() != null) {
            for (SimPrompt.SimTool t : p.tools()) {
                if (t.name().equals(p.forcedTool())) {
                    return t;
                }
            }
        }
        return p.tools().get(0);
    }

    private static String plainText(SimPrompt p, long h) {
        String lead = p.lastIsToolResult()
                ? "Simulated answer from " + p.endpoint() + " using the tool result: "
                : "Simulated answer from " + p.endpoint() + " to: ";
        return lead + quote(p.lastText()) + ". " + SENTENCES[index(h, 0, SENTENCES.length)] + " "
                + SENTENCES[index(h, 17, SENTENCES.length)];
    }

    private static String quote(String text) {
        String[] w = text.trim().split("\\s+");
        if (w.length == 1 && w[0].isEmpty()) {
            return "(an empty message)";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(QUOTED_WORDS, w.length); i++) {
            if (i > 0) {
                sb.append(' ');
            }
            sb.append(w[i]);
        }
        String s = sb.toString();
        while (!s.isEmpty() && ".!?".indexOf(s.charAt(s.length() - 1)) >= 0) {
            s = s.substring(0, s.length() - 1);
        }
        return w.length > QUOTED_WORDS ? s + " ..." : s;
    }

    private static String jsonText(SimPrompt p, long h) {
        if (p.jsonSchema() != null) {
            return sample(p.jsonSchema(), "value", h, 0).toString();
        }
        ObjectNode o = NODES.objectNode();
        o.put("answer", plainText(p, h));
        o.put("source", p.endpoint());
        return o.toString();
    }

    private static SimAnswer degraded(SimPrompt p, ChaosFaults.Degrade degrade, int i, long h, String key,
                                      int promptTokens) {
        switch (degrade) {
            case EMPTY:
                return new SimAnswer(i, "", null, Finish.STOP, null, promptTokens, 0, key);
            case REPEAT: {
                String phrase = "Simulated answer from " + p.endpoint() + ".";
                StringBuilder sb = new StringBuilder(phrase);
                for (int n = 1; n < 12; n++) {
                    sb.append(' ').append(phrase);
                }
                return limit(p, sb.toString(), i, key, promptTokens, Finish.STOP);
            }
            case TRUNCATE: {
                List<String> w = words(plainText(p, h));
                String cut = String.join("", w.subList(0, Math.max(1, w.size() / 2))).replaceAll("[.,:!?]+$", "");
                return limit(p, cut, i, key, promptTokens, Finish.LENGTH);
            }
            case OFF_TOPIC:
            default:
                String text = OFF_TOPIC[index(h, 0, OFF_TOPIC.length)] + " " + OFF_TOPIC[index(h, 23, OFF_TOPIC.length)];
                return limit(p, text, i, key, promptTokens, Finish.STOP);
        }
    }

    /** Applies stop sequences and the output limit. */
    private static SimAnswer limit(SimPrompt p, String text, int i, String key, int promptTokens, Finish finish) {
        String stopSeq = null;
        int cutAt = -1;
        for (String s : p.stop()) {
            int at = s.isEmpty() ? -1 : text.indexOf(s);
            if (at >= 0 && (cutAt < 0 || at < cutAt)) {
                cutAt = at;
                stopSeq = s;
            }
        }
        if (cutAt >= 0) {
            text = text.substring(0, cutAt);
            finish = Finish.STOP_SEQUENCE;
        }
        if (p.maxTokens() != null && tokens(text.length()) > p.maxTokens()) {
            int max = p.maxTokens() * 4;
            int end = text.lastIndexOf(' ', max);
            text = text.substring(0, end > 0 ? end : Math.min(max, text.length()));
            finish = Finish.LENGTH;
            stopSeq = null;
        }
        return new SimAnswer(i, text, null, finish, stopSeq, promptTokens, tokens(text.length()), key);
    }

    /** A sample object for a JSON Schema (an empty object when there is none). */
    static ObjectNode sampleObject(JsonNode schema, long h) {
        JsonNode n = schema == null ? null : sample(schema, "value", h, 0);
        return n instanceof ObjectNode o ? o : NODES.objectNode();
    }

    /**
     * A deterministic value fitting a JSON Schema (also Gemini's upper-case OpenAPI subset):
     * enum/const first, then by type; every declared property of an object is filled.
     */
    static JsonNode sample(JsonNode schema, String name, long h, int depth) {
        if (schema == null || !schema.isObject() || depth > 6) {
            return NODES.textNode("sim-" + name);
        }
        if (schema.has("const")) {
            return schema.get("const");
        }
        JsonNode en = schema.get("enum");
        if (en != null && en.isArray() && !en.isEmpty()) {
            return en.get(0);
        }
        for (String alt : new String[] {"anyOf", "oneOf", "allOf", "any_of"}) {
            JsonNode a = schema.get(alt);
            if (a != null && a.isArray() && !a.isEmpty()) {
                return sample(firstNonNull(a), name, h, depth + 1);
            }
        }
        String type = typeOf(schema);
        long hv = hash(name + h);
        switch (type) {
            case "object": {
                ObjectNode o = NODES.objectNode();
                JsonNode props = schema.get("properties");
                if (props != null && props.isObject()) {
                    Iterator<Map.Entry<String, JsonNode>> it = props.properties().iterator();
                    while (it.hasNext()) {
                        Map.Entry<String, JsonNode> e = it.next();
                        o.set(e.getKey(), sample(e.getValue(), e.getKey(), h, depth + 1));
                    }
                }
                return o;
            }
            case "array": {
                JsonNode items = schema.get("items");
                return NODES.arrayNode().add(sample(items, name, h, depth + 1));
            }
            case "integer":
                return NODES.numberNode(index(hv, 0, 100));
            case "number":
                return NODES.numberNode(index(hv, 0, 1000) / 10.0);
            case "boolean":
                return NODES.booleanNode((hv & 1) == 0);
            case "null":
                return NODES.nullNode();
            default:
                String format = schema.path("format").asText("");
                if (format.equals("date")) {
                    return NODES.textNode("2025-01-15");
                }
                if (format.equals("date-time")) {
                    return NODES.textNode("2025-01-15T10:00:00Z");
                }
                return NODES.textNode("sim-" + name);
        }
    }

    private static JsonNode firstNonNull(JsonNode alternatives) {
        for (JsonNode a : alternatives) {
            if (!"null".equals(typeOf(a))) {
                return a;
            }
        }
        return alternatives.get(0);
    }

    private static String typeOf(JsonNode schema) {
        JsonNode t = schema.get("type");
        if (t != null && t.isArray()) {
            for (JsonNode x : t) {
                if (!x.asText().equalsIgnoreCase("null")) {
                    return x.asText().toLowerCase(Locale.ROOT);
                }
            }
        }
        if (t != null && t.isTextual()) {
            return t.asText().toLowerCase(Locale.ROOT);
        }
        return schema.has("properties") ? "object" : schema.has("items") ? "array" : "string";
    }

    private static int index(long h, int shift, int n) {
        return (int) Math.floorMod(h >>> shift, (long) n);
    }

    /** 64-bit FNV-1a: stable across JVMs, unlike String.hashCode mixing. */
    static long hash(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }
}
