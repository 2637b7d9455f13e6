package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover drills through the real gateway (HTTP-API.md "Operations", {@code /admin/drills}):
 * each fault makes the routes react as to a real incident, a drill ends when deleted or when its
 * duration is over, its start and end (with the traffic meanwhile) are events, and the target
 * returns to the health it had.
 */
class DrillsIT extends TwoUpstreams {

    String yaml(String extra) {
        return """
                providers:
                  primary: { type: openai, base_url: "%s", api_key: k1, region: us-east-1 }
                  backup: { type: openai, base_url: "%s", api_key: k2, region: us-east-1 }
                routes:
                  chat:
                    targets: [ { provider: primary, model: m }, { provider: backup, model: m } ]
                """.formatted(primary.baseUrl(), backup.baseUrl()) + extra;
    }

    Harness.Reply drill(String body) {
        return post(vertx, gw.port(), "/admin/drills", body);
    }

    Harness.Reply ask() {
        return post(vertx, gw.port(), "/v1/chat/completions", chat("chat", false));
    }

    Harness.Reply delete(String path) {
        HttpClient client = vertx.createHttpClient();
        try {
            return await(client.request(HttpMethod.DELETE, gw.port(), "127.0.0.1", path).compose(req -> req.send()
                    .compose(resp -> resp.body().map(b -> new Harness.Reply(resp.statusCode(), resp.headers(),
                            b.toString())))));
        } finally {
            client.close();
        }
    }

