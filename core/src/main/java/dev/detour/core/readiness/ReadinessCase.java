package dev.detour.core.readiness;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.detour.api.model.ChatRequest;
import dev.detour.core.config.Units;
import dev.detour.wire.openai.OpenAiJson;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * One golden request of a readiness cases file (CONFIG.md "Readiness"): chat messages and
 * parameters, as a client would send them to a route, and the checks every target's answer must
 * pass. Each target receives it with its own model, prompt and parameter overrides.
 *
 * @param name    the case's name, unique in its file
 * @param request the request (its {@code model} is replaced by each target's)
 * @param check   what the answer must be
 */
public record ReadinessCase(String name, ChatRequest request, ReadinessCheck check) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Set<String> KEYS = Set.of("name", "messages", "params", "checks");
    private static final Set<String> CHECKS = Set.of("json", "json_schema", "contains", "regex", "max_latency");
    /** The most cases one run takes: each costs a call to every target. */
    public static final int MAX_CASES = 100;

    /**
     * Reads a cases file (YAML or JSON): a map with {@code cases:}, or the list itself.
     *
     * @param problems where every problem is added, each starting with the file and the case's path
     */
    public static List<ReadinessCase> load(Path file, List<String> problems) {
        JsonNode root;
        try {
            root = YAML.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (JsonProcessingException e) {
            String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
            problems.add(file + ": YAML syntax error" + where + ": " + e.getOriginalMessage());
            return List.of();
        } catch (IOException e) {
            problems.add(file + ": cannot read the cases file: " + e.getMessage());
            return List.of();
        }
        if (root != null && root.isObject()) {
            Iterator<String> keys = root.fieldNames();
            while (keys.hasNext()) {
                String k = keys.next();
                if (!k.equals("cases")) {
                    problems.add(file + ": " + k + ": unknown key (known: cases)");
                }
            }
            root = root.get("cases");
        }
        return parse(root, file + ": cases", problems);
    }

    /**
     * Reads a list of cases (a file's, or {@code POST /admin/readiness}'s {@code cases}).
     *
     * @param where    the list's path, which starts every problem
     * @param problems where every problem is added
     */
    public static List<ReadinessCase> parse(JsonNode list, String where, List<String> problems) {
        if (list == null || !list.isArray() || list.isEmpty()) {
            problems.add(where + ": must be a non-empty list of cases");
            return List.of();
        }
        if (list.size() > MAX_CASES) {
            problems.add(where + ": at most " + MAX_CASES + " cases (each costs a call to every target)");
            return List.of();
        }
        List<ReadinessCase> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        for (int i = 0; i < list.size(); i++) {
            ReadinessCase c = parseOne(list.get(i), where + "[" + i + "]", i, problems);
            if (c != null && !names.add(c.name())) {
                problems.add(where + "[" + i + "].name: '" + c.name() + "' names another case too");
            } else if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    private static ReadinessCase parseOne(JsonNode n, String path, int index, List<String> problems) {
        if (n == null || !n.isObject()) {
            problems.add(path + ": must be a map with messages and checks");
            return null;
        }
        int before = problems.size();
        unknown(n, KEYS, path, problems);
        String name = "case-" + (index + 1);
        if (n.has("name")) {
            if (!n.get("name").isTextual() || n.get("name").asText().isBlank()) {
                problems.add(path + ".name: must be a non-empty string");
            } else {
                name = n.get("name").asText();
            }
        }
        ObjectNode body = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        JsonNode params = n.get("params");
        if (params != null && !params.isNull()) {
            if (!params.isObject()) {
                problems.add(path + ".params: must be a map of request parameters");
            } else {
                for (String k : List.of("model", "messages", "stream", "stream_options", "n")) {
                    if (params.has(k)) {
                        problems.add(path + ".params." + k + ": cannot be set in a case (" + (k.equals("model")
                                ? "each target's model is used" : k.equals("messages") ? "use the case's messages"
                                : "a case asks for one whole answer") + ")");
                    }
                }
                body.setAll((ObjectNode) params);
            }
        }
        body.put("model", "readiness");
        body.set("messages", n.get("messages"));
        ChatRequest request = null;
        try {
            request = OpenAiJson.parseRequest(body);
        } catch (IllegalArgumentException e) {
            String msg = e.getMessage();
            problems.add(path + (msg.startsWith("messages") ? "." : ".params.") + msg);
        }
        ReadinessCheck check = checks(n.get("checks"), path + ".checks", problems);
        return problems.size() > before ? null : new ReadinessCase(name, request, check);
    }

    private static ReadinessCheck checks(JsonNode n, String path, List<String> problems) {
        if (n == null || n.isNull()) {
            return new ReadinessCheck(false, null, List.of(), null, null);
        }
        if (!n.isObject()) {
            problems.add(path + ": must be a map (known: " + String.join(", ", new TreeSet<>(CHECKS)) + ")");
            return null;
        }
        unknown(n, CHECKS, path, problems);
        boolean json = false;
        if (n.has("json")) {
            if (!n.get("json").isBoolean()) {
                problems.add(path + ".json: must be true or false");
            } else {
                json = n.get("json").asBoolean();
            }
        }
        com.networknt.schema.Schema schema = null;
        if (n.has("json_schema")) {
            if (!n.get("json_schema").isObject()) {
                problems.add(path + ".json_schema: must be a JSON Schema (a map)");
            } else {
                try {
                    schema = ReadinessCheck.compile(n.get("json_schema"));
                } catch (IllegalArgumentException e) {
                    problems.add(path + ".json_schema: " + e.getMessage());
                }
            }
        }
        List<String> contains = new ArrayList<>();
        JsonNode c = n.get("contains");
        if (c != null) {
            if (c.isTextual()) {
                contains.add(c.asText());
            } else if (c.isArray() && c.size() > 0) {
                for (int i = 0; i < c.size(); i++) {
                    if (c.get(i).isTextual() && !c.get(i).asText().isEmpty()) {
                        contains.add(c.get(i).asText());
                    } else {
                        problems.add(path + ".contains[" + i + "]: must be a non-empty string");
                    }
                }
            } else {
                problems.add(path + ".contains: must be a string or a list of strings");
            }
        }
        com.google.re2j.Pattern regex = null;
        if (n.has("regex")) {
            if (!n.get("regex").isTextual() || n.get("regex").asText().isEmpty()) {
                problems.add(path + ".regex: must be a non-empty string");
            } else {
                try {
                    regex = com.google.re2j.Pattern.compile(n.get("regex").asText());
                } catch (com.google.re2j.PatternSyntaxException e) {
                    problems.add(path + ".regex: not a valid RE2 pattern: " + e.getDescription());
                }
            }
        }
        Duration maxLatency = null;
        if (n.has("max_latency")) {
            try {
                maxLatency = Units.duration(n.get("max_latency").asText());
                if (maxLatency.isZero()) {
                    problems.add(path + ".max_latency: must be a positive duration");
                }
            } catch (IllegalArgumentException e) {
                problems.add(path + ".max_latency: " + e.getMessage());
            }
        }
        return new ReadinessCheck(json, schema, contains, regex, maxLatency);
    }

    private static void unknown(JsonNode n, Set<String> known, String path, List<String> problems) {
        n.fieldNames().forEachRemaining(k -> {
            if (!known.contains(k)) {
                problems.add(path + "." + k + ": unknown key (known: " + String.join(", ", new TreeSet<>(known)) + ")");
            }
        });
    }
}
