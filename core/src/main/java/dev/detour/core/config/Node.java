package dev.detour.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * A cursor over one YAML node that knows its path and reports problems instead of throwing, so
 * validation collects every problem in the file in one pass. Typed reads return the default (or
 * null) after recording a problem.
 */
final class Node {
    private final JsonNode node;
    private final String path;
    private final List<String> problems;
    /** Scalars YAML read as booleans but written otherwise ({@code on}, {@code no}), by path, as written. */
    private final Map<String, String> spelled;

    Node(JsonNode node, String path, List<String> problems) {
        this(node, path, problems, Map.of());
    }

    Node(JsonNode node, String path, List<String> problems, Map<String, String> spelled) {
        this.node = node == null ? MissingNode.getInstance() : node;
        this.path = path;
        this.problems = problems;
        this.spelled = spelled;
    }

    String path() {
        return path;
    }

    JsonNode raw() {
        return node;
    }

    boolean present() {
        return !node.isMissingNode() && !node.isNull();
    }

    void problem(String message) {
        problems.add((path.isEmpty() ? "(root)" : path) + ": " + message);
    }

    /** A node with the same path and problem list over other content. */
    Node withRaw(JsonNode other) {
        return new Node(other, path, problems, spelled);
    }

    /** Records a problem that already carries its path. */
    void report(String pathAndMessage) {
        problems.add(pathAndMessage);
    }

    Node get(String key) {
        return new Node(node.get(key), path.isEmpty() ? key : path + "." + key, problems, spelled);
    }

    /** Records a problem for every key not in {@code allowed}; false when the node is not a map. */
    boolean expectMap(Set<String> allowed) {
        if (!present()) {
            return false;
        }
        if (!node.isObject()) {
            problem("must be a map");
            return false;
        }
        node.fieldNames().forEachRemaining(k -> {
            if (!allowed.contains(k)) {
                get(k).problem("unknown key (known: " + String.join(", ", new java.util.TreeSet<>(allowed)) + ")");
            }
        });
        return true;
    }

    Map<String, Node> entries() {
        Map<String, Node> out = new LinkedHashMap<>();
        if (!present()) {
            return out;
        }
        if (!node.isObject()) {
            problem("must be a map");
            return out;
        }
        node.fieldNames().forEachRemaining(k -> out.put(k, get(k)));
        return out;
    }

    List<Node> items() {
        List<Node> out = new ArrayList<>();
        if (!present()) {
            return out;
        }
        if (!node.isArray()) {
            problem("must be a list");
            return out;
        }
        for (int i = 0; i < node.size(); i++) {
            out.add(new Node(node.get(i), path + "[" + i + "]", problems, spelled));
        }
        return out;
    }

    String text(String def) {
        if (!present()) {
            return def;
        }
        if (!node.isValueNode()) {
            problem("must be a single value");
            return def;
        }
        return node.isBoolean() ? spelled.getOrDefault(path, node.asText()) : node.asText();
    }

    String requiredText() {
        if (!present() || node.asText().isEmpty()) {
            problem("is required");
            return null;
        }
        return text(null);
    }

    <T> T parse(T def, String what, Function<String, T> parser) {
        String t = text(null);
        if (t == null) {
            return def;
        }
        try {
            return parser.apply(t);
        } catch (RuntimeException e) {
            problem(e.getMessage() != null && e.getMessage().startsWith("'") ? e.getMessage()
                    : "'" + t + "' is not " + what);
            return def;
        }
    }

    Integer integer(Integer def, int min, int max) {
        Integer v = parse(def, "a whole number", Integer::parseInt);
        if (v != null && present() && (v < min || v > max)) {
            problem("must be between " + min + " and " + max + " (was " + v + ")");
            return def;
        }
        return v;
    }

    Double number(Double def, double min, double max) {
        Double v = parse(def, "a number", Double::parseDouble);
        if (v != null && present() && (v < min || v > max)) {
            problem("must be between " + min + " and " + max + " (was " + v + ")");
            return def;
        }
        return v;
    }

    Boolean bool(Boolean def) {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        return parse(def, "true or false", s -> {
            if (s.equals("true")) {
                return true;
            }
            if (s.equals("false")) {
                return false;
            }
            throw new IllegalArgumentException("'" + s + "' is not true or false");
        });
    }

    Duration duration(Duration def) {
        return parse(def, "a duration", Units::duration);
    }

    Long size(Long def) {
        return parse(def, "a size", Units::size);
    }

    /** A list of strings; a single scalar counts as a one-element list. */
    List<String> texts() {
        List<String> out = new ArrayList<>();
        if (!present()) {
            return out;
        }
        if (node.isValueNode()) {
            out.add(node.asText());
            return out;
        }
        for (Node item : items()) {
            String t = item.text(null);
            if (t != null) {
                out.add(t);
            }
        }
        return out;
    }

    Map<String, String> stringMap() {
        Map<String, String> out = new LinkedHashMap<>();
        entries().forEach((k, v) -> {
            String t = v.text(null);
            if (t != null) {
                out.put(k, t);
            }
        });
        return out;
    }
}
