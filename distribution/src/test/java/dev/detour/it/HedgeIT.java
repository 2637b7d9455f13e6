package dev.detour.it;

import dev.detour.wire.http.WireJson;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import org.junit.jupiter.api.Test;

import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hedged requests and hedged probes through the real gateway: a primary that never sends its
 * first token is hedged to the backup after {@code hedge.after} and its connection closed; a
 * primary that answers first gets the hedge cancelled; {@code max_share} caps the hedged share; a
 * demoted target keeps receiving its {@code probe_share} of requests, each hedged, so no client
 * waits on it. An upstream that never answers stands for "slow": the only way a client gets an
 * answer then is the hedge, so no assertion depends on timing.
 */
class HedgeIT extends TwoUpstreams {
    /** One permit per upstream connection closed while its call was unanswered. */
    final Semaphore closed = new Semaphore(0);

    /** Never answers; counts the connection's closing (the gateway cancelling the call). */
    Behaviour hangUntilClosed() {
        return (up, req, body) -> req.connection().closeHandler(v -> closed.release());
    }

    /** Answers after {@code ms}, unless the call was cancelled first. */
    Behaviour delayedOk(long ms) {
        return (up, req, body) -> vertx.setTimer(ms, t -> {
            if (!req.response().closed()) {
                Behaviour.ok().answer(up, req, body);
            }
        });
    }

    String config(String routeExtra) {
        return """
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234, region: us-east-1, category: closed }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678, region: us-east-1, category: closed }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    retry: { attempts: 1 }
                    timeouts: { first_token: 20s }
                %s
                """.formatted(primary.baseUrl(), backup.baseUrl(), routeExtra);
    }

    Reply call(boolean stream) {
        return post(vertx, gw.port(), "/v1/chat/completions", chat("support", stream));
    }

    void awaitClosed(int n) throws InterruptedException {
        assertTrue(closed.tryAcquire(n, 20, TimeUnit.SECONDS), n + " upstream connections closed by the gateway");
    }

    static String streamedText(Reply r) {
        StringBuilder sb = new StringBuilder();
        for (String e : r.events()) {
            if (!e.equals("[DONE]")) {
                try {
                    sb.append(WireJson.MAPPER.readTree(e).at("/choices/0/delta/content").asText(""));
                } catch (java.io.IOException ex) {
                    throw new AssertionError("not JSON: " + e, ex);
                }
            }
        }
        return sb.toString();
    }

    @Test
    void a_primary_without_first_token_is_hedged_to_the_backup_and_its_connection_closed() throws Exception {
        primary.always(hangUntilClosed());
        gw = Harness.start(vertx, config("    hedge: { after: 50ms, max_share: 1.0 }"));

        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from backup", r.json().at("/choices/0/message/content").asText());
        assertEquals("true", r.header("x-detour-hedged"));
        assertEquals("2", r.header("x-detour-attempts"), "the hedge is an attempt");
        assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"));
        assertEquals("true", r.header("x-detour-failover"));
        awaitClosed(1);

        Reply s = call(true);
        assertEquals(200, s.status(), s.body());
        assertEquals("Hello from backup", streamedText(s));
        assertEquals("[DONE]", s.events().get(s.events().size() - 1));
        assertEquals("true", s.header("x-detour-hedged"));
        assertEquals("2", s.header("x-detour-attempts"));
        awaitClosed(1);
        assertEquals(2, primary.calls());
        assertEquals(2, backup.calls());
    }

