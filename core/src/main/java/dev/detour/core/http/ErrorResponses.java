package dev.detour.core.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.failover.AttemptRecord;

import java.util.List;

/**
 * The error bodies Detour answers with, in the shape of the API that was called, with Detour's
 * attempts list. (Not to be confused with {@code dev.detour.wire.http.ErrorBodies}, which reads
 * the error bodies upstreams send.)
 */
final class ErrorResponses {
    private ErrorResponses() {
    }

    /** OpenAI's shape: {@code {"error": {"message", "type", "code", "param", "attempts"}}}. */
    static ObjectNode openAi(String type, String code, String message, String param, List<AttemptRecord> attempts) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.put("code", code);
        if (param == null) {
            e.putNull("param");
        } else {
            e.put("param", param);
        }
        if (attempts != null && !attempts.isEmpty()) {
            e.set("attempts", attempts(attempts));
        }
        return root;
    }

    /**
     * Anthropic's shape: {@code {"type": "error", "error": {"type", "message"}}}, plus Detour's
     * {@code code} and {@code attempts} inside {@code error}. Anthropic's error types are used where
     * one fits ({@code invalid_request_error}, {@code authentication_error}, {@code permission_error},
     * {@code not_found_error}, {@code rate_limit_error}; {@code api_error} for gateway failures).
     */
    static ObjectNode anthropic(String type, String code, String message, List<AttemptRecord> attempts) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.put("type", "error");
        ObjectNode e = root.putObject("error");
        e.put("type", type.equals("gateway_error") ? "api_error" : type);
        e.put("message", message);
        e.put("code", code);
        if (attempts != null && !attempts.isEmpty()) {
            e.set("attempts", attempts(attempts));
        }
        return root;
    }

    static ArrayNode attempts(List<AttemptRecord> attempts) {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        for (AttemptRecord r : attempts) {
            ObjectNode o = a.addObject();
            o.put("target", r.target());
            if (r.skipped() != null) {
                o.put("skipped", r.skipped());
                if (r.kind() != null) {
                    o.put("kind", r.kind());
                }
                continue;
            }
            o.put("status", r.status());
            if (r.kind() == null) {
                o.putNull("kind");
            } else {
                o.put("kind", r.kind());
            }
            o.put("latency_ms", r.latencyMs());
            if (r.hedge()) {
                o.put("hedge", true);
            }
            if (r.message() != null) {
                o.put("message", r.message());
            }
        }
        return a;
    }
}
