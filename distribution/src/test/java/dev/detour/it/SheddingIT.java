package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Load shedding through the real gateway: with {@code server.max_in_flight: 8} and an upstream that
 * holds its answers until the test releases them, the slots are filled, then {@code low} is shed
 * first, {@code normal} next, {@code high} only at 1.25× the limit; each shed request is a 429
 * {@code overloaded} with {@code Retry-After}, never reaches the upstream, is counted in
 * {@code detour_shed_total{priority}} and has its access-log line.
 */
class SheddingIT {
    Vertx vertx;
    FakeUpstream upstream;
    HttpClient client;
    Detour gw;
    /** The upstream's calls waiting for their answer, in arrival order. */
    final List<Runnable> held = new ArrayList<>();
    /** Completed when {@link #held} reaches {@link #heldTarget}. */
    Promise<Void> heldReached;
    int heldTarget;

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        upstream = new FakeUpstream(vertx, "up").always((up, req, body) -> hold(() -> Behaviour.ok().answer(up, req, body)));
        await(upstream.start());
        client = vertx.createHttpClient(new PoolOptions().setHttp1MaxSize(32));
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        client.close();
        upstream.close();
        await(vertx.close());
    }

    /** On the upstream's event loop: keeps the answer until {@link #releaseAll}. */
    private void hold(Runnable answer) {
        synchronized (held) {
            held.add(answer);
            if (heldReached != null && held.size() >= heldTarget) {
                heldReached.tryComplete();
            }
        }
    }

    /** Waits (on the event, not on time) until the upstream holds {@code n} calls. */
    private void awaitHeld(int n) {
        Promise<Void> p = Promise.promise();
        synchronized (held) {
            heldTarget = n;
            heldReached = p;
            if (held.size() >= n) {
                p.complete();
            }
        }
        await(p.future());
    }

    private void releaseAll() {
        List<Runnable> all;
        synchronized (held) {
            all = new ArrayList<>(held);
            held.clear();
        }
        vertx.runOnContext(v -> all.forEach(Runnable::run));
    }

    private Future<Reply> send(Map<String, String> headers) {
        RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
                .setURI("/v1/chat/completions").putHeader("content-type", "application/json");
        headers.forEach(ro::putHeader);
        return client.request(ro).compose(req -> req.send(chat("r", false)))
                .compose((HttpClientResponse resp) -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(),
                        b.toString())));
    }

    private Future<Reply> send(String priority) {
        return send(priority == null ? Map.of() : Map.of("x-detour-priority", priority));
    }

    private static void assertShed(Reply r) {
        assertEquals(429, r.status(), r.body());
        assertEquals("overloaded", r.json().at("/error/code").asText(), r.body());
        assertEquals("rate_limit_error", r.json().at("/error/type").asText());
        assertEquals("1", r.header("retry-after"));
        assertTrue(r.header("x-request-id") != null, "a shed answer has its request id");
    }

    private String config(String keys) {
        return "server: { max_in_flight: 8, shutdown_grace: 3s }\n"
                + "providers:\n  up: { type: openai, base_url: \"" + upstream.baseUrl() + "\", api_key: sk-up-1 }\n"
                + "routes:\n  r: { targets: [ { provider: up, model: m } ], detectors: [] }\n"
                + "telemetry: { access_log: json }\n" + keys;
    }

    private long shedMetric(String priority) {
        String series = "detour_shed_total{priority=\"" + priority + "\"} ";
        for (String line : Harness.get(vertx, gw.port(), "/metrics").body().split("\n")) {
            if (line.startsWith(series)) {
                return Long.parseLong(line.substring(series.length()).trim());
            }
        }
        throw new AssertionError("no " + series);
    }

    @Test
    void low_is_shed_first_normal_next_high_only_at_one_and_a_quarter_times_the_limit() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
        List<Future<Reply>> admitted = new ArrayList<>();
        try {
            gw = Harness.start(vertx, config(""));
            for (int i = 0; i < 8; i++) {
                admitted.add(send((String) null));
            }
            awaitHeld(8);   // the limit is reached: 8 requests in flight

            assertShed(await(send("low")));
            admitted.add(send("normal"));
            awaitHeld(9);
            assertShed(await(send("normal")));
            assertShed(await(send((String) null)));
            assertShed(await(send("low")));
            admitted.add(send("high"));
            awaitHeld(10);
            Reply high = await(send("high"));
            assertShed(high);
            assertTrue(high.json().at("/error/message").asText().contains("priority 'high' may join is 10"), high.body());
            assertEquals(10, upstream.calls(), "no shed request reached the upstream");
            assertEquals(2, shedMetric("low"));
            assertEquals(2, shedMetric("normal"));
            assertEquals(1, shedMetric("high"));

            releaseAll();
            for (Future<Reply> f : admitted) {
                assertEquals(200, await(f).status());
            }
            // With the load gone, low gets through again.
            Future<Reply> low = send("low");
            awaitHeld(1);
            releaseAll();
            assertEquals(200, await(low).status());
            assertEquals(11, upstream.calls());
            await(gw.stop());
            gw = null;
        } finally {
            System.setOut(original);
        }
        long shedLines = 0;
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.startsWith("{")) {
                JsonNode l = WireJson.MAPPER.readTree(line);
                if (l.path("status").asInt() == 429) {
                    shedLines++;
                }
            }
        }
        assertEquals(5, shedLines, "each shed request has its access-log line");
    }

    @Test
    void a_keys_priority_is_a_ceiling_the_header_can_only_lower() {
        gw = Harness.start(vertx, config("""
                keys:
                  - { name: gold, key: sk-gold-1234567, priority: high }
                  - { name: batch, key: sk-batch-1234567, priority: low }
                """));
        List<Future<Reply>> admitted = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            admitted.add(send(Map.of("authorization", "Bearer sk-gold-1234567")));
        }
        awaitHeld(8);
        assertShed(await(send(Map.of("authorization", "Bearer sk-batch-1234567", "x-detour-priority", "high"))));
        assertShed(await(send(Map.of("authorization", "Bearer sk-gold-1234567", "x-detour-priority", "low"))));
        assertShed(await(send(Map.of("authorization", "Bearer sk-unknown-1234567", "x-detour-priority", "high"))));
        admitted.add(send(Map.of("x-api-key", "sk-gold-1234567")));
        awaitHeld(9);
        assertEquals(9, upstream.calls());
        assertEquals(3, shedMetric("low"), "batch (its header cannot raise it), gold lowered by its header, an unknown key");
        assertEquals(0, shedMetric("high"));
        releaseAll();
        for (Future<Reply> f : admitted) {
            assertEquals(200, await(f).status());
        }
        assertFalse(upstream.authorizations.stream().anyMatch(a -> a.contains("sk-batch")), "keys never go upstream");
    }
}
