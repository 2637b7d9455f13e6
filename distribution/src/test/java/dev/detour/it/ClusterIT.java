package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detour.it.FakeUpstream.Behaviour;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two gateway processes of the assembled distribution sharing one real Redis (Debian's
 * redis-server): they see each other, a breaker one opens is open on the other, and a Redis crash
 * costs no request.
 */
class ClusterIT {
    static final ObjectMapper JSON = new ObjectMapper();
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    Vertx vertx;
    FakeUpstream primary;
    FakeUpstream backup;
    RedisServer redis;
    final List<Gateway> gateways = new ArrayList<>();

    /** One gateway process, its port, its stderr (the log) and its live /admin/events. */
    final class Gateway implements AutoCloseable {
        final Process process;
        final int port;
        final Path log;
        final BlockingQueue<JsonNode> events = new LinkedBlockingQueue<>();
        final CompletableFuture<Void> eventsDone = new CompletableFuture<>();

        Gateway(String yaml) throws Exception {
            Path config = Harness.write(yaml);
            log = Files.createTempFile("detour-cluster", ".log");
            process = Cli.builder(Map.of(), "run", "--config", config.toString(), "--port", "0")
                    .redirectError(log.toFile()).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            int p = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            for (String line; p < 0 && (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    p = Integer.parseInt(m.group(1));
                }
            }
            assertTrue(p > 0, "the gateway never said it was listening: " + Files.readString(log));
            port = p;
            gateways.add(this);
            HttpRequest sse = HttpRequest.newBuilder(uri("/admin/events")).header("accept", "text/event-stream").build();
            http.sendAsync(sse, HttpResponse.BodyHandlers.ofLines()).thenAccept(r -> r.body().forEach(line -> {
                if (line.startsWith("data: ")) {
                    try {
                        events.add(JSON.readTree(line.substring(6)));
                    } catch (IOException e) {
                        throw new AssertionError(e);
                    }
                }
            })).whenComplete((v, e) -> eventsDone.complete(null));
        }

        URI uri(String path) {
            return URI.create("http://127.0.0.1:" + port + path);
        }

        JsonNode get(String path) throws Exception {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return JSON.readTree(r.body()).deepCopy();
        }

        int status(String path) throws Exception {
            return http.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode();
        }

