package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.it.FakeUpstream.Behaviour;
import dev.detour.it.Harness.Reply;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static dev.detour.it.Harness.get;
import static dev.detour.it.Harness.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The access log ({@code telemetry.access_log: json}, {@code access_log_file}) through the real
 * gateway: one bare JSON object per line for every request whatever its status — served, failed
 * over, streamed, cached, refused 401/403/404/413/429 — with the fields an operator reads, and
 * never a key.
 */
class AccessLogIT extends TwoUpstreams {
    private static final String TEAM_KEY = "key-team-secret-123456";
    private static final String NARROW_KEY = "key-narrow-secret-654321";
    private static final String LIMITED_KEY = "key-limited-secret-987654";

    @Test
    void every_request_is_one_json_line_with_its_fields_and_no_key() throws Exception {
        Path file = Files.createTempDirectory("detour-access").resolve("access.log");
        String yaml = """
                server: { max_body_size: 2KB }
                providers:
                  primary: { type: openai, base_url: "%s", api_key: sk-primary-secret-1234 }
                  backup:  { type: openai, base_url: "%s", api_key: sk-backup-secret-5678 }
                routes:
                  support:
                    targets:
                      - { provider: primary, model: gpt-4o }
                      - { provider: backup, model: gpt-4o-mini }
                    retry: { attempts: 1 }
                    cache: { type: memory, ttl: 10m }
                  other:
                    targets: [ { provider: backup, model: gpt-4o-mini } ]
                keys:
                  - { name: team, key: %s }
                  - { name: narrow, key: %s, routes: [other] }
                  - { name: limited, key: %s, limits: { rpm: 1 } }
                telemetry: { access_log: json, access_log_file: %s }
                """.formatted(primary.baseUrl(), backup.baseUrl(), TEAM_KEY, NARROW_KEY, LIMITED_KEY, file);
        gw = Harness.start(vertx, yaml);
        Map<String, String> team = Map.of("authorization", "Bearer " + TEAM_KEY, "x-request-id", "req-failover");
        primary.then(Behaviour.status(503, "server_error", null, "down"));

        Reply failedOver = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false), team);
        assertEquals(200, failedOver.status(), failedOver.body());
        Reply cached = post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("authorization", "Bearer " + TEAM_KEY, "x-request-id", "req-cached"));
        assertEquals("hit", cached.header("x-detour-cache"), cached.headers().toString());
        Reply streamed = post(vertx, gw.port(), "/v1/chat/completions", chat("other", true),
                Map.of("authorization", "Bearer " + TEAM_KEY, "x-request-id", "req-stream"));
        assertEquals(200, streamed.status(), streamed.body());
        assertEquals(401, post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("authorization", "Bearer key-wrong-secret-000000")).status());
        assertEquals(403, post(vertx, gw.port(), "/v1/chat/completions", chat("support", false),
                Map.of("authorization", "Bearer " + NARROW_KEY)).status());
        assertEquals(404, get(vertx, gw.port(), "/no/such/path").status());
        assertEquals(413, post(vertx, gw.port(), "/v1/chat/completions", "{\"pad\":\"" + "x".repeat(4096) + "\"}",
                Map.of("authorization", "Bearer " + TEAM_KEY, "x-request-id", "req-large")).status());
        Map<String, String> limited = Map.of("authorization", "Bearer " + LIMITED_KEY);
        assertEquals(200, post(vertx, gw.port(), "/v1/chat/completions", chat("other", false), limited).status());
        assertEquals(429, post(vertx, gw.port(), "/v1/chat/completions", chat("other", false), limited).status());
        await(gw.stop());   // the log is written whole when the gateway stops
        gw = null;

        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.split("\n")) {
            assertTrue(line.startsWith("{") && line.endsWith("}"), "not a bare JSON object: " + line);
            JsonNode json = WireJson.MAPPER.readTree(line);
            assertTrue(json.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT.*Z"), line);
            assertFalse(json.path("request_id").asText().isEmpty(), "every line has a request id: " + line);
            assertTrue(json.has("latency_ms") && json.has("status") && json.has("path"), line);
            lines.add(json);
        }
        assertEquals(9, lines.size(), text);
        for (String secret : List.of(TEAM_KEY, NARROW_KEY, LIMITED_KEY, "key-wrong-secret", "sk-primary", "sk-backup")) {
            assertFalse(text.contains(secret), "a key in the access log: " + secret);
        }

        JsonNode fo = one(lines, l -> l.path("request_id").asText().equals("req-failover"));
        assertEquals(200, fo.path("status").asInt());
        assertEquals("support", fo.path("route").asText());
        assertEquals("backup/gpt-4o-mini", fo.path("target").asText());
        assertEquals(2, fo.path("attempts").asInt(), fo.toString());
        assertTrue(fo.path("failover").asBoolean(), fo.toString());
        assertEquals("miss", fo.path("cache").asText(), fo.toString());
        assertEquals(5, fo.path("input_tokens").asInt(), fo.toString());
        assertEquals(7, fo.path("output_tokens").asInt(), fo.toString());
        assertEquals("team", fo.path("key").asText());
        assertFalse(fo.has("ttft_ms"), "a whole answer has no TTFT of its own: " + fo);

        JsonNode hit = one(lines, l -> l.path("request_id").asText().equals("req-cached"));
        assertEquals("hit", hit.path("cache").asText(), hit.toString());
        assertEquals(200, hit.path("status").asInt());

        JsonNode stream = one(lines, l -> l.path("request_id").asText().equals("req-stream"));
        assertEquals("backup/gpt-4o-mini", stream.path("target").asText(), stream.toString());
        assertTrue(stream.path("ttft_ms").isNumber(), "a stream's line has its TTFT: " + stream);
        assertTrue(stream.path("ttft_ms").asLong() <= stream.path("latency_ms").asLong(), stream.toString());
        assertEquals(7, stream.path("output_tokens").asInt(), "usage from the stream's usage chunk: " + stream);
        assertFalse(stream.has("cache"), "no cache on that route: " + stream);

        JsonNode unauthorized = one(lines, l -> l.path("status").asInt() == 401);
        assertEquals("/v1/chat/completions", unauthorized.path("path").asText());
        assertEquals("POST", unauthorized.path("method").asText());
        assertFalse(unauthorized.has("key"), "no key name for a key that matched none: " + unauthorized);
        JsonNode forbidden = one(lines, l -> l.path("status").asInt() == 403);
        assertEquals("narrow", forbidden.path("key").asText(), forbidden.toString());
        JsonNode notFound = one(lines, l -> l.path("status").asInt() == 404);
        assertEquals("/no/such/path", notFound.path("path").asText());
        assertEquals("GET", notFound.path("method").asText());
        JsonNode tooLarge = one(lines, l -> l.path("status").asInt() == 413);
        assertEquals("req-large", tooLarge.path("request_id").asText(), "the client's id, though none was echoed yet");
        JsonNode limitedLine = one(lines, l -> l.path("status").asInt() == 429);
        assertEquals("limited", limitedLine.path("key").asText(), limitedLine.toString());
        assertEquals(1, lines.stream().filter(l -> "limited".equals(l.path("key").asText())
                && l.path("status").asInt() == 200).count(), text);
    }

    private static JsonNode one(List<JsonNode> lines, Predicate<JsonNode> which) {
        List<JsonNode> found = lines.stream().filter(which).toList();
        assertEquals(1, found.size(), "lines: " + lines);
        return found.get(0);
    }
}
