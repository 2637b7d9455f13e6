package dev.detour.it;

import dev.detour.core.boot.Detour;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad input gets a clear OpenAI-shaped error naming the problem, and the gateway keeps serving. */
class RequestValidationIT {
    static Vertx vertx;
    static FakeUpstream upstream;
    static FakeUpstream outside;
    static Detour gw;

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        upstream = await(new FakeUpstream(vertx, "up").start());
        outside = await(new FakeUpstream(vertx, "outside").start());
        gw = Harness.start(vertx, """
                server: { max_body_size: 2KB }
                providers:
                  up: { type: openai, base_url: "%s", region: eu-west-1, category: closed }
                  offshore: { type: openai, base_url: "%s", region: us-east-1, category: open }
                envelope: { providers: [up], regions: [eu-west-1], categories: [closed] }
                routes:
                  support: { targets: [ { provider: up, model: m1 } ] }
                keys:
                  - { name: team-a, key: "sk-detour-team-a", routes: [support] }
                  - { name: team-b, key: "sk-detour-team-b", routes: [up/m2] }
                  - { name: team-c, key: "sk-detour-team-c", limits: { rpm: 2 } }
                """.formatted(upstream.baseUrl(), outside.baseUrl()));
    }

    @AfterAll
    static void stop() {
        await(gw.stop());
        upstream.close();
        outside.close();
        await(vertx.close());
    }

    static final Map<String, String> KEY_A = Map.of("authorization", "Bearer sk-detour-team-a");

    Reply chatPost(String body) {
        return post(vertx, gw.port(), "/v1/chat/completions", body, KEY_A);
    }

    void assertError(Reply r, int status, String code, String messagePart) {
        assertEquals(status, r.status(), r.body());
        assertEquals(code, r.json().at("/error/code").asText(), r.body());
        assertTrue(r.json().at("/error/message").asText().contains(messagePart), r.body());
        assertStillServing();
    }

    void assertStillServing() {
        Reply ok = chatPost(chat("support", false));
        assertEquals(200, ok.status(), ok.body());
    }

    @Test
    void a_body_that_is_not_json_gets_400() {
        assertError(chatPost("{\"model\": \"support\", "), 400, "invalid_request", "not valid JSON");
    }

    @Test
    void a_missing_field_is_named() {
        Reply r = chatPost("{\"model\":\"support\"}");
        assertError(r, 400, "invalid_request", "messages");
        assertEquals("invalid_request_error", r.json().at("/error/type").asText());
    }

    @Test
    void a_mistyped_field_is_named() {
        assertError(chatPost("{\"model\":\"support\",\"messages\":\"hi\"}"), 400, "invalid_request", "messages");
        assertError(chatPost("{\"model\":\"support\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"temperature\":\"hot\"}"),
                400, "invalid_request", "temperature");
        Reply r = chatPost("{\"model\":\"support\",\"messages\":[{\"role\":\"robot\",\"content\":\"x\"}]}");
        assertError(r, 400, "invalid_request", "messages[0].role");
        assertEquals("messages[0].role", r.json().at("/error/param").asText());
    }

    @Test
    void an_oversized_body_gets_413() {
        String big = "x".repeat(4096);
        assertError(chatPost("{\"model\":\"support\",\"messages\":[{\"role\":\"user\",\"content\":\"" + big + "\"}]}"),
                413, "request_too_large", "max_body_size");
    }

    /** Sends {@code parts} as a chunked body (no Content-Length), each part its own chunk. */
    Reply chunkedPost(String... parts) {
        io.vertx.core.http.HttpClient client = vertx.createHttpClient();
        try {
            return await(client.request(io.vertx.core.http.HttpMethod.POST, gw.port(), "127.0.0.1", "/v1/chat/completions")
                    .compose(req -> {
                        req.setChunked(true).putHeader("content-type", "application/json")
                                .putHeader("authorization", "Bearer sk-detour-team-a");
                        for (String part : parts) {
                            req.write(part);
                        }
                        return req.end().compose(v -> req.response());
                    })
                    .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString()))));
        } finally {
            client.close();
        }
    }

    @Test
    void a_body_in_several_chunks_is_read_whole() {
        String body = chat("support", false);
        int third = body.length() / 3;
        Reply r = chunkedPost(body.substring(0, third), body.substring(third, 2 * third), body.substring(2 * third));
        assertEquals(200, r.status(), r.body());
    }

    @Test
    void an_oversized_chunked_body_gets_413_before_it_ends() {
        String part = "{\"model\":\"support\",\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(1500);
        Reply r = chunkedPost(part, "y".repeat(1500), "\"}]}");
        assertError(r, 413, "request_too_large", "max_body_size");
    }

    @Test
    void an_unknown_route_gets_404_listing_what_is_available() {
        assertError(chatPost(chat("nope", false)), 404, "model_not_found", "support");
    }

    @Test
    void keys_are_required_and_scoped() {
        Reply none = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false));
        assertEquals(401, none.status());
        assertEquals("invalid_api_key", none.json().at("/error/code").asText());
        Reply wrong = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("authorization", "Bearer sk-unknown-key-123"));
        assertEquals(401, wrong.status());
        assertFalse(wrong.body().contains("sk-unknown-key-123"), "an unknown key is never echoed");
        Reply forbidden = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("authorization", "Bearer sk-detour-team-b"));
        assertEquals(403, forbidden.status());
        assertEquals("route_not_allowed", forbidden.json().at("/error/code").asText());
        assertStillServing();
    }

    @Test
    void a_key_over_its_rpm_gets_429_with_retry_after() {
        Map<String, String> keyC = Map.of("authorization", "Bearer sk-detour-team-c");
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("support", false), keyC).status());
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("support", false), keyC).status());
        Reply limited = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false), keyC);
        assertEquals(429, limited.status(), limited.body());
        assertEquals("rate_limited", limited.json().at("/error/code").asText());
        assertTrue(Integer.parseInt(limited.header("retry-after")) >= 1);
        assertStillServing();
    }

    @Test
    void the_envelope_is_never_crossed_even_by_a_direct_call() {
        int before = outside.calls();
        Reply r = chatPost(chat("offshore/m1", false));
        assertEquals(404, r.status(), r.body());
        assertEquals(before, outside.calls(), "a provider outside the envelope is never called");
        assertEquals(0, outside.calls());
    }

    @Test
    void an_unknown_endpoint_gets_an_openai_shaped_404() {
        Reply r = post(vertx, gw.port(), "/v1/nothing", "{}");
        assertEquals(404, r.status());
        assertEquals("not_found_error", r.json().at("/error/type").asText());
    }
}
