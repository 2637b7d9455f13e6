package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.SseDecoder;
import io.vertx.core.buffer.Buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Reads a text/event-stream body the way a client does: named events, OpenAI text and tool calls. */
final class Sse {
    private Sse() {
    }

    /** One event: its {@code event:} name ("message" when absent) and its data. */
    record Event(String name, String data) {
        JsonNode json() {
            return Sim.json(data);
        }
    }

    static List<Event> events(String body) {
        List<Event> out = new ArrayList<>();
        SseDecoder d = new SseDecoder((type, data) -> out.add(new Event(type, data)));
        d.feed(Buffer.buffer(body));
        d.end();
        return out;
    }

    /** The OpenAI chunks' {@code delta.content} joined. */
    static String openAiText(String body) {
        StringBuilder sb = new StringBuilder();
        for (Event e : events(body)) {
            if (e.data().equals("[DONE]")) {
                continue;
            }
            JsonNode c = e.json().at("/choices/0/delta/content");
            if (c.isTextual()) {
                sb.append(c.asText());
            }
        }
        return sb.toString();
    }

    /** The last non-null {@code choices[0].finish_reason} of an OpenAI stream, or null. */
    static String openAiFinish(String body) {
        String finish = null;
        for (Event e : events(body)) {
            if (e.data().equals("[DONE]")) {
                continue;
            }
            JsonNode f = e.json().at("/choices/0/finish_reason");
            if (f.isTextual()) {
                finish = f.asText();
            }
        }
        return finish;
    }

    /** An OpenAI tool call assembled from stream deltas. */
    record ToolCall(String id, String name, String arguments) {
    }

    /** The tool calls of an OpenAI stream, assembled by {@code index} as clients do. */
    static List<ToolCall> openAiToolCalls(String body) {
        Map<Integer, String[]> calls = new TreeMap<>();
        for (Event e : events(body)) {
            if (e.data().equals("[DONE]")) {
                continue;
            }
            for (JsonNode d : e.json().at("/choices/0/delta/tool_calls")) {
                String[] c = calls.computeIfAbsent(d.path("index").asInt(), i -> new String[] {null, null, ""});
                if (d.hasNonNull("id")) {
                    c[0] = d.get("id").asText();
                }
                JsonNode fn = d.path("function");
                if (fn.hasNonNull("name")) {
                    c[1] = fn.get("name").asText();
                }
                if (fn.hasNonNull("arguments")) {
                    c[2] += fn.get("arguments").asText();
                }
            }
        }
        List<ToolCall> out = new ArrayList<>();
        calls.values().forEach(c -> out.add(new ToolCall(c[0], c[1], c[2])));
        return out;
    }
}
