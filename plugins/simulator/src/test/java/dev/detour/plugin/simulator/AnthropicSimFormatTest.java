package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static dev.detour.plugin.simulator.OpenAiSimFormatTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicSimFormatTest extends SimulatorTestBase {

    private static final String MESSAGES = "/claude/v1/messages";
    private static final String TOOLS = "\"tools\":[{\"name\":\"get_weather\",\"description\":\"Weather\",\"input_schema\":"
            + WEATHER_PARAMS + "}]";

    /** Compares every event with the first documented event of the same type. */
    private static void assertEventsShaped(List<SimHttp.Event> doc, List<SimHttp.Event> actual) {
        Map<String, JsonNode> byType = new HashMap<>();
        doc.forEach(e -> byType.putIfAbsent(e.type(), e.json()));
        for (SimHttp.Event e : actual) {
            assertEquals(e.type(), e.json().path("type").asText(), "event name matches data type");
            JsonNode d = byType.get(e.type());
            if (d != null) {
                // Tool arguments differ by tool; their streaming is checked separately.
                Fixtures.assertShape(d, e.json(), Set.of("delta.partial_json"));
            }
        }
    }

    private static List<SimHttp.Event> withoutPings(List<SimHttp.Event> events) {
        return events.stream().filter(e -> !e.type().equals("ping")).collect(Collectors.toList());
    }

    private static String streamedText(List<SimHttp.Event> events, String deltaType, String field) {
        StringBuilder sb = new StringBuilder();
        for (SimHttp.Event e : events) {
            JsonNode d = e.json().path("delta");
            if (e.type().equals("content_block_delta") && d.path("type").asText().equals(deltaType)) {
                sb.append(d.path(field).asText());
            }
        }
        return sb.toString();
    }

    @Test
    void answers_a_message_in_the_documented_shape(VertxTestContext ctx) {
        verify(http.post(MESSAGES, anthropicMessage("What is the capital of France?")), ctx, r -> {
            assertEquals(200, r.status());
            JsonNode m = r.json();
            Fixtures.assertShape(Fixtures.json("anthropic/message.json"), m, Set.of());
            assertEquals("end_turn", m.get("stop_reason").asText());
            assertEquals("claude-sim", m.get("model").asText());
            assertTrue(m.at("/content/0/text").asText().startsWith("Simulated answer from claude to: What is the capital"));
            assertTrue(m.at("/usage/input_tokens").asInt() > 0 && m.at("/usage/output_tokens").asInt() > 0);
        });
    }

    @Test
    void streams_the_documented_event_sequence(VertxTestContext ctx) {
        String prompt = "What is the capital of France?";
        Future<SimHttp.Reply> whole = http.post(MESSAGES, anthropicMessage(prompt));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(MESSAGES, anthropicMessage(prompt, "\"stream\":true")));
        verify(streamed, ctx, s -> {
            assertTrue(s.ended());
            List<SimHttp.Event> doc = Fixtures.events("anthropic/stream_text.txt");
            Fixtures.assertEventOrder(doc, s.events());
            assertEventsShaped(doc, s.events());
            JsonNode m = whole.result().json();
            assertEquals(m.at("/content/0/text").asText(), streamedText(s.events(), "text_delta", "text"));
            JsonNode delta = s.events().get(s.events().size() - 2).json();
            assertEquals("end_turn", delta.at("/delta/stop_reason").asText());
            assertEquals(m.at("/usage/output_tokens").asInt(), delta.at("/usage/output_tokens").asInt());
            assertEquals(m.at("/usage/input_tokens").asInt(), s.events().get(0).json().at("/message/usage/input_tokens").asInt());
        });
    }

    @Test
    void calls_the_offered_tool_with_a_tool_use_block(VertxTestContext ctx) {
        Future<SimHttp.Reply> whole = http.post(MESSAGES, anthropicMessage("Weather in Paris?", TOOLS));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(MESSAGES,
                anthropicMessage("Weather in Paris?", TOOLS, "\"stream\":true")));
        verify(streamed, ctx, s -> {
            JsonNode m = whole.result().json();
            Fixtures.assertShape(Fixtures.json("anthropic/message_tool_use.json"), m, Set.of("content[].input.q"));
            assertEquals("tool_use", m.get("stop_reason").asText());
            JsonNode block = m.at("/content/0");
            assertEquals("get_weather", block.get("name").asText());
            assertTrue(block.get("id").asText().startsWith("toolu_"));
            assertEquals("celsius", block.at("/input/unit").asText());
            List<SimHttp.Event> doc = Fixtures.events("anthropic/stream_tool_use.txt");
            Fixtures.assertEventOrder(doc, withoutPings(s.events()));
            assertEventsShaped(doc, s.events());
            assertEquals(block.get("input"), parse(streamedText(s.events(), "input_json_delta", "partial_json")));
        });
    }

    @Test
    void answers_text_after_a_tool_result(VertxTestContext ctx) {
        String body = "{\"model\":\"c\",\"max_tokens\":100," + TOOLS + ",\"messages\":["
                + "{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":[{\"type\":\"tool_use\",\"id\":\"toolu_1\",\"name\":\"get_weather\",\"input\":{}}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"tool_result\",\"tool_use_id\":\"toolu_1\",\"content\":\"sunny\"}]}]}";
        verify(http.post(MESSAGES, body), ctx, r -> {
            assertEquals("end_turn", r.json().get("stop_reason").asText());
            assertEquals("text", r.json().at("/content/0/type").asText());
            assertTrue(r.json().at("/content/0/text").asText().contains("using the tool result: sunny"));
        });
    }

    @Test
    void stops_at_max_tokens(VertxTestContext ctx) {
        String body = "{\"model\":\"c\",\"max_tokens\":4,\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
        verify(http.post(MESSAGES, body), ctx, r -> {
            assertEquals("max_tokens", r.json().get("stop_reason").asText());
            assertTrue(r.json().at("/usage/output_tokens").asInt() <= 4);
        });
    }

    @Test
    void stops_at_a_stop_sequence(VertxTestContext ctx) {
        verify(http.post(MESSAGES, anthropicMessage("hi", "\"stop_sequences\":[\" from\"]")), ctx, r -> {
            assertEquals("stop_sequence", r.json().get("stop_reason").asText());
            assertEquals(" from", r.json().get("stop_sequence").asText());
            assertEquals("Simulated answer", r.json().at("/content/0/text").asText());
        });
    }

    @Test
    void structured_output_answers_json(VertxTestContext ctx) {
        verify(http.post(MESSAGES, anthropicMessage("JSON please",
                "\"output_format\":{\"type\":\"json_schema\",\"schema\":" + WEATHER_PARAMS + "}")), ctx, r ->
                assertEquals("celsius", parse(r.json().at("/content/0/text").asText()).get("unit").asText()));
    }

    @Test
    void rejects_a_request_without_max_tokens_naming_the_field(VertxTestContext ctx) {
        String body = "{\"model\":\"c\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
        verify(http.post(MESSAGES, body), ctx, r -> {
            assertEquals(400, r.status());
            Fixtures.assertShape(Fixtures.json("anthropic/error_invalid_request.json"), r.json(), Set.of());
            assertEquals("invalid_request_error", r.json().at("/error/type").asText());
            assertTrue(r.json().at("/error/message").asText().startsWith("max_tokens"));
        });
    }
}
