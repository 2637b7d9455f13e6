package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServerRequest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Failover readiness through the real gateway: golden requests sent to every target of a route,
 * each with its own prompt override, checked (valid JSON, schema, contains, latency), compared by
 * an embeddings route, from the command line ({@code detour check}) and the admin API; a target
 * that fails is flagged in {@code /admin/targets} and stays in routing.
 */
class ReadinessIT {
    static final String CASES = """
            cases:
              - name: order-json
                messages:
                  - { role: user, content: "Status of order 1042, as JSON with order and status" }
                params: { temperature: 0 }
                checks:
                  json: true
                  json_schema: { type: object, required: [order, status] }
                  contains: "1042"
                  max_latency: 2s
            """;

    /**
     * Three chat providers and an embedder behind one loopback server, told apart by path:
     * {@code /good} answers the JSON asked for; {@code /prose} answers JSON too unless its system
     * prompt (the target's override) asks for prose; {@code /slow} answers the JSON after 2.5 s;
     * {@code /embed} embeds a JSON answer as (1, 0) and anything else as (0, 1).
     */
    static final class Upstreams extends FakeJsonServer {
        final Vertx vertx;
        final List<String> chatPaths = new CopyOnWriteArrayList<>();
        final List<JsonNode> proseBodies = new CopyOnWriteArrayList<>();

        Upstreams(Vertx vertx) {
            super(vertx);
            this.vertx = vertx;
        }

        @Override
        void onRequest(HttpServerRequest req, JsonNode body) {
            String path = req.path();
            if (path.startsWith("/embed/")) {
                StringBuilder data = new StringBuilder();
                JsonNode input = body.path("input");
                for (int i = 0; i < input.size(); i++) {
                    boolean json = input.get(i).asText().startsWith("{");
                    data.append(i == 0 ? "" : ",").append("{\"object\":\"embedding\",\"index\":").append(i)
                            .append(",\"embedding\":").append(json ? "[1.0,0.0]" : "[0.0,1.0]").append('}');
                }
                send(req, "{\"object\":\"list\",\"data\":[" + data + "],\"model\":\"e\",\"usage\":{\"prompt_tokens\":2,"
                        + "\"total_tokens\":2}}");
                return;
            }
            chatPaths.add(path);
            String json = "{\\\"order\\\": 1042, \\\"status\\\": \\\"shipped\\\"}";
            if (path.startsWith("/prose/")) {
                proseBodies.add(body);
                String system = body.path("messages").path(0).path("content").asText();
                if (system.contains("prose")) {
                    json = "Order 1042 has shipped and is on its way.";
                }
                send(req, answer(json));
            } else if (path.startsWith("/slow/")) {
                String a = answer(json);
                vertx.setTimer(2500, t -> send(req, a));
            } else {
                send(req, answer(json));
            }
        }

        private static String answer(String text) {
            return "{\"id\":\"c\",\"object\":\"chat.completion\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,"
                    + "\"message\":{\"role\":\"assistant\",\"content\":\"" + text + "\"},\"finish_reason\":\"stop\"}],"
                    + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}";
        }

