package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.model.ChatChunk;
import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Hot reload through the real gateway (HTTP-API.md "Operations": {@code POST /admin/reload}, and
 * SIGHUP): the file is re-read and validated, an invalid one refused with the running config
 * serving, routes added and removed, kept targets keeping their health, streams in flight
 * finishing intact, new plugin jars loaded from the plugins folder.
 */
class ReloadIT extends TwoUpstreams {
    Path file;

    String yaml(String routes) {
        return """
                server: { shutdown_grace: 3s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: k1, region: us-east-1 }
                  backup: { type: openai, base_url: "%s", api_key: k2, region: us-east-1 }
                routes:
                """.formatted(primary.baseUrl(), backup.baseUrl()) + routes;
    }

    static final String CHAT = """
              chat:
                targets: [ { provider: primary, model: m }, { provider: backup, model: m } ]
                circuit_breaker: { min_calls: 2, failure_ratio: 0.5, cooldown: 10m }
                retry: { attempts: 1 }
            """;

    Detour start(String yaml, Path plugins) {
        try {
            file = Files.createTempDirectory("detour-reload").resolve("detour.yaml");
            Files.writeString(file, yaml);
            Detour.Options o = new Detour.Options(file, plugins, System::getenv, vertx, Clock.SYSTEM,
                    java.util.random.RandomGeneratorFactory.of("L64X128MixRandom").create(42), 0);
            return await(Detour.start(o));
        } catch (Exception e) {
            throw new AssertionError("gateway did not start: " + e.getMessage(), e);
        }
    }

