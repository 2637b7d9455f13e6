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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.function.IntSupplier;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end, OpenAI client in, each provider type out, through the gateway loaded from the
 * assembled distribution: {@code openai}, {@code anthropic} and {@code gemini} against the
 * in-process simulator (controlled over {@code /_chaos}), {@code azure-openai} and {@code bedrock}
 * against fake servers of this package. Covers text (stream and not), tools round trips, failover
 * on each provider's characteristic errors, and targets skipped for their declared capabilities.
 */
class ProvidersIT {
    static final String BEDROCK_MODEL = "anthropic.claude-3-haiku-20240307-v1:0";
    static final String AWS_KEY_ID = "AKIDEXAMPLE";
    static final List<String> SIM_NAMES = List.of("oai", "ant", "gem", "backup", "blind", "tiny");

    static Vertx vertx;
    static Sim sim;
    static FakeAzure azure;
    static FakeBedrock bedrock;
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        sim = new Sim(vertx, Sim.freePort());
        azure = await(new FakeAzure(vertx, "gpt4o-prod", "2024-10-21", "az-test-key-4444").start());
        bedrock = await(new FakeBedrock(vertx, AWS_KEY_ID, "us-east-1").start());
        gw = Harness.start(vertx, """
                simulator: { port: %d }
                defaults:
                  retry: { attempts: 2, backoff: 1ms, max_backoff: 2ms, max_retry_after: 1s }
                  circuit_breaker: { min_calls: 1000 }
                  timeouts: { total: 20s }
                providers:
                  oai:    { type: openai, base_url: "%s", api_key: sk-oai-test-1111, timeouts: { connect: 2s, first_token: 10s } }
                  ant:    { type: anthropic, base_url: "%s", api_key: sk-ant-test-2222, timeouts: { connect: 2s, first_token: 10s } }
                  gem:    { type: gemini, base_url: "%s", api_key: gem-test-3333, timeouts: { connect: 2s, first_token: 10s } }
                  az:     { type: azure-openai, base_url: "%s", api_key: az-test-key-4444,
                            options: { api_version: "2024-10-21", deployments: { gpt-4o: gpt4o-prod } } }
                  br:     { type: bedrock, base_url: "%s", region: us-east-1,
                            options: { access_key_id: %s, secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" } }
                  backup: { type: openai, base_url: "%s" }
                  blind:  { type: openai, base_url: "%s" }
                  tiny:   { type: openai, base_url: "%s" }
                # detectors: [] keeps each plan in its configured order: these tests are about adapters
                # and failover, and health-driven traffic shifting (default detectors) would reorder
                # a target that an earlier scenario made fail.
                routes:
                  openai-fo:    { targets: [ { provider: oai, model: gpt-4o }, { provider: backup, model: gpt-4o-mini } ], detectors: [] }
                  anthropic-fo: { targets: [ { provider: ant, model: claude-sonnet-4-5 }, { provider: backup, model: gpt-4o-mini } ], detectors: [] }
                  gemini-fo:    { targets: [ { provider: gem, model: gemini-2.5-flash }, { provider: backup, model: gpt-4o-mini } ], detectors: [] }
                  azure-fo:     { targets: [ { provider: az, model: gpt-4o }, { provider: backup, model: gpt-4o-mini } ], detectors: [] }
                  bedrock-fo:   { targets: [ { provider: br, model: "%s" }, { provider: backup, model: gpt-4o-mini } ], detectors: [] }
                  vision:
                    detectors: []
                    targets:
                      - { provider: blind, model: text-only, capabilities: { vision: false } }
                      - { provider: backup, model: gpt-4o-mini }
                  blind-only:
                    detectors: []
                    targets:
                      - { provider: blind, model: text-only, capabilities: { vision: false } }
                  small:
                    detectors: []
                    targets:
                      - { provider: tiny, model: small-ctx, capabilities: { context_window: 64 } }
                      - { provider: backup, model: gpt-4o-mini }
                """.formatted(sim.port, sim.openAi("oai"), sim.base("ant"), sim.base("gem"), azure.baseUrl(),
                bedrock.baseUrl(), AWS_KEY_ID, sim.openAi("backup"), sim.openAi("blind"), sim.openAi("tiny"),
                BEDROCK_MODEL));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        azure.close();
        bedrock.close();
        await(vertx.close());
    }

    @BeforeEach
    void clean() {
        SIM_NAMES.forEach(sim::reset);
        azure.rateLimit(null);
        bedrock.throttle(false);
        bedrock.throttleInStream(false);
    }

    Reply chat(String body) {
        return post(vertx, gw.port(), "/v1/chat/completions", body);
    }

    static String hello(String model, boolean stream) {
        return Harness.chat(model, stream);
    }

    /** A streamed hello whose client asks for the usage chunk. */
    static String helloWithUsage(String model) {
        return "{\"model\":\"" + model + "\",\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    /** The usage of the stream's usage chunk (the one with {@code usage} and no choices). */
    static JsonNode streamedUsage(Reply r) {
        JsonNode usage = null;
        for (Sse.Event e : Sse.events(r.body())) {
            if (!e.data().equals("[DONE]") && e.json().path("usage").isObject()) {
                usage = e.json().path("usage");
            }
        }
        assertTrue(usage != null, "include_usage asks for a usage chunk: " + r.body());
        return usage;
    }

    // ------------------------------------------------------------------ text, each provider

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        "oai/gpt-4o,                 oai, Simulated answer from oai to: Say hello.",
        "ant/claude-sonnet-4-5,      ant, Simulated answer from ant to: Say hello.",
        "gem/gemini-2.5-flash,       gem, Simulated answer from gem to: Say hello.",
    })
    void each_simulated_provider_answers_in_openai_format_stream_and_not(String model, String simName, String prefix) {
        Reply r = chat(hello(model, false));
        assertEquals(200, r.status(), r.body());
        JsonNode j = r.json();
        assertEquals("chat.completion", j.path("object").asText(), r.body());
        assertEquals("assistant", j.at("/choices/0/message/role").asText());
        String text = j.at("/choices/0/message/content").asText();
        assertTrue(text.startsWith(prefix), text);
        assertEquals("stop", j.at("/choices/0/finish_reason").asText());
        assertTrue(j.at("/usage/prompt_tokens").asInt() > 0 && j.at("/usage/completion_tokens").asInt() > 0, r.body());
        assertEquals(model, r.header("x-detour-target"));
        assertEquals("1", r.header("x-detour-attempts"));

        Reply s = chat(helloWithUsage(model));
        assertEquals(200, s.status(), s.body());
        assertTrue(s.header("content-type").startsWith("text/event-stream"), s.header("content-type"));
        assertTrue(streamedUsage(s).path("completion_tokens").asInt() > 0, s.body());
        assertEquals(model, s.header("x-detour-target"));
        List<Sse.Event> events = Sse.events(s.body());
        assertEquals("[DONE]", events.get(events.size() - 1).data(), s.body());
        assertEquals(text, Sse.openAiText(s.body()), "the simulator answers the same prompt the same way in both modes");
        assertEquals("stop", Sse.openAiFinish(s.body()));
        assertTrue(events.stream().filter(e -> !e.data().equals("[DONE]"))
                .allMatch(e -> e.json().path("object").asText().equals("chat.completion.chunk")), s.body());

        assertEquals(2, sim.calls(simName));
        assertEquals(2, sim.answered(simName, 200));
    }

    @Test
    void azure_openai_is_called_on_its_deployment_with_api_version_and_api_key() {
        int before = azure.calls();
        Reply r = chat(hello("az/gpt-4o", false));
        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from azure", r.json().at("/choices/0/message/content").asText());
        assertEquals("stop", r.json().at("/choices/0/finish_reason").asText());
        assertEquals("az/gpt-4o", r.header("x-detour-target"));

        Reply s = chat(hello("az/gpt-4o", true));
        assertEquals(200, s.status(), s.body());
        assertEquals("Hello from azure", Sse.openAiText(s.body()));
        assertEquals("stop", Sse.openAiFinish(s.body()));
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));

        assertEquals(before + 2, azure.calls());
        for (FakeAzure.Seen seen : azure.seen.subList(before, before + 2)) {
            assertEquals("/openai/deployments/gpt4o-prod/chat/completions", seen.path());
            assertEquals("2024-10-21", seen.apiVersion());
            assertEquals("az-test-key-4444", seen.apiKey());
            assertNull(seen.authorization(), "api-key auth sends no bearer token");
            assertEquals("Say hello", seen.body().at("/messages/0/content").asText());
        }
        assertTrue(azure.seen.get(before + 1).body().path("stream").asBoolean());
    }

    @Test
    void bedrock_converse_and_converse_stream_are_signed_and_decoded() {
        int before = bedrock.calls();
        String model = "br/" + BEDROCK_MODEL;
        Reply r = chat(hello(model, false));
        assertEquals(200, r.status(), r.body());
        assertEquals(FakeBedrock.TEXT, r.json().at("/choices/0/message/content").asText());
        assertEquals("stop", r.json().at("/choices/0/finish_reason").asText());
        assertEquals(12, r.json().at("/usage/prompt_tokens").asInt());
        assertEquals(4, r.json().at("/usage/completion_tokens").asInt());
        assertEquals(model, r.header("x-detour-target"));

        Reply s = chat(helloWithUsage(model));
        assertEquals(200, s.status(), s.body());
        assertEquals(FakeBedrock.TEXT, Sse.openAiText(s.body()), "frames split mid-frame are reassembled");
        assertEquals(4, streamedUsage(s).path("completion_tokens").asInt(), "from the metadata event");
        assertEquals(12, streamedUsage(s).path("prompt_tokens").asInt());
        assertEquals("stop", Sse.openAiFinish(s.body()));
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));

        assertEquals(before + 2, bedrock.calls());
        FakeBedrock.Seen converse = bedrock.seen.get(before);
        FakeBedrock.Seen stream = bedrock.seen.get(before + 1);
        assertTrue(converse.path().startsWith("/model/anthropic.claude-3-haiku-20240307-v1")
                && converse.path().endsWith("/converse"), converse.path());
        assertTrue(stream.path().endsWith("/converse-stream"), stream.path());
        assertEquals("Say hello", converse.body().at("/messages/0/content/0/text").asText(), String.valueOf(converse.body()));
        assertEquals("user", converse.body().at("/messages/0/role").asText());
    }

    @ParameterizedTest(name = "{0}")
    // Enough events for two words of text: OpenAI role + 2; Anthropic message_start, block start, ping + 2; Gemini 2.
    @CsvSource({"oai/gpt-4o, oai, 3", "ant/claude-sonnet-4-5, ant, 5", "gem/gemini-2.5-flash, gem, 2"})
    void a_stream_cut_mid_answer_by_each_provider_ends_with_stream_interrupted(String model, String simName, int chunks) {
        sim.chaos(simName, "{\"cut_after_chunks\":" + chunks + "}");
        Reply s = chat(hello(model, true));
        assertEquals(200, s.status(), s.body());
        List<Sse.Event> events = Sse.events(s.body());
        assertEquals("[DONE]", events.get(events.size() - 1).data(), s.body());
        JsonNode last = events.get(events.size() - 2).json();
        assertEquals("stream_interrupted", last.at("/error/code").asText(), "never a silently truncated stream: " + s.body());
        assertTrue(Sse.openAiText(s.body()).startsWith("Simulated answer"), s.body());
        assertNull(Sse.openAiFinish(s.body()), "no finish reason for a cut answer: " + s.body());
        assertEquals(1, sim.calls(simName), "a committed stream is not retried");
    }

    @Test
    void a_stream_interrupted_error_lists_one_attempt_per_upstream_call() {
        sim.chaos("oai", "{\"cut_after_chunks\":3}");
        Reply s = chat(hello("oai/gpt-4o", true));
        List<Sse.Event> events = Sse.events(s.body());
        JsonNode error = events.get(events.size() - 2).json().path("error");
        assertEquals("stream_interrupted", error.path("code").asText(), s.body());
        assertEquals(1, sim.calls("oai"));
        assertEquals(1, error.path("attempts").size(), "one upstream call, one entry: " + s.body());
        assertEquals("connection", error.at("/attempts/0/kind").asText(), "the entry says how the call ended: " + s.body());
    }

    // ------------------------------------------------------------------ tools

    static final String WEATHER_TOOL = """
            {"type":"function","function":{"name":"get_weather","description":"Current weather in a city",
             "parameters":{"type":"object","properties":{"city":{"type":"string"},
             "unit":{"type":"string","enum":["celsius","fahrenheit"]}},"required":["city"]}}}""";

    static String toolAsk(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}],\"tools\":["
                + WEATHER_TOOL + "]}";
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"oai/gpt-4o, oai", "ant/claude-sonnet-4-5, ant", "gem/gemini-2.5-flash, gem"})
    void tools_round_trip_through_each_simulated_provider(String model, String simName) throws Exception {
        Reply r = chat(toolAsk(model, false));
        assertEquals(200, r.status(), r.body());
        assertEquals("tool_calls", r.json().at("/choices/0/finish_reason").asText(), r.body());
        JsonNode call = r.json().at("/choices/0/message/tool_calls/0");
        assertEquals("function", call.path("type").asText(), r.body());
        assertEquals("get_weather", call.at("/function/name").asText());
        String id = call.path("id").asText();
        assertFalse(id.isEmpty(), r.body());
        JsonNode args = WireJson.MAPPER.readTree(call.at("/function/arguments").asText());
        assertEquals("sim-city", args.path("city").asText(), "arguments are a JSON string of the schema's object");
        assertEquals("celsius", args.path("unit").asText());

        Reply s = chat(toolAsk(model, true));
        assertEquals(200, s.status(), s.body());
        List<Sse.ToolCall> streamed = Sse.openAiToolCalls(s.body());
        assertEquals(1, streamed.size(), s.body());
        assertEquals("get_weather", streamed.get(0).name());
        assertFalse(streamed.get(0).id() == null || streamed.get(0).id().isEmpty(), s.body());
        assertEquals(args, WireJson.MAPPER.readTree(streamed.get(0).arguments()));
        assertEquals("tool_calls", Sse.openAiFinish(s.body()));

        ObjectNode followUp = (ObjectNode) WireJson.MAPPER.readTree(toolAsk(model, false));
        ArrayNode messages = (ArrayNode) followUp.get("messages");
        ObjectNode assistant = messages.addObject().put("role", "assistant");
        assistant.putNull("content");
        assistant.putArray("tool_calls").add(call);
        messages.addObject().put("role", "tool").put("tool_call_id", id).put("content", "{\"temp_c\":21,\"sky\":\"clear\"}");
        Reply answer = chat(followUp.toString());
        assertEquals(200, answer.status(), answer.body());
        assertEquals("stop", answer.json().at("/choices/0/finish_reason").asText(), answer.body());
        String text = answer.json().at("/choices/0/message/content").asText();
        assertTrue(text.startsWith("Simulated answer from " + simName + " using the tool result: {\"temp_c\":21"), text);
        assertTrue(answer.json().at("/choices/0/message/tool_calls").isMissingNode()
                || answer.json().at("/choices/0/message/tool_calls").isEmpty(), answer.body());
        assertEquals(3, sim.calls(simName));
    }

    // ------------------------------------------------------------------ failover on characteristic errors

    /**
     * The route's primary fails with its provider's characteristic error: the backup serves, the
     * headers say so, and the primary received exactly {@code primaryCalls} calls. Then with the
     * backup failing too, the 502's attempts list shows how the primary's error was classified.
     */
    void assertFailsOver(String route, String primaryTarget, int primaryCalls, IntSupplier primary,
                         boolean stream, int status, String kind) {
        int before = primary.getAsInt();
        Reply r = chat(hello(route, stream));
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"), r.body());
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals(Integer.toString(primaryCalls + 1), r.header("x-detour-attempts"));
        assertEquals(route, r.header("x-detour-route"));
        String text = stream ? Sse.openAiText(r.body()) : r.json().at("/choices/0/message/content").asText();
        assertTrue(text.startsWith("Simulated answer from backup"), text);
        assertEquals(primaryCalls, primary.getAsInt() - before);
        assertEquals(1, sim.calls("backup"));

        sim.chaos("backup", "{\"status\":500}");
        Reply failed = chat(hello(route, false));
        assertEquals(502, failed.status(), failed.body());
        JsonNode attempts = failed.json().at("/error/attempts");
        assertEquals(primaryCalls + 2, attempts.size(), failed.body());
        assertEquals(primaryTarget, attempts.at("/0/target").asText());
        assertEquals(status, attempts.at("/0/status").asInt(), failed.body());
        assertEquals(kind, attempts.at("/0/kind").asText(), failed.body());
        assertEquals("backup/gpt-4o-mini", attempts.at("/" + primaryCalls + "/target").asText());
    }

    @Test
    void openai_503_is_retried_then_fails_over() {
        sim.chaos("oai", "{\"status\":503}");
        assertFailsOver("openai-fo", "oai/gpt-4o", 2, () -> sim.calls("oai"), false, 503, "server_error");
        assertEquals(sim.calls("oai"), sim.answered("oai", 503));
    }

    @Test
    void anthropic_529_overloaded_fails_over_without_retry() {
        sim.chaos("ant", "{\"status\":529}");
        assertFailsOver("anthropic-fo", "ant/claude-sonnet-4-5", 1, () -> sim.calls("ant"), true, 529, "overloaded");
        assertEquals(2, sim.answered("ant", 529));
    }

    @Test
    void gemini_429_resource_exhausted_fails_over() {
        sim.chaos("gem", "{\"status\":429}");
        assertFailsOver("gemini-fo", "gem/gemini-2.5-flash", 2, () -> sim.calls("gem"), false, 429, "rate_limit");
        assertEquals(4, sim.answered("gem", 429));
    }

    @Test
    void gemini_503_unavailable_fails_over_while_streaming() {
        sim.chaos("gem", "{\"status\":503}");
        assertFailsOver("gemini-fo", "gem/gemini-2.5-flash", 2, () -> sim.calls("gem"), true, 503, "overloaded");
        assertEquals(4, sim.answered("gem", 503));
    }

    @Test
    void azure_429_with_retry_after_beyond_max_retry_after_fails_over_at_once() {
        azure.rateLimit(30);
        assertFailsOver("azure-fo", "az/gpt-4o", 1, azure::calls, false, 429, "rate_limit");
    }

    @Test
    void bedrock_throttling_exception_fails_over() {
        bedrock.throttle(true);
        assertFailsOver("bedrock-fo", "br/" + BEDROCK_MODEL, 2, bedrock::calls, true, 429, "rate_limit");
    }

    @Test
    void a_throttling_exception_inside_a_bedrock_stream_fails_over_invisibly() {
        bedrock.throttleInStream(true);
        int before = bedrock.calls();
        Reply r = chat(hello("bedrock-fo", true));
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        assertTrue(Sse.openAiText(r.body()).startsWith("Simulated answer from backup"), r.body());
        assertFalse(r.body().contains("error"), "nothing of the failed attempt reaches the client: " + r.body());
        int calls = bedrock.calls() - before;
        assertTrue(calls >= 1 && calls <= 2, "called, and at most retry.attempts times: " + calls);
        assertEquals(1, sim.calls("backup"));
    }

    // ------------------------------------------------------------------ capabilities

    static final String IMAGE_ASK = """
            {"model":"%s","messages":[{"role":"user","content":[{"type":"text","text":"What is in this picture?"},
             {"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="}}]}]}""";

    @Test
    void a_target_declared_without_vision_is_skipped_for_an_image() {
        Reply r = chat(IMAGE_ASK.formatted("vision"));
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"), "a target other than the plan's first served");
        assertEquals("1", r.header("x-detour-attempts"), "a skipped target is not an upstream call");
        assertEquals(0, sim.calls("blind"));
        assertEquals(1, sim.calls("backup"));

        Reply text = chat(hello("vision", false));
        assertEquals("blind/text-only", text.header("x-detour-target"), "text still goes to the first target");
        assertEquals(1, sim.calls("blind"));

        Reply none = chat(IMAGE_ASK.formatted("blind-only"));
        assertEquals(503, none.status(), none.body());
        JsonNode e = none.json().path("error");
        assertEquals("no_target_available", e.path("code").asText(), none.body());
        assertEquals("blind/text-only", e.at("/attempts/0/target").asText());
        assertTrue(e.at("/attempts/0/skipped").asText().contains("image"), none.body());
        assertTrue(e.path("message").asText().contains("image"), none.body());
        assertEquals(1, sim.calls("blind"), "still not called for an image");
    }

    @Test
    void a_request_beyond_a_targets_context_window_skips_it() {
        Reply small = chat(hello("small", false));
        assertEquals(200, small.status(), small.body());
        assertEquals("tiny/small-ctx", small.header("x-detour-target"), "a small request fits");

        String big = "Summarise this. " + "lorem ipsum dolor sit amet ".repeat(40);
        Reply r = chat("{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals("1", r.header("x-detour-attempts"));
        assertEquals(1, sim.calls("tiny"), "only the small request reached it");
        assertEquals(1, sim.calls("backup"));

        Reply wantsLong = chat("{\"model\":\"small\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
        assertEquals("backup/gpt-4o-mini", wantsLong.header("x-detour-target"), "the output limit counts too");
        assertEquals(1, sim.calls("tiny"));

        sim.chaos("backup", "{\"status\":500}");
        Reply failed = chat("{\"model\":\"small\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}");
        assertEquals(502, failed.status(), failed.body());
        JsonNode first = failed.json().at("/error/attempts/0");
        assertEquals("tiny/small-ctx", first.path("target").asText(), failed.body());
        assertTrue(first.path("skipped").asText().contains("context window of 64"), failed.body());
        assertEquals(1, sim.calls("tiny"));
    }
}
