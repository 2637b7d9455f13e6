package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Cost, per-key token limits, budgets and {@code /admin/keys} through the real gateway: what a
 * client is charged and refused, what the upstream saw, and spend that outlives the process.
 */
class SpendIT {
    /** Every chat answer of the upstream: 5 prompt + 7 completion tokens; embeddings: 4 prompt tokens. */
    static final double CHAT_COST = 0.012;
    static final String PRICING = "pricing: { input_per_mtok: 1000, output_per_mtok: 1000 }";

    Vertx vertx;
    Upstream up;
    Detour gw;
    final Harness.ManualClock clock = new Harness.ManualClock();
    Path data;

    /** An OpenAI-compatible upstream: chat (whole or streamed, with usage) and embeddings, after {@code delayMs}. */
    static final class Upstream extends FakeJsonServer {
        final Vertx vertx;
        final List<JsonNode> bodies = new CopyOnWriteArrayList<>();
        volatile long delayMs;

        Upstream(Vertx vertx) {
            super(vertx);
            this.vertx = vertx;
        }

        @Override
        void onRequest(HttpServerRequest req, JsonNode body) {
            bodies.add(body);
            if (delayMs > 0) {
                vertx.setTimer(delayMs, t -> answer(req, body));
            } else {
                answer(req, body);
            }
        }

        private void answer(HttpServerRequest req, JsonNode body) {
            if (req.path().endsWith("/embeddings")) {
                req.response().putHeader("content-type", "application/json").end("{\"object\":\"list\",\"data\":[{"
                        + "\"object\":\"embedding\",\"index\":0,\"embedding\":[0.5,0.25]}],\"model\":\"e\","
                        + "\"usage\":{\"prompt_tokens\":4,\"total_tokens\":4}}");
                return;
            }
            String usage = "{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}";
            if (!body.path("stream").asBoolean()) {
                req.response().putHeader("content-type", "application/json").end("{\"id\":\"c1\",\"object\":"
                        + "\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"message\":"
                        + "{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":\"stop\"}],\"usage\":"
                        + usage + "}");
                return;
            }
            String head = "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",";
            req.response().setChunked(true).putHeader("content-type", "text/event-stream");
            req.response().write(head + "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":"
                    + "\"Hello\"},\"finish_reason\":null}]}\n\n");
            req.response().write(head + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
            if (body.at("/stream_options/include_usage").asBoolean()) {
                req.response().write(head + "\"choices\":[],\"usage\":" + usage + "}\n\n");
            }
            req.response().end("data: [DONE]\n\n");
        }
    }

    @BeforeEach
    void setUp() throws IOException {
        vertx = Detour.newVertx();
        up = new Upstream(vertx);
        await(up.listen());
        data = Files.createTempDirectory("detour-spend");
    }

    @AfterEach
    void tearDown() {
        if (gw != null) {
            await(gw.stop());
        }
        up.close();
        await(vertx.close());
    }

    String config(String keys) {
        return """
                server: { data_dir: "%s", admin_token: adm }
                providers: { a: { type: openai, base_url: "%s/v1" } }
                routes:
                  r: { targets: [ { provider: a, model: m, %s } ] }
                  e: { targets: [ { provider: a, model: e, %s } ] }
                keys:
                %s
                """.formatted(data, up.baseUrl(), PRICING, PRICING, keys);
    }

    Harness.Reply post(String path, String body, String key) {
        return Harness.post(vertx, gw.port(), path, body, Map.of("authorization", "Bearer " + key));
    }

    Harness.Reply admin(String path) {
        return get(gw.port(), path, "adm");
    }

