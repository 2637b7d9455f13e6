package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Set;

import static dev.detour.plugin.simulator.OpenAiSimFormatTest.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GeminiSimFormatTest extends SimulatorTestBase {

    private static final String GENERATE = "/gem/v1beta/models/gemini-sim:generateContent";
    private static final String STREAM = "/gem/v1beta/models/gemini-sim:streamGenerateContent";
    private static final String TOOLS = "\"tools\":[{\"functionDeclarations\":[{\"name\":\"get_weather\",\"parameters\":"
            + "{\"type\":\"OBJECT\",\"properties\":{\"location\":{\"type\":\"STRING\"},\"days\":{\"type\":\"INTEGER\"}}}}]}]";

    private static String text(JsonNode response) {
        StringBuilder sb = new StringBuilder();
        for (JsonNode p : response.at("/candidates/0/content/parts")) {
            sb.append(p.path("text").asText(""));
        }
        return sb.toString();
    }

    @Test
    void generates_content_in_the_documented_shape(VertxTestContext ctx) {
        verify(http.post(GENERATE, geminiRequest("What is the capital of France?")), ctx, r -> {
            assertEquals(200, r.status());
            JsonNode g = r.json();
            Fixtures.assertShape(Fixtures.json("gemini/generate_content.json"), g, Set.of());
            assertEquals("STOP", g.at("/candidates/0/finishReason").asText());
            assertEquals("model", g.at("/candidates/0/content/role").asText());
            assertEquals("gemini-sim", g.get("modelVersion").asText());
            assertTrue(text(g).startsWith("Simulated answer from gem to: What is the capital"));
            JsonNode u = g.get("usageMetadata");
            assertEquals(u.get("promptTokenCount").asInt() + u.get("candidatesTokenCount").asInt(),
                    u.get("totalTokenCount").asInt());
        });
    }

    @Test
    void streams_server_sent_events_with_alt_sse(VertxTestContext ctx) {
        String prompt = "What is the capital of France?";
        Future<SimHttp.Reply> whole = http.post(GENERATE, geminiRequest(prompt));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(STREAM + "?alt=sse", geminiRequest(prompt)));
        verify(streamed, ctx, s -> {
            assertTrue(s.ended());
            assertTrue(s.headers().get("content-type").startsWith("text/event-stream"));
            List<SimHttp.Event> doc = Fixtures.events("gemini/stream_sse.txt");
            List<SimHttp.Event> ev = s.events();
            assertTrue(ev.size() > 3);
            Fixtures.assertShape(doc.get(0).json(), ev.get(0).json(), Set.of());
            Fixtures.assertShape(doc.get(1).json(), ev.get(ev.size() - 1).json(), Set.of());
            StringBuilder sb = new StringBuilder();
            ev.forEach(e -> sb.append(text(e.json())));
            assertEquals(text(whole.result().json()), sb.toString());
            assertEquals("STOP", ev.get(ev.size() - 1).json().at("/candidates/0/finishReason").asText());
            assertFalse(ev.get(0).json().at("/candidates/0").has("finishReason"));
            assertEquals(whole.result().json().get("usageMetadata"), ev.get(ev.size() - 1).json().get("usageMetadata"));
        });
    }

    @Test
    void streams_a_json_array_without_alt_sse(VertxTestContext ctx) {
        String prompt = "hello there";
        Future<SimHttp.Reply> whole = http.post(GENERATE, geminiRequest(prompt));
        Future<SimHttp.Reply> array = whole.compose(w -> http.post(STREAM, geminiRequest(prompt)));
        verify(array, ctx, r -> {
            assertEquals(200, r.status());
            assertTrue(r.headers().get("content-type").startsWith("application/json"));
            JsonNode a = r.json();
            assertTrue(a.isArray() && a.size() > 1);
            StringBuilder sb = new StringBuilder();
            a.forEach(e -> sb.append(text(e)));
            assertEquals(text(whole.result().json()), sb.toString());
        });
    }

    @Test
    void calls_a_declared_function(VertxTestContext ctx) {
        Future<SimHttp.Reply> whole = http.post(GENERATE, geminiRequest("Weather in Paris?", TOOLS));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(STREAM + "?alt=sse",
                geminiRequest("Weather in Paris?", TOOLS)));
        verify(streamed, ctx, s -> {
            JsonNode g = whole.result().json();
            Fixtures.assertShape(Fixtures.json("gemini/function_call.json"), g, Set.of());
            JsonNode call = g.at("/candidates/0/content/parts/0/functionCall");
            assertEquals("get_weather", call.get("name").asText());
            assertTrue(call.at("/args/location").isTextual());
            assertTrue(call.at("/args/days").isInt());
            assertEquals("STOP", g.at("/candidates/0/finishReason").asText());
            assertEquals(1, s.events().size());
            assertEquals(call, s.events().get(0).json().at("/candidates/0/content/parts/0/functionCall"));
        });
    }

    @Test
    void answers_text_after_a_function_response(VertxTestContext ctx) {
        String body = "{" + TOOLS + ",\"contents\":[{\"role\":\"user\",\"parts\":[{\"text\":\"Weather?\"}]},"
                + "{\"role\":\"model\",\"parts\":[{\"functionCall\":{\"name\":\"get_weather\",\"args\":{}}}]},"
                + "{\"role\":\"user\",\"parts\":[{\"functionResponse\":{\"name\":\"get_weather\",\"response\":{\"sky\":\"sunny\"}}}]}]}";
        verify(http.post(GENERATE, body), ctx, r -> {
            assertTrue(text(r.json()).contains("using the tool result"), text(r.json()));
            assertFalse(r.json().at("/candidates/0/content/parts/0").has("functionCall"));
        });
    }

    @Test
    void json_mime_type_answers_json_fitting_the_schema(VertxTestContext ctx) {
        Future<SimHttp.Reply> plain = http.post(GENERATE, geminiRequest("JSON please",
                "\"generationConfig\":{\"responseMimeType\":\"application/json\"}"));
        Future<SimHttp.Reply> schema = plain.compose(x -> http.post(GENERATE, geminiRequest("JSON please",
                "\"generationConfig\":{\"responseMimeType\":\"application/json\",\"responseSchema\":"
                        + "{\"type\":\"OBJECT\",\"properties\":{\"city\":{\"type\":\"STRING\"},\"ok\":{\"type\":\"BOOLEAN\"}}}}")));
        verify(schema, ctx, r -> {
            assertTrue(parse(text(plain.result().json())).isObject());
            JsonNode o = parse(text(r.json()));
            assertTrue(o.get("city").isTextual());
            assertTrue(o.get("ok").isBoolean());
        });
    }

    @Test
    void stops_at_max_output_tokens(VertxTestContext ctx) {
        verify(http.post(GENERATE, geminiRequest("Tell me a story", "\"generationConfig\":{\"maxOutputTokens\":3}")), ctx, r -> {
            assertEquals("MAX_TOKENS", r.json().at("/candidates/0/finishReason").asText());
            assertTrue(r.json().at("/usageMetadata/candidatesTokenCount").asInt() <= 3);
        });
    }

    @Test
    void rejects_a_request_without_contents_in_google_error_shape(VertxTestContext ctx) {
        verify(http.post(GENERATE, "{\"generationConfig\":{}}"), ctx, r -> {
            assertEquals(400, r.status());
            Fixtures.assertShape(Fixtures.json("gemini/error_invalid_argument.json"), r.json(), Set.of());
            assertEquals("INVALID_ARGUMENT", r.json().at("/error/status").asText());
            assertEquals(400, r.json().at("/error/code").asInt());
            assertTrue(r.json().at("/error/message").asText().startsWith("contents"));
        });
    }
}
