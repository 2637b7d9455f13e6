package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.Future;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ResponsesSimFormatTest extends SimulatorTestBase {

    private static final String RESPONSES = "/oai/v1/responses";
    private static final String TOOLS = "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":"
            + WEATHER_PARAMS + "}]";

    private static String request(String input, String... extra) {
        StringBuilder sb = new StringBuilder("{\"model\":\"sim-chat\",\"input\":").append(quote(input));
        for (String e : extra) {
            sb.append(',').append(e);
        }
        return sb.append('}').toString();
    }

    private static String deltas(List<SimHttp.Event> events, String type) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e.type().equals(type)).forEach(e -> sb.append(e.json().path("delta").asText()));
        return sb.toString();
    }

    @Test
    void answers_a_response_object_and_streams_the_same_answer_as_events(VertxTestContext ctx) {
        String prompt = "What is the capital of France?";
        Future<SimHttp.Reply> whole = http.post(RESPONSES, request(prompt));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(RESPONSES, request(prompt, "\"stream\":true")));
        verify(streamed, ctx, s -> {
            JsonNode r = whole.result().json();
            assertEquals(200, whole.result().status());
            assertEquals("response", r.path("object").asText());
            assertTrue(r.path("id").asText().startsWith("resp_sim"), r.toString());
            assertEquals("completed", r.path("status").asText());
            String text = r.at("/output/0/content/0/text").asText();
            assertTrue(text.startsWith("Simulated answer from oai to: What is the capital"), text);
            assertTrue(r.at("/usage/input_tokens").asInt() > 0 && r.at("/usage/output_tokens").asInt() > 0);

            assertTrue(s.ended());
            List<SimHttp.Event> ev = s.events();
            assertEquals("response.created", ev.get(0).type());
            assertEquals("response.completed", ev.get(ev.size() - 1).type());
            for (int i = 0; i < ev.size(); i++) {
                assertEquals(ev.get(i).type(), ev.get(i).json().path("type").asText());
                assertEquals(i, ev.get(i).json().path("sequence_number").asInt());
            }
            assertEquals(text, deltas(ev, "response.output_text.delta"));
            assertEquals(r.path("usage"), ev.get(ev.size() - 1).json().at("/response/usage"));
        });
    }

    @Test
    void calls_the_offered_function_then_answers_its_output(VertxTestContext ctx) {
        Future<SimHttp.Reply> call = http.post(RESPONSES, request("Weather in Paris?", TOOLS));
        Future<SimHttp.Reply> answer = call.compose(c -> {
            JsonNode fc = c.json().at("/output/0");
            String body = "{\"model\":\"sim-chat\"," + TOOLS + ",\"input\":[{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                    + fc + ",{\"type\":\"function_call_output\",\"call_id\":" + quote(fc.path("call_id").asText())
                    + ",\"output\":\"sunny\"}]}";
            return http.post(RESPONSES, body);
        });
        verify(answer, ctx, r -> {
            JsonNode fc = call.result().json().at("/output/0");
            assertEquals("function_call", fc.path("type").asText(), call.result().body());
            assertEquals("get_weather", fc.path("name").asText());
            assertTrue(fc.path("call_id").asText().startsWith("call_"));
            assertEquals("celsius", OpenAiSimFormatTest.parse(fc.path("arguments").asText()).path("unit").asText());
            assertEquals("message", r.json().at("/output/0/type").asText(), r.body());
            assertTrue(r.json().at("/output/0/content/0/text").asText().contains("using the tool result: sunny"), r.body());
        });
    }

    @Test
    void refuses_previous_response_id_in_openai_error_shape(VertxTestContext ctx) {
        verify(http.post(RESPONSES, request("hi", "\"previous_response_id\":\"resp_1\"")), ctx, r -> {
            assertEquals(400, r.status());
            assertEquals("invalid_request_error", r.json().at("/error/type").asText());
            assertEquals("previous_response_id", r.json().at("/error/param").asText());
            assertTrue(r.json().at("/error/message").asText().contains("stateless"), r.body());
        });
    }
}
