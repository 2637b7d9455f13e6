package dev.detour.plugin.simulator;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.junit5.VertxTestContext;
import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The simulator keeps serving when callers misbehave, and degrades every format the same way. */
class RobustnessTest extends SimulatorTestBase {

    @Test
    void keeps_serving_after_a_caller_abandons_a_slow_stream(VertxTestContext ctx) {
        sim.setFaults("slow", ChaosFaults.NONE.withChunkDelay(20));
        HttpClient client = vertx.createHttpClient();
        Promise<Void> abandoned = Promise.promise();
        client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(sim.port())
                        .setURI("/slow/v1/chat/completions"))
                .compose(req -> req.send(openAiChat("hello", "\"stream\":true")).map(resp -> {
                    resp.handler(buf -> {
                        // Leave after the first bytes, as a gateway does on a first-token timeout.
                        req.reset();
                        abandoned.tryComplete();
                    });
                    return null;
                }))
                .onFailure(abandoned::tryFail);
        Future<SimHttp.Reply> next = abandoned.future()
                .compose(v -> http.post("/slow/v1/chat/completions", openAiChat("hello again")));
        verify(next, ctx, r -> {
            assertEquals(200, r.status());
            assertEquals(2, sim.stats("slow").calls());
        });
    }

    @Test
    void degrades_anthropic_and_gemini_answers_too(VertxTestContext ctx) {
        sim.setFaults("claude", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.EMPTY));
        sim.setFaults("gem", ChaosFaults.NONE.withDegrade(ChaosFaults.Degrade.TRUNCATE));
        Future<SimHttp.Reply> a = http.post("/claude/v1/messages", anthropicMessage("What is the capital of France?"));
        Future<SimHttp.Reply> g = a.compose(x -> http.post("/gem/v1beta/models/g:generateContent",
                geminiRequest("What is the capital of France?")));
        verify(g, ctx, r -> {
            assertEquals(200, a.result().status());
            assertTrue(a.result().json().get("content").isEmpty());
            assertEquals("end_turn", a.result().json().get("stop_reason").asText());
            assertEquals(0, a.result().json().at("/usage/output_tokens").asInt());
            assertEquals(200, r.status());
            assertEquals("MAX_TOKENS", r.json().at("/candidates/0/finishReason").asText());
        });
    }

    @Test
    void answers_every_path_outside_the_endpoints_with_an_error(VertxTestContext ctx) {
        Future<SimHttp.Reply> root = http.get("/");
        Future<SimHttp.Reply> chaos = root.compose(x -> http.send(HttpMethod.POST, "/_chaos/x", "{}"));
        Future<SimHttp.Reply> gemini = chaos.compose(x -> http.post("/gem/v1beta/models/g:countTokens", "{}"));
        verify(gemini, ctx, r -> {
            assertEquals(404, root.result().status());
            assertEquals(405, chaos.result().status());
            assertEquals(404, r.status());
            Fixtures.assertShape(Fixtures.json("gemini/error_invalid_argument.json"), r.json(), Set.of());
            assertEquals("NOT_FOUND", r.json().at("/error/status").asText());
        });
    }
}
