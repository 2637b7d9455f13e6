package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Future;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ChaosTest extends SimulatorTestBase {

    private static final String CHAT = "/flaky/v1/chat/completions";

    private Future<SimHttp.Reply> put(String name, String body) {
        return http.send(HttpMethod.PUT, "/_chaos/" + name, body);
    }

    private static String text(SimHttp.Reply r) {
        return OpenAiJson.parseResponse(r.json()).text();
    }

    @Test
    void down_closes_the_connection_without_an_answer(VertxTestContext ctx) {
        put("flaky", "{\"down\":true}")
                .compose(p -> http.post(CHAT, openAiChat("hello")))
                .onComplete(ctx.failing(err -> ctx.verify(() -> {
                    Stats s = sim.stats("flaky");
                    assertEquals(1, s.calls());
                    assertEquals(1, s.downCloses());
                    assertTrue(s.byStatus().isEmpty());
                    assertEquals("POST", sim.lastRequest("flaky").orElseThrow().method());
                    ctx.completeNow();
                })));
    }

    @Test
    void status_with_rate_one_answers_that_status_in_each_wire_format(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.status(503, 1.0).withRetryAfter(2));
        sim.setFaults("claude", ChaosFaults.status(529, 1.0).withRetryAfter(3));
        sim.setFaults("gem", ChaosFaults.status(429, 1.0).withRetryAfter(4));
        sim.setFaults("broken", ChaosFaults.status(500, 1.0).withRetryAfter(5));
        Future<SimHttp.Reply> openAi = http.post(CHAT, openAiChat("hello"));
        Future<SimHttp.Reply> anthropic = openAi.compose(x -> http.post("/claude/v1/messages", anthropicMessage("hello")));
        Future<SimHttp.Reply> gemini = anthropic.compose(x -> http.post("/gem/v1beta/models/g:generateContent",
                geminiRequest("hello")));
        Future<SimHttp.Reply> internal = gemini.compose(x -> http.post("/broken/v1/messages", anthropicMessage("hello")));
        verify(internal, ctx, r -> {
            SimHttp.Reply o = openAi.result();
            assertEquals(503, o.status());
            assertEquals("2", o.headers().get("retry-after"));
            Fixtures.assertShape(Fixtures.json("openai/error_quota.json"), o.json(), Set.of());
            assertEquals("server_error", o.json().at("/error/type").asText());

            SimHttp.Reply a = anthropic.result();
            assertEquals(529, a.status());
            assertEquals("3", a.headers().get("retry-after"));
            Fixtures.assertShape(Fixtures.json("anthropic/error_overloaded.json"), a.json(), Set.of());
            assertEquals("overloaded_error", a.json().at("/error/type").asText());

            SimHttp.Reply g = gemini.result();
            assertEquals(429, g.status());
            assertEquals("4", g.headers().get("retry-after"));
            Fixtures.assertShape(Fixtures.json("gemini/error_resource_exhausted.json"), g.json(), Set.of());
            assertEquals("RESOURCE_EXHAUSTED", g.json().at("/error/status").asText());

            assertEquals(500, r.status());
            assertEquals("api_error", r.json().at("/error/type").asText());
            assertNull(r.headers().get("retry-after"), "Retry-After only on 429, 503 and 529");
        });
    }

    @Test
    void status_at_half_rate_with_a_seed_is_reproducible(VertxTestContext ctx) {
        SimulatorServer twin = SimulatorServer.create(vertx, SimulatorOptions.ephemeral(7L));
        sim.setFaults("flaky", ChaosFaults.status(503, 0.5));
        twin.setFaults("flaky", ChaosFaults.status(503, 0.5));
        Future<List<Integer>> first = statuses(http, 40);
        Future<List<Integer>> second = first.compose(x -> twin.listen())
                .compose(port -> statuses(new SimHttp(vertx, port), 40));
        verify(second.eventually(() -> twin.close()), ctx, seq -> {
            assertEquals(first.result(), seq, "same seed, same sequence");
            long errors = seq.stream().filter(s -> s == 503).count();
            assertTrue(errors >= 10 && errors <= 30, "about half failed: " + errors);
            assertTrue(seq.stream().allMatch(s -> s == 200 || s == 503));
            Stats s = sim.stats("flaky");
            assertEquals(40, s.calls());
            assertEquals(errors, s.count(503));
            assertEquals(40 - errors, s.count(200));
        });
    }

    private Future<List<Integer>> statuses(SimHttp client, int n) {
        List<Integer> out = new ArrayList<>();
        Future<Void> chain = Future.succeededFuture();
        for (int i = 0; i < n; i++) {
            chain = chain.compose(v -> client.post(CHAT, openAiChat("hello")).map(r -> {
                out.add(r.status());
                return null;
            }));
        }
        return chain.map(v -> out);
    }

    @Test
    void latency_delays_the_answer_behind_an_undelayed_one(VertxTestContext ctx) {
        sim.setFaults("slow", ChaosFaults.NONE.withLatency(300, 50));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Future<SimHttp.Reply> slow = http.post("/slow/v1/chat/completions", openAiChat("hi")).onSuccess(r -> order.add("slow"));
        // The fast call starts only once the slow one has been counted, i.e. is already waiting on its timer.
        Future<SimHttp.Reply> fast = waitForCall("slow").compose(v -> http.post("/fast/v1/chat/completions", openAiChat("hi")))
                .onSuccess(r -> order.add("fast"));
        verify(Future.all(slow, fast), ctx, all -> {
            assertEquals(List.of("fast", "slow"), order);
            assertEquals(200, slow.result().status());
        });
    }

    @Test
    void chunk_delay_slows_a_stream_behind_an_undelayed_one(VertxTestContext ctx) {
        sim.setFaults("slow", ChaosFaults.NONE.withChunkDelay(40));
        List<String> order = Collections.synchronizedList(new ArrayList<>());
        Future<SimHttp.Streamed> slow = http.stream("/slow/v1/chat/completions", openAiChat("hi", "\"stream\":true"))
                .onSuccess(r -> order.add("slow"));
        Future<SimHttp.Streamed> fast = waitForCall("slow")
                .compose(v -> http.stream("/fast/v1/chat/completions", openAiChat("hi", "\"stream\":true")))
                .onSuccess(r -> order.add("fast"));
        verify(Future.all(slow, fast), ctx, all -> {
            assertEquals(List.of("fast", "slow"), order);
            assertTrue(slow.result().ended());
            List<SimHttp.Event> ev = slow.result().events();
            assertEquals("[DONE]", ev.get(ev.size() - 1).data(), "a slow stream is still complete");
        });
    }

    private Future<Void> waitForCall(String name) {
        io.vertx.core.Promise<Void> p = io.vertx.core.Promise.promise();
        vertx.setPeriodic(5, id -> {
            if (sim.stats(name).calls() > 0) {
                vertx.cancelTimer(id);
                p.tryComplete();
            }
        });
        return p.future();
    }

    @Test
    void cut_after_chunks_ends_each_stream_without_its_terminal_event(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withCutAfterChunks(3));
        sim.setFaults("claude", ChaosFaults.NONE.withCutAfterChunks(4));
        sim.setFaults("gem", ChaosFaults.NONE.withCutAfterChunks(2));
        Future<SimHttp.Streamed> openAi = http.stream(CHAT, openAiChat("hello world", "\"stream\":true"));
        Future<SimHttp.Streamed> anthropic = openAi.compose(x -> http.stream("/claude/v1/messages",
                anthropicMessage("hello world", "\"stream\":true")));
        Future<SimHttp.Streamed> gemini = anthropic.compose(x -> http.stream(
                "/gem/v1beta/models/g:streamGenerateContent?alt=sse", geminiRequest("hello world")));
        Future<SimHttp.Streamed> array = gemini.compose(x -> http.stream(
                "/gem/v1beta/models/g:streamGenerateContent", geminiRequest("hello world")));
        verify(array, ctx, arr -> {
            SimHttp.Streamed o = openAi.result();
            assertFalse(o.ended());
            assertEquals(200, o.status());
            assertEquals(3, o.events().size());
            assertTrue(o.events().stream().noneMatch(e -> e.data().equals("[DONE]")));
            SimHttp.Streamed a = anthropic.result();
            assertFalse(a.ended());
            assertEquals(4, a.events().size());
            assertTrue(a.events().stream().noneMatch(e -> e.type().equals("message_stop")));
            SimHttp.Streamed g = gemini.result();
            assertFalse(g.ended());
            assertEquals(2, g.events().size());
            assertFalse(arr.ended());
            assertTrue(arr.raw().startsWith("[") && !arr.raw().endsWith("]"), arr.raw());
        });
    }

    @Test
    void cut_after_zero_chunks_sends_headers_then_closes(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withCutAfterChunks(0));
        verify(http.stream(CHAT, openAiChat("hello", "\"stream\":true")), ctx, s -> {
            assertEquals(200, s.status());
            assertFalse(s.ended());
            assertTrue(s.events().isEmpty());
        });
    }

    @Test
    void degrade_empty_answers_200_with_no_text(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.EMPTY));
        verify(http.post(CHAT, openAiChat("What is the capital of France?")), ctx, r -> {
            assertEquals(200, r.status());
            assertEquals("", text(r));
            assertEquals(0, OpenAiJson.parseResponse(r.json()).usage().completionTokens());
        });
    }

    @Test
    void degrade_repeat_answers_one_phrase_over_and_over(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.REPEAT));
        verify(http.post(CHAT, openAiChat("What is the capital of France?")), ctx, r -> {
            String t = text(r);
            String phrase = "Simulated answer from flaky.";
            assertTrue(t.split(java.util.regex.Pattern.quote(phrase), -1).length - 1 >= 5, t);
        });
    }

    @Test
    void degrade_truncate_cuts_mid_sentence_with_finish_length(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.TRUNCATE));
        Future<SimHttp.Reply> whole = http.post("/healthy/v1/chat/completions", openAiChat("What is the capital of France?"));
        Future<SimHttp.Reply> cut = whole.compose(x -> http.post(CHAT, openAiChat("What is the capital of France?")));
        verify(cut, ctx, r -> {
            ChatResponse resp = OpenAiJson.parseResponse(r.json());
            assertEquals(FinishReason.LENGTH, resp.finishReason());
            assertFalse(resp.text().endsWith("."), resp.text());
            assertTrue(resp.text().length() < text(whole.result()).length());
        });
    }

    @Test
    void degrade_off_topic_answers_unrelated_text_in_a_stream_too(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.OFF_TOPIC));
        verify(http.stream(CHAT, openAiChat("What is the capital of France?", "\"stream\":true")), ctx, s -> {
            assertTrue(s.ended());
            StringBuilder sb = new StringBuilder();
            for (SimHttp.Event e : s.events()) {
                if (!e.data().equals("[DONE]")) {
                    OpenAiJson.parseChunk(e.json()).forEach(c -> sb.append(c.text() == null ? "" : c.text()));
                }
            }
            String t = sb.toString();
            assertFalse(t.isEmpty());
            assertFalse(t.contains("France") || t.contains("Simulated answer"), t);
        });
    }

    @Test
    void degrade_answers_text_even_when_tools_are_offered(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.EMPTY));
        verify(http.post(CHAT, openAiChat("Weather?", "\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"w\"}}]")),
                ctx, r -> assertEquals(FinishReason.STOP, OpenAiJson.parseResponse(r.json()).finishReason()));
    }

    @Test
    void stats_count_every_call_by_status(VertxTestContext ctx) {
        Future<SimHttp.Reply> ok = http.post(CHAT, openAiChat("hello"));
        Future<SimHttp.Reply> bad = ok.compose(x -> http.post(CHAT, "{}"));
        Future<SimHttp.Reply> failing = bad.compose(x -> put("flaky", "{\"status\":429}"))
                .compose(x -> http.post(CHAT, openAiChat("hello")));
        Future<SimHttp.Reply> down = failing.compose(x -> put("flaky", "{\"down\":true}"))
                .compose(x -> http.post(CHAT, openAiChat("hello")))
                .recover(e -> Future.succeededFuture(null));
        Future<SimHttp.Reply> stats = down.compose(x -> http.get("/_chaos/flaky/stats"));
        verify(stats, ctx, r -> {
            assertEquals(200, r.status());
            JsonNode s = r.json();
            assertEquals("flaky", s.get("name").asText());
            assertEquals(4, s.get("calls").asInt());
            assertEquals(Map.of("200", 1, "400", 1, "429", 1), Map.of(
                    "200", s.at("/by_status/200").asInt(), "400", s.at("/by_status/400").asInt(),
                    "429", s.at("/by_status/429").asInt()));
            assertEquals(3, s.get("by_status").size());
            assertEquals(1, s.get("down_closes").asInt());
            assertEquals(0, sim.stats("other").calls());
        });
    }

    @Test
    void put_get_and_delete_manage_the_faults(VertxTestContext ctx) {
        String body = "{\"status\":503,\"rate\":1.0,\"retry_after\":2,\"latency_ms\":1,\"jitter_ms\":1,"
                + "\"chunk_delay_ms\":0,\"cut_after_chunks\":9,\"degrade\":\"off_topic\"}";
        Future<SimHttp.Reply> set = put("flaky", body);
        Future<SimHttp.Reply> read = set.compose(x -> http.get("/_chaos/flaky"));
        Future<SimHttp.Reply> failing = read.compose(x -> http.post(CHAT, openAiChat("hello")));
        Future<SimHttp.Reply> delete = failing.compose(x -> http.send(HttpMethod.DELETE, "/_chaos/flaky", null));
        Future<SimHttp.Reply> healed = delete.compose(x -> http.post(CHAT, openAiChat("hello")));
        Future<SimHttp.Reply> after = healed.compose(x -> http.get("/_chaos/flaky"));
        verify(after, ctx, r -> {
            assertEquals(200, set.result().status());
            assertEquals(OpenAiSimFormatTest.parse(body), read.result().json());
            assertEquals(503, failing.result().status());
            assertEquals(204, delete.result().status());
            assertEquals(200, healed.result().status());
            assertEquals("{}", r.body());
            assertEquals(ChaosFaults.NONE, sim.faults("flaky"));
        });
    }

    @Test
    void invalid_chaos_bodies_are_rejected_naming_the_field(VertxTestContext ctx) {
        Map<String, String> cases = new java.util.LinkedHashMap<>();
        cases.put("{\"status\":503,\"rate\":1.5}", "rate");
        cases.put("{\"status\":99}", "status");
        cases.put("{\"status\":\"503\"}", "status");
        cases.put("{\"statuss\":503}", "statuss");
        cases.put("{\"down\":1}", "down");
        cases.put("{\"latency_ms\":-5}", "latency_ms");
        cases.put("{\"cut_after_chunks\":2.5}", "cut_after_chunks");
        cases.put("{\"degrade\":\"sideways\"}", "degrade");
        cases.put("{\"rate\":0.5}", "rate");
        cases.put("[1]", "body");
        cases.put("not json", "body");
        cases.put("", "body");
        List<String> problems = Collections.synchronizedList(new ArrayList<>());
        Future<Void> chain = Future.succeededFuture();
        for (Map.Entry<String, String> c : cases.entrySet()) {
            chain = chain.compose(v -> put("flaky", c.getKey()).map(r -> {
                JsonNode e = r.json().path("error");
                if (r.status() != 400 || !e.path("message").asText().startsWith(c.getValue() + ":")
                        || !e.path("code").asText().equals("invalid_chaos")
                        || !e.path("type").asText().equals("invalid_request_error")) {
                    problems.add(c.getKey() + " -> " + r.status() + " " + r.body());
                }
                return null;
            }));
        }
        verify(chain, ctx, v -> {
            assertTrue(problems.isEmpty(), String.join("\n", problems));
            assertEquals(ChaosFaults.NONE, sim.faults("flaky"), "a rejected body changes nothing");
        });
    }

    @Test
    void faults_can_be_set_and_cleared_from_code(VertxTestContext ctx) {
        sim.setFaults("flaky", ChaosFaults.status(418, 1.0));
        Future<SimHttp.Reply> teapot = http.post(CHAT, openAiChat("hello"));
        Future<SimHttp.Reply> healed = teapot.compose(x -> {
            sim.clearFaults("flaky");
            return http.post(CHAT, openAiChat("hello"));
        });
        verify(healed, ctx, r -> {
            assertEquals(418, teapot.result().status());
            assertNotNull(teapot.result().json().get("error"));
            assertEquals(200, r.status());
            assertEquals(2, sim.stats("flaky").calls());
            sim.resetStats("flaky");
            assertEquals(0, sim.stats("flaky").calls());
        });
    }
}
