package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import dev.detour.wire.openai.OpenAiJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A change of traffic mix is not a degradation, through the real gateway with every answer
 * detector loaded from its jar, on an injected clock. The primary plays a reasoning model: 2.5 s
 * before the first token plus 0.1 ms per prompt token, then 8 ms per output token (its answers'
 * latency per token varies sixfold between short and long answers, and large prompts double it),
 * reporting its usage. Whatever the clients switch to, it keeps all its traffic and never leaves
 * {@code healthy}.
 */
class TrafficMixIT {
    Vertx vertx;
    FakeUpstream a;
    FakeUpstream b;
    Harness.ManualClock clock;
    Detour gw;
    /** One client for the whole test: a connection per request would cost more than the request. */
    io.vertx.core.http.HttpClient client;
    final SplittableRandom random = new SplittableRandom(5);

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(true));
        clock = new Harness.ManualClock();
        a = await(new FakeUpstream(vertx, "a").start());
        b = await(new FakeUpstream(vertx, "b").start());
        a.always(thinker());
        b.always(thinker());
        gw = Harness.start(vertx, """
                providers:
                  a: { type: openai, base_url: "%s" }
                  b: { type: openai, base_url: "%s" }
                routes:
                  r:
                    strategy: priority
                    targets: [ { provider: a, model: m }, { provider: b, model: m } ]
                    retry: { attempts: 1 }
                    circuit_breaker: { failure_ratio: 1.0, min_calls: 100000, window: 60s, cooldown: 5s }
                    detectors: [latency, errors, tokens, quality]
                    degradation: { shift: gradual, probe_share: 0.05, probe_interval: 5s, hold: 10s }
                """.formatted(a.baseUrl(), b.baseUrl()), clock);
    }

    @AfterEach
    void stop() {
        await(gw.stop());
        a.close();
        b.close();
        await(vertx.close());
    }

    /**
     * Answers {@code max_tokens} words after advancing the clock by the model's time; a stream's
     * words all follow its first token at once (the clock cannot be advanced between chunks without
     * racing the gateway's reads), so its decode time is nil.
     */
    Behaviour thinker() {
        return (up, req, body) -> {
            int promptTokens = body.path("messages").get(0).path("content").asText().length() / 4;
            int n = body.path("max_tokens").asInt(10);
            boolean stream = body.path("stream").asBoolean(false);
            double jitter = 0.9 + 0.2 * random.nextDouble();
            clock.advanceMillis(Math.round((2500 + 0.1 * promptTokens + (stream ? 0 : 8 * n)) * jitter));
            StringBuilder words = new StringBuilder();
            for (int i = 0; i < n; i++) {
                words.append(i == 0 ? "" : " ").append("w").append(i);
            }
            String text = words.toString();
            String model = body.path("model").asText();
            if (!stream) {
                ChatResponse r = new ChatResponse("chatcmpl-x", model, 1, List.of(new Choice(0,
                        Message.assistant(text, List.of()), FinishReason.STOP)), Usage.of(promptTokens, n), null);
                req.response().putHeader("content-type", "application/json").end(OpenAiJson.writeResponse(r).toString());
                return;
            }
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(new ChatChunk("chatcmpl-x", model, 1, 0, "assistant", "", null, List.of(), null, null, null)));
            r.write(up.sse(ChatChunk.text("chatcmpl-x", model, 1, text)));
            r.write(up.sse(new ChatChunk("chatcmpl-x", model, 1, 0, null, null, null, List.of(), FinishReason.STOP,
                    null, null)));
            r.write(up.sse(new ChatChunk("chatcmpl-x", model, 1, 0, null, null, null, List.of(), null,
                    Usage.of(promptTokens, n), null)));
            r.end("data: [DONE]\n\n");
        };
    }

    /** Sends {@code count} requests of one mix; answers of minOut..maxOut tokens. */
    void send(int count, int promptTokens, int minOut, int maxOut, boolean stream) {
        String prompt = "abcd".repeat(promptTokens);
        for (int i = 0; i < count; i++) {
            int n = minOut + random.nextInt(maxOut - minOut + 1);
            String body = "{\"model\":\"r\",\"stream\":" + stream + ",\"max_tokens\":" + n
                    + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}";
            Reply r = post(body);
            assertEquals(200, r.status(), r.body());
            assertEquals("a/m", r.headers().get("x-detour-target"), "the primary serves every mix");
        }
    }

    @Test
    void healthy_targets_never_leave_healthy_when_the_traffic_mix_changes() {
        send(60, 200, 5, 30, false);       // short whole answers, small prompts
        send(60, 200, 400, 900, false);    // then long answers
        send(40, 200, 5, 30, false);       // then short again
        send(60, 200, 5, 30, true);        // then streams
        send(60, 30_000, 5, 30, false);    // then large prompts
        send(60, 30_000, 5, 30, true);     // and large prompts streamed
        assertEquals(340, a.calls());
        assertEquals(0, b.calls());
        List<String> changes = new ArrayList<>();
        for (JsonNode e : Harness.get(vertx, gw.port(), "/admin/events").json().path("events")) {
            if (e.path("type").asText().equals("health")) {
                changes.add(e.toString());
            }
        }
        assertTrue(changes.isEmpty(), "no state change: " + changes);
        for (JsonNode t : Harness.get(vertx, gw.port(), "/admin/targets").json().path("targets")) {
            if (t.path("id").asText().equals("a/m")) {
                assertEquals("healthy", t.path("state").asText(), t.toString());
                assertEquals(1.0, t.path("score").asDouble(), t.toString());
            }
        }
    }

    Reply post(String body) {
        return await(client.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/chat/completions")
                        .putHeader("content-type", "application/json"))
                .compose(req -> req.send(body).compose(resp -> resp.body()
                        .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
    }
}