    void rewrite(String yaml) {
        try {
            Files.writeString(file, yaml);
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    Harness.Reply reload() {
        return post(vertx, gw.port(), "/admin/reload", "");
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void reload_under_load_finishes_the_streams_in_flight_intact_and_loses_no_request() {
        // Given streams in flight on primary, each held after its first words until the test lets it go.
        int streams = 6;
        CountDownLatch started = new CountDownLatch(streams);
        Promise<Void> release = Promise.promise();
        for (int i = 0; i < streams; i++) {
            primary.then((up, req, body) -> {
                HttpServerResponse r = up.sseStart(req);
                r.write(up.sse(new ChatChunk("c1", "m", 1, 0, "assistant", "", null, List.of(), null, null, null)));
                r.write(up.sse(ChatChunk.text("c1", "m", 1, "one ")));
                started.countDown();
                release.future().onComplete(v -> {
                    for (String w : List.of("two ", "three ", "four")) {
                        r.write(up.sse(ChatChunk.text("c1", "m", 1, w)));
                    }
                    r.end("data: [DONE]\n\n");
                });
            });
        }
        gw = start(yaml(CHAT), Harness.PLUGINS);
        HttpClient client = vertx.createHttpClient(new HttpClientOptions(), new PoolOptions().setHttp1MaxSize(64));
        List<Future<Harness.Reply>> inFlight = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            inFlight.add(send(client, chat("chat", true)));
        }
        awaitLatch(started);

        // When the config is reloaded (a route added, primary's key rotated: a new adapter for it)
        // while more requests keep arriving.
        rewrite(yaml(CHAT + """
                  extra:
                    targets: [ { provider: backup, model: m2 } ]
                """).replace("api_key: k1,", "api_key: k1-rotated,"));
        List<Future<Harness.Reply>> during = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            during.add(send(client, chat("chat", false)));
        }
        Harness.Reply reloaded = reload();
        for (int i = 0; i < 10; i++) {
            during.add(send(client, chat(i % 2 == 0 ? "chat" : "extra", false)));
        }

        // Then the reload is applied and says what changed.
        assertEquals(200, reloaded.status(), reloaded.body());
        JsonNode summary = reloaded.json();
        assertEquals("reloaded", summary.get("status").asText());
        assertEquals(List.of("extra"), texts(summary.at("/routes/added")));
        assertEquals(List.of("primary"), texts(summary.at("/providers/changed")));
        assertEquals(List.of("backup/m2"), texts(summary.at("/targets/added")));
        assertEquals(List.of(), texts(summary.get("needs_restart")));
        // No request was lost...
        for (Future<Harness.Reply> f : during) {
            Harness.Reply r = await(f);
            assertEquals(200, r.status(), r.body());
        }
        // ...and every stream in flight completes intact on the adapter it started with.
        release.complete();
        for (Future<Harness.Reply> f : inFlight) {
            Harness.Reply r = await(f);
            assertEquals(200, r.status());
            assertEquals("one two three four", Sse.openAiText(r.body()), r.body());
            List<String> events = r.events();
            assertEquals("[DONE]", events.get(events.size() - 1));
        }
        client.close();
        // The changed provider's new adapter carries its new key.
        post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false));
        assertEquals("Bearer k1-rotated", primary.authorizations.get(primary.authorizations.size() - 1));
    }

    Future<Harness.Reply> send(HttpClient client, String body) {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
                        .setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(body).compose(resp -> resp.body()
                        .map(b -> new Harness.Reply(resp.statusCode(), resp.headers(), b.toString()))));
    }

    static void awaitLatch(CountDownLatch latch) {
        try {
            assertTrue(latch.await(20, TimeUnit.SECONDS), "the streams did not start");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Test
    void an_invalid_reload_is_refused_with_every_problem_and_the_running_config_keeps_serving() {
        gw = start(yaml(CHAT), Harness.PLUGINS);
        rewrite(yaml("""
                  chat:
                    targets: [ { provider: primry, model: m } ]
                    retry: { attempts: zero }
                """));

        Harness.Reply r = reload();

        assertEquals(422, r.status(), r.body());
        JsonNode error = r.json().get("error");
        assertEquals("invalid_config", error.get("code").asText());
        String problems = error.get("problems").toString();
        assertTrue(problems.contains("routes.chat.targets[0].provider: unknown provider 'primry'"), problems);
        assertTrue(problems.contains("routes.chat.retry.attempts"), problems);
        Harness.Reply answer = post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false));
        assertEquals(200, answer.status());
        assertEquals("primary/m", answer.header("x-detour-target"));

        rewrite("providers: [ unclosed");
        Harness.Reply syntax = reload();
        assertEquals(422, syntax.status());
        assertTrue(syntax.json().at("/error/problems/0").asText().contains("line"), syntax.body());
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false)).status());
    }

    @Test
    void a_route_removed_is_gone_a_route_added_serves_and_a_kept_target_keeps_its_health_and_drill() {
        primary.always(FakeUpstream.Behaviour.status(503, "server_error", null, "overloaded"));
        gw = start(yaml(CHAT + """
                  other:
                    targets: [ { provider: backup, model: m3 } ]
                """), Harness.PLUGINS);
        // primary fails twice: its breaker opens (min_calls 2).
        for (int i = 0; i < 2; i++) {
            assertEquals("backup/m", post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false))
                    .header("x-detour-target"));
        }
        assertEquals("open", target("primary/m").get("circuit").asText());
        int primaryCalls = primary.calls();
        // A drill on a target that stays, and one on a target the reload removes.
        String keptDrill = post(vertx, gw.port(), "/admin/drills",
                "{\"target\":\"backup/m\",\"fault\":\"slow\",\"duration\":\"10m\"}").json().get("id").asText();
        String droppedDrill = post(vertx, gw.port(), "/admin/drills",
                "{\"target\":\"backup/m3\",\"fault\":\"down\",\"duration\":\"10m\"}").json().get("id").asText();

        try (EventWatch events = new EventWatch(vertx, gw.port())) {
            rewrite(yaml(CHAT.replace("retry: { attempts: 1 }", "retry: { attempts: 2 }") + """
                      added:
                        targets: [ { provider: primary, model: m4 } ]
                    """));
            Harness.Reply r = reload();
            assertEquals(200, r.status(), r.body());
            assertEquals(List.of("added"), texts(r.json().at("/routes/added")));
            assertEquals(List.of("other"), texts(r.json().at("/routes/removed")));
            assertEquals(List.of("chat"), texts(r.json().at("/routes/changed")));
            assertEquals(List.of("backup/m3"), texts(r.json().at("/targets/removed")));
            JsonNode ended = events.await("drill_ended");
            assertEquals(droppedDrill, ended.get("id").asText());
            assertEquals("target removed by a reload", ended.get("reason").asText());
            JsonNode event = events.await("reload");
            assertEquals("admin", event.get("trigger").asText());
            assertEquals(List.of("added"), texts(event.at("/routes/added")));
        }
        assertEquals(keptDrill, target("backup/m").at("/drill/id").asText(), "a drill outlives the reload");
        assertEquals(1, get(vertx, gw.port(), "/admin/drills").json().get("drills").size());

        // The kept target keeps its open breaker and statistics: no call reaches it.
        JsonNode kept = target("primary/m");
        assertEquals("open", kept.get("circuit").asText());
        assertEquals(1.0, kept.get("error_rate").asDouble());
        assertEquals("backup/m", post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false))
                .header("x-detour-target"));
        assertEquals(primaryCalls, primary.calls());
        Harness.Reply gone = post(vertx, gw.port(), "/v1/chat/completions", chat("other", false));
        assertEquals(404, gone.status());
        assertEquals("model_not_found", gone.json().at("/error/code").asText());
        primary.always(FakeUpstream.Behaviour.ok());
        Harness.Reply added = post(vertx, gw.port(), "/v1/chat/completions", chat("added", false));
        assertEquals(200, added.status(), added.body());
        assertEquals("primary/m4", added.header("x-detour-target"));
        List<String> ids = new ArrayList<>();
        get(vertx, gw.port(), "/admin/targets").json().get("targets").forEach(t -> ids.add(t.get("id").asText()));
        assertEquals(List.of("primary/m", "backup/m", "primary/m4"), ids);
    }

    @Test
    void settings_that_need_a_restart_are_named_and_kept_as_they_run() {
        gw = start(yaml(CHAT), Harness.PLUGINS);
        rewrite(yaml(CHAT).replace("server: { shutdown_grace: 3s }",
                "server: { shutdown_grace: 3s, port: 1, max_body_size: 1KB }"));
        Harness.Reply r = reload();
        assertEquals(200, r.status(), r.body());
        assertEquals(List.of("server.max_body_size"), texts(r.json().get("needs_restart")),
                "the port given at start (0 here) still wins over the file's");
        String big = chat("chat", false).replace("Say hello", "x".repeat(2000));
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", big).status());
    }

    @Test
    void sighup_reloads_the_config_file() throws Exception {
        gw = start(yaml(CHAT), Harness.PLUGINS);
        assumeTrue(gw.reloadOnSighup(), "this JVM cannot handle SIGHUP");
        rewrite(yaml(CHAT + """
                  by-signal:
                    targets: [ { provider: backup, model: m } ]
                """));
        try (EventWatch events = new EventWatch(vertx, gw.port())) {
            Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(ProcessHandle.current().pid())).start();
            assertEquals(0, kill.waitFor());
            JsonNode e = events.await("reload");
            assertEquals("sighup", e.get("trigger").asText());
            assertEquals(List.of("by-signal"), texts(e.at("/routes/added")));
        }
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("by-signal", false)).status());
    }

    @Test
    void a_new_plugin_jar_is_loaded_and_a_missing_or_removed_one_is_refused_by_name() throws Exception {
        // Given a plugins folder without the adaptive strategies.
        Path plugins = Files.createTempDirectory("detour-plugins");
        for (String jar : List.of("provider-openai.jar", "routing-basic.jar", "detectors.jar")) {
            Files.copy(Harness.PLUGINS.resolve(jar), plugins.resolve(jar));
        }
        gw = start(yaml(CHAT), plugins);
        String latency = yaml(CHAT.replace("  chat:\n", "  chat:\n    strategy: latency\n"));

        // A config that needs a plugin that is not there is refused, naming the type.
        rewrite(latency);
        Harness.Reply missing = reload();
        assertEquals(422, missing.status(), missing.body());
        assertTrue(missing.json().at("/error/problems/0").asText().contains("routes.chat.strategy"), missing.body());
        assertTrue(missing.body().contains("'latency'"), missing.body());

        // Once its jar is in the folder, the same reload loads it and uses it.
        Files.copy(Harness.PLUGINS.resolve("routing-adaptive.jar"), plugins.resolve("routing-adaptive.jar"));
        Harness.Reply loaded = reload();
        assertEquals(200, loaded.status(), loaded.body());
        assertEquals(List.of("routing-adaptive"), texts(loaded.json().at("/plugins/loaded")));
        JsonNode route = get(vertx, gw.port(), "/admin/routes").json().at("/routes/0");
        assertEquals("latency", route.get("strategy").asText());
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false)).status());

        // Removing the jar the running config uses is refused by name.
        Files.delete(plugins.resolve("routing-adaptive.jar"));
        Harness.Reply removed = reload();
        assertEquals(422, removed.status(), removed.body());
        assertTrue(removed.json().at("/error/problems/0").asText().startsWith("plugin 'routing-adaptive'"),
                removed.body());
        assertTrue(removed.body().contains("strategy:latency"), removed.body());
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false)).status());
    }

    JsonNode target(String id) {
        for (JsonNode t : get(vertx, gw.port(), "/admin/targets").json().get("targets")) {
            if (t.get("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError("no target " + id);
    }
}
