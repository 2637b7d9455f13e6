package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The failover engine through real parts: the gateway loaded from the assembled distribution's
 * plugin jars, real HTTP on loopback, fake OpenAI upstreams as real Vert.x servers.
 */
class FailoverIT extends TwoUpstreams {

    String config(String routeExtra, String providerExtra) {
        return """
                server: { shutdown_grace: 5s }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234, region: us-east-1, category: closed%s }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678, region: eu-west-1, category: closed%s }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    retry: { attempts: 2, backoff: 10ms, max_backoff: 20ms, max_retry_after: 3s }
                %s
                """.formatted(primary.baseUrl(), providerExtra, backup.baseUrl(), providerExtra, routeExtra);
    }

    Reply call(boolean stream) {
        return post(vertx, gw.port(), "/v1/chat/completions", chat("support", stream));
    }

    @Test
    void served_by_primary_with_the_contract_headers() {
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from primary", r.json().at("/choices/0/message/content").asText());
        assertEquals("primary/gpt-4o", r.header("x-detour-target"));
        assertEquals("support", r.header("x-detour-route"));
        assertEquals("1", r.header("x-detour-attempts"));
        assertNull(r.header("x-detour-failover"));
        assertTrue(r.header("x-request-id") != null && !r.header("x-request-id").isEmpty());
        assertEquals(1, primary.calls());
        assertEquals(0, backup.calls());
        assertEquals("gpt-4o", primary.bodies.get(0).path("model").asText(), "the route name is replaced by the target's model");
        assertEquals("Bearer sk-primary-secret-1234", primary.authorizations.get(0));
        assertEquals("default", r.json().path("service_tier").asText(), "an unchanged answer is forwarded as it came");
        Reply stream = call(true);
        assertTrue(stream.events().stream().filter(e -> e.contains("\"content\":\"Hello")).allMatch(
                e -> e.contains("\"service_tier\":\"default\"")), "unchanged chunks are forwarded as they came");
    }

