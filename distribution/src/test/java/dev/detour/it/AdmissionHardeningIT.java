package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.core.Gateway;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Admission through the real gateway: what a client puts in {@code model} or {@code x-request-id}
 * can neither grow the gateway's memory, nor reach a header, a metric label or a log line raw,
 * nor turn a client error into a 502. Every provider type sits behind a fake upstream that counts
 * its calls, so "no upstream call" is observed, not assumed.
 */
class AdmissionHardeningIT {
    static final String OPEN_KEY = "sk-adm-open-1";
    static final String NARROW_KEY = "sk-adm-narrow-2";
    static final Map<String, String> OPEN = Map.of("authorization", "Bearer " + OPEN_KEY);
    static final Map<String, String> OPEN_MESSAGES = Map.of("x-api-key", OPEN_KEY, "anthropic-version", "2023-06-01");
    static final Map<String, String> NARROW = Map.of("authorization", "Bearer " + NARROW_KEY);

    /** A sample line of the Prometheus text format: name, optional labels with escaped values, a value. */
    static final Pattern SAMPLE = Pattern.compile(
            "[a-zA-Z_:][a-zA-Z0-9_:]*(\\{[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\""
                    + "(,[a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\\\\\"n])*\")*})? [-+0-9.eEInfNa]+");

    /** Model names no route or provider can have. */
    static final List<String> HOSTILE = List.of("up/a\rb", "up/a\nb", "up/a\u0000b", "support\r\nx-evil: 1",
            "up/" + "x".repeat(Gateway.MAX_MODEL_NAME_LENGTH), "up/a\"b", "up/a\\b", "up/mod\u00e8le", "up/a b");

    static Vertx vertx;
    static FakeUpstream up;
    static Counting gem;
    static Counting ant;
    static Counting az;
    static Counting br;
    static Detour gw;
    /** Epoch seconds just before and just after the gateway loaded its configuration. */
    static long loadedFrom;
    static long loadedTo;

    /** A provider that counts calls and answers every one with a 500 (none is expected). */
    static final class Counting extends FakeJsonServer {
        Counting(Vertx vertx) {
            super(vertx);
        }

