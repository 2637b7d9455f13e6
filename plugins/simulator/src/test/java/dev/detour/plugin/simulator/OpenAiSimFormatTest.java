package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCall;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Future;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiSimFormatTest extends SimulatorTestBase {

    private static final String CHAT = "/primary/v1/chat/completions";

    private static List<ChatChunk> chunks(SimHttp.Streamed s) {
        List<ChatChunk> out = new ArrayList<>();
        for (SimHttp.Event e : s.events()) {
            if (!e.data().equals("[DONE]")) {
                out.addAll(OpenAiJson.parseChunk(e.json()));
            }
        }
        return out;
    }

    private static String text(List<ChatChunk> chunks) {
        StringBuilder sb = new StringBuilder();
        chunks.forEach(c -> sb.append(c.text() == null ? "" : c.text()));
        return sb.toString();
    }

    @Test
    void answers_a_chat_completion_in_the_documented_shape(VertxTestContext ctx) {
        verify(http.post(CHAT, openAiChat("What is the capital of France?")), ctx, r -> {
            assertEquals(200, r.status());
            Fixtures.assertShape(Fixtures.json("openai/chat_completion.json"), r.json(), Set.of());
            ChatResponse resp = OpenAiJson.parseResponse(r.json());
            assertTrue(resp.text().startsWith("Simulated answer from primary to: What is the capital of France."),
                    resp.text());
            assertEquals(FinishReason.STOP, resp.finishReason());
            assertEquals("sim-chat", resp.model());
            assertTrue(resp.usage().promptTokens() > 0 && resp.usage().completionTokens() > 0);
            assertEquals((resp.text().length() + 3) / 4, resp.usage().completionTokens());
        });
    }

    @Test
    void streams_the_same_answer_with_role_first_and_usage_last(VertxTestContext ctx) {
        String prompt = "What is the capital of France?";
        Future<SimHttp.Reply> whole = http.post(CHAT, openAiChat(prompt));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(CHAT,
                openAiChat(prompt, "\"stream\":true", "\"stream_options\":{\"include_usage\":true}")));
        verify(streamed, ctx, s -> {
            assertTrue(s.ended());
            assertTrue(s.headers().get("content-type").startsWith("text/event-stream"));
            List<SimHttp.Event> ev = s.events();
            assertEquals("[DONE]", ev.get(ev.size() - 1).data());
            List<SimHttp.Event> doc = Fixtures.events("openai/chat_stream.txt");
            Fixtures.assertShape(doc.get(0).json(), ev.get(0).json(), Set.of());
            Fixtures.assertShape(doc.get(1).json(), ev.get(1).json(), Set.of());
            Fixtures.assertShape(doc.get(2).json(), ev.get(ev.size() - 3).json(), Set.of());
            Fixtures.assertShape(doc.get(3).json(), ev.get(ev.size() - 2).json(), Set.of());
            List<ChatChunk> chunks = chunks(s);
            assertEquals("assistant", chunks.get(0).role());
            assertFalse(chunks.get(0).hasContent());
            assertTrue(chunks.size() > 4, "text arrives in several chunks");
            ChatResponse resp = OpenAiJson.parseResponse(whole.result().json());
            assertEquals(resp.text(), text(chunks));
            assertEquals(FinishReason.STOP, chunks.get(chunks.size() - 2).finishReason());
            ChatChunk usage = chunks.get(chunks.size() - 1);
            assertEquals(resp.usage(), usage.usage());
            assertTrue(ev.get(ev.size() - 2).json().get("choices").isEmpty());
        });
    }

    @Test
    void streams_without_usage_chunk_unless_asked(VertxTestContext ctx) {
        verify(http.stream(CHAT, openAiChat("hello", "\"stream\":true")), ctx, s -> {
            assertTrue(s.ended());
            for (ChatChunk c : chunks(s)) {
                assertNull(c.usage());
            }
        });
    }

    @Test
    void calls_the_first_tool_with_arguments_built_from_its_schema(VertxTestContext ctx) {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"parameters\":"
                + WEATHER_PARAMS + "}},{\"type\":\"function\",\"function\":{\"name\":\"other\"}}]";
        Future<SimHttp.Reply> whole = http.post(CHAT, openAiChat("Weather in Paris?", tools));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(CHAT,
                openAiChat("Weather in Paris?", tools, "\"stream\":true")));
        verify(streamed, ctx, s -> {
            ChatResponse resp = OpenAiJson.parseResponse(whole.result().json());
            assertEquals(FinishReason.TOOL_CALLS, resp.finishReason());
            ToolCall call = resp.choices().get(0).message().toolCalls().get(0);
            assertEquals("get_weather", call.name());
            assertTrue(call.id().startsWith("call_"));
            JsonNode args = parse(call.arguments());
            assertTrue(args.get("location").isTextual());
            assertEquals("celsius", args.get("unit").asText());
            assertTrue(args.get("days").isInt());
            StringBuilder streamedArgs = new StringBuilder();
            String name = null;
            FinishReason finish = null;
            for (ChatChunk c : chunks(s)) {
                for (var d : c.toolCalls()) {
                    name = d.name() != null ? d.name() : name;
                    streamedArgs.append(d.argumentsDelta());
                }
                finish = c.finishReason() != null ? c.finishReason() : finish;
            }
            assertEquals("get_weather", name);
            assertEquals(call.arguments(), streamedArgs.toString());
            assertEquals(FinishReason.TOOL_CALLS, finish);
        });
    }

    @Test
    void answers_text_when_the_last_message_is_a_tool_result(VertxTestContext ctx) {
        String body = "{\"model\":\"m\",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}],"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_1\",\"type\":\"function\","
                + "\"function\":{\"name\":\"get_weather\",\"arguments\":\"{}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"call_1\",\"content\":\"sunny and 21 degrees\"}]}";
        verify(http.post(CHAT, body), ctx, r -> {
            ChatResponse resp = OpenAiJson.parseResponse(r.json());
            assertEquals(FinishReason.STOP, resp.finishReason());
            assertTrue(resp.choices().get(0).message().toolCalls().isEmpty());
            assertTrue(resp.text().startsWith("Simulated answer from primary using the tool result: sunny and 21"),
                    resp.text());
        });
    }

    @Test
    void tool_choice_none_answers_text(VertxTestContext ctx) {
        String tools = "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\"}}],\"tool_choice\":\"none\"";
        verify(http.post(CHAT, openAiChat("Weather?", tools)), ctx, r ->
                assertEquals(FinishReason.STOP, OpenAiJson.parseResponse(r.json()).finishReason()));
    }

    @Test
    void json_mode_answers_parsable_json(VertxTestContext ctx) {
        Future<SimHttp.Reply> object = http.post(CHAT, openAiChat("Give me JSON", "\"response_format\":{\"type\":\"json_object\"}"));
        Future<SimHttp.Reply> schema = object.compose(o -> http.post(CHAT, openAiChat("Give me JSON",
                "\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"w\",\"schema\":" + WEATHER_PARAMS + "}}")));
        verify(schema, ctx, r -> {
            JsonNode o = parse(OpenAiJson.parseResponse(object.result().json()).text());
            assertTrue(o.get("answer").asText().startsWith("Simulated answer from primary"));
            JsonNode s = parse(OpenAiJson.parseResponse(r.json()).text());
            assertEquals(Set.of("location", "unit", "days"), fieldNames(s));
            assertEquals("celsius", s.get("unit").asText());
        });
    }

    @Test
    void truncates_at_max_tokens_with_finish_length(VertxTestContext ctx) {
        Future<SimHttp.Reply> whole = http.post(CHAT, openAiChat("Tell me a long story about dragons", "\"max_tokens\":5"));
        Future<SimHttp.Streamed> streamed = whole.compose(w -> http.stream(CHAT,
                openAiChat("Tell me a long story about dragons", "\"max_completion_tokens\":5", "\"stream\":true")));
        verify(streamed, ctx, s -> {
            ChatResponse resp = OpenAiJson.parseResponse(whole.result().json());
            assertEquals(FinishReason.LENGTH, resp.finishReason());
            assertTrue(resp.usage().completionTokens() <= 5, "completion tokens " + resp.usage().completionTokens());
            assertTrue(resp.text().length() <= 20 && !resp.text().isEmpty(), resp.text());
            List<ChatChunk> chunks = chunks(s);
            assertEquals(resp.text(), text(chunks));
            assertTrue(chunks.stream().anyMatch(c -> c.finishReason() == FinishReason.LENGTH));
        });
    }

    @Test
    void answers_n_choices(VertxTestContext ctx) {
        verify(http.post(CHAT, openAiChat("hello", "\"n\":2")), ctx, r -> {
            ChatResponse resp = OpenAiJson.parseResponse(r.json());
            assertEquals(2, resp.choices().size());
            assertEquals(1, resp.choices().get(1).index());
        });
    }

    @Test
    void answers_deterministically_per_prompt_and_name(VertxTestContext ctx) {
        Future<SimHttp.Reply> a = http.post(CHAT, openAiChat("Same question"));
        Future<SimHttp.Reply> b = a.compose(x -> http.post(CHAT, openAiChat("Same question")));
        Future<SimHttp.Reply> c = b.compose(x -> http.post("/backup/v1/chat/completions", openAiChat("Same question")));
        verify(c, ctx, r -> {
            assertEquals(a.result().json().get("choices"), b.result().json().get("choices"));
            assertNotEquals(OpenAiJson.parseResponse(a.result().json()).text(), OpenAiJson.parseResponse(r.json()).text());
        });
    }

    @Test
    void rejects_a_bad_body_with_an_openai_error_naming_the_field(VertxTestContext ctx) {
        Future<SimHttp.Reply> missing = http.post(CHAT, "{\"model\":\"m\"}");
        Future<SimHttp.Reply> notJson = missing.compose(x -> http.post(CHAT, "{nope"));
        verify(notJson, ctx, r -> {
            assertEquals(400, missing.result().status());
            JsonNode e = missing.result().json();
            Fixtures.assertShape(Fixtures.json("openai/error_quota.json"), e, Set.of());
            assertEquals("invalid_request_error", e.path("error").path("type").asText());
            assertTrue(e.path("error").path("message").asText().startsWith("messages"));
            assertEquals("messages", e.path("error").path("param").asText());
            assertEquals(400, r.status());
            assertTrue(r.json().path("error").path("message").asText().contains("JSON"));
        });
    }

    @Test
    void embeds_texts_as_deterministic_unit_vectors(VertxTestContext ctx) {
        String path = "/primary/v1/embeddings";
        Future<SimHttp.Reply> a = http.post(path, "{\"model\":\"sim-embedding\",\"input\":[\"hello\",\"world\",\"hello\"]}");
        Future<SimHttp.Reply> b = a.compose(x -> http.post(path, "{\"model\":\"e\",\"input\":\"hi\",\"dimensions\":16}"));
        verify(b, ctx, r -> {
            EmbeddingResponse e = OpenAiJson.parseEmbeddingResponse(a.result().json());
            assertEquals(3, e.vectors().size());
            assertEquals(8, e.vectors().get(0).length);
            assertArrayEquals(e.vectors().get(0), e.vectors().get(2));
            assertFalse(java.util.Arrays.equals(e.vectors().get(0), e.vectors().get(1)));
            double norm = 0;
            for (float f : e.vectors().get(1)) {
                norm += f * f;
            }
            assertEquals(1.0, norm, 1e-4);
            assertTrue(e.usage().promptTokens() > 0);
            assertEquals(16, OpenAiJson.parseEmbeddingResponse(r.json()).vectors().get(0).length);
        });
    }

    @Test
    void records_the_last_request_for_assertions(VertxTestContext ctx) {
        Future<SimHttp.Reply> call = http.client().request(new io.vertx.core.http.RequestOptions()
                        .setMethod(io.vertx.core.http.HttpMethod.POST).setHost("127.0.0.1").setPort(sim.port())
                        .setURI(CHAT + "?x=1"))
                .compose(req -> req.putHeader("Authorization", "Bearer sk-test").send(openAiChat("recorded")))
                .compose(resp -> resp.body().map(b -> new SimHttp.Reply(resp.statusCode(), resp.headers(), b.toString())));
        verify(call, ctx, r -> {
            RecordedRequest rec = sim.lastRequest("primary").orElseThrow();
            assertEquals("POST", rec.method());
            assertEquals(CHAT + "?x=1", rec.uri());
            assertEquals("Bearer sk-test", rec.header("authorization").orElseThrow());
            assertEquals("recorded", rec.body().at("/messages/0/content").asText());
            assertTrue(sim.lastRequest("nobody").isEmpty());
        });
    }

    @Test
    void lists_models(VertxTestContext ctx) {
        verify(http.get("/primary/v1/models"), ctx, r -> {
            assertEquals(200, r.status());
            assertEquals("list", r.json().get("object").asText());
            assertEquals("model", r.json().get("data").get(0).get("object").asText());
        });
    }

    @Test
    void unknown_paths_and_methods_get_errors(VertxTestContext ctx) {
        Future<SimHttp.Reply> unknown = http.post("/primary/v1/completions", "{}");
        Future<SimHttp.Reply> method = unknown.compose(x -> http.get(CHAT));
        verify(method, ctx, r -> {
            assertEquals(404, unknown.result().status());
            assertTrue(unknown.result().json().path("error").has("message"));
            assertEquals(405, r.status());
        });
    }

    static JsonNode parse(String s) {
        try {
            return WireJson.MAPPER.readTree(s);
        } catch (java.io.IOException e) {
            throw new AssertionError("not JSON: " + s, e);
        }
    }

    static Set<String> fieldNames(JsonNode o) {
        Set<String> names = new java.util.HashSet<>();
        o.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
