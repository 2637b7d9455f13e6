package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route caches ({@code cache: {type: memory}}) through the real gateway: hit and miss, the
 * client's {@code no-cache}/{@code no-store} (ours and {@code Cache-Control}), a stream answered
 * from the cache in OpenAI's and Anthropic's formats, one entry serving both inbound APIs,
 * {@code scope: key} against {@code scope: route}, every "never store" rule, TTL and
 * {@code max_stale} on a manual clock with the stale answer only when every target failed (never
 * for a client error), embeddings, and the cache metrics. Each test asks its own question, so the
 * tests share one gateway without sharing entries.
 */
class CacheIT {
    static final String KEY_A = "sk-detour-team-a-1111";
    static final String KEY_B = "sk-detour-team-b-2222";
    static final Map<String, String> A = Map.of("authorization", "Bearer " + KEY_A);
    static final Map<String, String> B = Map.of("authorization", "Bearer " + KEY_B);
    static final AtomicInteger QUESTIONS = new AtomicInteger();

    static Vertx vertx;
    static Sim sim;
    static FakeUpstream up;
    static FakeUpstream gated;
    static Harness.ManualClock clock = new Harness.ManualClock();
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        sim = new Sim(vertx, Sim.freePort());
        up = await(new FakeUpstream(vertx, "up").start());
        gated = await(new FakeUpstream(vertx, "gated").start());
        gw = Harness.start(vertx, """
                simulator: { port: %d }
                defaults:
                  retry: { attempts: 1, backoff: 1ms, max_backoff: 2ms }
                  circuit_breaker: { min_calls: 1000 }
                  timeouts: { total: 20s }
                providers:
                  up: { type: openai, base_url: "%s", api_key: sk-up-upstream-1 }
                  gated: { type: openai, base_url: "%s", api_key: sk-gated-upstream-2 }
                  semb: { type: openai, base_url: "%s" }
                routes:
                  cached:
                    targets: [ { provider: up, model: gpt-4o } ]
                    detectors: []
                    cache: { type: memory, ttl: 60s, serve_stale_on_failure: true, max_stale: 10m }
                  shared:
                    targets: [ { provider: up, model: gpt-4o } ]
                    detectors: []
                    cache: { type: memory, ttl: 60s, scope: route }
                  gate:
                    targets: [ { provider: gated, model: gpt-4o } ]
                    detectors: []
                    quality_gate: [empty]
                    cache: { type: memory, ttl: 60s }
                  plain: { targets: [ { provider: up, model: gpt-4o } ], detectors: [] }
                  embed:
                    targets: [ { provider: semb, model: text-embedding-3-small } ]
                    detectors: []
                    cache: { type: memory, ttl: 60s }
                  small:
                    targets: [ { provider: up, model: gpt-4o } ]
                    detectors: []
                    cache: { type: memory, ttl: 60s, max_bytes: 64KB }
                  bymeaning:
                    targets: [ { provider: up, model: gpt-4o } ]
                    detectors: []
                    cache: { type: semantic, ttl: 60s, scope: route, embedder: { route: embed }, embed_timeout: 30s }
                keys:
                  - { name: team-a, key: "%s" }
                  - { name: team-b, key: "%s" }
                """.formatted(sim.port, up.baseUrl(), gated.baseUrl(), sim.openAi("semb"), KEY_A, KEY_B), clock);
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        up.close();
        gated.close();
    }

    /** A question no other test asks. */
    static String question() {
        return "What is the answer to question " + QUESTIONS.incrementAndGet() + "?";
    }

    static String chat(String route, String question, boolean stream, String extra) {
        return "{\"model\":\"" + route + "\",\"stream\":" + stream + extra
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + question + "\"}]}";
    }

    static Reply post(String path, String body, Map<String, String> headers) {
        return Harness.post(vertx, gw.port(), path, body, headers);
    }

    static Reply chatAs(Map<String, String> key, String route, String question) {
        return post("/v1/chat/completions", chat(route, question, false, ""), key);
    }

    static Map<String, String> with(Map<String, String> base, String name, String value) {
        Map<String, String> m = new HashMap<>(base);
        m.put(name, value);
        return m;
    }

    static String text(Reply r) {
        return r.json().path("choices").path(0).path("message").path("content").asText();
    }

    @Test
    void aSecondAskIsAnsweredFromTheCacheWithoutAnUpstreamCall() {
        String q = question();
        up.then(Behaviour.text("Forty-two, first time"));
        int before = up.calls();
        Reply first = chatAs(A, "cached", q);
        assertEquals(200, first.status(), first.body());
        assertEquals("miss", first.header("x-detour-cache"));
        assertEquals(before + 1, up.calls());

        Reply second = chatAs(A, "cached", q);
        assertEquals(200, second.status(), second.body());
        assertEquals("hit", second.header("x-detour-cache"));
        assertEquals("Forty-two, first time", text(second));
        assertEquals("0", second.header("x-detour-attempts"));
        assertEquals("up/gpt-4o", second.header("x-detour-target"));
        assertEquals(7, second.json().path("usage").path("completion_tokens").asInt());
        assertEquals(before + 1, up.calls(), "a hit makes no upstream call");
    }

    @Test
    void aRouteWithoutACacheSaysNothingAboutCaching() {
        Reply r = chatAs(A, "plain", question());
        assertEquals(200, r.status(), r.body());
        assertNull(r.header("x-detour-cache"));
    }

    @Test
    void noCacheSkipsTheLookupButStoresTheFreshAnswer() {
        for (Map<String, String> skip : List.of(with(A, "x-detour-cache", "no-cache"),
                with(A, "cache-control", "max-age=0, no-cache"))) {
            String q = question();
            up.then(Behaviour.text("old answer"));
            assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"));
            up.then(Behaviour.text("fresh answer"));
            int before = up.calls();
            Reply fresh = chatAs(skip, "cached", q);
            assertEquals("miss", fresh.header("x-detour-cache"));
            assertEquals("fresh answer", text(fresh));
            assertEquals(before + 1, up.calls());
            Reply again = chatAs(A, "cached", q);
            assertEquals("hit", again.header("x-detour-cache"));
            assertEquals("fresh answer", text(again), "the answer fetched with no-cache replaced the stored one");
        }
    }

    @Test
    void noStoreNeitherLooksUpNorStores() {
        for (Map<String, String> skip : List.of(with(A, "x-detour-cache", "no-store"),
                with(A, "cache-control", "no-store"))) {
            String q = question();
            int before = up.calls();
            assertEquals("miss", chatAs(skip, "cached", q).header("x-detour-cache"));
            assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"), "nothing was stored");
            assertEquals(before + 2, up.calls());
            assertEquals("miss", chatAs(skip, "cached", q).header("x-detour-cache"), "stored, but not looked up");
            assertEquals(before + 3, up.calls());
        }
    }

    @Test
    void anUnknownCacheDirectiveIsRefused() {
        int before = up.calls();
        Reply r = chatAs(with(A, "x-detour-cache", "no_store"), "cached", question());
        assertEquals(400, r.status());
        assertEquals("invalid_request", r.json().path("error").path("code").asText());
        assertTrue(r.json().path("error").path("message").asText().contains("x-detour-cache"));
        assertEquals(before, up.calls());
    }

    @Test
    void aStreamedRequestIsAnsweredFromTheCacheAsAnOpenAiStream() {
        String q = question();
        up.then(Behaviour.text("Streamed from a stored answer"));
        assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"));
        int before = up.calls();
        Reply r = post("/v1/chat/completions", chat("cached", q, true, ",\"stream_options\":{\"include_usage\":true}"), A);
        assertEquals(200, r.status(), r.body());
        assertEquals("hit", r.header("x-detour-cache"));
        assertTrue(r.header("content-type").startsWith("text/event-stream"));
        List<String> events = r.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        StringBuilder text = new StringBuilder();
        JsonNode usage = null;
        String finish = null;
        for (String e : events.subList(0, events.size() - 1)) {
            JsonNode j = Sim.json(e);
            assertEquals("chat.completion.chunk", j.path("object").asText());
            for (JsonNode c : j.path("choices")) {
                text.append(c.path("delta").path("content").asText(""));
                if (c.hasNonNull("finish_reason")) {
                    finish = c.path("finish_reason").asText();
                }
            }
            if (j.hasNonNull("usage")) {
                usage = j.path("usage");
            }
        }
        assertEquals("Streamed from a stored answer", text.toString());
        assertEquals("stop", finish);
        assertEquals(5, usage.path("prompt_tokens").asInt());
        assertEquals(7, usage.path("completion_tokens").asInt());
        assertEquals(before, up.calls());

        // Without include_usage, no usage chunk.
        Reply plain = post("/v1/chat/completions", chat("cached", q, true, ""), A);
        assertTrue(plain.events().stream().noneMatch(e -> e.contains("\"usage\":{")), plain.body());
    }

    @Test
    void aStreamedAnswerIsStoredAndServesAWholeRequest() {
        String q = question();
        up.then(Behaviour.text("one two three four"));
        Reply streamed = post("/v1/chat/completions", chat("cached", q, true, ""), A);
        assertEquals("miss", streamed.header("x-detour-cache"));
        int before = up.calls();
        Reply whole = chatAs(A, "cached", q);
        assertEquals("hit", whole.header("x-detour-cache"));
        assertEquals("one two three four", text(whole));
        assertEquals(7, whole.json().path("usage").path("completion_tokens").asInt(), "the stream's usage was kept");
        assertEquals(before, up.calls());
    }

    @Test
    void oneEntryServesBothApisWholeAndStreamed() {
        String q = question();
        up.then(Behaviour.text("Stored through chat completions"));
        Reply stored = post("/v1/chat/completions", chat("cached", q, false, ",\"max_tokens\":100"), A);
        assertEquals("miss", stored.header("x-detour-cache"));
        int before = up.calls();
        String message = "{\"model\":\"cached\",\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\""
                + q + "\"}]";
        Reply whole = post("/v1/messages", message + "}", with(A, "anthropic-version", "2023-06-01"));
        assertEquals(200, whole.status(), whole.body());
        assertEquals("hit", whole.header("x-detour-cache"));
        assertEquals("message", whole.json().path("type").asText());
        assertEquals("Stored through chat completions", whole.json().path("content").path(0).path("text").asText());
        assertEquals("end_turn", whole.json().path("stop_reason").asText());
        assertEquals(7, whole.json().path("usage").path("output_tokens").asInt());

        Reply streamed = post("/v1/messages", message + ",\"stream\":true}", with(A, "anthropic-version", "2023-06-01"));
        assertEquals(200, streamed.status(), streamed.body());
        assertEquals("hit", streamed.header("x-detour-cache"));
        List<String> types = new java.util.ArrayList<>();
        StringBuilder text = new StringBuilder();
        JsonNode delta = null;
        for (String e : streamed.events()) {
            JsonNode j = Sim.json(e);
            types.add(j.path("type").asText());
            if (j.path("type").asText().equals("content_block_delta")) {
                text.append(j.path("delta").path("text").asText());
            }
            if (j.path("type").asText().equals("message_delta")) {
                delta = j;
            }
        }
        assertEquals("message_start", types.get(0));
        assertEquals("message_stop", types.get(types.size() - 1));
        assertEquals("Stored through chat completions", text.toString());
        assertEquals("end_turn", delta.path("delta").path("stop_reason").asText());
        assertEquals(7, delta.path("usage").path("output_tokens").asInt());
        assertEquals(5, delta.path("usage").path("input_tokens").asInt());
        assertEquals(before, up.calls());
    }

    @Test
    void oneKeyNeverGetsAnothersAnswerUnderScopeKey() {
        String q = question();
        up.then(Behaviour.text("team a's answer"));
        assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"));
        up.then(Behaviour.text("team b's answer"));
        Reply b = chatAs(B, "cached", q);
        assertEquals("miss", b.header("x-detour-cache"));
        assertEquals("team b's answer", text(b));
        assertEquals("team a's answer", text(chatAs(A, "cached", q)));
        assertEquals("team b's answer", text(chatAs(B, "cached", q)));

        // scope: route shares the entry between keys.
        String shared = question();
        up.then(Behaviour.text("everyone's answer"));
        assertEquals("miss", chatAs(A, "shared", shared).header("x-detour-cache"));
        Reply other = chatAs(B, "shared", shared);
        assertEquals("hit", other.header("x-detour-cache"));
        assertEquals("everyone's answer", text(other));
    }

    @Test
    void requestsThatDifferInWhatChangesTheAnswerDoNotShareIt() {
        String q = question();
        chatAs(A, "cached", q);
        int before = up.calls();
        String tools = ",\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\"}}}]";
        for (String extra : List.of(",\"temperature\":0.2", tools, ",\"response_format\":{\"type\":\"json_object\"}",
                ",\"seed\":7", ",\"top_k\":3")) {
            Reply r = post("/v1/chat/completions", chat("cached", q, false, extra), A);
            assertEquals("miss", r.header("x-detour-cache"), extra);
        }
        assertEquals(before + 5, up.calls());
        // What does not change the answer: user, metadata, stream flags.
        Reply same = post("/v1/chat/completions", chat("cached", q, false, ",\"user\":\"u-9\""), A);
        assertEquals("hit", same.header("x-detour-cache"));
    }

    @Test
    void errorsCutStreamsFailedGatesAndMissingChoicesAreNeverStored() {
        // An upstream error (a client error, answered as such).
        String q = question();
        up.then(Behaviour.status(400, "invalid_request_error", null, "bad thing"));
        assertEquals(400, chatAs(A, "cached", q).status());
        assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"));

        // A stream cut after its first content.
        String cut = question();
        up.then(Behaviour.contentThenCut());
        Reply r = post("/v1/chat/completions", chat("cached", cut, true, ""), A);
        assertTrue(r.body().contains("stream_interrupted"), r.body());
        int before = up.calls();
        assertEquals("miss", chatAs(A, "cached", cut).header("x-detour-cache"));
        assertEquals(before + 1, up.calls());

        // An answer that failed the quality gate.
        String empty = question();
        gated.then(Behaviour.text(""));
        Reply failed = chatAs(A, "gate", empty);
        assertEquals(502, failed.status(), failed.body());
        int gatedBefore = gated.calls();
        Reply next = chatAs(A, "gate", empty);
        assertEquals(200, next.status());
        assertEquals("miss", next.header("x-detour-cache"));
        assertEquals(gatedBefore + 1, gated.calls());

        // n = 2 answered with one choice.
        String two = question();
        assertEquals(200, post("/v1/chat/completions", chat("cached", two, false, ",\"n\":2"), A).status());
        Reply again = post("/v1/chat/completions", chat("cached", two, false, ",\"n\":2"), A);
        assertEquals("miss", again.header("x-detour-cache"));
    }

    @Test
    void freshForTheTtlThenStaleOnlyWhenEveryTargetFailedUpToMaxStale() {
        String q = question();
        up.then(Behaviour.text("kept for a day"));
        assertEquals("miss", chatAs(A, "cached", q).header("x-detour-cache"));
        clock.advanceMillis(59_000);
        assertEquals("hit", chatAs(A, "cached", q).header("x-detour-cache"));
        clock.advanceMillis(2_000);

        // Expired: the targets are asked; every one fails, so the stale answer is served.
        up.then(Behaviour.status(503, "server_error", null, "down"));
        Reply stale = chatAs(A, "cached", q);
        assertEquals(200, stale.status(), stale.body());
        assertEquals("stale", stale.header("x-detour-cache"));
        assertTrue(stale.header("warning").startsWith("110 "), stale.header("warning"));
        assertEquals("1", stale.header("x-detour-attempts"));
        assertEquals("kept for a day", text(stale));

        // As a stream too, before anything was sent.
        up.then(Behaviour.status(503, "server_error", null, "down"));
        Reply streamed = post("/v1/chat/completions", chat("cached", q, true, ""), A);
        assertEquals("stale", streamed.header("x-detour-cache"));
        assertTrue(streamed.body().contains("kept for a day") || streamed.body().contains("kept"), streamed.body());

        // A client error is the request's own: never replaced by a stale answer.
        up.then(Behaviour.status(400, "invalid_request_error", null, "bad request"));
        assertEquals(400, chatAs(A, "cached", q).status());

        // The client that skips the cache gets the failure.
        up.then(Behaviour.status(503, "server_error", null, "down"));
        assertEquals(502, chatAs(with(A, "x-detour-cache", "no-cache"), "cached", q).status());

        // Past max_stale it is gone.
        clock.advanceMillis(10 * 60_000);
        up.then(Behaviour.status(503, "server_error", null, "down"));
        Reply gone = chatAs(A, "cached", q);
        assertEquals(502, gone.status(), gone.body());
        assertEquals("miss", gone.header("x-detour-cache"));
    }

    @Test
    void anExpiredEntryIsReplacedByTheNextAnswer() {
        String q = question();
        up.then(Behaviour.text("first"));
        chatAs(A, "cached", q);
        clock.advanceMillis(61_000);
        up.then(Behaviour.text("second"));
        Reply r = chatAs(A, "cached", q);
        assertEquals("miss", r.header("x-detour-cache"));
        assertEquals("second", text(r));
        assertEquals("second", text(chatAs(A, "cached", q)));
    }

    @Test
    void embeddingsAreCachedExactly() {
        sim.reset("semb");
        String body = "{\"model\":\"embed\",\"input\":[\"" + question() + "\"]}";
        Reply first = post("/v1/embeddings", body, A);
        assertEquals(200, first.status(), first.body());
        assertEquals("miss", first.header("x-detour-cache"));
        Reply second = post("/v1/embeddings", body, A);
        assertEquals("hit", second.header("x-detour-cache"));
        assertEquals(first.json().path("data").path(0).path("embedding"), second.json().path("data").path(0).path("embedding"));
        assertEquals(1, sim.calls("semb"));
        Reply other = post("/v1/embeddings", "{\"model\":\"embed\",\"input\":[\"" + question() + "\"]}", A);
        assertEquals("miss", other.header("x-detour-cache"));
        assertEquals(2, sim.calls("semb"));
    }

    @Test
    void aSemanticCacheEmbedsThroughAnEmbeddingsRouteOfTheGateway() {
        sim.reset("semb");
        String q = question();
        up.then(Behaviour.text("by meaning"));
        assertEquals("miss", chatAs(A, "bymeaning", q).header("x-detour-cache"));
        // The store embeds the question through route 'embed' (the simulator) once the answer is sent.
        awaitEntries("bymeaning", 1);
        assertEquals(1, sim.calls("semb"), "the store's embedding came from the embeddings route");
        assertEquals("hit", chatAs(B, "bymeaning", q).header("x-detour-cache"), "the same question needs no embedding");
        assertEquals(1, sim.calls("semb"));
        chatAs(A, "bymeaning", question());
        assertTrue(sim.calls("semb") >= 2, "another question is compared by meaning: embedded through the route");
        awaitEntries("bymeaning", 2);
    }

    /** Waits until a route's cache holds {@code n} entries (a store by meaning embeds after the answer was sent). */
    static void awaitEntries(String route, int n) {
        String series = "detour_cache_entries{route=\"" + route + "\"}";
        for (int i = 0; i < 6000; i++) {
            if (gauge(Harness.get(vertx, gw.port(), "/metrics").body(), series) >= n) {
                return;
            }
        }
        throw new AssertionError("the cache of " + route + " never held " + n + " entries");
    }

    @Test
    void memoryStaysWithinMaxBytesUnderAFloodOfUniquePrompts() {
        // Each answer is about 2 KB: 80 of them are more than twice the 64 KB bound.
        String big = "y".repeat(2000);
        for (int i = 0; i < 80; i++) {
            up.then(Behaviour.text(big));
            Reply r = post("/v1/chat/completions", chat("small", question(), false, ""), A);
            assertEquals(200, r.status(), r.body());
        }
        String metrics = Harness.get(vertx, gw.port(), "/metrics").body();
        long bytes = gauge(metrics, "detour_cache_bytes{route=\"small\"}");
        long entries = gauge(metrics, "detour_cache_entries{route=\"small\"}");
        assertTrue(bytes <= 64 * 1024, "bytes " + bytes);
        assertTrue(entries > 5 && entries < 40, "entries " + entries);
        assertTrue(gauge(metrics, "detour_cache_evictions_total{route=\"small\"}") > 0);
    }

    @Test
    void metricsCountHitsMissesAndStaleAnswersPerRoute() {
        String q = question();
        chatAs(A, "shared", q);
        chatAs(A, "shared", q);
        String metrics = Harness.get(vertx, gw.port(), "/metrics").body();
        assertTrue(gauge(metrics, "detour_cache_hits_total{route=\"shared\"}") >= 1, metrics);
        assertTrue(gauge(metrics, "detour_cache_misses_total{route=\"shared\"}") >= 1);
        assertTrue(metrics.contains("detour_cache_stale_served_total{route=\"cached\"}"));
        assertTrue(metrics.contains("detour_cache_hit_similarity_bucket{route=\"shared\",le=\"1.0\"}"));
        assertTrue(gauge(metrics, "detour_cache_entries{route=\"shared\"}") >= 1);
        assertTrue(!metrics.contains("detour_cache_hits_total{route=\"plain\"}"), "no series for a route without a cache");
    }

    static long gauge(String metrics, String series) {
        return (long) gaugeValue(metrics, series);
    }

    /** The value of one series in Prometheus text. */
    static double gaugeValue(String metrics, String series) {
        for (String line : metrics.split("\n")) {
            if (line.startsWith(series + " ")) {
                return Double.parseDouble(line.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no " + series + " in\n" + metrics);
    }
}
