package dev.detour.plugin.cache.semantic;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;

/** {@code embedder: {route: NAME}} as a tree, for options built in tests. */
final class SemanticOptionsJson {
    private SemanticOptionsJson() {
    }

    static JsonNode route(String name) {
        return JsonNodeFactory.instance.objectNode().put("route", name);
    }
}
