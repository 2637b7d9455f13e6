package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Provider quotas through the real gateway: a target at its configured {@code limits.rpm}, or at
 * the quota its upstream announced in its rate-limit headers (OpenAI's and Anthropic's), is skipped
 * before the call, so the request goes to the next target without a 429 round trip; the skip is in
 * the attempts list and {@code /admin/targets}; the target is called again once the quota resets
 * (on the gateway's injected clock).
 */
class QuotaIT extends TwoUpstreams {
    final Harness.ManualClock clock = new Harness.ManualClock();

    String config(String primaryLimits) {
        return """
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-1, region: us-east-1, category: closed%s }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-2, region: eu-west-1, category: closed }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    detectors: []
                  solo:
                    targets: [ { provider: primary, model: gpt-4o } ]
                    detectors: []
                """.formatted(primary.baseUrl(), primaryLimits, backup.baseUrl());
    }

    Reply call(String route) {
        return post(vertx, gw.port(), "/v1/chat/completions", chat(route, false));
    }

    JsonNode quotaOf(String target) {
        for (JsonNode t : Harness.get(vertx, gw.port(), "/admin/targets").json().path("targets")) {
            if (t.path("id").asText().equals(target)) {
                return t.path("quota");
            }
        }
        throw new AssertionError("no target " + target);
    }

    @Test
    void a_target_at_its_configured_rpm_is_skipped_before_the_call() {
        gw = Harness.start(vertx, config(", limits: { rpm: 2 }"), clock);
        assertEquals("primary/gpt-4o", call("support").header("x-detour-target"));
        assertEquals("primary/gpt-4o", call("support").header("x-detour-target"));
        assertEquals(2, quotaOf("primary/gpt-4o").path("rpm_left").asInt() + 2);

        Reply r = call("support");
        assertEquals(200, r.status(), r.body());
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        assertEquals("1", r.header("x-detour-attempts"), "the skip is no upstream call");
        assertEquals(2, primary.calls(), "the primary never saw the request over its quota");
        JsonNode q = quotaOf("primary/gpt-4o");
        assertEquals(0, q.path("rpm_left").asInt());
        assertTrue(q.path("tpm_left").isNull());
        Instant reset = Instant.parse(q.path("reset").asText());
        assertTrue(reset.isAfter(clock.now()), q.toString());
        // With no other target, the client learns when the quota frees.
        Reply solo = call("solo");
        assertEquals(503, solo.status(), solo.body());
        assertEquals("no_target_available", solo.json().at("/error/code").asText());
        JsonNode skipped = solo.json().at("/error/attempts/0");
        assertEquals("quota", skipped.path("kind").asText(), solo.body());
        assertTrue(skipped.path("skipped").asText().startsWith("quota: limits.rpm of 2 reached"), solo.body());
        long retryAfter = Long.parseLong(solo.header("retry-after"));
        assertTrue(retryAfter >= 1 && retryAfter <= 61, "Retry-After " + retryAfter);
        assertEquals(2, primary.calls());

        // The minute passes on the gateway's clock: the primary is called again.
        clock.advanceMillis(retryAfter * 1000);
        assertEquals("primary/gpt-4o", call("support").header("x-detour-target"));
        assertEquals(3, primary.calls());
    }

    @Test
    void quota_learned_from_openai_headers_sends_the_next_request_elsewhere_until_the_reset() {
        primary.always((up, req, body) -> {
            req.response().putHeader("x-ratelimit-limit-requests", "60").putHeader("x-ratelimit-remaining-requests", "0")
                    .putHeader("x-ratelimit-reset-requests", "20s").putHeader("x-ratelimit-remaining-tokens", "149984")
                    .putHeader("x-ratelimit-reset-tokens", "6m0s");
            Behaviour.ok().answer(up, req, body);
        });
        gw = Harness.start(vertx, config(""), clock);   // no configured limits: the headers alone
        assertEquals("primary/gpt-4o", call("support").header("x-detour-target"));
        JsonNode q = quotaOf("primary/gpt-4o");
        assertEquals(0, q.path("rpm_left").asInt(), q.toString());
        assertEquals(clock.now().plusSeconds(20), Instant.parse(q.path("reset").asText()));

        Reply r = call("support");
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals(1, primary.calls(), "skipped before the call, no 429 round trip");

        clock.advanceMillis(19_999);
        assertEquals("backup/gpt-4o-mini", call("support").header("x-detour-target"));
        clock.advanceMillis(1);
        assertEquals("primary/gpt-4o", call("support").header("x-detour-target"), "called again at its reset");
        assertEquals(2, primary.calls());
    }

    @Test
    void a_429s_headers_keep_the_next_request_off_the_target() {
        primary.always((up, req, body) -> req.response().setStatusCode(429).putHeader("content-type", "application/json")
                .putHeader("x-ratelimit-remaining-requests", "0").putHeader("x-ratelimit-reset-requests", "30s")
                .end("{\"error\":{\"message\":\"Rate limit reached for requests\",\"type\":\"requests\",\"code\":"
                        + "\"rate_limit_exceeded\"}}"));
        gw = Harness.start(vertx, config(""), clock);   // its retry of the 429 is skipped for the quota too
        assertEquals("backup/gpt-4o-mini", call("support").header("x-detour-target"));
        assertEquals(1, primary.calls());
        Reply r = call("support");
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("1", r.header("x-detour-attempts"));
        assertEquals(1, primary.calls(), "the second request did not pay a 429 round trip");
    }

    @Test
    void quota_learned_from_anthropic_headers_sends_the_next_request_elsewhere_until_the_reset() {
        FakeJsonServer anthropic = new FakeJsonServer(vertx) {
            @Override
            void onRequest(HttpServerRequest req, JsonNode body) {
                req.response().putHeader("content-type", "application/json")
                        .putHeader("anthropic-ratelimit-requests-limit", "50")
                        .putHeader("anthropic-ratelimit-requests-remaining", "0")
                        .putHeader("anthropic-ratelimit-requests-reset", clock.now().plusSeconds(30).toString())
                        .putHeader("anthropic-ratelimit-tokens-remaining", "39000")
                        .putHeader("anthropic-ratelimit-tokens-reset", clock.now().plusSeconds(5).toString())
                        .end("{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
                                + body.path("model").asText() + "\",\"content\":[{\"type\":\"text\",\"text\":\"Hello from claude\"}],"
                                + "\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":9,\"output_tokens\":4}}");
            }
        };
        await(anthropic.listen());
        try {
            gw = Harness.start(vertx, """
                    providers:
                      ant:    { type: anthropic, base_url: "%s", api_key: sk-ant-3 }
                      backup: { type: openai, base_url: "%s", api_key: sk-backup-2 }
                    routes:
                      support:
                        targets:
                          - { provider: ant, model: claude-sonnet-4-5 }
                          - { provider: backup, model: gpt-4o-mini }
                        detectors: []
                    """.formatted(anthropic.baseUrl(), backup.baseUrl()), clock);
            Reply first = call("support");
            assertEquals("ant/claude-sonnet-4-5", first.header("x-detour-target"), first.body());
            JsonNode q = quotaOf("ant/claude-sonnet-4-5");
            assertEquals(0, q.path("rpm_left").asInt(), q.toString());
            assertEquals(39000, q.path("tpm_left").asInt(), q.toString());

            Reply second = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"support\",\"max_tokens\":64,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}");
            assertEquals(200, second.status(), second.body());
            assertEquals("backup/gpt-4o-mini", second.header("x-detour-target"));
            assertEquals(1, anthropic.calls());

            clock.advanceMillis(30_000);
            assertEquals("ant/claude-sonnet-4-5", call("support").header("x-detour-target"));
            assertEquals(2, anthropic.calls());
            assertFalse(quotaOf("backup/gpt-4o-mini").path("rpm_left").isNumber(), "a target that said nothing has no count");
        } finally {
            anthropic.close();
        }
    }
}
