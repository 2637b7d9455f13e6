package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How fast a recovered primary wins its traffic back, through the real gateway with the detectors
 * loaded from their jar, on an injected clock (each fake upstream advances it by its latency, and
 * the low-traffic test by the gap between requests): nothing sleeps, and the figures are exact.
 */
class RecoveryIT {
    Vertx vertx;
    FakeUpstream a;
    FakeUpstream b;
    Harness.ManualClock clock;
    Detour gw;
    /** One client for the whole test: a connection per request would cost more than the request. */
    io.vertx.core.http.HttpClient client;

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
        client = vertx.createHttpClient(new io.vertx.core.http.HttpClientOptions().setKeepAlive(true));
        clock = new Harness.ManualClock();
        a = await(new FakeUpstream(vertx, "a").start());
        b = await(new FakeUpstream(vertx, "b").start());
    }

    void gateway(String breaker, String degradation) {
        gw = Harness.start(vertx, """
                providers:
                  a: { type: openai, base_url: "%s" }
                  b: { type: openai, base_url: "%s" }
                routes:
                  r:
                    strategy: priority
                    targets: [ { provider: a, model: m }, { provider: b, model: m } ]
                    retry: { attempts: 1 }
                    circuit_breaker: %s
                    detectors: [latency, errors, quality]
                    degradation: %s
                """.formatted(a.baseUrl(), b.baseUrl(), breaker, degradation), clock);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        a.close();
        b.close();
        await(vertx.close());
    }

    Behaviour taking(long ms) {
        return (up, req, body) -> {
            clock.advanceMillis(ms);
            Behaviour.ok().answer(up, req, body);
        };
    }

    Behaviour failing503(long ms) {
        return (up, req, body) -> {
            clock.advanceMillis(ms);
            Behaviour.status(503, "server_error", null, "busy").answer(up, req, body);
        };
    }

    /** Sends one request; true when target a served it. */
    boolean sendOne() {
        int before = a.calls();
        Reply r = post(chat("r", false));
        assertEquals(200, r.status(), r.body());
        return "a/m".equals(r.headers().get("x-detour-target")) && a.calls() > before;
    }

    int send(int n) {
        int served = 0;
        for (int i = 0; i < n; i++) {
            served += sendOne() ? 1 : 0;
        }
        return served;
    }

    /**
     * Clock milliseconds from now until a serves at least 90 % of a second of traffic (the last 20
     * requests at 20 per second), or Long.MAX_VALUE within 60 clock-seconds.
     */
    long msUntilNinetyPercent() {
        long start = clock.millis();
        Deque<Boolean> last = new ArrayDeque<>();
        int byA = 0;
        while (clock.millis() - start < 60_000) {
            boolean x = sendOne();
            last.addLast(x);
            byA += x ? 1 : 0;
            if (last.size() > 20) {
                byA -= last.removeFirst() ? 1 : 0;
            }
            if (last.size() == 20 && byA >= 18) {
                return clock.millis() - start;
            }
        }
        return Long.MAX_VALUE;
    }

    static final String BREAKER = "{ failure_ratio: 0.5, min_calls: 5, window: 10s, cooldown: 5s }";
    static final String DEGRADATION = "{ shift: gradual, probe_share: 0.05, probe_interval: 5s, hold: 10s }";

    @Test
    void a_slowed_primary_is_back_to_90_percent_within_10_s_of_recovering_at_20_requests_per_second() {
        gateway(BREAKER, DEGRADATION);
        a.always(taking(50));
        b.always(taking(50));
        assertEquals(60, send(60), "healthy: the primary serves everything");
        a.always(taking(175));
        // Longer than the 10 s hold: a recovery is never held back by the demotion's own hysteresis
        send(300);
        assertTrue(send(60) < 6, "the slowed primary was demoted");
        a.always(taking(50));
        long ms = msUntilNinetyPercent();
        System.out.println("RecoveryIT: slowed primary back to >= 90 % after " + ms + " clock-ms");
        assertTrue(ms <= 10_000, "back to >= 90 % within 10 s at 20 req/s, took " + ms + " ms");
        assertTrue(send(40) >= 36, "and it stays");
        // Its state label may still read degraded while the hold runs; its score is whole again
        JsonNode a = target("a/m");
        assertTrue(a.path("score").asDouble() >= 0.9, a.toString());
        String metrics = Harness.get(vertx, gw.port(), "/metrics").body();
        assertTrue(served(metrics, "b/m", false) >= 300, metrics);
        assertTrue(served(metrics, "a/m", true) >= 100, metrics);
        assertEquals(0, served(metrics, "a/m", false), "a is the first choice whenever it serves");
    }

    @Test
    void a_primary_back_from_an_outage_is_back_to_90_percent_within_10_s_at_20_requests_per_second() {
        gateway(BREAKER, DEGRADATION);
        a.always(taking(50));
        b.always(taking(50));
        assertEquals(60, send(60));
        a.always(failing503(50));
        // Longer than the 10 s hold: a recovery is never held back by the demotion's own hysteresis
        assertTrue(send(400) < 40, "the primary is down: its breaker opens and its traffic moves");
        a.always(taking(50));
        long ms = msUntilNinetyPercent();
        System.out.println("RecoveryIT: primary back from an outage to >= 90 % after " + ms + " clock-ms");
        assertTrue(ms <= 10_000, "back to >= 90 % within 10 s at 20 req/s, took " + ms + " ms");
        assertTrue(send(40) >= 36, "and it stays");
    }

    @Test
    void at_low_traffic_a_primary_whose_breaker_closed_again_serves_three_in_a_row_within_15_s() {
        // The case: a breaker opened by 503s, a request every 200 ms, default degradation
        gateway("{ failure_ratio: 0.5, min_calls: 3, window: 2s, cooldown: 2s }", "{ shift: gradual }");
        a.always(taking(5));
        b.always(taking(5));
        for (int i = 0; i < 50; i++) {
            clock.advanceMillis(200);
            assertTrue(sendOne());
        }
        a.always(failing503(5));
        for (int i = 0; i < 30; i++) {
            clock.advanceMillis(200);
            sendOne();
        }
        assertEquals("open", target("a/m").path("circuit").asText(), "the 503s opened the breaker");
        a.always(taking(5));
        long start = clock.millis();
        List<Boolean> served = new ArrayList<>();
        long ms = Long.MAX_VALUE;
        while (clock.millis() - start < 30_000) {
            clock.advanceMillis(200);
            served.add(sendOne());
            int n = served.size();
            if (n >= 3 && served.get(n - 1) && served.get(n - 2) && served.get(n - 3)) {
                ms = clock.millis() - start;
                break;
            }
        }
        System.out.println("RecoveryIT: low traffic, three in a row from the primary " + ms + " clock-ms after the outage");
        assertTrue(ms <= 15_000, "three answers in a row from the recovered primary within 15 s, took " + ms + " ms");
    }

    JsonNode target(String id) {
        for (JsonNode t : Harness.get(vertx, gw.port(), "/admin/targets").json().path("targets")) {
            if (t.path("id").asText().equals(id)) {
                return t;
            }
        }
        throw new AssertionError("no target " + id);
    }

    static long served(String metrics, String target, boolean first) {
        Matcher m = Pattern.compile("detour_served_total\\{route=\"r\",target=\"" + Pattern.quote(target)
                + "\",first_choice=\"" + first + "\"} (\\d+)").matcher(metrics);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    Reply post(String body) {
        return await(client.request(new io.vertx.core.http.RequestOptions().setMethod(io.vertx.core.http.HttpMethod.POST)
                        .setHost("127.0.0.1").setPort(gw.port()).setURI("/v1/chat/completions")
                        .putHeader("content-type", "application/json"))
                .compose(req -> req.send(body).compose(resp -> resp.body()
                        .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
    }
}