    JsonNode target(String id) {
        for (JsonNode t : get(vertx, gw.port(), "/admin/targets").json().get("targets")) {
            if (t.get("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError("no target " + id);
    }

    @Test
    void down_skips_the_target_with_the_drill_as_reason_until_deleted() {
        gw = Harness.start(vertx, yaml(""));
        try (EventWatch events = new EventWatch(vertx, gw.port())) {
            Harness.Reply started = drill("{\"target\":\"primary/m\",\"fault\":\"down\",\"duration\":\"10m\"}");
            assertEquals(201, started.status(), started.body());
            JsonNode d = started.json();
            String id = d.get("id").asText();
            assertEquals("primary/m", d.get("target").asText());
            assertEquals("down", d.get("fault").asText());
            assertTrue(d.get("until").asText().matches("\\d{4}-.*Z"), d.toString());
            assertEquals(id, events.await("drill_started").get("id").asText());

            for (int i = 0; i < 3; i++) {
                Harness.Reply r = ask();
                assertEquals(200, r.status());
                assertEquals("backup/m", r.header("x-detour-target"));
                assertEquals("true", r.header("x-detour-failover"));
            }
            assertEquals(0, primary.calls());
            // Nothing else callable: the error lists the drill as the reason the target was skipped.
            backup.always(FakeUpstream.Behaviour.status(400, "invalid_request_error", null, "bad"));
            Harness.Reply refused = ask();
            assertEquals(400, refused.status());
            assertTrue(refused.body().contains(id + ": down until"), refused.body());
            backup.always(FakeUpstream.Behaviour.ok());
            assertEquals(id, target("primary/m").at("/drill/id").asText());
            assertEquals("healthy", target("primary/m").get("state").asText());
            assertEquals(id, get(vertx, gw.port(), "/admin/drills").json().at("/drills/0/id").asText());
            assertTrue(get(vertx, gw.port(), "/admin/routes").json().at("/routes/0/skipped/0").asText()
                    .startsWith("primary/m: drill " + id + ": down until"));

            Harness.Reply ended = delete("/admin/drills/" + id);
            assertEquals(200, ended.status(), ended.body());
            JsonNode end = events.await("drill_ended");
            assertEquals("deleted", end.get("reason").asText());
            assertEquals(4, end.at("/traffic/skipped").asInt(), end.toString());
            assertEquals(4, end.at("/traffic/failovers").asInt(), end.toString());
            assertEquals(0, end.at("/traffic/calls").asInt(), end.toString());
        }
        assertEquals("primary/m", ask().header("x-detour-target"));
        assertEquals(1, primary.calls());
        assertFalse(target("primary/m").has("drill"));
        assertEquals(0.0, target("primary/m").get("error_rate").asDouble(), "down left no failures behind");
        assertEquals(0, get(vertx, gw.port(), "/admin/drills").json().get("drills").size());
        assertEquals(404, delete("/admin/drills/drill-1").status());
    }

    @Test
    void errors_fail_the_share_asked_as_503_so_retry_fallback_and_the_breaker_react_then_all_is_restored() {
        gw = Harness.start(vertx, yaml("""
                    retry: { attempts: 2, backoff: 1ms }
                    circuit_breaker: { min_calls: 4, failure_ratio: 0.5, cooldown: 10m }
                    degradation: { shift: off }
                """));
        assertEquals("primary/m", ask().header("x-detour-target"));
        String id = drill("{\"target\":\"primary/m\",\"fault\":\"errors\",\"duration\":\"10m\",\"rate\":1.0}")
                .json().get("id").asText();

        Harness.Reply first = ask();
        assertEquals(200, first.status());
        assertEquals("backup/m", first.header("x-detour-target"));
        assertEquals("3", first.header("x-detour-attempts"), "two tries on primary (a 503 is retried), then backup");
        Harness.Reply second = ask();
        assertEquals("backup/m", second.header("x-detour-target"));
        // Three failed calls of four (min_calls 4, ratio 0.5): the breaker opened on the third, so
        // the second request's retry and the next request skip primary without a try.
        assertEquals("2", second.header("x-detour-attempts"));
        JsonNode during = target("primary/m");
        assertEquals("open", during.get("circuit").asText());
        assertEquals("1", ask().header("x-detour-attempts"), "primary skipped (circuit open), backup called");
        assertEquals(1, primary.calls(), "injected errors are never sent upstream");

        try (EventWatch events = new EventWatch(vertx, gw.port())) {
            assertEquals(200, delete("/admin/drills/" + id).status());
            JsonNode end = events.await("drill_ended");
            assertEquals(3, end.at("/traffic/injected_errors").asInt(), end.toString());
            assertEquals(3, end.at("/traffic/calls").asInt(), end.toString());
            assertEquals(2, end.at("/traffic/skipped").asInt(), end.toString());
            assertEquals(3, end.at("/traffic/failovers").asInt(), end.toString());
            assertEquals(0, end.at("/traffic/served").asInt(), end.toString());
        }
        JsonNode after = target("primary/m");
        assertEquals("closed", after.get("circuit").asText());
        assertEquals(0.0, after.get("error_rate").asDouble());
        assertEquals("primary/m", ask().header("x-detour-target"));
    }

    @Test
    void slow_makes_the_latency_detector_and_the_shift_react_and_the_end_restores_the_target() {
        primary.always(FakeUpstream.Behaviour.delayed(40));
        gw = Harness.start(vertx, yaml("""
                    detectors:
                      - { type: latency, min_samples: 3, window: 3, fast_ms_per_token: 0.1, fast_ttft_ms: 1 }
                    degradation: { probe_share: 0, probe_interval: 10m, hold: 1ms }
                """));
        // The baseline is learned from these (the first answers of a fresh JVM are slower: a
        // factor of 100 stays far beyond the unhealthy ratio whatever the baseline learned).
        for (int i = 0; i < 6; i++) {
            assertEquals("primary/m", ask().header("x-detour-target"));
        }
        JsonNode before = target("primary/m");
        assertEquals("healthy", before.get("state").asText());
        double p50 = before.at("/latency_ms/p50").asDouble();
        String id = drill("{\"target\":\"primary/m\",\"fault\":\"slow\",\"duration\":\"10m\",\"factor\":100}")
                .json().get("id").asText();

        for (int i = 0; i < 3; i++) {
            ask();
        }
        JsonNode slow = target("primary/m");
        assertEquals("unhealthy", slow.get("state").asText(), slow.toString());
        assertEquals("latency", slow.at("/signals/0/detector").asText());
        assertTrue(slow.at("/latency_ms/p95").asDouble() >= 5 * p50, slow.toString());
        // The graduated shift now sends the route's traffic to backup first.
        assertEquals("backup/m", ask().header("x-detour-target"));

        assertEquals(200, delete("/admin/drills/" + id).status());
        JsonNode after = target("primary/m");
        assertEquals("healthy", after.get("state").asText(), after.toString());
        assertEquals(p50, after.at("/latency_ms/p50").asDouble());
        assertEquals(before.get("signals"), after.get("signals"));
    }

    @Test
    void a_drill_ends_by_itself_when_its_duration_is_over() {
        gw = Harness.start(vertx, yaml(""));
        try (EventWatch events = new EventWatch(vertx, gw.port())) {
            String id = drill("{\"target\":\"backup/m\",\"fault\":\"down\",\"duration\":\"300ms\"}").json().get("id")
                    .asText();
            JsonNode end = events.await("drill_ended");
            assertEquals(id, end.get("id").asText());
            assertEquals("expired", end.get("reason").asText());
        }
        assertEquals(0, get(vertx, gw.port(), "/admin/drills").json().get("drills").size());
        assertFalse(target("backup/m").has("drill"));
    }

    @Test
    void bad_drill_requests_are_refused_naming_the_field() {
        gw = Harness.start(vertx, yaml(""));
        for (List<String> c : List.of(
                List.of("{\"target\":\"primary/m\",\"fault\":\"melt\",\"duration\":\"1m\"}", "400", "fault"),
                List.of("{\"target\":\"primary/m\",\"fault\":\"down\"}", "400", "duration"),
                List.of("{\"target\":\"primary/m\",\"fault\":\"errors\",\"duration\":\"1m\",\"rate\":2}", "400", "rate"),
                List.of("{\"fault\":\"down\",\"duration\":\"1m\"}", "400", "target"),
                List.of("{\"target\":\"nowhere/m\",\"fault\":\"down\",\"duration\":\"1m\"}", "404", "target"))) {
            Harness.Reply r = drill(c.get(0));
            assertEquals(Integer.parseInt(c.get(1)), r.status(), r.body());
            assertEquals(c.get(2), r.json().at("/error/param").asText(), r.body());
            assertTrue(r.json().at("/error/message").asText().startsWith(c.get(2) + ":"), r.body());
        }
        Harness.Reply notJson = drill("{not json");
        assertEquals(400, notJson.status());
        assertEquals("invalid_json", notJson.json().at("/error/code").asText());
        assertEquals(201, drill("{\"target\":\"primary/m\",\"fault\":\"down\",\"duration\":\"1m\"}").status());
        Harness.Reply twice = drill("{\"target\":\"primary/m\",\"fault\":\"slow\",\"duration\":\"1m\"}");
        assertEquals(409, twice.status());
        assertNotEquals(-1, twice.body().indexOf("DELETE /admin/drills/drill-1"), twice.body());
    }
}