        @Override
        void onRequest(HttpServerRequest req, JsonNode body) {
            req.response().setStatusCode(500).end();
        }
    }

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        up = await(new FakeUpstream(vertx, "up").start());
        gem = new Counting(vertx);
        ant = new Counting(vertx);
        az = new Counting(vertx);
        br = new Counting(vertx);
        await(Future.all(gem.listen(), ant.listen(), az.listen(), br.listen()));
        loadedFrom = java.time.Instant.now().getEpochSecond();
        gw = Harness.start(vertx, """
                defaults:
                  circuit_breaker: { min_calls: 100000 }
                  timeouts: { total: 10s }
                providers:
                  up:  { type: openai, base_url: "%s", api_key: sk-up-upstream-1 }
                  gem: { type: gemini, base_url: "%s", api_key: gem-upstream-2 }
                  ant: { type: anthropic, base_url: "%s", api_key: sk-ant-upstream-3 }
                  az:  { type: azure-openai, base_url: "%s", api_key: az-upstream-4 }
                  br:  { type: bedrock, base_url: "%s", region: us-east-1,
                         options: { access_key_id: AKIDEXAMPLE, secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" } }
                routes:
                  support: { targets: [ { provider: up, model: m1 } ], detectors: [] }
                keys:
                  - { name: open, key: "%s" }
                  - { name: narrow, key: "%s", routes: [support] }
                """.formatted(up.baseUrl(), gem.baseUrl(), ant.baseUrl(), az.baseUrl(), br.baseUrl(), OPEN_KEY, NARROW_KEY));
        loadedTo = java.time.Instant.now().getEpochSecond();
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        up.close();
        gem.close();
        ant.close();
        az.close();
        br.close();
        await(vertx.close());
    }

    // ---------------------------------------------------------------- helpers

    static Reply chatPost(String body, Map<String, String> headers) {
        return post(vertx, gw.port(), "/v1/chat/completions", body, headers);
    }

    static void assertServing() {
        Reply ok = chatPost(chat("support", false), OPEN);
        assertEquals(200, ok.status(), ok.body());
    }

    /** The targets /admin/targets lists. */
    static List<String> adminTargets() {
        Reply r = get(vertx, gw.port(), "/admin/targets");
        assertEquals(200, r.status(), r.body());
        List<String> ids = new ArrayList<>();
        r.json().path("targets").forEach(t -> ids.add(t.path("id").asText()));
        return ids;
    }

    /** /metrics, after checking every line is a comment or a well-formed sample. */
    static String parseableMetrics() {
        Reply r = get(vertx, gw.port(), "/metrics");
        assertEquals(200, r.status());
        String text = r.body();
        assertTrue(text.endsWith("\n"));
        for (String line : text.substring(0, text.length() - 1).split("\n", -1)) {
            assertTrue(line.startsWith("# HELP ") || line.startsWith("# TYPE ") || SAMPLE.matcher(line).matches(),
                    "not valid exposition format: [" + line + "]");
        }
        return text;
    }

    /** Distinct values of label {@code target} or {@code route} in /metrics that start with {@code prefix}. */
    static Set<String> metricNames(String text, String prefix) {
        Set<String> names = new HashSet<>();
        Matcher m = Pattern.compile("(?:target|route)=\"(" + Pattern.quote(prefix) + "[^\"]*)\"").matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    static String withImage(String model, String url, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"text\",\"text\":\"What is this?\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"" + url
                + "\"}}]}]}";
    }

    static String json(String s) {
        try {
            return WireJson.MAPPER.writeValueAsString(s);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static int upstreamCalls() {
        return up.calls() + gem.calls() + ant.calls() + az.calls() + br.calls();
    }

    // ---------------------------------------------------------------- direct targets are bounded

    @Test
    void a_flood_of_direct_names_leaves_targets_and_metrics_bounded_and_the_gateway_serving() {
        int names = 2_000;
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true), new PoolOptions().setHttp1MaxSize(8));
        try {
            for (int from = 0; from < names; from += 16) {
                // What each request of the batch has reached, so a stall names where it stopped.
                Map<String, String> pending = new ConcurrentHashMap<>();
                List<Future<Integer>> batch = new ArrayList<>();
                for (int i = from; i < Math.min(names, from + 16); i++) {
                    String name = "up/flood-" + i;
                    String body = chat(name, false);
                    RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
                            .setURI("/v1/chat/completions").putHeader("content-type", "application/json")
                            .putHeader("authorization", "Bearer " + OPEN_KEY);
                    pending.put(name, "waiting for a connection");
                    // The body handler is set in the same event-loop task that receives the response
                    // (nested, not chained from this thread): set later, the body would be missed.
                    batch.add(client.request(ro).compose(req -> {
                        pending.put(name, "sent, no answer");
                        return req.send(body).compose(resp -> {
                            pending.put(name, "answered " + resp.statusCode() + ", body not read");
                            return resp.body().map(b -> {
                                pending.remove(name);
                                return resp.statusCode();
                            });
                        });
                    }));
                }
                List<Integer> statuses;
                try {
                    statuses = Future.all(batch).map(cf -> cf.<Integer>list()).toCompletionStage().toCompletableFuture()
                            .get(30, TimeUnit.SECONDS);
                } catch (Exception e) {
                    String inFlight = get(vertx, gw.port(), "/metrics").body().lines()
                            .filter(l -> l.startsWith("detour_http_in_flight ")).findFirst().orElse("?");
                    throw new AssertionError("flood stalled: " + pending + "; upstream calls so far " + up.calls()
                            + "; gateway " + inFlight, e);
                }
                statuses.forEach(st -> assertEquals(200, st));
            }
        } finally {
            client.close();
        }

        List<String> targets = adminTargets();
        long flood = targets.stream().filter(t -> t.startsWith("up/flood-")).count();
        assertTrue(flood <= Gateway.MAX_DIRECT_TARGETS, flood + " direct targets kept");
        assertTrue(targets.size() <= 1 + Gateway.MAX_DIRECT_TARGETS, targets.size() + " targets");
        assertTrue(targets.contains("up/flood-" + (names - 1)), "the most recent name is kept");
        assertFalse(targets.contains("up/flood-0"), "the least recently used name was evicted");

        String metrics = parseableMetrics();
        Set<String> inMetrics = metricNames(metrics, "up/flood-");
        assertTrue(inMetrics.size() <= Gateway.MAX_DIRECT_TARGETS, inMetrics.size() + " names in /metrics");
        assertFalse(inMetrics.contains("up/flood-0"), "an evicted target's series are gone");
        assertTrue(inMetrics.contains("up/flood-" + (names - 1)));

        // A name evicted earlier comes back as a fresh target.
        assertEquals(200, chatPost(chat("up/flood-0", false), OPEN).status());
        assertTrue(adminTargets().contains("up/flood-0"));
        assertServing();
    }

    @Test
    void models_lists_what_the_key_may_use_created_when_the_config_was_loaded() {
        // Given a key limited to one route, and one that may use everything
        Reply narrow = getWith("/v1/models", NARROW);
        Reply open = getWith("/v1/models", OPEN);

        // Then each sees its own list, every entry created when the gateway loaded its configuration
        assertEquals(200, narrow.status(), narrow.body());
        List<String> narrowIds = new ArrayList<>();
        narrow.json().get("data").forEach(m -> narrowIds.add(m.get("id").asText()));
        assertEquals(List.of("support"), narrowIds);
        assertEquals(200, open.status(), open.body());
        Set<String> openIds = new HashSet<>();
        for (JsonNode m : open.json().get("data")) {
            openIds.add(m.get("id").asText());
            long created = m.get("created").asLong();
            assertTrue(created >= loadedFrom && created <= loadedTo, m + " created outside [" + loadedFrom + ", "
                    + loadedTo + "]");
        }
        assertTrue(openIds.containsAll(List.of("support", "up/m1")), openIds.toString());
        // And without a key there is no list
        assertEquals(401, get(vertx, gw.port(), "/v1/models").status());
    }

    Reply getWith(String path, Map<String, String> headers) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gw.port())
                    .setURI(path);
            headers.forEach(ro::putHeader);
            return await(client.request(ro).compose(req -> req.send().compose(resp -> resp.body()
                    .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
        } finally {
            client.close();
        }
    }

    @Test
    void a_key_limited_to_one_route_creates_no_target_with_its_403s() {
        int before = up.calls();
        for (int i = 0; i < 300; i++) {
            Reply r = chatPost(chat("up/narrow-" + i, false), NARROW);
            assertEquals(403, r.status(), r.body());
            assertEquals("route_not_allowed", r.json().at("/error/code").asText());
        }
        assertEquals(before, up.calls());
        assertTrue(adminTargets().stream().noneMatch(t -> t.startsWith("up/narrow-")));
        assertTrue(metricNames(parseableMetrics(), "up/narrow-").isEmpty());
        Reply ok = chatPost(chat("support", false), NARROW);
        assertEquals(200, ok.status(), ok.body());
    }

    // ---------------------------------------------------------------- names validated at admission

    @Test
    void impossible_model_names_get_400_naming_model_on_chat_embeddings_and_messages() {
        int before = upstreamCalls();
        for (String name : HOSTILE) {
            String m = json(name);
            Reply c = chatPost("{\"model\":" + m + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", OPEN);
            assertEquals(400, c.status(), c.body());
            assertEquals("invalid_request", c.json().at("/error/code").asText(), c.body());
            assertEquals("model", c.json().at("/error/param").asText(), c.body());
            assertTrue(c.json().at("/error/message").asText().startsWith("model: "), c.body());

            Reply e = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":" + m + ",\"input\":\"hi\"}", OPEN);
            assertEquals(400, e.status(), e.body());
            assertEquals("model", e.json().at("/error/param").asText(), e.body());

            Reply a = post(vertx, gw.port(), "/v1/messages", "{\"model\":" + m
                    + ",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", OPEN_MESSAGES);
            assertEquals(400, a.status(), a.body());
            assertEquals("error", a.json().path("type").asText(), a.body());
            assertEquals("invalid_request_error", a.json().at("/error/type").asText(), a.body());
            assertTrue(a.json().at("/error/message").asText().startsWith("model: "), a.body());
        }
        assertEquals(before, upstreamCalls(), "no upstream is called for an impossible name");
        List<String> targets = adminTargets();
        assertTrue(targets.stream().noneMatch(t -> t.startsWith("up/a") || t.startsWith("up/x") || t.startsWith("up/mod")),
                targets.toString());
        assertServing();
    }

    @Test
    void metrics_stay_parseable_after_hostile_names() {
        for (String name : HOSTILE) {
            chatPost("{\"model\":" + json(name) + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", OPEN);
        }
        assertEquals(200, chatPost(chat("up/ok-name:1@v2", false), OPEN).status());
        String metrics = parseableMetrics();
        assertTrue(metrics.contains("route=\"up/ok-name:1@v2\""), "a real direct name is measured");
        assertFalse(metrics.contains("evil") || metrics.contains("mod\u00e8le"), "no hostile name reaches /metrics");
    }

    // ---------------------------------------------------------------- x-request-id

    @Test
    void a_request_id_that_could_forge_a_log_entry_is_replaced() {
        String forged = "abc\",\"status\":200,\"target\":\"forged";
        Reply r = chatPost(chat("support", false), Map.of("authorization", "Bearer " + OPEN_KEY, "x-request-id", forged));
        assertEquals(200, r.status(), r.body());
        assertNotEquals(forged, r.header("x-request-id"));
        assertTrue(r.header("x-request-id").matches("req_[0-9a-f]+"), r.header("x-request-id"));

        Reply longId = chatPost(chat("support", false), Map.of("authorization", "Bearer " + OPEN_KEY,
                "x-request-id", "r".repeat(1000)));
        assertTrue(longId.header("x-request-id").startsWith("req_"), longId.header("x-request-id"));

        Reply plain = chatPost(chat("support", false), Map.of("authorization", "Bearer " + OPEN_KEY,
                "x-request-id", "trace-42"));
        assertEquals("trace-42", plain.header("x-request-id"));
    }

    @Test
    void a_request_id_with_control_or_non_ascii_characters_never_reaches_a_header_raw() {
        // CR, NUL and other controls are refused by the HTTP codec itself (400); a tab, a space, a
        // quote or a Latin-1 byte get through it and reach the gateway, which replaces the id.
        for (String id : List.of("abc\revil", "abc\u0000evil", "abc\u0001evil", "abc\tevil", "abc evil", "abc\"evil",
                "abc\u00e9evil")) {
            String head = rawExchangeHead("POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\n"
                    + "authorization: Bearer " + OPEN_KEY + "\r\ncontent-type: application/json\r\nx-request-id: " + id
                    + "\r\nconnection: close\r\ncontent-length: " + chat("support", false).length() + "\r\n\r\n"
                    + chat("support", false));
            assertFalse(head.contains("evil"), "echoed raw: " + head);
            if (head.startsWith("HTTP/1.1 200")) {
                assertTrue(Pattern.compile("(?m)^x-request-id: req_[0-9a-f]+$").matcher(head).find(), head);
            } else {
                assertTrue(head.startsWith("HTTP/1.1 400"), head);
            }
        }
        assertServing();
    }

    /** Sends raw bytes (what a client library would refuse to send) and returns the response head. */
    static String rawExchangeHead(String request) {
        NetClient net = vertx.createNetClient();
        try {
            NetSocket socket = await(net.connect(gw.port(), "127.0.0.1"));
            Buffer received = Buffer.buffer();
            Promise<String> head = Promise.promise();
            socket.handler(b -> {
                received.appendBuffer(b);
                String s = received.toString(StandardCharsets.ISO_8859_1);
                int end = s.indexOf("\r\n\r\n");
                if (end >= 0) {
                    head.tryComplete(s.substring(0, end));
                }
            });
            socket.closeHandler(v -> head.tryComplete(received.toString(StandardCharsets.ISO_8859_1)));
            socket.write(Buffer.buffer(request.getBytes(StandardCharsets.ISO_8859_1)));
            return await(head.future());
        } finally {
            net.close();
        }
    }

    // ---------------------------------------------------------------- client errors are 400, with no upstream call

    @Test
    void a_malformed_gemini_model_name_is_a_400_naming_model_with_no_call_and_no_target() {
        for (String name : List.of("gem/../files/x", "gem/gemini-2.5-flash:streamGenerateContent", "gem/a?alt=json",
                "gem/a%2Fb")) {
            Reply c = chatPost(chat(name, false), OPEN);
            assertEquals(400, c.status(), c.body());
            assertEquals("invalid_request", c.json().at("/error/code").asText(), c.body());
            assertEquals("model", c.json().at("/error/param").asText(), c.body());
            assertTrue(c.json().at("/error/message").asText().contains("not a model of provider 'gem'"), c.body());
            Reply e = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"" + name + "\",\"input\":\"hi\"}", OPEN);
            assertEquals(400, e.status(), e.body());
        }
        assertEquals(0, gem.calls());
        assertTrue(adminTargets().stream().noneMatch(t -> t.startsWith("gem/")));
    }

    @Test
    void a_file_image_url_is_a_400_on_direct_calls_to_every_provider_type_with_no_call() {
        for (String model : List.of("up/gpt-4o", "gem/gemini-2.5-flash", "ant/claude-sonnet-4-5", "az/gpt-4o",
                "br/anthropic.claude-3-haiku-20240307-v1:0")) {
            for (boolean stream : List.of(false, true)) {
                int before = upstreamCalls();
                Reply r = chatPost(withImage(model, "file:///etc/passwd", stream), OPEN);
                assertEquals(400, r.status(), model + " " + r.body());
                assertEquals("invalid_request_error", r.json().at("/error/type").asText(), r.body());
                assertEquals("invalid_request", r.json().at("/error/code").asText(), r.body());
                assertTrue(r.json().at("/error/message").asText().contains("image URLs must be http(s): or data: URLs"), r.body());
                assertFalse(r.body().contains("/etc/passwd"), "the client's path is not echoed");
                assertEquals(before, upstreamCalls(), model + ": no upstream call");
            }
        }
        assertEquals(0, gem.calls() + ant.calls() + az.calls() + br.calls());
        assertServing();
    }

    @Test
    void a_model_that_would_change_the_upstream_url_path_is_a_400_naming_model() {
        for (String name : List.of("br/..", "br/.", "az/..")) {
            Reply c = chatPost(chat(name, false), OPEN);
            assertEquals(400, c.status(), c.body());
            assertEquals("model", c.json().at("/error/param").asText(), c.body());
        }
        assertEquals(0, az.calls() + br.calls());
    }

    @Test
    void a_feature_the_one_target_of_a_direct_call_cannot_honour_is_a_400_not_a_502() {
        int before = upstreamCalls();
        Reply r = chatPost(withImage("br/anthropic.claude-3-haiku-20240307-v1:0", "https://example.com/cat.png", false), OPEN);
        assertEquals(400, r.status(), r.body());
        assertEquals("unsupported", r.json().at("/error/code").asText(), r.body());
        Reply e = post(vertx, gw.port(), "/v1/embeddings", "{\"model\":\"ant/claude-sonnet-4-5\",\"input\":\"hi\"}", OPEN);
        assertEquals(400, e.status(), e.body());
        assertEquals("unsupported", e.json().at("/error/code").asText(), e.body());
        assertEquals(before, upstreamCalls());
    }

    @Test
    void a_file_image_url_is_a_400_on_a_route_and_on_messages_too() {
        int before = upstreamCalls();
        Reply r = chatPost(withImage("support", "file:///etc/passwd", false), OPEN);
        assertEquals(400, r.status(), r.body());
        assertEquals("invalid_request", r.json().at("/error/code").asText(), r.body());

        Reply m = post(vertx, gw.port(), "/v1/messages", "{\"model\":\"ant/claude-sonnet-4-5\",\"max_tokens\":16,"
                + "\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"What is this?\"},"
                + "{\"type\":\"image\",\"source\":{\"type\":\"url\",\"url\":\"file:///etc/passwd\"}}]}]}", OPEN_MESSAGES);
        assertEquals(400, m.status(), m.body());
        assertEquals("invalid_request_error", m.json().at("/error/type").asText(), m.body());
        assertEquals(before, upstreamCalls());
        assertServing();
    }
}
