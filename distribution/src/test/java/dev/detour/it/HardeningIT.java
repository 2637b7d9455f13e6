package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.core.boot.Detour;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.ManualClock;
import dev.detour.it.Harness.Reply;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Regression tests for the hardening findings that live in the HTTP layer and admission: connection
 * limits and timeouts, request smuggling, admin access, feedback ownership, the sliding rate limit,
 * draining, and the access log. Every test goes through the real gateway over loopback; timeouts
 * run on an injected clock the test advances, and the test waits for the event it expects (a
 * closed socket, an answer), never for a fixed time.
 */
class HardeningIT {
    Vertx vertx;
    FakeUpstream upstream;
    Detour gw;

    @BeforeEach
    void upstream() {
        vertx = Detour.newVertx();
        upstream = await(new FakeUpstream(vertx, "up").start());
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        upstream.close();
        await(vertx.close());
    }

    private String providers() {
        return "providers: { up: { type: openai, base_url: \"" + upstream.baseUrl() + "\", api_key: sk-test-key-123456 } }\n"
                + "routes: { r: { targets: [ { provider: up, model: m } ] } }\n";
    }

    // ------------------------------------------------------------------ connections (finding 6)

    @Test
    void connections_past_the_limit_are_closed_and_idle_ones_time_out() throws Exception {
        ManualClock clock = new ManualClock();
        gw = Harness.start(vertx, "server: { max_connections: 8, header_timeout: 10s, idle_timeout: 60s }\n" + providers(),
                clock);
        List<Socket> idle = new ArrayList<>();
        try (Socket watcher = new Socket("127.0.0.1", gw.port())) {
            for (int i = 0; i < 7; i++) {
                idle.add(new Socket("127.0.0.1", gw.port()));
            }
            // Given every slot taken: seven connections that send nothing, and one reading /metrics
            waitFor(() -> metricOver(watcher, "detour_connections_open") == 8);
            // When one more connects, it is closed at once
            try (Socket extra = new Socket("127.0.0.1", gw.port())) {
                assertClosedByServer(extra);
            }
            assertTrue(metricOver(watcher, "detour_connections_refused_total") >= 1);
            // When the header timeout passes on the injected clock
            clock.advanceMillis(10_001);
            // Then the silent connections are closed (the one in use is not), and the gateway serves again.
            for (Socket s : idle) {
                assertClosedByServer(s);
            }
            Reply ok = post(vertx, gw.port(), "/v1/chat/completions", chat("r", false));
            assertEquals(200, ok.status(), ok.body());
            assertEquals(7, metricOver(watcher, "detour_connections_timed_out_total{timeout=\"header\"}"));
        } finally {
            for (Socket s : idle) {
                s.close();
            }
        }
    }

