package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.Harness.Reply;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code POST /v1/responses} (OpenAI's Responses API inbound) end to end, driven by the official
 * {@code openai} SDK for Node ({@code client.responses.create}, whole and streamed, and the SDK's
 * {@code responses.stream} helper, which checks the event sequence as it accumulates it): answers
 * through an OpenAI, an Anthropic and a Gemini target, failover before the first token, a stream
 * cut after commit ending in {@code error} and {@code response.failed}, a function-calling round
 * trip, and the stateless refusals. The SDK is installed from npm into {@code target/openai-sdk}
 * on first use.
 */
class ResponsesIT {
    static final String KEY = "sk-detour-resp-4242";
    /** The SDK version the test drives: a 6.x, the newest line that runs on Node 20. */
    static final String SDK = "openai@6.30.1";
    static final Path SDK_DIR = Path.of("target", "openai-sdk").toAbsolutePath();
    static final List<String> SIM_NAMES = List.of("soai", "sant", "sbak", "sgem", "sdirect");

    static Vertx vertx;
    static Sim sim;
    static FakeUpstream fake;
    static Detour gw;

    @BeforeAll
    static void start() throws Exception {
        installSdk();
        vertx = Detour.newVertx();
        sim = new Sim(vertx, Sim.freePort());
        fake = await(new FakeUpstream(vertx, "fake").start());
        gw = Harness.start(vertx, """
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
                # detectors: [] keeps each plan in its configured order (a scenario that fails a
                # target must not reorder the next one's plan).
                routes:
                  to-openai:    { targets: [ { provider: fake, model: gpt-4o } ], detectors: [] }
                  sim-openai:   { targets: [ { provider: soai, model: gpt-4o } ], detectors: [] }
                  to-anthropic: { targets: [ { provider: sant, model: claude-sonnet-4-5 } ], detectors: [] }
                  to-gemini:    { targets: [ { provider: sgem, model: gemini-2.5-flash } ], detectors: [] }
                  failover:     { targets: [ { provider: soai, model: gpt-4o }, { provider: sbak, model: gpt-4o-mini } ], detectors: [] }
                  cached:
                    targets: [ { provider: sbak, model: gpt-4o } ]
                    detectors: []
                    cache: { type: memory, ttl: 60s }
                  guarded:
                    targets: [ { provider: fake, model: gpt-4o } ]
                    detectors: []
                    guardrails:
                      - { type: pii, action: redact, restore: true }
                keys:
                  - { name: app, key: "%s", routes: [to-openai, sim-openai, to-anthropic, to-gemini, failover, cached, guarded] }
                """.formatted(sim.port, fake.baseUrl(), sim.openAi("soai"), sim.base("sant"), sim.openAi("sbak"),
                sim.base("sgem"), KEY));
    }

    @AfterAll
    static void stop() {
        stopNode();
        if (gw != null) {
            await(gw.stop());
        }
        if (fake != null) {
            fake.close();
        }
        if (vertx != null) {
            await(vertx.close());
        }
    }

    @BeforeEach
    void clean() {
        SIM_NAMES.forEach(sim::reset);
        fake.always(FakeUpstream.Behaviour.ok());
    }

    // ------------------------------------------------------------------ the SDK

    /** Installs the SDK from the npm registry into target/openai-sdk unless it is there already. */
    static synchronized void installSdk() throws IOException, InterruptedException {
        if (Files.exists(SDK_DIR.resolve("node_modules/openai/package.json"))) {
            return;
        }
        Files.createDirectories(SDK_DIR);
        Path log = SDK_DIR.resolve("npm-install.log");
        Process p = new ProcessBuilder("npm", "install", "--no-audit", "--no-fund", "--prefix", SDK_DIR.toString(), SDK)
                .directory(SDK_DIR.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new AssertionError("npm install " + SDK + " took over 5 minutes; see " + log);
        }
        if (p.exitValue() != 0) {
            throw new AssertionError("npm install " + SDK + " failed (Node and npm must be installed, the npm "
                    + "registry reachable):\n" + Files.readString(log));
        }
    }

    /**
     * The script: for each spec line read from stdin, runs its calls in order with the SDK and
     * prints one line, a JSON array with one result per call (the SDK's own object, headers, events,
     * or the error the SDK raised). One Node process serves the whole class: its start and the SDK's
     * import cost more than the calls.
     * {@code roundtrip} is the function-calling loop of OpenAI's guide: the model's output items go
     * back as input, followed by a {@code function_call_output} for each call.
     */
    static final String SCRIPT = """
            import OpenAI from 'openai';
            import readline from 'node:readline';
            const headers = (h) => ({ target: h.get('x-detour-target'), attempts: h.get('x-detour-attempts'),
                                      failover: h.get('x-detour-failover'), route: h.get('x-detour-route') });
            for await (const line of readline.createInterface({ input: process.stdin })) {
              const spec = JSON.parse(line);
              const client = new OpenAI({ baseURL: spec.baseURL, apiKey: spec.apiKey, maxRetries: 0, timeout: 30000 });
              const results = [];
              for (const call of spec.calls) {
                const cl = call.baseURL ? new OpenAI({ baseURL: call.baseURL, apiKey: spec.apiKey, maxRetries: 0 }) : client;
                try {
                  if (call.mode === 'stream') {
                    const { data: stream, response } = await cl.responses.create({ ...call.params, stream: true }).withResponse();
                    const events = [];
                    for await (const ev of stream) events.push(ev);
                    results.push({ headers: headers(response.headers), events });
                  } else if (call.mode === 'helper') {
                    const stream = cl.responses.stream(call.params);
                    const deltas = [];
                    stream.on('response.output_text.delta', (e) => deltas.push(e.delta));
                    const final = await stream.finalResponse();
                    // The helper's final (parsed) response has no output_text convenience: join the parts.
                    const text = final.output.flatMap((o) => (o.type === 'message' ? o.content : []))
                      .filter((c) => c.type === 'output_text').map((c) => c.text).join('');
                    results.push({ response: final, output_text: text, text: deltas.join('') });
                  } else if (call.mode === 'roundtrip') {
                    const input = [...call.params.input];
                    const first = await cl.responses.create({ ...call.params, input });
                    input.push(...first.output);
                    for (const item of first.output) {
                      if (item.type === 'function_call') {
                        input.push({ type: 'function_call_output', call_id: item.call_id, output: call.toolOutput });
                      }
                    }
                    const second = await cl.responses.create({ ...call.params, input });
                    results.push({ first, second, output_text: second.output_text });
                  } else {
                    const { data, response } = await cl.responses.create(call.params).withResponse();
                    results.push({ headers: headers(response.headers), response: data, output_text: data.output_text });
                  }
                } catch (e) {
                  results.push({ error: { name: e.constructor.name, status: e.status ?? null, message: e.message,
                                          code: e.code ?? null, type: e.type ?? null, param: e.param ?? null } });
                }
              }
              process.stdout.write(JSON.stringify(results) + '\\n');
            }
            """;

    /** One call for the script: a mode ({@code create}, {@code stream}, {@code helper}, {@code roundtrip}) and its params. */
    static ObjectNode call(String mode, String paramsJson) {
        ObjectNode c = WireJson.MAPPER.createObjectNode().put("mode", mode);
        c.set("params", Sim.json(paramsJson));
        return c;
    }

    /** The Node process running {@link #SCRIPT}, started on first use. */
    static Process node;
    static BufferedReader nodeOut;

    /** Runs the calls in order through the Node process; one result per call. */
    static synchronized List<JsonNode> sdk(ObjectNode... calls) {
        try {
            if (node == null) {
                Path script = SDK_DIR.resolve("responses.mjs");
                Files.writeString(script, SCRIPT);
                node = new ProcessBuilder("node", script.toString()).directory(SDK_DIR.toFile())
                        .redirectError(ProcessBuilder.Redirect.appendTo(SDK_DIR.resolve("node.err").toFile())).start();
                nodeOut = new BufferedReader(new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8));
            }
            ObjectNode spec = WireJson.MAPPER.createObjectNode().put("baseURL", "http://127.0.0.1:" + gw.port() + "/v1")
                    .put("apiKey", KEY);
            ArrayNode list = spec.putArray("calls");
            for (ObjectNode c : calls) {
                list.add(c);
            }
            node.getOutputStream().write(WireJson.MAPPER.writeValueAsBytes(spec));
            node.getOutputStream().write('\n');
            node.getOutputStream().flush();
            // Bounded: the SDK's own timeout is 30 s a call; a script that hangs must fail the test, not the build.
            String line = CompletableFuture.supplyAsync(() -> {
                try {
                    return nodeOut.readLine();
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).get(60L * calls.length + 30, TimeUnit.SECONDS);
            if (line == null) {
                throw new AssertionError("node exited: " + Files.readString(SDK_DIR.resolve("node.err")));
            }
            List<JsonNode> results = new ArrayList<>();
            WireJson.MAPPER.readTree(line).forEach(results::add);
            assertEquals(calls.length, results.size(), line);
            return results;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } catch (ExecutionException | TimeoutException e) {
            stopNode();
            throw new AssertionError("the SDK script did not answer", e);
        }
    }

    /** Ends the Node process this class started (by its handle: no other process is touched). */
    static synchronized void stopNode() {
        if (node != null) {
            try {
                node.getOutputStream().close();
                if (!node.waitFor(5, TimeUnit.SECONDS)) {
                    node.destroyForcibly();
                }
            } catch (IOException e) {
                node.destroyForcibly();
            } catch (InterruptedException e) {
                node.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            node = null;
        }
    }

    static String ask(String model) {
        return "{\"model\":\"" + model + "\",\"instructions\":\"Be brief.\",\"input\":\"Say hello\",\"max_output_tokens\":256}";
    }

    static List<String> types(JsonNode streamResult) {
        List<String> out = new ArrayList<>();
        streamResult.path("events").forEach(e -> out.add(e.path("type").asText()));
        return out;
    }

    static String deltas(JsonNode streamResult) {
        StringBuilder sb = new StringBuilder();
        streamResult.path("events").forEach(e -> {
            if (e.path("type").asText().equals("response.output_text.delta")) {
                sb.append(e.path("delta").asText());
            }
        });
        return sb.toString();
    }

    static JsonNode last(JsonNode streamResult) {
        JsonNode ev = streamResult.path("events");
        return ev.get(ev.size() - 1);
    }

    /** A streamed answer as the SDK saw it: the documented sequence, numbered, ending completed with usage. */
    static void assertCompletedStream(JsonNode s, String text) {
        List<String> t = types(s);
        assertEquals(List.of("response.created", "response.in_progress", "response.output_item.added",
                "response.content_part.added"), t.subList(0, 4), t.toString());
        assertEquals(List.of("response.output_text.done", "response.content_part.done", "response.output_item.done",
                "response.completed"), t.subList(t.size() - 4, t.size()), t.toString());
        assertTrue(t.stream().filter("response.output_text.delta"::equals).count() >= 2, t.toString());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(i, s.path("events").get(i).path("sequence_number").asInt(), "numbered in order");
        }
        JsonNode done = last(s).path("response");
        assertEquals("completed", done.path("status").asText());
        assertEquals(text, deltas(s));
        assertEquals(text, done.at("/output/0/content/0/text").asText());
        assertTrue(done.at("/usage/input_tokens").asInt() > 0, done.toString());
        assertTrue(done.at("/usage/output_tokens").asInt() > 0, done.toString());
        assertTrue(done.path("id").asText().startsWith("resp_"), done.toString());
    }

    // ------------------------------------------------------------------ the three provider families

    @Test
    void the_sdk_gets_a_response_from_an_openai_target() {
        List<JsonNode> r = sdk(call("create", ask("to-openai")), call("stream", ask("sim-openai")),
                call("create", "{\"model\":\"sim-openai\",\"input\":\"Weather in Paris as JSON\",\"text\":{\"format\":"
                        + "{\"type\":\"json_schema\",\"name\":\"weather\",\"strict\":true,\"schema\":{\"type\":\"object\","
                        + "\"properties\":{\"city\":{\"type\":\"string\"},\"celsius\":{\"type\":\"number\"}},"
                        + "\"required\":[\"city\",\"celsius\"],\"additionalProperties\":false}}}}"));
        JsonNode whole = r.get(0);
        assertFalse(whole.has("error"), whole.toString());
        assertEquals("Hello from fake", whole.path("output_text").asText(), whole.toString());
        JsonNode resp = whole.path("response");
        assertEquals("response", resp.path("object").asText());
        assertTrue(resp.path("id").asText().matches("resp_[0-9a-f]{32}"), resp.toString());
        assertEquals("completed", resp.path("status").asText());
        assertEquals("gpt-4o", resp.path("model").asText());
        assertEquals("Be brief.", resp.path("instructions").asText());
        assertFalse(resp.path("store").asBoolean(true));
        assertEquals(5, resp.at("/usage/input_tokens").asInt());
        assertEquals(7, resp.at("/usage/output_tokens").asInt());
        assertEquals(12, resp.at("/usage/total_tokens").asInt());
        assertEquals("fake/gpt-4o", whole.at("/headers/target").asText());
        assertEquals("to-openai", whole.at("/headers/route").asText());
        // The OpenAI target got a chat completion: instructions first, then the input.
        JsonNode sent = fake.bodies.get(fake.bodies.size() - 1);
        assertEquals("system", sent.at("/messages/0/role").asText(), sent.toString());
        assertEquals("Be brief.", sent.at("/messages/0/content").asText());
        assertEquals("Say hello", sent.at("/messages/1/content").asText());
        assertEquals(256, sent.path("max_completion_tokens").asInt(), sent.toString());

        JsonNode s = r.get(1);
        assertFalse(s.has("error"), s.toString());
        String text = deltas(s);
        assertTrue(text.startsWith("Simulated answer from soai to: Say hello"), text);
        assertCompletedStream(s, text);
        assertEquals("soai/gpt-4o", s.at("/headers/target").asText());

        // text.format reaches the target as its JSON schema response format, and is echoed.
        JsonNode json = r.get(2);
        assertFalse(json.has("error"), json.toString());
        JsonNode answer = Sim.json(json.path("output_text").asText());
        assertTrue(answer.path("city").isTextual() && answer.path("celsius").isNumber(), answer.toString());
        assertEquals("json_schema", json.at("/response/text/format/type").asText(), json.toString());
        assertEquals("weather", json.at("/response/text/format/name").asText());
    }

    @Test
    void the_sdk_gets_a_response_from_an_anthropic_target() {
        List<JsonNode> r = sdk(call("create", ask("to-anthropic")), call("stream", ask("to-anthropic")),
                call("helper", ask("to-anthropic")));
        JsonNode whole = r.get(0);
        assertFalse(whole.has("error"), whole.toString());
        String text = whole.path("output_text").asText();
        assertTrue(text.startsWith("Simulated answer from sant to: Say hello"), whole.toString());
        assertEquals("claude-sonnet-4-5", whole.at("/response/model").asText());
        assertEquals("message", whole.at("/response/output/0/type").asText());
        assertEquals("sant/claude-sonnet-4-5", whole.at("/headers/target").asText());
        assertCompletedStream(r.get(1), text);
        // The SDK's own accumulation of the stream (it checks every index it is given) is the answer.
        assertEquals(text, r.get(2).path("output_text").asText(), r.get(2).toString());
        assertEquals(text, r.get(2).path("text").asText());
        assertEquals(3, sim.calls("sant"));
    }

    @Test
    void the_sdk_gets_a_response_from_a_gemini_target() {
        List<JsonNode> r = sdk(call("create", ask("to-gemini")), call("stream", ask("to-gemini")));
        JsonNode whole = r.get(0);
        assertFalse(whole.has("error"), whole.toString());
        String text = whole.path("output_text").asText();
        assertTrue(text.startsWith("Simulated answer from sgem to: Say hello"), whole.toString());
        assertEquals("gemini-2.5-flash", whole.at("/response/model").asText());
        assertEquals("sgem/gemini-2.5-flash", whole.at("/headers/target").asText());
        assertCompletedStream(r.get(1), text);
        assertEquals(2, sim.calls("sgem"));
    }

    // ------------------------------------------------------------------ failover, cut

    @Test
    void a_failing_first_target_fails_over_before_the_first_token() {
        sim.chaos("soai", "{\"status\":503}");
        List<JsonNode> r = sdk(call("create", ask("failover")), call("stream", ask("failover")));
        JsonNode whole = r.get(0);
        assertFalse(whole.has("error"), whole.toString());
        assertTrue(whole.path("output_text").asText().startsWith("Simulated answer from sbak"), whole.toString());
        assertEquals("gpt-4o-mini", whole.at("/response/model").asText());
        assertEquals("true", whole.at("/headers/failover").asText());
        assertEquals("sbak/gpt-4o-mini", whole.at("/headers/target").asText());
        JsonNode s = r.get(1);
        assertCompletedStream(s, deltas(s));
        assertTrue(deltas(s).startsWith("Simulated answer from sbak"), deltas(s));
        assertEquals("true", s.at("/headers/failover").asText());
        // Retried then failed over, twice: nothing of soai's reached the client.
        assertTrue(sim.answered("soai", 503) >= 2, sim.stats("soai").toString());
        assertEquals(2, sim.calls("sbak"));
    }

    @Test
    void a_stream_cut_after_its_first_token_ends_in_error_and_response_failed() {
        sim.chaos("soai", "{\"cut_after_chunks\":3}");
        JsonNode s = sdk(call("stream", ask("sim-openai"))).get(0);
        assertFalse(s.has("error"), "the SDK reads the failure in-band, not as a broken stream: " + s);
        List<String> t = types(s);
        assertTrue(t.contains("response.output_text.delta"), t.toString());
        assertEquals(List.of("error", "response.failed"), t.subList(t.size() - 2, t.size()), t.toString());
        assertFalse(t.contains("response.completed"), t.toString());
        JsonNode err = s.path("events").get(t.size() - 2);
        assertEquals("stream_interrupted", err.path("code").asText(), err.toString());
        assertFalse(err.path("message").asText().isEmpty());
        JsonNode failed = last(s).path("response");
        assertEquals("failed", failed.path("status").asText());
        assertEquals("server_error", failed.at("/error/code").asText());
        assertEquals("incomplete", failed.at("/output/0/status").asText(), "what was sent stays, marked cut");
    }

    // ------------------------------------------------------------------ tools, refusals

    @Test
    void a_function_call_round_trips_through_anthropic_and_openai_targets() {
        String tools = "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"description\":\"Weather in a city\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]},"
                + "\"strict\":null}]";
        List<String> routes = List.of("to-anthropic", "sim-openai");
        List<ObjectNode> calls = new ArrayList<>();
        for (String route : routes) {
            calls.add(call("roundtrip", "{\"model\":\"" + route + "\"," + tools
                    + ",\"input\":[{\"role\":\"user\",\"content\":\"What is the weather in Paris?\"}]}")
                    .put("toolOutput", "sunny, 21C"));
        }
        List<JsonNode> results = sdk(calls.toArray(ObjectNode[]::new));
        for (int i = 0; i < routes.size(); i++) {
            String route = routes.get(i);
            JsonNode r = results.get(i);
            assertFalse(r.has("error"), route + ": " + r);
            JsonNode fc = r.at("/first/output/0");
            assertEquals("function_call", fc.path("type").asText(), route + ": " + r);
            assertEquals("get_weather", fc.path("name").asText());
            assertFalse(fc.path("call_id").asText().isEmpty());
            assertTrue(Sim.json(fc.path("arguments").asText()).has("city"), fc.toString());
            assertEquals("", r.at("/first/output_text").asText(""), "a call, no text");
            assertTrue(r.path("output_text").asText().contains("using the tool result: sunny, 21C"), route + ": " + r);
        }
        // The second turn reached the Anthropic target as tool_use then tool_result with the same id.
        assertEquals(2, sim.calls("sant"));
    }

    @Test
    void previous_response_id_is_refused_as_the_sdk_reads_it_and_reaches_no_target() {
        List<JsonNode> r = sdk(call("create",
                "{\"model\":\"sim-openai\",\"input\":\"and then?\",\"previous_response_id\":\"resp_68af\"}"));
        JsonNode e = r.get(0).path("error");
        assertEquals("BadRequestError", e.path("name").asText(), r.toString());
        assertEquals(400, e.path("status").asInt());
        assertEquals("invalid_request", e.path("code").asText());
        assertEquals("invalid_request_error", e.path("type").asText());
        assertEquals("previous_response_id", e.path("param").asText());
        assertTrue(e.path("message").asText().contains("stateless"), e.toString());
        assertEquals(0, sim.calls("soai"));
    }

    @Test
    void a_hosted_tool_is_refused_naming_its_type() {
        Reply r = post(vertx, gw.port(), "/v1/responses",
                "{\"model\":\"sim-openai\",\"input\":\"news?\",\"tools\":[{\"type\":\"web_search\"}]}",
                Map.of("authorization", "Bearer " + KEY));
        assertEquals(400, r.status(), r.body());
        assertEquals("tools[0].type", r.json().at("/error/param").asText(), r.body());
        assertTrue(r.json().at("/error/message").asText().contains("web_search"), r.body());
        assertEquals(0, sim.calls("soai"));
    }

    // ------------------------------------------------------------------ cache, guardrails

    static final Map<String, String> AUTH = Map.of("authorization", "Bearer " + KEY);

    @Test
    void the_route_cache_answers_responses_and_shares_answers_with_chat_completions() {
        Reply chat = post(vertx, gw.port(), "/v1/chat/completions",
                "{\"model\":\"cached\",\"messages\":[{\"role\":\"user\",\"content\":\"Cache me\"}]}", AUTH);
        assertEquals(200, chat.status(), chat.body());
        assertEquals("miss", chat.header("x-detour-cache"));
        String text = chat.json().at("/choices/0/message/content").asText();

        Reply whole = post(vertx, gw.port(), "/v1/responses", "{\"model\":\"cached\",\"input\":\"Cache me\"}", AUTH);
        assertEquals(200, whole.status(), whole.body());
        assertEquals("hit", whole.header("x-detour-cache"), "the canonical answer serves every API");
        assertEquals("0", whole.header("x-detour-attempts"));
        assertEquals("response", whole.json().path("object").asText(), whole.body());
        assertEquals(text, whole.json().at("/output/0/content/0/text").asText());

        Reply streamed = post(vertx, gw.port(), "/v1/responses",
                "{\"model\":\"cached\",\"input\":\"Cache me\",\"stream\":true}", AUTH);
        assertEquals(200, streamed.status(), streamed.body());
        assertEquals("hit", streamed.header("x-detour-cache"));
        List<Sse.Event> events = Sse.events(streamed.body());
        assertEquals("response.created", events.get(0).name());
        Sse.Event done = events.get(events.size() - 1);
        assertEquals("response.completed", done.name(), streamed.body());
        assertEquals(text, done.json().at("/response/output/0/content/0/text").asText());
        assertEquals(1, sim.calls("sbak"), "one upstream call for three answers");
    }

    @Test
    void input_guardrails_redact_what_the_target_sees_and_restore_it_in_the_response() {
        String email = "jane.doe@example.com";
        fake.always(FakeUpstream.Behaviour.text("I will write to [EMAIL_1] today."));
        Reply r = post(vertx, gw.port(), "/v1/responses",
                "{\"model\":\"guarded\",\"input\":\"My address is " + email + ", write to me\"}", AUTH);
        assertEquals(200, r.status(), r.body());
        JsonNode sent = fake.bodies.get(fake.bodies.size() - 1);
        assertEquals("My address is [EMAIL_1], write to me", sent.at("/messages/0/content").asText(), sent.toString());
        assertEquals("I will write to " + email + " today.", r.json().at("/output/0/content/0/text").asText(), r.body());
        assertTrue(r.header("x-detour-guardrails").contains("pii:redacted"), r.header("x-detour-guardrails"));
    }

    @Test
    void the_simulator_plays_the_responses_api_for_the_sdk() {
        // Straight to the simulator (no gateway): the demo's keyless Responses endpoint.
        ObjectNode spec = call("create", "{\"model\":\"sim-chat\",\"input\":\"Say hello\"}");
        ObjectNode streamed = call("helper", "{\"model\":\"sim-chat\",\"input\":\"Say hello\"}");
        List<JsonNode> r = sdkAt(sim.openAi("sdirect"), spec, streamed);
        assertTrue(r.get(0).path("output_text").asText().startsWith("Simulated answer from sdirect"), r.toString());
        assertEquals(r.get(0).path("output_text"), r.get(1).path("output_text"), r.toString());
    }

    /** {@link #sdk} against another base URL than the gateway's. */
    static List<JsonNode> sdkAt(String baseUrl, ObjectNode... calls) {
        for (ObjectNode c : calls) {
            c.put("baseURL", baseUrl);
        }
        return sdk(calls);
    }
}