    Harness.Reply get(int port, String path, String adminToken) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.GET).setHost("127.0.0.1").setPort(port)
                    .setURI(path);
            if (adminToken != null) {
                ro.putHeader("authorization", "Bearer " + adminToken);
            }
            return await(client.request(ro).compose(req -> req.send().compose(resp -> resp.body()
                    .map(b -> new Harness.Reply(resp.statusCode(), resp.headers(), b.toString())))));
        } finally {
            client.close();
        }
    }

    static String chat(String model, int maxTokens, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    static String messages(int maxTokens, boolean stream) {
        return "{\"model\":\"r\",\"stream\":" + stream + ",\"max_tokens\":" + maxTokens
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    static final String EMBED = "{\"model\":\"e\",\"input\":\"hi\"}";

    /** {@code detour_cost_usd_total} of route {@code r}, target {@code a/m}, key {@code key}, or 0 without the series. */
    double costMetric(String key) {
        Harness.Reply m = Harness.get(vertx, gw.port(), "/metrics");
        Matcher x = Pattern.compile("detour_cost_usd_total\\{route=\"r\",target=\"a/m\",key=\"" + key + "\"} (\\S+)")
                .matcher(m.body());
        return x.find() ? Double.parseDouble(x.group(1)) : 0;
    }

    JsonNode keyView(String name) {
        for (JsonNode k : admin("/admin/keys").json().path("keys")) {
            if (k.path("name").asText().equals(name)) {
                return k;
            }
        }
        throw new AssertionError("no key " + name + " in /admin/keys");
    }

    @Test
    void every_answer_is_priced_from_its_usage_in_the_header_and_the_metric_streams_too() {
        gw = Harness.start(vertx, config("  - { name: team, key: sk-team }"), clock);

        Harness.Reply chat = post("/v1/chat/completions", chat("r", 50, false), "sk-team");
        assertEquals(200, chat.status(), chat.body());
        assertEquals("0.012", chat.header("x-detour-cost-usd"));

        Harness.Reply msg = post("/v1/messages", messages(50, false), "sk-team");
        assertEquals(200, msg.status(), msg.body());
        assertEquals("0.012", msg.header("x-detour-cost-usd"));

        Harness.Reply emb = post("/v1/embeddings", EMBED, "sk-team");
        assertEquals(200, emb.status(), emb.body());
        assertEquals("0.004", emb.header("x-detour-cost-usd"));

        // A stream the client did not ask usage of: the upstream is asked, the client sees none
        Harness.Reply stream = post("/v1/chat/completions", chat("r", 50, true), "sk-team");
        assertEquals(200, stream.status(), stream.body());
        assertNull(stream.header("x-detour-cost-usd"), "a stream's headers leave before its usage is known");
        assertTrue(up.bodies.get(up.bodies.size() - 1).at("/stream_options/include_usage").asBoolean());
        assertFalse(stream.body().contains("\"usage\""), stream.body());
        Harness.Reply anthropicStream = post("/v1/messages", messages(50, true), "sk-team");
        assertEquals(200, anthropicStream.status(), anthropicStream.body());

        // Four chat answers on route r (two streamed), each 0.012
        assertEquals(4 * CHAT_COST, costMetric("team"), 1e-9);
    }

    @Test
    void a_key_over_its_tpm_is_refused_with_a_retry_after_that_is_true_and_the_estimate_is_corrected_by_the_usage() {
        gw = Harness.start(vertx, config("  - { name: team, key: sk-team, limits: { tpm: 1000 } }"), clock);

        // 18 prompt tokens estimated + 900 asked for: admitted, then corrected to the 12 used
        assertEquals(200, post("/v1/chat/completions", chat("r", 900, false), "sk-team").status());
        assertEquals(12, keyView("team").at("/tpm/used").asInt());
        // Only the correction lets this one in (12 + 518 fits; 918 + 518 would not)
        assertEquals(200, post("/v1/chat/completions", chat("r", 500, false), "sk-team").status());
        assertEquals(24, keyView("team").at("/tpm/used").asInt());

        // 24 + 18 + 990 does not fit: wait until both have left the window (counted in the slot of 1 s..2 s)
        Harness.Reply refused = post("/v1/chat/completions", chat("r", 990, false), "sk-team");
        assertEquals(429, refused.status());
        assertEquals("rate_limited", refused.json().at("/error/code").asText());
        assertEquals("61", refused.header("retry-after"));
        int calls = up.calls();

        clock.advanceMillis(60_000);
        Harness.Reply early = post("/v1/chat/completions", chat("r", 990, false), "sk-team");
        assertEquals(429, early.status());
        assertEquals("1", early.header("retry-after"));
        clock.advanceMillis(1_000);
        assertEquals(200, post("/v1/chat/completions", chat("r", 990, false), "sk-team").status());
        assertEquals(calls + 1, up.calls(), "refused requests never reached the upstream");
    }

    @Test
    void a_budget_that_runs_out_mid_burst_is_never_overspent_by_more_than_one_request() {
        gw = Harness.start(vertx, config("  - { name: team, key: sk-team, budget: { usd: 0.1, period: 1d } }"), clock);
        up.delayMs = 300;   // every request of a burst is in flight at once
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(16));
        int served = 0;
        int refused = 0;
        boolean midBurst = false;
        try {
            for (int burst = 0; burst < 10; burst++) {
                List<Future<Integer>> replies = new ArrayList<>();
                for (int i = 0; i < 12; i++) {
                    replies.add(client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1")
                                    .setPort(gw.port()).setURI("/v1/chat/completions")
                                    .putHeader("content-type", "application/json")
                                    .putHeader("authorization", "Bearer sk-team"))
                            .compose(req -> req.send(chat("r", 10, false)))
                            .compose(resp -> resp.body().map(b -> {
                                if (resp.statusCode() == 429) {
                                    assertTrue(b.toString().contains("\"budget_exceeded\""), b.toString());
                                }
                                return resp.statusCode();
                            })));
                }
                int ok = 0;
                for (Future<Integer> f : replies) {
                    int status = await(f);
                    assertTrue(status == 200 || status == 429, "status " + status);
                    ok += status == 200 ? 1 : 0;
                }
                served += ok;
                refused += 12 - ok;
                midBurst |= ok > 0 && ok < 12;
                if (ok == 0) {
                    break;
                }
            }
        } finally {
            client.close();
        }
        assertTrue(midBurst, "the budget ran out within a burst");
        assertTrue(refused > 0);
        assertEquals(served, up.calls(), "a refused request never reaches the upstream");
        double spent = served * CHAT_COST;
        // Spent: the budget is gone, and passed by less than one request's cost
        assertTrue(spent >= 0.1 && spent < 0.1 + CHAT_COST, "spent " + spent + " over " + served + " answers");
        JsonNode view = keyView("team");
        assertEquals(spent, view.at("/budget/spent_usd").asDouble(), 1e-9);
        assertEquals(0, view.at("/budget/left_usd").asDouble(), 1e-12);
        assertEquals(0, view.at("/budget/reserved_usd").asDouble(), 1e-12);

        // Spent: refused before any call until the day (and its two-minute slot) has rolled on
        Harness.Reply r = post("/v1/chat/completions", chat("r", 10, false), "sk-team");
        assertEquals(429, r.status());
        long retry = Long.parseLong(r.header("retry-after"));
        assertTrue(retry > 86_000 && retry <= 86_400 + 120, "retry after " + retry);
        clock.advanceMillis(retry * 1000);
        up.delayMs = 0;
        assertEquals(200, post("/v1/chat/completions", chat("r", 10, false), "sk-team").status());
    }

    @Test
    void a_spent_key_cannot_escape_by_header_endpoint_stream_or_direct_provider_model() {
        gw = Harness.start(vertx, config("  - { name: team, key: sk-team, budget: { usd: 0.01, period: 30d } }"), clock);
        assertEquals(200, post("/v1/chat/completions", chat("r", 10, false), "sk-team").status());
        int calls = up.calls();

        List<Harness.Reply> attempts = List.of(
                post("/v1/chat/completions", chat("r", 10, false), "sk-team"),
                post("/v1/chat/completions", chat("r", 10, true), "sk-team"),
                post("/v1/chat/completions", chat("a/m", 10, false), "sk-team"),
                post("/v1/messages", messages(10, false), "sk-team"),
                post("/v1/messages", messages(10, true), "sk-team"),
                post("/v1/embeddings", EMBED, "sk-team"),
                Harness.post(vertx, gw.port(), "/v1/messages", messages(10, false), Map.of("x-api-key", "sk-team")),
                Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", 10, false),
                        Map.of("AUTHORIZATION", "bearer sk-team")),
                Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", 10, false),
                        Map.of("X-Api-Key", "sk-team")));
        for (Harness.Reply r : attempts) {
            assertEquals(429, r.status(), r.body());
            assertTrue(r.body().contains("budget_exceeded"), r.body());
            assertTrue(Long.parseLong(r.header("retry-after")) > 0);
            assertFalse(r.body().contains("sk-team"), r.body());
        }
        assertEquals("error", attempts.get(3).json().path("type").asText(), "Anthropic's shape on /v1/messages");
        assertEquals(calls, up.calls(), "no refused request reached the upstream");
    }

    @Test
    void admin_keys_shows_each_key_by_name_with_its_use_and_never_the_key() {
        gw = Harness.start(vertx, config("""
                  - { name: team, key: sk-team-secret-1, routes: [r], limits: { rpm: 50, tpm: 5000 }, budget: { usd: 2, period: 7d } }
                  - { name: other, key: sk-other-secret-2 }"""), clock);
        assertEquals(200, post("/v1/chat/completions", chat("r", 10, false), "sk-team-secret-1").status());

        assertEquals(401, get(gw.port(), "/admin/keys", null).status());
        assertEquals(401, get(gw.port(), "/admin/keys", "wrong").status());
        Harness.Reply view = admin("/admin/keys");
        assertEquals(200, view.status());
        assertFalse(view.body().contains("sk-team-secret-1") || view.body().contains("sk-other-secret-2"), view.body());
        assertFalse(view.body().contains(dev.detour.core.config.ConfigLoader.sha256("sk-team-secret-1")), view.body());
        JsonNode team = keyView("team");
        assertEquals("normal", team.path("priority").asText(), "the default shedding priority");
        assertEquals("r", team.at("/routes/0").asText());
        assertEquals(50, team.at("/rpm/limit").asInt());
        assertEquals(1, team.at("/rpm/used").asInt());
        assertEquals(5000, team.at("/tpm/limit").asInt());
        assertEquals(12, team.at("/tpm/used").asInt());
        assertEquals(2, team.at("/budget/usd").asDouble());
        assertEquals("7d", team.at("/budget/period").asText());
        assertEquals(CHAT_COST, team.at("/budget/spent_usd").asDouble(), 1e-12);
        assertEquals(2 - CHAT_COST, team.at("/budget/left_usd").asDouble(), 1e-12);
        JsonNode other = keyView("other");
        assertTrue(other.at("/tpm/limit").isNull());
        assertTrue(other.path("budget").isNull());
        assertTrue(other.path("routes").isNull());
    }

    @Test
    void spend_survives_a_restart_of_the_gateway_process() throws Exception {
        Path config = Harness.write("""
                server: { data_dir: "%s", shutdown_grace: 3s }
                providers: { a: { type: openai, base_url: "%s/v1" } }
                routes: { r: { targets: [ { provider: a, model: m, %s } ] } }
                keys:
                  - { name: team, key: sk-team, budget: { usd: 0.02, period: 30d } }
                """.formatted(data, up.baseUrl(), PRICING));

        try (Running first = Running.start(config)) {
            // Two answers: the second starts with 0.012 spent of 0.02, and leaves 0.024 spent
            assertEquals(200, Harness.post(vertx, first.port, "/v1/chat/completions", chat("r", 10, false),
                    Map.of("authorization", "Bearer sk-team")).status());
            assertEquals(200, Harness.post(vertx, first.port, "/v1/chat/completions", chat("r", 10, false),
                    Map.of("authorization", "Bearer sk-team")).status());
            first.stop();
        }
        assertTrue(Files.exists(data.resolve("spend.mv.db")));

        try (Running second = Running.start(config)) {
            Harness.Reply r = Harness.post(vertx, second.port, "/v1/chat/completions", chat("r", 10, false),
                    Map.of("authorization", "Bearer sk-team"));
            assertEquals(429, r.status(), r.body());
            assertTrue(r.body().contains("budget_exceeded"), r.body());
            JsonNode team = get(second.port, "/admin/keys", null).json().at("/keys/0");
            assertEquals(2 * CHAT_COST, team.at("/budget/spent_usd").asDouble(), 1e-12);
            second.stop();
        }
        assertEquals(2, up.calls());
    }

    /** The distribution's {@code bin/detour run} as a separate process. */
    static final class Running implements AutoCloseable {
        final Process process;
        final int port;

        private Running(Process process, int port) {
            this.process = process;
            this.port = port;
        }

        static Running start(Path config) throws IOException {
            Process p = Cli.builder(Map.of(), "run", "--config", config.toString(), "--port", "0")
                    .redirectErrorStream(true).start();
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            StringBuilder seen = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    // Keep reading its output so it never blocks on a full pipe.
                    Thread drain = new Thread(() -> {
                        try {
                            while (out.readLine() != null) {
                                // discard
                            }
                        } catch (IOException ignored) {
                            // the process ended
                        }
                    }, "spend-it-drain");
                    drain.setDaemon(true);
                    drain.start();
                    return new Running(p, Integer.parseInt(m.group(1)));
                }
            }
            p.destroyForcibly();
            throw new AssertionError("the gateway never said it was listening:\n" + seen);
        }

        /** SIGTERM, and wait for the drained exit. */
        void stop() throws InterruptedException {
            process.toHandle().destroy();
            assertTrue(process.waitFor(30, TimeUnit.SECONDS), "the gateway did not exit");
            assertEquals(0, process.exitValue());
        }

        @Override
        public void close() {
            if (process.isAlive()) {
                process.destroyForcibly();
            }
        }
    }
}