        HttpResponse<String> chat() throws Exception {
            return http.send(HttpRequest.newBuilder(uri("/v1/chat/completions")).timeout(Duration.ofSeconds(20))
                    .header("content-type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(Harness.chat("support", false))).build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        /** The first event (already seen or to come) that {@code p} accepts, within 20 s. */
        JsonNode awaitEvent(Predicate<JsonNode> p) throws InterruptedException {
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            for (long left; (left = end - System.nanoTime()) > 0; ) {
                JsonNode e = events.poll(left, TimeUnit.NANOSECONDS);
                if (e != null && p.test(e)) {
                    return e;
                }
            }
            throw new AssertionError("no such event on :" + port);
        }

        long logLines(String text) throws IOException {
            return Files.readAllLines(log).stream().filter(l -> l.contains(text)).count();
        }

        @Override
        public void close() throws Exception {
            process.toHandle().destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static Predicate<JsonNode> cluster(String change) {
        return e -> e.path("type").asText().equals("cluster") && e.path("change").asText().equals(change);
    }

    String config(String extra) {
        return """
                server: { shutdown_grace: 2s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-1, region: us-east-1, category: closed }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-2, region: eu-west-1, category: closed }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    retry: { attempts: 1 }
                    circuit_breaker: { failure_ratio: 0.5, min_calls: 2, window: 60s, cooldown: 60s }
                    detectors: []
                cluster:
                  redis: "%s"
                  sync_interval: 100ms
                %s
                """.formatted(primary.baseUrl(), backup.baseUrl(), redis.url(), extra);
    }

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
        primary = await(new FakeUpstream(vertx, "primary").start());
        backup = await(new FakeUpstream(vertx, "backup").start());
        redis = new RedisServer().start();
    }

    @AfterEach
    void tearDown() throws Exception {
        for (Gateway g : gateways) {
            g.close();
        }
        redis.close();
        primary.close();
        backup.close();
        await(vertx.close());
    }

    @Test
    void two_instances_see_each_other_and_a_breaker_one_opens_is_open_on_the_other() throws Exception {
        Gateway a = new Gateway(config(""));
        Gateway b = new Gateway(config(""));
        a.awaitEvent(cluster("joined"));
        b.awaitEvent(cluster("joined"));

        // Each lists both, with the same version and config digest: no drift.
        a.awaitEvent(cluster("peer_joined"));
        JsonNode view = a.get("/admin/cluster");
        assertEquals("up", view.path("redis").asText(), view.toString());
        assertEquals(2, view.path("instances").size(), view.toString());
        assertEquals(0, view.path("warnings").size(), view.toString());

        // The primary fails on a: two failed calls open a's breaker (min_calls 2, ratio 0.5).
        primary.always(Behaviour.status(503, "server_error", null, "overloaded"));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = a.chat();
            assertEquals(200, r.statusCode(), r.body());
            assertEquals("backup/gpt-4o-mini", r.headers().firstValue("x-detour-target").orElse(""));
        }
        assertEquals(2, primary.calls());
        assertEquals("open", target(a, "primary/gpt-4o").path("circuit").asText());

        // b never called the primary, yet skips it: a's breaker is open on b too.
        JsonNode shared = b.awaitEvent(cluster("breaker_shared"));
        assertTrue(shared.path("detail").asText().startsWith("primary/gpt-4o opened by instance "), shared.toString());
        assertEquals("open", target(b, "primary/gpt-4o").path("circuit").asText());
        HttpResponse<String> r = b.chat();
        assertEquals(200, r.statusCode(), r.body());
        assertEquals("backup/gpt-4o-mini", r.headers().firstValue("x-detour-target").orElse(""));
        assertEquals(2, primary.calls(), "b skipped the primary without calling it");
    }

    @Test
    void different_configs_are_reported_as_drift() throws Exception {
        Gateway a = new Gateway(config(""));
        Gateway b = new Gateway(config("# another revision of the file\n"));
        a.awaitEvent(cluster("joined"));
        b.awaitEvent(cluster("joined"));
        a.awaitEvent(cluster("peer_joined"));
        JsonNode view = a.get("/admin/cluster");
        assertEquals(2, view.path("instances").size(), view.toString());
        assertTrue(view.path("warnings").toString().contains("config drift"), view.toString());
    }

    @Test
    void a_redis_crash_costs_no_request_and_the_cluster_resyncs_when_it_returns() throws Exception {
        Gateway a = new Gateway(config(""));
        Gateway b = new Gateway(config(""));
        a.awaitEvent(cluster("joined"));
        b.awaitEvent(cluster("joined"));

        redis.kill();
        // Requests keep being served on local state while Redis is gone (on_redis_down: local).
        for (int i = 0; i < 20; i++) {
            for (Gateway g : List.of(a, b)) {
                HttpResponse<String> r = g.chat();
                assertEquals(200, r.statusCode(), r.body());
            }
        }
        a.awaitEvent(cluster("redis_down"));
        b.awaitEvent(cluster("redis_down"));
        assertEquals("down", a.get("/admin/cluster").path("redis").asText());
        assertEquals(200, a.status("/readyz"), "local mode stays ready");
        assertTrue(new String(http.send(HttpRequest.newBuilder(a.uri("/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("detour_cluster_redis_up 0"));

        redis.start(); // the same port
        a.awaitEvent(cluster("redis_up"));
        b.awaitEvent(cluster("redis_up"));
        a.awaitEvent(cluster("peer_joined"));
        JsonNode view = a.get("/admin/cluster");
        assertEquals("up", view.path("redis").asText());
        assertEquals(2, view.path("instances").size(), "both republished their heartbeat: " + view);
        // One log line per transition, however many exchanges failed meanwhile.
        assertEquals(1, a.logLines("cluster: Redis unreachable"));
        assertEquals(1, a.logLines("cluster: Redis is back"));
    }

    @Test
    void on_redis_down_closed_says_not_ready_while_redis_is_gone() throws Exception {
        Gateway a = new Gateway(config("").replace("sync_interval: 100ms", "sync_interval: 100ms\n  on_redis_down: closed"));
        a.awaitEvent(cluster("joined"));
        assertEquals(200, a.status("/readyz"));
        redis.kill();
        a.awaitEvent(cluster("redis_down"));
        JsonNode ready = a.get("/readyz");
        assertEquals("not_ready", ready.path("status").asText(), ready.toString());
        assertTrue(ready.path("reasons").toString().contains("Redis is unreachable"), ready.toString());
        redis.start();
        a.awaitEvent(cluster("redis_up"));
        assertEquals(200, a.status("/readyz"));
    }

    static JsonNode target(Gateway g, String id) throws Exception {
        for (JsonNode t : g.get("/admin/targets").path("targets")) {
            if (t.path("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError(id + " not in /admin/targets");
    }
}
