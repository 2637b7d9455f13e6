package dev.detour.core.failover;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.wire.http.WireJson;

import java.io.IOException;

/**
 * The route's {@code quality_gate}: an answer that arrived but is not worth serving (empty, or
 * not the JSON the client asked for) fails its attempt as {@code degraded}, which always moves on
 * to the next target.
 */
final class QualityGate {
    private QualityGate() {
    }

    /** Why a served answer fails the route's quality gate, or null when it passes. */
    static String failure(RouteRuntime route, Object request, Object value, boolean streamHadContent) {
        if (route.qualityGate().isEmpty()) {
            return null;
        }
        if (value instanceof ChatResponse r) {
            boolean toolCalls = !r.choices().isEmpty() && !r.choices().get(0).message().toolCalls().isEmpty();
            if (route.qualityGate().contains("empty") && r.text().isBlank() && !toolCalls) {
                return "the answer was empty (quality_gate: empty)";
            }
            if (route.qualityGate().contains("invalid_json") && request instanceof ChatRequest c && c.wantsJson()
                    && !toolCalls && !validJson(r.text())) {
                return "the answer was not valid JSON (quality_gate: invalid_json)";
            }
        } else if (request instanceof ChatRequest && !streamHadContent && route.qualityGate().contains("empty")) {
            return "the stream ended without content (quality_gate: empty)";
        }
        return null;
    }

    private static boolean validJson(String text) {
        try {
            JsonNode n = WireJson.MAPPER.readTree(text);
            return n != null && (n.isObject() || n.isArray());
        } catch (IOException e) {
            return false;
        }
    }
}