    /** A metric read over a kept-alive socket of the test's own (so reading it opens no connection). */
    private static long metricOver(Socket s, String name) {
        try {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            for (String line : readResponse(s).split("\n")) {
                if (line.startsWith(name + " ")) {
                    return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
                }
            }
            return -1;
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void a_kept_alive_connection_with_nothing_in_flight_is_closed_after_the_idle_timeout() throws Exception {
        ManualClock clock = new ManualClock();
        gw = Harness.start(vertx, "server: { idle_timeout: 60s }\n" + providers(), clock);
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String first = readResponse(s);
            assertTrue(first.startsWith("HTTP/1.1 200"), first);
            clock.advanceMillis(59_000);
            s.getOutputStream().write("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertTrue(readResponse(s).startsWith("HTTP/1.1 200"), "a connection in use is not idle");
            clock.advanceMillis(60_001);
            assertClosedByServer(s);
        }
    }

    @Test
    void a_body_that_does_not_arrive_in_time_gets_408_and_the_connection_closes() throws Exception {
        ManualClock clock = new ManualClock();
        gw = Harness.start(vertx, "server: { body_timeout: 30s }\n" + providers(), clock);
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"model\":").getBytes(StandardCharsets.US_ASCII));
            s.getOutputStream().flush();
            // Wait until the gateway has the head (the request is in flight), then let time pass.
            waitFor(() -> metric("detour_http_in_flight") == 1);
            clock.advanceMillis(30_001);
            String answer = readUntilClosed(s);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
            assertTrue(answer.contains("\"code\":\"request_timeout\""), answer);
        }
        assertEquals(0, upstream.calls());
    }

    // ------------------------------------------------------------------ smuggling (finding 12)

    @Test
    void a_request_with_both_content_length_and_transfer_encoding_is_refused_and_nothing_is_smuggled() throws Exception {
        gw = Harness.start(vertx, providers());
        String smuggled = "GET /admin/targets HTTP/1.1\r\nHost: x\r\n\r\n";
        String body = "0\r\n\r\n" + smuggled;
        try (Socket s = new Socket("127.0.0.1", gw.port())) {
            s.getOutputStream().write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length() + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body)
                    .getBytes(StandardCharsets.US_ASCII));
            String all = readUntilClosed(s);
            assertTrue(all.startsWith("HTTP/1.1 400"), all);
            assertEquals(1, all.split("HTTP/1\\.1 ", -1).length - 1, "exactly one answer: " + all);
        }
        assertEquals(200, get(vertx, gw.port(), "/healthz").status());
    }

    // ------------------------------------------------------------------ admin (finding 12)

    @Test
    void with_an_admin_token_every_caller_needs_it_even_on_loopback() {
        gw = Harness.start(vertx, "server: { admin_token: s3cret-admin }\n" + providers());
        assertEquals(401, adminGet(Map.of()).status());
        assertEquals(401, adminGet(Map.of("authorization", "Bearer wrong")).status());
        assertEquals(401, adminGet(Map.of("authorization", "Bearer s3cret-admin-and-more")).status());
        assertEquals(200, adminGet(Map.of("authorization", "Bearer s3cret-admin")).status());
    }

    @Test
    void without_a_token_loopback_is_trusted_only_when_no_proxy_header_is_present() {
        gw = Harness.start(vertx, providers());
        assertEquals(200, adminGet(Map.of()).status());
        for (String h : List.of("X-Forwarded-For", "Forwarded", "X-Real-IP")) {
            Reply r = adminGet(Map.of(h, "203.0.113.9"));
            assertEquals(401, r.status(), h + ": " + r.body());
            assertTrue(r.body().contains("admin_token"), r.body());
        }
    }

    @Test
    void validate_judges_loopback_by_address_never_by_name() {
        var config = Harness.write("server: { host: 127.attacker.example }\n" + providers());
        Cli.Result r = Cli.run("validate", config.toString());
        assertTrue(r.exit() != 0, r.out() + r.err());
        assertTrue((r.out() + r.err()).contains("server.host"), r.out() + r.err());
    }

    private Reply adminGet(Map<String, String> headers) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(gw.port())
                    .setURI("/admin/targets");
            headers.forEach(ro::putHeader);
            return await(client.request(ro).compose(req -> req.send().compose(resp -> resp.body()
                    .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
        } finally {
            client.close();
        }
    }

    // ------------------------------------------------------------------ feedback (finding 7)

    @Test
    void feedback_counts_once_per_request_and_only_from_the_key_that_made_it() {
        gw = Harness.start(vertx, providers().replace("routes: { r: { targets: [ { provider: up, model: m } ] } }",
                "routes: { r: { targets: [ { provider: up, model: m } ], detectors: [feedback] } }") + """
                keys:
                  - { name: team-a, key: key-aaaaaaaaaaaa }
                  - { name: team-b, key: key-bbbbbbbbbbbb }
                """);
        Reply served = post(vertx, gw.port(), "/v1/chat/completions", chat("r", false),
                Map.of("authorization", "Bearer key-aaaaaaaaaaaa", "x-request-id", "req-feedback-1"));
        assertEquals(200, served.status(), served.body());
        String fb = "{\"request_id\":\"req-feedback-1\",\"score\":-1}";

        Reply other = post(vertx, gw.port(), "/v1/feedback", fb, Map.of("authorization", "Bearer key-bbbbbbbbbbbb"));
        assertEquals(404, other.status(), other.body());
        Reply first = post(vertx, gw.port(), "/v1/feedback", fb, Map.of("authorization", "Bearer key-aaaaaaaaaaaa"));
        assertEquals(202, first.status(), first.body());
        for (int i = 0; i < 30; i++) {
            Reply again = post(vertx, gw.port(), "/v1/feedback", fb, Map.of("authorization", "Bearer key-aaaaaaaaaaaa"));
            assertEquals(409, again.status(), again.body());
            assertEquals("feedback_exists", again.json().path("error").path("code").asText());
        }
        Reply unknown = post(vertx, gw.port(), "/v1/feedback", "{\"request_id\":\"never-served\",\"score\":-1}",
                Map.of("authorization", "Bearer key-aaaaaaaaaaaa"));
        assertEquals(404, unknown.status());
        // One -1 among no others: the target is not made unhealthy for everyone.
        JsonNode target = get(vertx, gw.port(), "/admin/targets").json().path("targets").get(0);
        assertEquals("healthy", target.path("state").asText(), target.toString());
    }

    // ------------------------------------------------------------------ rate limit (finding 8)

    @Test
    void the_per_key_limit_holds_across_a_minute_boundary() {
        ManualClock clock = new ManualClock();
        gw = Harness.start(vertx, providers() + "keys: [ { name: k, key: key-limited-123456, limits: { rpm: 30 } } ]\n",
                clock);
        Map<String, String> auth = Map.of("authorization", "Bearer key-limited-123456");
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("r", false), auth).status());
        clock.advanceMillis(59_500);
        for (int i = 0; i < 29; i++) {
            assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("r", false), auth).status());
        }
        // A fixed window would start afresh here and take 30 more.
        clock.advanceMillis(1_000);
        int admitted = 0;
        Reply refused = null;
        for (int i = 0; i < 30; i++) {
            Reply r = post(vertx, gw.port(), "/v1/chat/completions", chat("r", false), auth);
            if (r.status() == 200) {
                admitted++;
            } else {
                refused = r;
            }
        }
        assertTrue(admitted <= 1, "admitted " + admitted + " more within a minute of 30");
        assertNotNull(refused);
        assertEquals(429, refused.status());
        assertEquals("rate_limited", refused.json().path("error").path("code").asText());
        long retryAfter = Long.parseLong(refused.header("retry-after"));
        assertTrue(retryAfter >= 1 && retryAfter <= 60, "Retry-After " + retryAfter);
        // When the whole burst has left the window, the key is served again.
        clock.advanceMillis(60_000);
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("r", false), auth).status());
    }

    // ------------------------------------------------------------------ drain (finding 9)

    @Test
    void a_drain_refuses_new_requests_cleanly_and_answers_in_flight_ones_with_connection_close() throws Exception {
        CompletableFuture<Void> reached = new CompletableFuture<>();
        upstream.always((up, req, body) -> {
            reached.complete(null);
            Behaviour.delayed(400).answer(up, req, body);
        });
        gw = Harness.start(vertx, "server: { shutdown_grace: 20s }\n" + providers());
        HttpClient client = vertx.createHttpClient();
        var inFlight = request(client, chat("r", false));
        reached.get(20, TimeUnit.SECONDS);

        Future<Void> stopped = gw.stop();
        Reply refused = post(vertx, gw.port(), "/v1/chat/completions", chat("r", false));
        assertEquals(503, refused.status(), refused.body());
        assertEquals("shutting_down", refused.json().path("error").path("code").asText());
        assertEquals("close", refused.header("connection"));

        Reply answered = inFlight.get(20, TimeUnit.SECONDS);
        assertEquals(200, answered.status(), answered.body());
        assertEquals("close", answered.header("connection"));
        await(stopped);
        gw = null;
        client.close();
    }

    @Test
    void when_the_grace_runs_out_an_unfinished_stream_ends_with_an_error_event_and_done() throws Exception {
        CompletableFuture<Void> streaming = new CompletableFuture<>();
        upstream.always((up, req, body) -> {
            HttpServerResponse r = up.sseStart(req);
            r.write(up.sse(ChatChunk.text("c1", "m", 1, "Partial ")));
            streaming.complete(null);
            // ... and nothing more: the stream is still open when the grace ends.
        });
        gw = Harness.start(vertx, "server: { shutdown_grace: 300ms }\n" + providers());
        HttpClient client = vertx.createHttpClient();
        var stream = request(client, chat("r", true));
        streaming.get(20, TimeUnit.SECONDS);
        waitFor(() -> metric("detour_http_in_flight") == 1);

        await(gw.stop());
        gw = null;
        Reply r = stream.get(20, TimeUnit.SECONDS);
        assertEquals(200, r.status());
        List<String> events = r.events();
        assertEquals("[DONE]", events.get(events.size() - 1), r.body());
        JsonNode error = WireJson.MAPPER.readTree(events.get(events.size() - 2)).path("error");
        assertEquals("stream_interrupted", error.path("code").asText(), r.body());
        assertTrue(error.path("message").asText().contains("shutting down"), r.body());
        assertTrue(r.body().contains("Partial"), r.body());
        client.close();
    }

    // ------------------------------------------------------------------ access log (finding 10)

    @Test
    void the_access_log_is_one_json_object_per_line_for_every_status_and_cannot_be_forged() throws Exception {
        PrintStream original = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        String forged = "abc\",\"status\":200,\"target\":\"forged";
        PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
        System.setOut(capture);
        try {
            gw = Harness.start(vertx, providers() + "keys: [ { name: team, key: key-team-123456 } ]\n"
                    + "telemetry: { access_log: json }\n");
            post(vertx, gw.port(), "/v1/chat/completions", chat("r", false),
                    Map.of("authorization", "Bearer key-team-123456", "x-request-id", forged));
            post(vertx, gw.port(), "/v1/chat/completions", chat("r", false), Map.of("authorization", "Bearer wrong"));
            post(vertx, gw.port(), "/v1/chat/completions", chat("nope", false),
                    Map.of("authorization", "Bearer key-team-123456"));
            get(vertx, gw.port(), "/no/such/path");
            await(gw.stop());
            gw = null;
        } finally {
            System.setOut(original);
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : captured.toString(StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            assertTrue(line.startsWith("{") && line.endsWith("}"), "not a bare JSON object: " + line);
            lines.add(WireJson.MAPPER.readTree(line));
        }
        List<Integer> statuses = lines.stream().map(l -> l.path("status").asInt()).toList();
        assertTrue(statuses.containsAll(List.of(200, 401, 404)), statuses.toString());
        JsonNode ok = lines.stream().filter(l -> l.path("status").asInt() == 200).findFirst().orElseThrow();
        assertEquals("up/m", ok.path("target").asText(), ok.toString());
        assertEquals("team", ok.path("key").asText());
        assertFalse(captured.toString(StandardCharsets.UTF_8).contains("key-team-123456"), "a key in the access log");
        if (ok.has("request_id") && ok.path("request_id").asText().startsWith("abc")) {
            assertEquals(forged, ok.path("request_id").asText(), "the id is a value, not fields");
        }
    }

    // ------------------------------------------------------------------ helpers

    private CompletableFuture<Reply> request(HttpClient client, String body) {
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
                        .setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(body))
                .compose((HttpClientResponse resp) -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(),
                        b.toString())))
                .toCompletionStage().toCompletableFuture();
    }

    private long metric(String name) {
        for (String line : get(vertx, gw.port(), "/metrics").body().split("\n")) {
            if (line.startsWith(name + " ")) {
                return (long) Double.parseDouble(line.substring(name.length() + 1).trim());
            }
        }
        return -1;
    }

    /**
     * Asks the gateway again until it reports {@code condition} (bounded: 20 s). Each check is a
     * request answered on the gateway's event loop, after the events before it, so the loop waits
     * on the gateway's own answers rather than on a timer.
     */
    private static void waitFor(java.util.function.BooleanSupplier condition) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("condition not reached within 20 s");
            }
        }
    }

    /** Reads until the server closes the socket (bounded by a 20 s read timeout). */
    private static void assertClosedByServer(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        try {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[4096];
            while (in.read(buf) >= 0) {
                // drain whatever was sent before the close
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection", e);
        } catch (IOException reset) {
            // a reset is a close too
        }
    }

    private static String readUntilClosed(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[4096];
        try {
            for (int n; (n = s.getInputStream().read(buf)) >= 0; ) {
                out.write(buf, 0, n);
            }
        } catch (SocketTimeoutException e) {
            throw new AssertionError("the server did not close the connection; got: " + out, e);
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads one response with a Content-Length body. */
    private static String readResponse(Socket s) throws IOException {
        s.setSoTimeout(20_000);
        InputStream in = s.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).trim());
            }
        }
        byte[] body = in.readNBytes(length);
        return head + new String(body, StandardCharsets.UTF_8);
    }
}