    @Test
    void the_clients_own_body_reaches_every_target_with_only_its_model_changed() {
        primary.always(Behaviour.status(503, "server_error", null, "The server is overloaded"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = post(vertx, gw.port(), "/v1/chat/completions", "{\"model\":\"support\",\"messages\":[{\"role\":"
                + "\"user\",\"content\":\"Say hello\",\"x_part\":{\"cache\":true}}],\"service_tier\":\"flex\"}");
        assertEquals(200, r.status(), r.body());
        for (var sent : List.of(primary.bodies.get(0), primary.bodies.get(1), backup.bodies.get(0))) {
            assertTrue(sent.at("/messages/0/x_part/cache").asBoolean(), "a field the gateway does not model travels: " + sent);
            assertEquals("flex", sent.path("service_tier").asText());
        }
        assertEquals("gpt-4o", primary.bodies.get(1).path("model").asText());
        assertEquals("gpt-4o-mini", backup.bodies.get(0).path("model").asText());
    }

    @Test
    void falls_back_to_backup_after_the_configured_attempts_when_primary_returns_503() {
        primary.always(Behaviour.status(503, "server_error", null, "The server is overloaded"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from backup", r.json().at("/choices/0/message/content").asText());
        assertEquals(2, primary.calls(), "retry.attempts: 2 on the primary");
        assertEquals(1, backup.calls());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("3", r.header("x-detour-attempts"));
        assertEquals("true", r.header("x-detour-failover"));
    }

    @Test
    void falls_back_when_the_primary_refuses_connections() {
        int closedPort = primary.port();
        primary.close();
        gw = Harness.start(vertx, config("", "").replace(":" + closedPort + "/", ":" + closedPort + "/"));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals(1, backup.calls());
    }

    @Test
    void falls_back_when_the_primary_closes_the_socket_without_answer() {
        primary.always(Behaviour.close());
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals(2, primary.calls());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
    }

    @Test
    void retries_429_with_retry_after_on_the_same_target() {
        primary.then(Behaviour.statusWithRetryAfter(429, 1)).then(Behaviour.ok());
        gw = Harness.start(vertx, config("", ""));
        long start = System.nanoTime();
        Reply r = call(false);
        long waitedMs = (System.nanoTime() - start) / 1_000_000;
        assertEquals(200, r.status(), r.body());
        assertEquals("primary/gpt-4o", r.header("x-detour-target"));
        assertEquals(2, primary.calls());
        assertEquals(0, backup.calls());
        assertTrue(waitedMs >= 1000, "a honoured Retry-After is waited in full, was " + waitedMs + "ms");
    }

    @Test
    void a_retry_after_beyond_max_retry_after_falls_back_at_once() {
        primary.always(Behaviour.statusWithRetryAfter(429, 30));
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals(1, primary.calls());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
    }

    @Test
    void first_token_timeout_fails_over_to_backup() {
        primary.always(Behaviour.hang());
        // The primary's own timeout only: the backup is judged on the default, so a loaded machine
        // cannot make the backup miss a 300 ms window too.
        gw = Harness.start(vertx, config("", "").replace("attempts: 2", "attempts: 1")
                .replace("region: us-east-1, category: closed", "region: us-east-1, category: closed, timeouts: { first_token: 300ms }"));
        Reply r = call(true);
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("Hello from backup", streamedText(r));
        assertEquals(1, primary.calls());
    }

    @Test
    void a_stream_failing_before_content_fails_over_invisibly() {
        for (Behaviour failure : List.of(Behaviour.status(503, "server_error", null, "busy"), Behaviour.close(),
                Behaviour.roleThenClose(), Behaviour.inBandError())) {
            primary.always(failure);
            if (gw != null) {
                await(gw.stop());
            }
            gw = Harness.start(vertx, config("", "").replace("attempts: 2", "attempts: 1"));
            Reply r = call(true);
            assertEquals(200, r.status(), r.body());
            assertEquals("text/event-stream", r.header("content-type"));
            assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
            assertEquals("Hello from backup", streamedText(r), "nothing of the failed attempt reaches the client");
            List<String> events = r.events();
            assertEquals("[DONE]", events.get(events.size() - 1));
            assertFalse(r.body().contains("\"error\""), r.body());
        }
    }

    @Test
    void a_stream_cut_after_content_ends_with_an_error_event_and_done() {
        primary.always(Behaviour.contentThenCut());
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(true);
        assertEquals(200, r.status());
        List<String> events = r.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        JsonNode err = Harness.Reply.class.cast(new Reply(200, r.headers(), events.get(events.size() - 2))).json();
        assertEquals("stream_interrupted", err.at("/error/code").asText(), r.body());
        assertTrue(r.body().contains("Partial answer"));
        assertEquals(0, backup.calls(), "after the first token the stream belongs to its target");
    }

    @Test
    void a_stream_below_the_minimum_throughput_fails_over_before_commit() {
        primary.always(Behaviour.slowStream(150)); // about 2 tokens every 150 ms: far below 50 tokens/s
        gw = Harness.start(vertx, config("""
                    stream: { min_tokens_per_s: 50, probe_window: 400ms }
                """, "").replace("attempts: 2", "attempts: 1"));
        Reply r = call(true);
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("Hello from backup", streamedText(r), "nothing of the slow stream reached the client");
        assertEquals(1, primary.calls());
    }

    @Test
    void a_stream_above_the_minimum_throughput_is_committed_after_its_probe_window() {
        gw = Harness.start(vertx, config("""
                    stream: { min_tokens_per_s: 5, probe_window: 200ms }
                """, ""));
        Reply r = call(true);
        assertEquals("primary/gpt-4o", r.header("x-detour-target"));
        assertEquals("Hello from primary", streamedText(r));
        assertEquals(0, backup.calls());
    }

    @Test
    void a_stream_that_stalls_after_content_is_ended_by_the_idle_timeout() {
        primary.always(Behaviour.contentThenStall());
        gw = Harness.start(vertx, config("", ", timeouts: { idle: 300ms }"));
        Reply r = call(true);
        List<String> events = r.events();
        assertEquals("[DONE]", events.get(events.size() - 1));
        JsonNode err = new Reply(200, r.headers(), events.get(events.size() - 2)).json();
        assertEquals("stream_interrupted", err.at("/error/code").asText(), r.body());
        assertTrue(err.at("/error/message").asText().contains("idle timeout"), r.body());
        assertEquals("timeout", err.at("/error/attempts/0/kind").asText(), r.body());
        assertTrue(streamedText(r).startsWith("Partial answer"), r.body());
    }

    @Test
    void the_breaker_opens_probes_after_cooldown_and_closes() {
        Harness.ManualClock clock = new Harness.ManualClock();
        primary.always(Behaviour.status(500, "server_error", null, "boom"));
        gw = Harness.start(vertx, config("""
                    circuit_breaker: { failure_ratio: 0.5, min_calls: 2, window: 60s, cooldown: 10s }
                    detectors: []   # the breaker alone: no health model shifting traffic
                """, "").replace("attempts: 2", "attempts: 1"), clock);
        call(false);
        call(false);
        assertEquals(2, primary.calls());
        Reply skipped = call(false);
        assertEquals(200, skipped.status());
        assertEquals(2, primary.calls(), "an open breaker is not called");
        assertTrue(metrics().contains("detour_circuit_state{target=\"primary/gpt-4o\"} 2"));

        clock.advanceMillis(10_000);
        primary.always(Behaviour.ok());
        Reply probe = call(false);
        assertEquals("primary/gpt-4o", probe.header("x-detour-target"), "the half-open probe goes to the primary");
        assertEquals(3, primary.calls());
        assertTrue(metrics().contains("detour_circuit_state{target=\"primary/gpt-4o\"} 0"), "the probe's success closes it");
        assertEquals("primary/gpt-4o", call(false).header("x-detour-target"));
    }

    @Test
    void a_provider_400_is_returned_without_fallback() {
        primary.always(Behaviour.status(400, "invalid_request_error", "invalid_value", "Invalid value for 'temperature'"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(400, r.status(), r.body());
        assertEquals("Invalid value for 'temperature'", r.json().at("/error/message").asText());
        assertEquals("invalid_request_error", r.json().at("/error/type").asText());
        assertEquals(1, primary.calls(), "a client error is not retried");
        assertEquals(0, backup.calls(), "a client error does not fall back");
        assertEquals(400, r.json().at("/error/attempts/0/status").asInt());
    }

    @Test
    void when_every_target_fails_the_client_gets_502_with_the_attempts() {
        primary.always(Behaviour.status(503, "server_error", null, "down"));
        backup.always(Behaviour.status(500, "server_error", null, "broken"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(502, r.status(), r.body());
        JsonNode e = r.json().path("error");
        assertEquals("all_targets_failed", e.path("code").asText());
        assertEquals("gateway_error", e.path("type").asText());
        assertEquals(4, e.path("attempts").size());
        assertEquals("primary/gpt-4o", e.at("/attempts/0/target").asText());
        assertEquals(503, e.at("/attempts/0/status").asInt());
        assertEquals("backup/gpt-4o-mini", e.at("/attempts/3/target").asText());
        assertTrue(e.path("message").asText().contains("route 'support'"));
    }

    @Test
    void an_upstream_that_echoes_a_key_never_reaches_the_client_with_it() {
        primary.always(Behaviour.status(401, "invalid_request_error", "invalid_api_key",
                "Incorrect API key provided: sk-primary-secret-1234"));
        backup.always(Behaviour.text("your key is sk-backup-secret-5678, right?"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertFalse(r.body().contains("sk-backup-secret-5678"), r.body());
        assertTrue(r.body().contains("[REDACTED]"));

        backup.always(Behaviour.status(401, "invalid_request_error", "invalid_api_key", "bad key sk-backup-secret-5678"));
        Reply failed = call(false);
        assertFalse(failed.body().contains("sk-primary-secret-1234"), failed.body());
        assertFalse(failed.body().contains("sk-backup-secret-5678"), failed.body());
        Reply stream = call(true);
        assertFalse(stream.body().contains("secret"), stream.body());
    }

    @Test
    void a_direct_provider_model_call_retries_but_does_not_fall_back() {
        primary.always(Behaviour.status(503, "server_error", null, "down"));
        gw = Harness.start(vertx, config("", ""));
        Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("primary/gpt-4.1", false));
        assertEquals(502, r.status(), r.body());
        assertEquals(2, primary.calls(), "defaults: retry.attempts 2");
        assertEquals(0, backup.calls());
        assertEquals("gpt-4.1", primary.bodies.get(0).path("model").asText());
    }

    String metrics() {
        return Harness.get(vertx, gw.port(), "/metrics").body();
    }

    static String streamedText(Reply r) {
        StringBuilder sb = new StringBuilder();
        for (String data : r.events()) {
            if (data.equals("[DONE]")) {
                continue;
            }
            JsonNode n = new Reply(200, r.headers(), data).json();
            JsonNode c = n.at("/choices/0/delta/content");
            if (c.isTextual()) {
                sb.append(c.asText());
            }
        }
        return sb.toString();
    }
}
