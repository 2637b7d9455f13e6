package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The last-resort rule through the real gateway (plugins from the distribution's jars, real HTTP
 * on loopback, the system clock): detectors may demote a target that still answers, never close
 * it. Issue 12, findings 0 (load alone made Detour refuse its only healthy upstream) and 5 (a slow
 * but working backup behind a dead primary was cut off). While load runs, a sampler reads
 * {@code /admin/targets} every 25 ms, so a breaker that opens even briefly is seen.
 */
class LastResortIT {
    Vertx vertx;
    FakeUpstream solo;
    FakeUpstream primary;
    FakeUpstream backup;
    HttpClient client;
    Detour gw;

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(80));
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        for (FakeUpstream u : new FakeUpstream[] {solo, primary, backup}) {
            if (u != null) {
                u.close();
            }
        }
        await(client.close());
        await(vertx.close());
    }

    @Test
    void load_alone_never_closes_the_only_healthy_upstream() {
        solo = await(new FakeUpstream(vertx, "solo").start());
        // As good as instant (the engine measures whole milliseconds, and learns nothing from 0 ms answers)
        solo.always(Behaviour.delayed(1));
        // The shipped default detectors (no detectors: line means [latency, errors]). A short hold lets the
        // target's state follow its signals within this bounded run, as the default 10 s hold did within
        // the 15 s of wrk.
        gw = Harness.start(vertx, """
                providers:
                  solo: { type: openai, base_url: "%s" }
                routes:
                  r:
                    targets: [ { provider: solo, model: m } ]
                    degradation: { hold: 500ms }
                """.formatted(solo.baseUrl()));
        // Idle, one request at a time: the latency detector learns the idle baseline
        Load idle = closedLoop(1, 300, Duration.ofSeconds(60), "solo/m");
        assertEquals(Map.of(200, 300), idle.statuses(), idle.toString());
        // Then a closed loop of 64 clients (the largest row): the latencies grow with the gateway's
        // own queueing, to several times the idle baseline
        Load load = closedLoop(64, 3000, Duration.ofSeconds(90), "solo/m");
        System.out.println("LastResortIT load: idle " + idle + "; loaded " + load + "; target after: "
                + target("solo/m"));
        assertEquals(Map.of(200, 3000), load.statuses(), "every answer 200: " + load);
        assertEquals(Set.of("closed"), load.circuits(), "the circuit stayed closed throughout: " + load);
        assertEquals("closed", target("solo/m").path("circuit").asText());
        assertEquals(3300, solo.calls(), "every request reached the upstream once");
    }

    @Test
    void a_slow_but_working_backup_behind_a_dead_primary_keeps_every_request() {
        primary = await(new FakeUpstream(vertx, "primary").start());
        backup = await(new FakeUpstream(vertx, "backup").start());
        primary.always(Behaviour.status(503, "server_error", null, "The server is overloaded"));
        gw = Harness.start(vertx, """
                providers:
                  primary: { type: openai, base_url: "%s" }
                  backup:  { type: openai, base_url: "%s" }
                routes:
                  r:
                    targets: [ { provider: primary, model: m }, { provider: backup, model: m } ]
                    retry: { attempts: 1 }
                """.formatted(primary.baseUrl(), backup.baseUrl()));
        // The backup answers fast at first (5 ms: the engine measures whole milliseconds, and a 0 ms answer
        // teaches nothing), so its latency baseline is learned fast
        backup.always(Behaviour.delayed(5));
        Load warm = closedLoop(1, 30, Duration.ofSeconds(30), "backup/m");
        assertEquals(Map.of(200, 30), warm.statuses(), warm.toString());
        // Then it slows to 150 ms per answer: far slower than learned, but the only path that answers
        backup.always(Behaviour.delayed(150));
        int before = backup.calls();
        Load slow = closedLoop(8, 40, Duration.ofSeconds(30), "backup/m");
        JsonNode after = target("backup/m");
        System.out.println("LastResortIT last resort: " + slow + "; backup after: " + after);
        assertEquals(Map.of(200, 40), slow.statuses(), "every answer 200: " + slow);
        assertEquals(Map.of("backup/m", 40), slow.servedBy(), slow.toString());
        assertEquals(40, backup.calls() - before, "the backup is still called for every request");
        assertEquals(Set.of("closed"), slow.circuits(), "the backup's breaker never opened: " + slow);
        assertEquals("closed", after.path("circuit").asText(), after.toString());
        assertNotEquals("healthy", after.path("state").asText(),
                "the latency detector did judge it slow (demoted, not removed): " + after);
    }

    /** What a closed loop of clients saw. */
    record Load(Map<Integer, Integer> statuses, Map<String, Integer> servedBy, Set<String> circuits, long elapsedMs,
                double p50Ms, double p99Ms) {
        @Override
        public String toString() {
            return statuses.values().stream().mapToInt(Integer::intValue).sum() + " requests in " + elapsedMs
                    + " ms, statuses " + statuses + ", served by " + servedBy + ", client latency p50 "
                    + String.format(java.util.Locale.ROOT, "%.2f", p50Ms) + " ms p99 "
                    + String.format(java.util.Locale.ROOT, "%.2f", p99Ms) + " ms, circuits seen " + circuits;
        }
    }

    /**
     * Sends {@code total} non-stream requests from {@code concurrency} clients, each sending its
     * next request when its answer is complete; meanwhile samples the circuit of {@code watched}.
     */
    Load closedLoop(int concurrency, int total, Duration limit, String watched) {
        Map<Integer, Integer> statuses = new ConcurrentHashMap<>();
        Map<String, Integer> servedBy = new ConcurrentHashMap<>();
        Set<String> circuits = ConcurrentHashMap.newKeySet();
        long[] latencies = new long[total];
        AtomicInteger issued = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(concurrency);
        String body = chat("r", false);
        long start = System.nanoTime();
        long sampler = vertx.setPeriodic(25, id -> get("/admin/targets").onSuccess(
                json -> circuits.add(find(json, watched).path("circuit").asText("missing"))));
        for (int w = 0; w < concurrency; w++) {
            new Runnable() {
                @Override
                public void run() {
                    int n = issued.getAndIncrement();
                    if (n >= total) {
                        done.countDown();
                        return;
                    }
                    long t0 = System.nanoTime();
                    client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                                    .setPort(gw.port()).setURI("/v1/chat/completions")
                                    .putHeader("content-type", "application/json"))
                            .compose(req -> req.send(body))
                            .compose(resp -> resp.body().map(b -> {
                                String target = resp.getHeader("x-detour-target");
                                servedBy.merge(target == null ? "-" : target, 1, Integer::sum);
                                return resp.statusCode();
                            }))
                            .onComplete(ar -> {
                                latencies[n] = System.nanoTime() - t0;
                                statuses.merge(ar.succeeded() ? ar.result() : -1, 1, Integer::sum);
                                run();
                            });
                }
            }.run();
        }
        try {
            assertTrue(done.await(limit.toMillis(), TimeUnit.MILLISECONDS), "the load did not finish within " + limit);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        } finally {
            vertx.cancelTimer(sampler);
        }
        long elapsed = (System.nanoTime() - start) / 1_000_000;
        // One last sample after the load, so even the shortest run is seen at least once.
        circuits.add(target(watched).path("circuit").asText("missing"));
        long[] sorted = latencies.clone();
        Arrays.sort(sorted);
        return new Load(new TreeMap<>(statuses), new TreeMap<>(servedBy), circuits, elapsed,
                sorted[sorted.length / 2] / 1e6, sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6);
    }

    Future<JsonNode> get(String path) {
        return client.request(HttpMethod.GET, gw.port(), "127.0.0.1", path)
                .compose(req -> req.send().compose(resp -> resp.body()))
                .map(b -> {
                    try {
                        return WireJson.MAPPER.readTree(b.getBytes());
                    } catch (IOException e) {
                        throw new AssertionError("not JSON: " + b, e);
                    }
                });
    }

    JsonNode target(String id) {
        return find(await(get("/admin/targets")), id);
    }

    static JsonNode find(JsonNode targets, String id) {
        for (JsonNode t : targets.path("targets")) {
            if (t.path("id").asText().equals(id)) {
                return t;
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
}
