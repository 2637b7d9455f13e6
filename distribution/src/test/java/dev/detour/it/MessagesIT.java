package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/messages} (the Anthropic Messages API inbound) end to end: answers in Anthropic's
 * message and event shapes whichever provider served, tool use, failover before commit, a stream cut
 * after commit, and errors in Anthropic's shape (none of the client errors reaching an upstream).
 */
class MessagesIT {
    static final String KEY = "sk-detour-app-7777";
    static final Map<String, String> X_API_KEY = Map.of("x-api-key", KEY, "anthropic-version", "2023-06-01");
    static final Map<String, String> BEARER = Map.of("authorization", "Bearer " + KEY);
    static final List<String> SIM_NAMES = List.of("soai", "sant", "sbak", "sgem");

    static Vertx vertx;
    static Sim sim;
    static FakeUpstream fake;
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        sim = new Sim(vertx, Sim.freePort());
        fake = await(new FakeUpstream(vertx, "fake").start());
        gw = Harness.start(vertx, """
                server: { max_body_size: 16KB }
                simulator: { port: %d }
                defaults:
                  retry: { attempts: 2, backoff: 1ms, max_backoff: 2ms, max_retry_after: 1s }
                  circuit_breaker: { min_calls: 1000 }
                  timeouts: { total: 20s }
                providers:
                  fake: { type: openai, base_url: "%s", api_key: sk-fake-upstream-1 }
                  soai: { type: openai, base_url: "%s", api_key: sk-soai-upstream-2 }
                  sant: { type: anthropic, base_url: "%s", api_key: sk-sant-upstream-3 }
                  sbak: { type: openai, base_url: "%s" }
                  sgem: { type: gemini, base_url: "%s", api_key: gem-upstream-4 }
                # detectors: [] keeps each plan in its configured order: these tests are about adapters
                # and failover, and health-driven traffic shifting (default detectors) would reorder
                # a target that an earlier scenario made fail.
                routes:
                  to-openai:    { targets: [ { provider: fake, model: gpt-4o } ], detectors: [] }
                  to-anthropic: { targets: [ { provider: sant, model: claude-sonnet-4-5 } ], detectors: [] }
                  sim-openai:   { targets: [ { provider: soai, model: gpt-4o } ], detectors: [] }
                  failover:     { targets: [ { provider: soai, model: gpt-4o }, { provider: sbak, model: gpt-4o-mini } ], detectors: [] }
                  secret:       { targets: [ { provider: soai, model: gpt-4o } ], detectors: [] }
                  to-gemini:    { targets: [ { provider: sgem, model: gemini-2.5-flash } ], detectors: [] }
                keys:
                  - { name: app, key: "%s", routes: [to-openai, to-anthropic, sim-openai, failover, to-gemini] }
                """.formatted(sim.port, fake.baseUrl(), sim.openAi("soai"), sim.base("sant"), sim.openAi("sbak"), sim.base("sgem"), KEY));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        fake.close();
        await(vertx.close());
    }

    @BeforeEach
    void clean() {
        SIM_NAMES.forEach(sim::reset);
        fake.always(FakeUpstream.Behaviour.ok());
    }

    Reply messages(String body, Map<String, String> headers) {
        return post(vertx, gw.port(), "/v1/messages", body, headers);
    }

    Reply messages(String body) {
        return messages(body, X_API_KEY);
    }

    static String ask(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"max_tokens\":256,\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    int simCalls() {
        return SIM_NAMES.stream().mapToInt(sim::calls).sum();
    }

    static void assertMessage(Reply r, String text) {
        assertEquals(200, r.status(), r.body());
        JsonNode m = r.json();
        assertEquals("message", m.path("type").asText(), r.body());
        assertEquals("assistant", m.path("role").asText());
        assertTrue(m.path("id").asText().startsWith("msg_"), r.body());
        assertEquals(1, m.path("content").size(), r.body());
        assertEquals("text", m.at("/content/0/type").asText());
        assertEquals(text, m.at("/content/0/text").asText());
        assertEquals("end_turn", m.path("stop_reason").asText());
        assertTrue(m.at("/usage/input_tokens").asInt() > 0, r.body());
        assertTrue(m.at("/usage/output_tokens").asInt() > 0, r.body());
        assertFalse(m.has("choices"), "not OpenAI's shape");
    }

    // ------------------------------------------------------------------ 1-3: text

    @Test
    void a_message_served_by_an_openai_target_has_anthropic_shape() {
        int before = fake.calls();
        Reply r = messages(ask("to-openai", false));
        assertMessage(r, "Hello from fake");
        assertEquals("gpt-4o", r.json().path("model").asText());
        assertEquals(5, r.json().at("/usage/input_tokens").asInt());
        assertEquals(7, r.json().at("/usage/output_tokens").asInt());
        assertEquals("fake/gpt-4o", r.header("x-detour-target"));
        assertEquals("to-openai", r.header("x-detour-route"));
        assertEquals("1", r.header("x-detour-attempts"));
        assertNull(r.header("x-detour-failover"));
        assertFalse(r.header("x-request-id") == null || r.header("x-request-id").isEmpty());
        assertEquals(before + 1, fake.calls());
        JsonNode sent = fake.bodies.get(fake.bodies.size() - 1);
        assertEquals("gpt-4o", sent.path("model").asText());
        assertEquals(256, sent.has("max_completion_tokens") ? sent.get("max_completion_tokens").asInt()
                : sent.path("max_tokens").asInt(), sent.toString());
        assertEquals("Say hello", sent.at("/messages/0/content").asText(), sent.toString());
        assertEquals("Bearer sk-fake-upstream-1", fake.authorizations.get(fake.authorizations.size() - 1));
    }

    @Test
    void a_message_served_by_an_anthropic_target_has_anthropic_shape() {
        Reply r = messages(ask("to-anthropic", false));
        assertEquals(200, r.status(), r.body());
        String text = r.json().at("/content/0/text").asText();
        assertTrue(text.startsWith("Simulated answer from sant to: Say hello."), r.body());
        assertMessage(r, text);
        assertEquals("sant/claude-sonnet-4-5", r.header("x-detour-target"));
        assertEquals(1, sim.calls("sant"));
    }

    /** The events' names in order, after checking every event's name equals its JSON type. */
    static List<String> eventNames(Reply r) {
        List<String> names = new ArrayList<>();
        for (Sse.Event e : Sse.events(r.body())) {
            assertEquals(e.name(), e.json().path("type").asText(), "event name and type differ: " + e);
            names.add(e.name());
        }
        return names;
    }

    static String joinedTextDeltas(Reply r) {
        StringBuilder sb = new StringBuilder();
        for (Sse.Event e : Sse.events(r.body())) {
            JsonNode d = e.json().path("delta");
            if (e.name().equals("content_block_delta") && d.path("type").asText().equals("text_delta")) {
                sb.append(d.path("text").asText());
            }
        }
        return sb.toString();
    }

    static void assertWellFormedTextStream(Reply r, String text, String stopReason) {
        assertEquals(200, r.status(), r.body());
        assertTrue(r.header("content-type").startsWith("text/event-stream"), r.header("content-type"));
        List<String> names = eventNames(r);
        assertEquals("message_start", names.get(0), r.body());
        assertEquals("content_block_start", names.get(1), r.body());
        int deltas = 0;
        int i = 2;
        while (names.get(i).equals("content_block_delta")) {
            deltas++;
            i++;
        }
        assertTrue(deltas >= 2, "the answer arrives in several deltas: " + names);
        assertEquals(List.of("content_block_stop", "message_delta", "message_stop"), names.subList(i, names.size()),
                r.body());
        List<Sse.Event> events = Sse.events(r.body());
        JsonNode start = events.get(0).json().path("message");
        assertTrue(start.path("id").asText().startsWith("msg_"), r.body());
        assertEquals("assistant", start.path("role").asText());
        assertEquals("text", events.get(1).json().at("/content_block/type").asText());
        JsonNode delta = events.get(events.size() - 2).json();
        assertEquals(stopReason, delta.at("/delta/stop_reason").asText(), r.body());
        assertTrue(delta.at("/usage/output_tokens").asInt() > 0, "the final usage: " + r.body());
        assertEquals(text, joinedTextDeltas(r));
    }

    @Test
    void a_stream_has_anthropic_events_in_order_whichever_provider_serves() {
        Reply fromOpenAi = messages(ask("to-openai", true));
        assertWellFormedTextStream(fromOpenAi, "Hello from fake", "end_turn");
        assertEquals("fake/gpt-4o", fromOpenAi.header("x-detour-target"));
        List<Sse.Event> events = Sse.events(fromOpenAi.body());
        assertEquals(7, events.get(events.size() - 2).json().at("/usage/output_tokens").asInt(), fromOpenAi.body());
        assertTrue(fake.bodies.get(fake.bodies.size() - 1).path("stream").asBoolean());

        String expected = messages(ask("to-anthropic", false)).json().at("/content/0/text").asText();
        Reply fromAnthropic = messages(ask("to-anthropic", true), BEARER);
        assertWellFormedTextStream(fromAnthropic, expected, "end_turn");
        assertEquals("sant/claude-sonnet-4-5", fromAnthropic.header("x-detour-target"));
        assertEquals(2, sim.calls("sant"));
    }

    @Test
    void request_fields_are_translated_for_an_openai_target() {
        String body = """
                {"model":"to-openai","max_tokens":300,"system":[{"type":"text","text":"You are terse."}],
                 "stop_sequences":["END"],"temperature":0.2,"top_p":0.9,"metadata":{"user_id":"user-42"},
                 "tools":[%s],"tool_choice":{"type":"tool","name":"get_weather","disable_parallel_tool_use":true},
                 "messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},
                   {"type":"image","source":{"type":"base64","media_type":"image/png","data":"iVBORw0KGgo="}}]}]}
                """.formatted(WEATHER);
        Reply r = messages(body);
        assertMessage(r, "Hello from fake");
        JsonNode sent = fake.bodies.get(fake.bodies.size() - 1);
        assertEquals("system", sent.at("/messages/0/role").asText(), sent.toString());
        assertTrue(sent.at("/messages/0/content").toString().contains("You are terse."), sent.toString());
        assertEquals("user", sent.at("/messages/1/role").asText());
        assertEquals("What is in this picture?", sent.at("/messages/1/content/0/text").asText(), sent.toString());
        assertEquals("data:image/png;base64,iVBORw0KGgo=", sent.at("/messages/1/content/1/image_url/url").asText(),
                sent.toString());
        JsonNode stop = sent.path("stop");
        assertEquals("END", stop.isArray() ? stop.path(0).asText() : stop.asText(), sent.toString());
        assertEquals(0.2, sent.path("temperature").asDouble(), 1e-9);
        assertEquals(0.9, sent.path("top_p").asDouble(), 1e-9);
        assertEquals("user-42", sent.path("user").asText(), sent.toString());
        assertEquals("get_weather", sent.at("/tools/0/function/name").asText(), sent.toString());
        assertEquals("celsius", sent.at("/tools/0/function/parameters/properties/unit/enum/0").asText());
        assertEquals("get_weather", sent.at("/tool_choice/function/name").asText(), sent.toString());
        assertFalse(sent.path("parallel_tool_calls").asBoolean(true), sent.toString());
    }

    @Test
    void a_length_finish_becomes_stop_reason_max_tokens() {
        Reply r = messages("{\"model\":\"sim-openai\",\"max_tokens\":3,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a long story\"}]}");
        assertEquals(200, r.status(), r.body());
        assertEquals("max_tokens", r.json().path("stop_reason").asText(), r.body());
        assertEquals(1, sim.calls("soai"));
    }

    // ------------------------------------------------------------------ 4: tools

    static final String WEATHER = """
            {"name":"get_weather","description":"Current weather in a city","input_schema":{"type":"object",
             "properties":{"city":{"type":"string"},"unit":{"type":"string","enum":["celsius","fahrenheit"]}},
             "required":["city"]}}""";

    static String toolAsk(boolean stream) {
        return "{\"model\":\"sim-openai\",\"max_tokens\":256,\"stream\":" + stream + ",\"tools\":[" + WEATHER
                + "],\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}]}";
    }

    @Test
    void tool_use_from_an_openai_target_round_trips_in_anthropic_shape() throws Exception {
        Reply r = messages(toolAsk(false));
        assertEquals(200, r.status(), r.body());
        assertEquals("tool_use", r.json().path("stop_reason").asText(), r.body());
        JsonNode use = null;
        for (JsonNode block : r.json().path("content")) {
            if (block.path("type").asText().equals("tool_use")) {
                use = block;
            }
        }
        assertTrue(use != null, r.body());
        assertEquals("get_weather", use.path("name").asText());
        assertTrue(use.path("id").asText().matches("[A-Za-z0-9_-]+"), "Anthropic's tool_use id pattern: " + r.body());
        assertTrue(use.path("input").isObject(), "input is an object, not a JSON string: " + r.body());
        assertEquals("sim-city", use.at("/input/city").asText());
        assertEquals("celsius", use.at("/input/unit").asText());
        JsonNode sentTools = sim.stats("soai");
        assertEquals(1, sentTools.path("calls").asInt());

        ObjectNode followUp = (ObjectNode) WireJson.MAPPER.readTree(toolAsk(false));
        ArrayNode msgs = (ArrayNode) followUp.get("messages");
        msgs.addObject().put("role", "assistant").set("content", r.json().path("content"));
        ObjectNode result = msgs.addObject().put("role", "user").putArray("content").addObject()
                .put("type", "tool_result").put("tool_use_id", use.path("id").asText());
        result.put("content", "18 degrees and sunny");
        Reply answer = messages(followUp.toString());
        assertEquals(200, answer.status(), answer.body());
        assertEquals("end_turn", answer.json().path("stop_reason").asText(), answer.body());
        assertEquals("text", answer.json().at("/content/0/type").asText());
        assertTrue(answer.json().at("/content/0/text").asText()
                .startsWith("Simulated answer from soai using the tool result: 18 degrees and sunny"), answer.body());
        assertEquals(2, sim.calls("soai"));
    }

    @Test
    void tool_use_streams_as_a_tool_use_block_with_input_json_deltas() throws Exception {
        JsonNode expectedInput = messages(toolAsk(false)).json().path("content").findParent("input").path("input");
        Reply r = messages(toolAsk(true));
        assertEquals(200, r.status(), r.body());
        List<String> names = eventNames(r);
        assertEquals("message_start", names.get(0));
        assertEquals("message_stop", names.get(names.size() - 1), r.body());
        JsonNode start = null;
        StringBuilder json = new StringBuilder();
        String stopReason = null;
        for (Sse.Event e : Sse.events(r.body())) {
            JsonNode j = e.json();
            if (e.name().equals("content_block_start") && j.at("/content_block/type").asText().equals("tool_use")) {
                start = j;
            } else if (e.name().equals("content_block_delta") && j.at("/delta/type").asText().equals("input_json_delta")) {
                assertEquals(start.path("index").asInt(), j.path("index").asInt(), "deltas go to the tool_use block");
                json.append(j.at("/delta/partial_json").asText());
            } else if (e.name().equals("message_delta")) {
                stopReason = j.at("/delta/stop_reason").asText();
            }
        }
        assertTrue(start != null, r.body());
        assertEquals("get_weather", start.at("/content_block/name").asText());
        assertTrue(start.at("/content_block/id").asText().matches("[A-Za-z0-9_-]+"), r.body());
        assertEquals(expectedInput, WireJson.MAPPER.readTree(json.toString()), r.body());
        assertEquals("tool_use", stopReason);
    }

    @Test
    void a_gemini_target_serves_messages_and_a_tool_round_trip() throws Exception {
        Reply text = messages(ask("to-gemini", false));
        assertEquals(200, text.status(), text.body());
        String answer = text.json().at("/content/0/text").asText();
        assertTrue(answer.startsWith("Simulated answer from sgem to: Say hello."), text.body());
        assertMessage(text, answer);
        assertWellFormedTextStream(messages(ask("to-gemini", true)), answer, "end_turn");

        String ask = toolAsk(false).replace("sim-openai", "to-gemini");
        Reply r = messages(ask);
        assertEquals(200, r.status(), r.body());
        assertEquals("tool_use", r.json().path("stop_reason").asText(), r.body());
        JsonNode use = r.json().path("content").findParent("input");
        assertEquals("get_weather", use.path("name").asText(), r.body());
        assertEquals("sim-city", use.at("/input/city").asText());

        ObjectNode followUp = (ObjectNode) WireJson.MAPPER.readTree(ask);
        ArrayNode msgs = (ArrayNode) followUp.get("messages");
        msgs.addObject().put("role", "assistant").set("content", r.json().path("content"));
        msgs.addObject().put("role", "user").putArray("content").addObject().put("type", "tool_result")
                .put("tool_use_id", use.path("id").asText()).put("content", "18 degrees and sunny");
        Reply done = messages(followUp.toString());
        assertEquals(200, done.status(), done.body());
        assertEquals("end_turn", done.json().path("stop_reason").asText(), done.body());
        assertTrue(done.json().at("/content/0/text").asText()
                .startsWith("Simulated answer from sgem using the tool result"), done.body());
        assertEquals(4, sim.calls("sgem"));
    }

    // ------------------------------------------------------------------ 5-7: failover, cut, exhaustion

    @Test
    void a_primary_503_fails_over_before_commit_stream_and_not() {
        sim.chaos("soai", "{\"status\":503}");
        Reply r = messages(ask("failover", false));
        assertEquals(200, r.status(), r.body());
        assertTrue(r.json().at("/content/0/text").asText().startsWith("Simulated answer from sbak"), r.body());
        assertEquals("sbak/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals("3", r.header("x-detour-attempts"));

        Reply s = messages(ask("failover", true));
        assertEquals(200, s.status(), s.body());
        assertEquals("sbak/gpt-4o-mini", s.header("x-detour-target"));
        assertEquals("true", s.header("x-detour-failover"));
        List<String> names = eventNames(s);
        assertEquals("message_start", names.get(0));
        assertEquals("message_stop", names.get(names.size() - 1));
        assertFalse(names.contains("error"), s.body());
        assertTrue(joinedTextDeltas(s).startsWith("Simulated answer from sbak"), s.body());
        assertEquals(4, sim.answered("soai", 503));
        assertEquals(2, sim.calls("sbak"));
    }

    @Test
    void a_stream_cut_after_content_ends_with_an_error_event_and_no_message_stop() {
        sim.chaos("soai", "{\"cut_after_chunks\":3}");
        Reply r = messages(ask("failover", true));
        assertEquals(200, r.status(), r.body());
        assertEquals("soai/gpt-4o", r.header("x-detour-target"));
        List<String> names = eventNames(r);
        assertEquals("message_start", names.get(0), r.body());
        assertEquals("error", names.get(names.size() - 1), r.body());
        assertFalse(names.contains("message_stop"), r.body());
        assertFalse(names.contains("message_delta"), r.body());
        List<Sse.Event> events = Sse.events(r.body());
        JsonNode err = events.get(events.size() - 1).json();
        assertEquals("error", err.path("type").asText());
        assertEquals("stream_interrupted", err.at("/error/code").asText(), r.body());
        assertFalse(err.at("/error/type").asText().isEmpty(), r.body());
        assertTrue(joinedTextDeltas(r).startsWith("Simulated answer"), "the partial answer was sent: " + r.body());
        assertEquals(0, sim.calls("sbak"), "after the first token the stream belongs to its target");
        assertEquals(1, sim.calls("soai"));
    }

    @Test
    void when_every_target_fails_the_client_gets_502_in_anthropic_shape_with_attempts() {
        sim.chaos("soai", "{\"status\":503}");
        sim.chaos("sbak", "{\"status\":500}");
        for (boolean stream : new boolean[] {false, true}) {
            Reply r = messages(ask("failover", stream));
            assertEquals(502, r.status(), r.body());
            assertTrue(r.header("content-type").startsWith("application/json"), r.header("content-type"));
            JsonNode j = r.json();
            assertEquals("error", j.path("type").asText(), r.body());
            assertEquals("api_error", j.at("/error/type").asText(), r.body());
            assertEquals("all_targets_failed", j.at("/error/code").asText());
            assertTrue(j.at("/error/message").asText().contains("route 'failover'"), r.body());
            JsonNode attempts = j.at("/error/attempts");
            assertEquals(4, attempts.size(), r.body());
            assertEquals("soai/gpt-4o", attempts.at("/0/target").asText());
            assertEquals(503, attempts.at("/0/status").asInt());
            assertEquals("sbak/gpt-4o-mini", attempts.at("/3/target").asText());
            assertEquals(500, attempts.at("/3/status").asInt());
        }
        assertEquals(4, sim.calls("soai"));
        assertEquals(4, sim.calls("sbak"));
    }

    // ------------------------------------------------------------------ 8-9: keys and validation

    static void assertAnthropicError(Reply r, int status, String type, String messagePart) {
        assertEquals(status, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("error", j.path("type").asText(), r.body());
        assertEquals(type, j.at("/error/type").asText(), r.body());
        assertTrue(j.at("/error/message").asText().contains(messagePart), r.body());
        assertFalse(j.has("choices"), r.body());
    }

    @Test
    void keys_are_read_from_x_api_key_or_bearer_and_refused_in_anthropic_shape() {
        int fakeBefore = fake.calls();
        assertMessage(messages(ask("to-openai", false), X_API_KEY), "Hello from fake");
        assertMessage(messages(ask("to-openai", false), BEARER), "Hello from fake");
        assertEquals(fakeBefore + 2, fake.calls());

        assertAnthropicError(messages(ask("to-openai", false), Map.of()), 401, "authentication_error", "key");
        assertAnthropicError(messages(ask("to-openai", false), Map.of("x-api-key", "sk-wrong")), 401,
                "authentication_error", "key");
        Reply forbidden = messages(ask("secret", false));
        assertAnthropicError(forbidden, 403, "permission_error", "secret");
        assertEquals("route_not_allowed", forbidden.json().at("/error/code").asText());
        assertFalse(forbidden.body().contains(KEY), "the key is never echoed");
        assertEquals(fakeBefore + 2, fake.calls(), "refused requests reach no upstream");
        assertEquals(0, simCalls());
    }

    @Test
    void invalid_requests_get_anthropic_errors_without_calling_an_upstream() {
        int fakeBefore = fake.calls();
        Reply noMax = messages("{\"model\":\"to-openai\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertAnthropicError(noMax, 400, "invalid_request_error", "max_tokens");

        assertAnthropicError(messages("{\"model\": \"to-openai\", "), 400, "invalid_request_error", "JSON");

        Reply unknown = messages(ask("no-such-route", false));
        assertAnthropicError(unknown, 404, "not_found_error", "no-such-route");
        assertTrue(unknown.json().at("/error/message").asText().contains("to-openai"), "lists what is available");

        String huge = "{\"model\":\"to-openai\",\"max_tokens\":10,\"messages\":[{\"role\":\"user\",\"content\":\""
                + "x".repeat(20 * 1024) + "\"}]}";
        Reply tooLarge = messages(huge);
        assertAnthropicError(tooLarge, 413, "invalid_request_error", "max_body_size");
        assertEquals("request_too_large", tooLarge.json().at("/error/code").asText(), tooLarge.body());

        assertEquals(fakeBefore, fake.calls(), "no client error reached an upstream");
        assertEquals(0, simCalls());
        assertMessage(messages(ask("to-openai", false)), "Hello from fake");
    }
}