        private static void send(HttpServerRequest req, String body) {
            if (!req.response().closed()) {
                req.response().putHeader("content-type", "application/json").end(body);
            }
        }
    }

    Vertx vertx;
    Upstreams up;
    Detour gw;
    Path dir;

    String config(String readiness) {
        String base = up.baseUrl();
        return """
                providers:
                  good:  { type: openai, base_url: "%1$s/good/v1", api_key: sk-good-secret-1234 }
                  prose: { type: openai, base_url: "%1$s/prose/v1", api_key: sk-prose-secret-1234 }
                  slow:  { type: openai, base_url: "%1$s/slow/v1", api_key: sk-slow-secret-1234 }
                  emb:   { type: openai, base_url: "%1$s/embed/v1", api_key: sk-emb-secret-1234 }
                routes:
                  support:
                    targets:
                      - { provider: good, model: gpt-4o }
                      - provider: prose
                        model: llama-3
                        prompt: { system: "Answer in friendly prose, never JSON.", system_mode: replace }
                      - { provider: slow, model: claude }
                  ready:
                    targets:
                      - { provider: good, model: gpt-4o }
                  embed:
                    targets:
                      - { provider: emb, model: e }
                %2$s
                """.formatted(base, readiness);
    }

    @BeforeEach
    void start() throws IOException {
        vertx = Detour.newVertx();
        up = new Upstreams(vertx);
        await(up.listen());
        dir = Files.createTempDirectory("readiness-it");
        Files.writeString(dir.resolve("cases.yaml"), CASES);
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        up.close();
        await(vertx.close());
    }

    private static JsonNode json(String s) throws IOException {
        return WireJson.MAPPER.readTree(s);
    }

    private static JsonNode target(JsonNode report, String route, String target) {
        for (JsonNode r : report.path("routes")) {
            if (r.path("route").asText().equals(route)) {
                for (JsonNode t : r.path("targets")) {
                    if (t.path("target").asText().equals(target)) {
                        return t;
                    }
                }
            }
        }
        throw new AssertionError("no " + route + " " + target + " in " + report);
    }

    @Test
    void admin_readiness_reports_each_target_and_flags_the_failing_ones_without_removing_them() throws IOException {
        String cases = String.valueOf(dir.resolve("cases.yaml"));
        gw = Harness.start(vertx, config("readiness: { cases: \"" + cases + "\", embedder: { route: embed } }"));
        assertEquals(200, get(vertx, gw.port(), "/admin/readiness").status());
        assertTrue(get(vertx, gw.port(), "/admin/readiness").json().path("report").isNull(), "no run yet");
        assertEquals(0, up.chatPaths.size(), "nothing runs on its own");

        Harness.Reply r = post(vertx, gw.port(), "/admin/readiness", "{\"route\": \"support\"}");

        assertEquals(200, r.status(), r.body());
        JsonNode report = r.json();
        assertFalse(report.path("passed").asBoolean());
        JsonNode good = target(report, "support", "good/gpt-4o");
        assertEquals(1, good.path("passed").asInt(), good.toString());
        assertEquals(1.0, good.path("cases").path(0).path("similarity").asDouble(), 1e-9);
        JsonNode prose = target(report, "support", "prose/llama-3");
        assertEquals(1, prose.path("failed").asInt());
        List<String> proseWhy = WireJson.MAPPER.convertValue(prose.path("cases").path(0).path("failures"),
                WireJson.MAPPER.getTypeFactory().constructCollectionType(List.class, String.class));
        assertEquals(List.of("json: the answer is not valid JSON"), proseWhy);
        assertEquals(0.0, prose.path("cases").path(0).path("similarity").asDouble(), 1e-9);
        JsonNode slow = target(report, "support", "slow/claude");
        String slowWhy = slow.path("cases").path(0).path("failures").path(0).asText();
        assertTrue(slowWhy.startsWith("max_latency: took 2"), slowWhy);
        assertTrue(slow.path("cases").path(0).path("latency_ms").asLong() >= 2500);
        assertEquals("route embed", report.path("similarity").path("with").asText());
        // The prose target was sent its own prompt override, and the case's params.
        JsonNode sent = up.proseBodies.get(0);
        assertEquals("Answer in friendly prose, never JSON.", sent.path("messages").path(0).path("content").asText());
        assertEquals("llama-3", sent.path("model").asText());
        assertEquals(0, sent.path("temperature").asInt());
        assertEquals(3, up.chatPaths.size(), "one call per target and case, no retry, no failover");

        assertEquals(report.path("at"), get(vertx, gw.port(), "/admin/readiness").json().path("at"));
        JsonNode targets = get(vertx, gw.port(), "/admin/targets").json().path("targets");
        for (JsonNode t : targets) {
            JsonNode flag = t.path("readiness");
            switch (t.path("id").asText()) {
                case "good/gpt-4o" -> assertEquals(List.of(1, 0), List.of(flag.path("passed").asInt(),
                        flag.path("failed").asInt()));
                case "prose/llama-3", "slow/claude" -> assertEquals(1, flag.path("failed").asInt(), t.toString());
                default -> assertTrue(flag.isMissingNode(), "an unchecked target has no flag: " + t);
            }
        }
        // Flagged, not removed: the failing targets are still in the route's plan.
        JsonNode routes = get(vertx, gw.port(), "/admin/routes").json().path("routes");
        assertTrue(routes.path(0).path("plan").toString().contains("prose/llama-3"), routes.toString());
    }

    @Test
    void admin_readiness_takes_cases_in_the_body_and_refuses_bad_ones_by_path() {
        gw = Harness.start(vertx, config(""));
        Harness.Reply none = post(vertx, gw.port(), "/admin/readiness", "{}");
        assertEquals(400, none.status());
        assertTrue(none.body().contains("no readiness.cases file is configured"), none.body());

        Harness.Reply bad = post(vertx, gw.port(), "/admin/readiness", "{\"route\": \"nope\", \"cases\": "
                + "[{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"checks\": {\"regex\": \"(\"}}]}");
        assertEquals(400, bad.status());
        assertTrue(bad.body().contains("route: no route 'nope'"), bad.body());
        assertTrue(bad.body().contains("cases[0].checks.regex: not a valid RE2 pattern"), bad.body());
        assertEquals(0, up.chatPaths.size());

        Harness.Reply ok = post(vertx, gw.port(), "/admin/readiness", "{\"route\": \"ready\", \"cases\": "
                + "[{\"name\": \"hi\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"checks\": {\"contains\": \"shipped\"}}]}");
        assertEquals(200, ok.status(), ok.body());
        assertTrue(ok.json().path("passed").asBoolean(), ok.body());
        assertFalse(ok.json().path("similarity").path("computed").asBoolean());
        assertEquals("readiness.embedder is not configured", ok.json().path("similarity").path("why").asText());
        assertEquals(List.of("/good/v1/chat/completions"), up.chatPaths);
    }

    @Test
    void admin_readiness_needs_the_admin_token_when_one_is_set() {
        gw = Harness.start(vertx, "server: { admin_token: adm-secret-token }\n" + config(""));
        assertEquals(401, post(vertx, gw.port(), "/admin/readiness", "{}").status());
        assertEquals(401, get(vertx, gw.port(), "/admin/readiness").status());
        Harness.Reply ok = post(vertx, gw.port(), "/admin/readiness", "{\"route\": \"ready\", \"cases\": "
                + "[{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}]}",
                Map.of("authorization", "Bearer adm-secret-token"));
        assertEquals(200, ok.status(), ok.body());
    }

    @Test
    void detour_check_prints_a_table_per_route_and_exits_non_zero_when_a_target_fails() throws IOException {
        Path conf = dir.resolve("detour.yaml");
        Files.writeString(conf, config("readiness: { embedder: { route: embed } }"));
        String cases = dir.resolve("cases.yaml").toString();

        Cli.Result failing = Cli.run("check", "--config", conf.toString(), "--route", "support", "--cases", cases);

        assertEquals(1, failing.exit(), failing.out() + failing.err());
        String out = failing.out();
        assertTrue(out.contains("route support"), out);
        assertTrue(out.matches("(?s).*good/gpt-4o\\s+order-json\\s+pass\\s+\\d+ms\\s+1\\.000.*"), out);
        assertTrue(out.matches("(?s).*prose/llama-3\\s+order-json\\s+FAIL\\s+\\d+ms\\s+0\\.000\\s+json: the answer is "
                + "not valid JSON.*"), out);
        assertTrue(out.matches("(?s).*slow/claude\\s+order-json\\s+FAIL\\s+\\d+ms\\s+1\\.000\\s+max_latency: took.*"), out);
        assertTrue(out.contains("3 targets, 2 failed a case: NOT ready"), out);
        assertFalse(out.contains("sk-"), "no key in the output");

        Cli.Result passing = Cli.run("check", "--config", conf.toString(), "--route", "ready", "--cases", cases);
        assertEquals(0, passing.exit(), passing.out() + passing.err());
        assertTrue(passing.out().contains("1 target, 0 failed a case: ready"), passing.out());

        // The shipped config and cases (the simulator on a free port): the simulated Anthropic model
        // ignores the instruction that stands in for response_format on Anthropic, and is flagged.
        int port;
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = free.getLocalPort();
        }
        Path home = Harness.DETOUR_DIR;
        Cli.Result shipped = Cli.run(Map.of("DETOUR_SIMULATOR_PORT", String.valueOf(port)), "check", "--config",
                home.resolve("conf/detour.yaml").toString(), "--route", "chat", "--cases", home.resolve("conf/readiness.yaml").toString());
        assertEquals(1, shipped.exit(), shipped.out() + shipped.err());
        assertTrue(shipped.out().contains("route chat"), shipped.out());
        assertTrue(shipped.out().matches("(?s).*anthropic/claude-sonnet-4-5\\s+order-status-json\\s+FAIL\\s+\\d+ms\\s+-"
                + "\\s+json: the answer is not valid JSON.*"), shipped.out());
        assertTrue(shipped.out().contains("4 targets, 1 failed a case: NOT ready"), shipped.out());

        Cli.Result usage = Cli.run("check", "--config", conf.toString(), "--route", "embed", "--cases", cases);
        assertEquals(2, usage.exit());
        assertTrue(usage.err().contains("route 'embed' is the readiness embedder"), usage.err());
    }
}