    @Test
    void messages_and_embeddings_are_hedged_like_chat() throws Exception {
        primary.always(hangUntilClosed());
        backup.always((up, req, body) -> {
            if (req.path().endsWith("/embeddings")) {
                req.response().putHeader("content-type", "application/json").end("{\"object\":\"list\",\"data\":"
                        + "[{\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5134599804878235,-0.25]}],"
                        + "\"model\":\"gpt-4o-mini\",\"usage\":{\"prompt_tokens\":1,\"total_tokens\":1}}");
            } else {
                Behaviour.ok().answer(up, req, body);
            }
        });
        gw = Harness.start(vertx, config("    hedge: { after: 50ms, max_share: 1.0 }"));

        Reply m = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"support\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        assertEquals(200, m.status(), m.body());
        assertEquals("Hello from backup", m.json().at("/content/0/text").asText());
        assertEquals("true", m.header("x-detour-hedged"));
        awaitClosed(1);

        Reply e = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"support\",\"input\":\"hi\"}");
        assertEquals(200, e.status(), e.body());
        assertEquals(-0.25, e.json().at("/data/0/embedding/1").asDouble());
        assertEquals("true", e.header("x-detour-hedged"));
        assertEquals("2", e.header("x-detour-attempts"));
        awaitClosed(1);
    }

    @Test
    void a_primary_answering_first_wins_and_the_hedge_is_cancelled() throws Exception {
        primary.always(delayedOk(300));
        backup.always(hangUntilClosed());
        gw = Harness.start(vertx, config("    hedge: { after: 50ms, max_share: 1.0 }"));

        Reply r = call(false);
        assertEquals(200, r.status(), r.body());
        assertEquals("Hello from primary", r.json().at("/choices/0/message/content").asText());
        assertEquals("true", r.header("x-detour-hedged"));
        assertEquals("2", r.header("x-detour-attempts"));
        assertNull(r.header("x-detour-failover"));
        awaitClosed(1);
        assertEquals(1, backup.calls());
    }

    @Test
    void a_streamed_hedge_that_loses_is_cancelled_cleanly() throws Exception {
        primary.always(delayedOk(300));
        backup.always(hangUntilClosed());
        gw = Harness.start(vertx, config("    hedge: { after: 50ms, max_share: 1.0 }"));

        for (int i = 0; i < 3; i++) {
            Reply s = call(true);
            assertEquals(200, s.status(), s.body());
            assertEquals("Hello from primary", streamedText(s), "nothing of the hedge reaches the client");
            assertEquals("[DONE]", s.events().get(s.events().size() - 1));
            assertEquals("primary/gpt-4o", s.header("x-detour-target"));
            assertEquals("true", s.header("x-detour-hedged"));
            awaitClosed(1);
        }
        assertEquals(3, backup.calls());
        Reply admin = Harness.get(vertx, gw.port(), "/admin/targets");
        assertTrue(admin.body().contains("\"in_flight\":0") && !admin.body().matches("(?s).*\"in_flight\":[1-9].*"),
                "no attempt left in flight: " + admin.body());
    }

    @Test
    void max_share_caps_the_share_of_hedged_requests() {
        // A primary that never answers times out at 300 ms and falls back (its breaker and
        // health left out of it); only the requests max_share allows are hedged after 20 ms.
        primary.always(hangUntilClosed());
        gw = Harness.start(vertx, config("""
                    hedge: { after: 20ms, max_share: 0.25 }
                    circuit_breaker: { min_calls: 1000 }
                    detectors: []
                """)
                .replace("first_token: 20s", "first_token: 300ms"));
        int hedged = 0;
        for (int i = 1; i <= 8; i++) {
            Reply r = call(false);
            assertEquals(200, r.status(), r.body());
            assertEquals("Hello from backup", r.json().at("/choices/0/message/content").asText());
            if ("true".equals(r.header("x-detour-hedged"))) {
                hedged++;
                assertTrue(i == 4 || i == 8, "hedge " + hedged + " at request " + i + " of 8 with max_share 0.25");
            }
        }
        assertEquals(2, hedged);
    }

    @Test
    void a_demoted_target_gets_its_probe_share_each_probe_hedged_so_no_client_waits_on_it() throws Exception {
        gw = Harness.start(vertx, config("""
                    detectors: [ { type: feedback, min_feedback: 1 } ]
                    degradation: { shift: gradual, probe_share: 0.25, probe_interval: 60s, hold: 1s }
                    hedge: { after: 50ms, max_share: 0 }
                """));
        Reply first = call(false);
        assertEquals("primary/gpt-4o", first.header("x-detour-target"));
        assertEquals(202, post(vertx, gw.port(), "/v1/feedback", "{\"request_id\":\"" + first.header("x-request-id")
                + "\",\"score\":-1}").status());
        // From now on the primary is unhealthy, and it is slow: it never answers.
        primary.always(hangUntilClosed());

        int n = 40;
        int hedged = 0;
        for (int i = 0; i < n; i++) {
            Reply r = call(i % 2 == 0);
            assertEquals(200, r.status(), r.body());
            assertEquals("backup/gpt-4o-mini", r.header("x-detour-target"), "every client is answered by the backup");
            hedged += "true".equals(r.header("x-detour-hedged")) ? 1 : 0;
        }
        int probes = primary.calls() - 1;
        assertEquals(probes, hedged, "each probe was hedged");
        // About probe_share (0.25) of 40: 10, drawn from the gateway's seeded random.
        assertTrue(probes >= 4 && probes <= 18, probes + " probes of " + n + " requests");
        awaitClosed(probes);
        Reply admin = Harness.get(vertx, gw.port(), "/admin/targets");
        assertFalse(admin.body().contains("\"circuit\":\"open\""), "a slow target is demoted, never closed: " + admin.body());
    }
}
