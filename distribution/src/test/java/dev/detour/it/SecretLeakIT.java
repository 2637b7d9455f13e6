package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.SseDecoder;
import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Property, through the real gateway and every provider type: no configured provider credential
 * reaches a client in any byte of any answer. A hostile fake upstream answers each call with a
 * randomly generated answer in its provider's wire format (seeded; the seed is in every failure
 * message, and {@code -Dsecretleak.seed=N} replays it) that embeds a configured key in random fields
 * (ids, model, system fingerprint, content, reasoning, tool-call ids and arguments, error type,
 * code and message, Bedrock's request-id and error-type headers), in random encodings (as it is,
 * any character <code>&#92;uXXXX</code>-escaped in either case, {@code \/}, escaped twice inside tool
 * arguments) and, on streams, cut at random points across deltas; as answers, HTTP errors, errors
 * before the first token and errors after it, on {@code /v1/chat/completions} and
 * {@code /v1/messages}, streamed and not. Each answer is checked as raw bytes, as those bytes with
 * JSON escapes decoded, as parsed JSON (every string, and strings of JSON inside them), and as a
 * client joins stream deltas.
 */
class SecretLeakIT {
    static final String OPENAI_KEY = "sk-proj-Lk3Ab9QwErTy7UiOp2AsDf5GhJk";
    static final String ANTHROPIC_KEY = "sk-ant-api03-Zx8Cv7Bn6Mm5Qa4Ws3Ed2Rf1Tg";
    static final String GEMINI_KEY = "AIzaSyB7dE9fG1hI3jK5lM7nO9pQ1rS3tU5vW7x";
    static final String AZURE_KEY = "9f86d081884c7d659a2feaa0c55ad015";
    static final String AWS_KEY_ID = "AKIAIOSFODNN7EXAMPLE";
    static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    static final String VERTEX_TOKEN = "ya29.a0AfB_byC3dE5fG7hI9jK1lM3nO5pQ7rS9tU";
    static final List<String> KEYS = List.of(OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY, AZURE_KEY, AWS_KEY_ID, AWS_SECRET,
            VERTEX_TOKEN);
    static final String MASK = "[REDACTED]";
    /** Cases per provider, endpoint and mode: bounded, so the whole class stays a few seconds. */
    static final int CASES = 16;

    static Vertx vertx;
    static HttpServer upstream;
    static final AtomicReference<Answer> next = new AtomicReference<>();
    static final AtomicInteger upstreamCalls = new AtomicInteger();
    static Detour gw;

    /** What the fake upstream sends for the next call: a status, headers and the body in parts. */
    record Answer(int status, Map<String, String> headers, List<Buffer> parts) {
    }

    @BeforeAll
    static void start() {
        vertx = Detour.newVertx();
        upstream = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            upstreamCalls.incrementAndGet();
            Answer a = next.get();
            HttpServerResponse r = req.response().setStatusCode(a.status());
            a.headers().forEach(r::putHeader);
            if (a.parts().size() == 1) {
                r.end(a.parts().get(0));
                return;
            }
            r.setChunked(true);
            Future<Void> f = Future.succeededFuture();
            for (Buffer part : a.parts()) {
                f = f.compose(v -> r.write(part));
            }
            f.onComplete(v -> r.end());
        })).listen(0, "127.0.0.1"));
        String base = "http://127.0.0.1:" + upstream.actualPort();
        gw = Harness.start(vertx, """
                defaults:
                  retry: { attempts: 1 }
                  circuit_breaker: { min_calls: 100000 }
                  timeouts: { total: 10s }
                providers:
                  oai: { type: openai, base_url: "%1$s/v1", api_key: %2$s }
                  ant: { type: anthropic, base_url: "%1$s", api_key: %3$s }
                  gem: { type: gemini, base_url: "%1$s", api_key: %4$s }
                  az:  { type: azure-openai, base_url: "%1$s", api_key: %5$s,
                         options: { api_version: "2024-10-21", deployments: { gpt-4o: gpt4o-prod } } }
                  br:  { type: bedrock, base_url: "%1$s", region: us-east-1,
                         options: { access_key_id: %6$s, secret_access_key: "%7$s" } }
                  vx:  { type: vertex, base_url: "%1$s", region: us-central1, api_key: %8$s, options: { project: leak-project } }
                routes:
                  openai:       { targets: [ { provider: oai, model: gpt-4o } ], detectors: [] }
                  anthropic:    { targets: [ { provider: ant, model: claude-sonnet-4-5 } ], detectors: [] }
                  gemini:       { targets: [ { provider: gem, model: gemini-2.5-flash } ], detectors: [] }
                  azure-openai: { targets: [ { provider: az, model: gpt-4o } ], detectors: [] }
                  bedrock:      { targets: [ { provider: br, model: "anthropic.claude-3-haiku-20240307-v1:0" } ], detectors: [] }
                  vertex:       { targets: [ { provider: vx, model: gemini-2.5-flash } ], detectors: [] }
                """.formatted(base, OPENAI_KEY, ANTHROPIC_KEY, GEMINI_KEY, AZURE_KEY, AWS_KEY_ID, AWS_SECRET, VERTEX_TOKEN));
    }

    @AfterAll
    static void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        if (upstream != null) {
            await(upstream.close());
        }
        await(vertx.close());
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"openai", "anthropic", "gemini", "azure-openai", "bedrock", "vertex"})
    void no_configured_key_reaches_a_client_in_any_byte(String provider) {
        long seed = Long.getLong("secretleak.seed", 0x5EC12E7L) ^ provider.hashCode();
        Random random = new Random(seed);
        int masked = 0;
        for (String endpoint : List.of("/v1/chat/completions", "/v1/messages")) {
            for (boolean stream : new boolean[] {false, true}) {
                for (int n = 0; n < CASES; n++) {
                    Gen gen = new Gen(random, provider, stream);
                    Answer answer = gen.answer();
                    String context = "seed " + seed + " (replay: -Dsecretleak.seed=" + Long.getLong("secretleak.seed",
                            0x5EC12E7L) + "), " + provider + " " + endpoint + (stream ? " stream" : "") + " case " + n
                            + " (" + gen.kind + ", key in " + gen.placed + "), upstream sent: " + gen.describe(answer);
                    next.set(answer);
                    int calls = upstreamCalls.get();
                    Reply r = send(endpoint, request(endpoint, provider, stream));
                    assertEquals(calls + 1, upstreamCalls.get(), context);
                    if (gen.kind.equals("answer")) {
                        assertEquals(200, r.status, context + "\nclient got: " + r.text());
                    } else if (!gen.kind.equals("after-first-token")) {
                        assertTrue(r.status >= 400, context + "\nclient got: " + r.status + " " + r.text());
                    }
                    assertNoKey(r, context + "\nclient got: " + r.status + " " + r.text());
                    if (gen.kind.equals("answer") && gen.placed.contains("content")) {
                        assertTrue(r.text().contains(MASK), "the key in the content must come back masked: "
                                + context + "\nclient got: " + r.text());
                    }
                    masked += r.text().contains(MASK) ? 1 : 0;
                }
            }
        }
        assertTrue(masked >= CASES, "most answers carried a key back to the client, masked; only " + masked
                + " did (seed " + seed + ")");
    }

    // ------------------------------------------------------------------ checks

    /** Raw bytes, bytes with escapes decoded (once and twice), every JSON string, every joined delta. */
    static void assertNoKey(Reply r, String context) {
        String raw = r.text();
        List<String> seen = new ArrayList<>();
        seen.add(raw);
        seen.add(unescape(raw));
        seen.add(unescape(unescape(raw)));
        r.headers.forEach((k, v) -> seen.add(k + ": " + v));
        boolean sse = raw.startsWith("data:") || raw.startsWith("event:") || String.valueOf(r.headers.get("content-type"))
                .startsWith("text/event-stream");
        if (sse) {
            Map<String, StringBuilder> joined = new TreeMap<>();
            SseDecoder d = new SseDecoder((type, data) -> {
                if (data.equals("[DONE]")) {
                    return;
                }
                JsonNode json = parse(data, context);
                strings(json, seen);
                join(json, joined);
            });
            d.feed(r.body);
            d.end();
            joined.values().forEach(b -> {
                seen.add(b.toString());
                seen.add(unescape(b.toString()));
            });
        } else if (!raw.isEmpty()) {
            strings(parse(raw, context), seen);
        }
        byte[] bytes = r.body.getBytes();
        for (String key : KEYS) {
            assertFalse(indexOf(bytes, key.getBytes(StandardCharsets.UTF_8)) >= 0, "raw bytes hold " + key + ": " + context);
            for (String s : seen) {
                assertFalse(s.contains(key), key + " in \"" + s + "\": " + context);
            }
        }
    }

    /** Every string and field name of {@code node}, and of any JSON text inside such a string. */
    static void strings(JsonNode node, List<String> out) {
        if (node.isTextual()) {
            String s = node.asText();
            out.add(s);
            out.add(unescape(s));
            if (s.startsWith("{") || s.startsWith("[")) {
                try {
                    strings(WireJson.MAPPER.readTree(s), out);
                } catch (Exception ignored) {
                    // a partial piece of JSON (a delta): its text was checked as it is
                }
            }
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            out.add(e.getKey());
            strings(e.getValue(), out);
        }
        if (node.isArray()) {
            node.forEach(n -> strings(n, out));
        }
    }

    /** What a client accumulates from stream deltas: OpenAI's per choice and field, Anthropic's per block. */
    static void join(JsonNode event, Map<String, StringBuilder> joined) {
        for (JsonNode c : event.path("choices")) {
            JsonNode delta = c.path("delta");
            String choice = "c" + c.path("index").asInt();
            for (String field : List.of("content", "reasoning_content", "refusal")) {
                if (delta.path(field).isTextual()) {
                    joined.computeIfAbsent(choice + field, k -> new StringBuilder()).append(delta.path(field).asText());
                }
            }
            for (JsonNode t : delta.path("tool_calls")) {
                joined.computeIfAbsent(choice + "tool" + t.path("index").asInt(), k -> new StringBuilder())
                        .append(t.path("function").path("arguments").asText(""));
            }
        }
        JsonNode delta = event.path("delta");
        if (event.path("type").asText().equals("content_block_delta")) {
            StringBuilder b = joined.computeIfAbsent("block" + event.path("index").asInt(), k -> new StringBuilder());
            for (String field : List.of("text", "thinking", "partial_json")) {
                b.append(delta.path(field).asText(""));
            }
        }
    }

    static JsonNode parse(String json, String context) {
        try {
            return WireJson.MAPPER.readTree(json);
        } catch (Exception e) {
            throw new AssertionError("not JSON (" + e.getMessage() + "): " + json + "\n" + context, e);
        }
    }

    /** {@code s} with its JSON escapes decoded once (over-eagerly: any backslash sequence). */
    static String unescape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\' || i + 1 == s.length()) {
                b.append(c);
                continue;
            }
            char x = s.charAt(++i);
            if (x == 'u' && i + 4 < s.length() && s.substring(i + 1, i + 5).matches("[0-9a-fA-F]{4}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 5), 16));
                i += 4;
            } else {
                b.append(switch (x) {
                    case 'n' -> '\n';
                    case 't' -> '\t';
                    case 'r' -> '\r';
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    default -> x;
                });
            }
        }
        return b.toString();
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int k = 0; k < needle.length; k++) {
                if (hay[i + k] != needle[k]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    // ------------------------------------------------------------------ client

    record Reply(int status, Map<String, String> headers, Buffer body) {
        String text() {
            return body.toString(StandardCharsets.UTF_8);
        }
    }

    static String request(String endpoint, String route, boolean stream) {
        if (endpoint.equals("/v1/messages")) {
            return "{\"model\":\"" + route + "\",\"max_tokens\":256,\"stream\":" + stream + ",\"messages\":[{\"role\":"
                    + "\"user\",\"content\":\"look it up\"}],\"tools\":[{\"name\":\"lookup\",\"input_schema\":"
                    + "{\"type\":\"object\",\"properties\":{\"q\":{\"type\":\"string\"}}}}]}";
        }
        return "{\"model\":\"" + route + "\",\"stream\":" + stream + (stream ? ",\"stream_options\":{\"include_usage\":true}"
                : "") + ",\"messages\":[{\"role\":\"user\",\"content\":\"look it up\"}],\"tools\":[{\"type\":\"function\","
                + "\"function\":{\"name\":\"lookup\",\"parameters\":{\"type\":\"object\",\"properties\":{\"q\":"
                + "{\"type\":\"string\"}}}}}]}";
    }

    static Reply send(String path, String body) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(gw.port())
                    .setURI(path).putHeader("content-type", "application/json");
            return await(client.request(ro).compose(req -> req.send(body).compose(resp -> resp.body().map(b -> {
                Map<String, String> headers = new LinkedHashMap<>();
                resp.headers().forEach(e -> headers.put(e.getKey().toLowerCase(Locale.ROOT), e.getValue()));
                return new Reply(resp.statusCode(), headers, b);
            }))));
        } finally {
            client.close();
        }
    }

    // ------------------------------------------------------------------ the hostile upstream's answers

    /** One random answer in one provider's wire format; {@link #placed} names the fields that hold a key. */
    static final class Gen {
        final Random random;
        final String provider;
        final boolean stream;
        final String kind;
        final List<String> placed = new ArrayList<>();
        /** The chance that a character of a string is written as a <code>&#92;uXXXX</code> escape. */
        final double escapes;

        Gen(Random random, String provider, boolean stream) {
            this.random = random;
            this.provider = provider;
            this.stream = stream;
            int k = random.nextInt(10);
            this.kind = k < 6 ? "answer" : k < 8 ? "http-error" : stream && k == 8 ? "before-first-token"
                    : stream ? "after-first-token" : "http-error";
            double[] levels = {0, 0, 0.3, 1};
            this.escapes = levels[random.nextInt(levels.length)];
        }

        /** A text that holds a key (named {@code field} in {@link #placed}) half the time. */
        String text(String field, String plain) {
            if (random.nextBoolean()) {
                return plain;
            }
            placed.add(field);
            String key = KEYS.get(random.nextInt(KEYS.size()));
            return switch (random.nextInt(3)) {
                case 0 -> key;
                case 1 -> plain + " " + key;
                default -> plain + "-" + key + " é/ok";
            };
        }

        /** Tool-call arguments: JSON text whose string holds a key, at times itself escaped (JSON in JSON). */
        String arguments() {
            String q = text("arguments", "weather in Paris");
            if (random.nextInt(3) == 0) {
                StringBuilder inner = new StringBuilder();
                q.chars().forEach(c -> inner.append(String.format(Locale.ROOT, "\\u%04x", c)));
                q = inner.toString();
            }
            return "{\"q\":\"" + q + "\"}";
        }

        /** {@code s} as a JSON string literal, each character as it is or escaped at random. */
        String js(String s) {
            StringBuilder b = new StringBuilder("\"");
            for (char c : s.toCharArray()) {
                if (c == '"' || c == '\\') {
                    b.append(random.nextInt(4) == 0 ? String.format(Locale.ROOT, "\\u%04x", (int) c) : "\\" + c);
                } else if (c < 0x20 || random.nextDouble() < escapes) {
                    String hex = String.format(Locale.ROOT, "\\u%04x", (int) c);
                    b.append(random.nextBoolean() ? hex : hex.toUpperCase(Locale.ROOT).replace("\\U", "\\u"));
                } else if (c == '/' && random.nextBoolean()) {
                    b.append("\\/");
                } else {
                    b.append(c);
                }
            }
            return b.append('"').toString();
        }

        /** {@code s} cut at 0 to 4 random places (often inside a key). */
        List<String> cuts(String s) {
            List<Integer> at = new ArrayList<>();
            for (int i = random.nextInt(5); i > 0 && s.length() > 1; i--) {
                at.add(1 + random.nextInt(s.length() - 1));
            }
            at.sort(null);
            List<String> out = new ArrayList<>();
            int from = 0;
            for (int i : at) {
                if (i > from) {
                    out.add(s.substring(from, i));
                    from = i;
                }
            }
            out.add(s.substring(from));
            return out;
        }

        Answer answer() {
            return switch (provider) {
                case "openai", "azure-openai" -> openAi();
                case "anthropic" -> anthropic();
                case "gemini", "vertex" -> gemini();
                default -> bedrock();
            };
        }

        String describe(Answer a) {
            StringBuilder b = new StringBuilder().append(a.status()).append(' ').append(a.headers()).append(' ');
            a.parts().forEach(p -> b.append(p.toString(StandardCharsets.ISO_8859_1).replace("\n", "\\n")));
            return b.toString();
        }

        // OpenAI and Azure OpenAI: chat.completion JSON, chat.completion.chunk events, {"error":{...}}.

        Answer openAi() {
            String id = text("id", "chatcmpl-9xYz");
            String model = text("model", "gpt-4o-2024-08-06");
            String fp = text("system_fingerprint", "fp_abc123");
            if (!kind.equals("answer") && !kind.equals("after-first-token")) {
                String error = "{\"error\":{\"message\":" + js(text("error message", "Incorrect API key provided"))
                        + ",\"type\":" + js(text("error type", "invalid_request_error")) + ",\"code\":"
                        + js(text("error code", "invalid_api_key")) + ",\"param\":null}}";
                return kind.equals("http-error") ? json(pick(400, 401, 403, 404, 429, 500), error)
                        : sse(List.of("data: " + error + "\n\n"));
            }
            String content = text("content", "The answer is 42.");
            String reasoning = random.nextBoolean() ? text("reasoning", "Let me think.") : null;
            String callId = random.nextBoolean() ? text("tool call id", "call_abc") : null;
            String args = callId == null ? null : arguments();
            if (!stream) {
                return json(200, "{\"id\":" + js(id) + ",\"object\":\"chat.completion\",\"created\":1,\"model\":" + js(model)
                        + ",\"system_fingerprint\":" + js(fp) + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\","
                        + "\"content\":" + js(content) + (reasoning == null ? "" : ",\"reasoning_content\":" + js(reasoning))
                        + (callId == null ? "" : ",\"tool_calls\":[{\"id\":" + js(callId) + ",\"type\":\"function\","
                        + "\"function\":{\"name\":\"lookup\",\"arguments\":" + js(args) + "}}]")
                        + "},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,"
                        + "\"total_tokens\":12}}");
            }
            String head = "data: {\"id\":" + js(id) + ",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":"
                    + js(model) + ",\"system_fingerprint\":" + js(fp) + ",\"choices\":[";
            List<String> events = new ArrayList<>();
            events.add(head + "{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n");
            if (reasoning != null) {
                cuts(reasoning).forEach(p -> events.add(head + "{\"index\":0,\"delta\":{\"reasoning_content\":" + js(p)
                        + "},\"finish_reason\":null}]}\n\n"));
            }
            cuts(content).forEach(p -> events.add(head + "{\"index\":0,\"delta\":{\"content\":" + js(p)
                    + "},\"finish_reason\":null}]}\n\n"));
            if (callId != null) {
                events.add(head + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"id\":" + js(callId)
                        + ",\"type\":\"function\",\"function\":{\"name\":\"lookup\",\"arguments\":\"\"}}]},"
                        + "\"finish_reason\":null}]}\n\n");
                cuts(args).forEach(p -> events.add(head + "{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,"
                        + "\"function\":{\"arguments\":" + js(p) + "}}]},\"finish_reason\":null}]}\n\n"));
            }
            if (kind.equals("after-first-token")) {
                events.add("data: {\"error\":{\"message\":" + js(text("error message", "The server had an error"))
                        + ",\"type\":\"server_error\",\"code\":" + js(text("error code", "server_error")) + "}}\n\n");
                return sse(events);
            }
            events.add(head + "{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n");
            events.add(head + "],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"total_tokens\":12}}\n\n");
            events.add("data: [DONE]\n\n");
            return sse(events);
        }

        // Anthropic: a message JSON, named message_start .. message_stop events, {"type":"error",...}.

        Answer anthropic() {
            String id = text("id", "msg_01AbC");
            String model = text("model", "claude-sonnet-4-5-20250929");
            if (!kind.equals("answer") && !kind.equals("after-first-token")) {
                String error = "{\"type\":\"error\",\"error\":{\"type\":" + js(text("error type", "authentication_error"))
                        + ",\"message\":" + js(text("error message", "invalid x-api-key")) + "}}";
                return kind.equals("http-error") ? json(pick(400, 401, 403, 404, 429, 500, 529), error)
                        : sse(List.of("event: error\ndata: " + error + "\n\n"));
            }
            String content = text("content", "The answer is 42.");
            String thinking = random.nextBoolean() ? text("reasoning", "Let me think.") : null;
            String callId = random.nextBoolean() ? text("tool call id", "toolu_01") : null;
            String args = callId == null ? null : arguments();
            if (!stream) {
                return json(200, "{\"id\":" + js(id) + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + js(model)
                        + ",\"content\":[" + (thinking == null ? "" : "{\"type\":\"thinking\",\"thinking\":" + js(thinking)
                        + ",\"signature\":\"sig\"},") + "{\"type\":\"text\",\"text\":" + js(content) + "}"
                        + (callId == null ? "" : ",{\"type\":\"tool_use\",\"id\":" + js(callId) + ",\"name\":\"lookup\","
                        + "\"input\":" + args + "}") + "],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,"
                        + "\"usage\":{\"input_tokens\":5,\"output_tokens\":7}}");
            }
            List<String> events = new ArrayList<>();
            events.add(event("message_start", "{\"type\":\"message_start\",\"message\":{\"id\":" + js(id)
                    + ",\"type\":\"message\",\"role\":\"assistant\",\"model\":" + js(model) + ",\"content\":[],"
                    + "\"stop_reason\":null,\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}"));
            int block = 0;
            if (thinking != null) {
                events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + block
                        + ",\"content_block\":{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}}"));
                for (String p : cuts(thinking)) {
                    events.add(delta(block, "{\"type\":\"thinking_delta\",\"thinking\":" + js(p) + "}"));
                }
                events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + block++ + "}"));
            }
            events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + block
                    + ",\"content_block\":{\"type\":\"text\",\"text\":\"\"}}"));
            for (String p : cuts(content)) {
                events.add(delta(block, "{\"type\":\"text_delta\",\"text\":" + js(p) + "}"));
            }
            events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + block++ + "}"));
            if (callId != null) {
                events.add(event("content_block_start", "{\"type\":\"content_block_start\",\"index\":" + block
                        + ",\"content_block\":{\"type\":\"tool_use\",\"id\":" + js(callId) + ",\"name\":\"lookup\","
                        + "\"input\":{}}}"));
                for (String p : cuts(args)) {
                    events.add(delta(block, "{\"type\":\"input_json_delta\",\"partial_json\":" + js(p) + "}"));
                }
                events.add(event("content_block_stop", "{\"type\":\"content_block_stop\",\"index\":" + block + "}"));
            }
            if (kind.equals("after-first-token")) {
                events.add(event("error", "{\"type\":\"error\",\"error\":{\"type\":" + js(text("error type",
                        "overloaded_error")) + ",\"message\":" + js(text("error message", "Overloaded")) + "}}"));
                return sse(events);
            }
            events.add(event("message_delta", "{\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                    + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":7}}"));
            events.add(event("message_stop", "{\"type\":\"message_stop\"}"));
            return sse(events);
        }

        static String event(String name, String data) {
            return "event: " + name + "\ndata: " + data + "\n\n";
        }

        static String delta(int block, String delta) {
            return event("content_block_delta", "{\"type\":\"content_block_delta\",\"index\":" + block + ",\"delta\":"
                    + delta + "}");
        }

        // Gemini: GenerateContentResponse JSON, the same per SSE event, {"error":{"code","message","status"}}.

        Answer gemini() {
            String id = text("id", "resp-gem-1");
            String model = text("model", "gemini-2.5-flash-001");
            if (!kind.equals("answer") && !kind.equals("after-first-token")) {
                String error = "{\"error\":{\"code\":400,\"message\":" + js(text("error message", "Request contains an "
                        + "invalid argument.")) + ",\"status\":" + js(text("error status", "INVALID_ARGUMENT")) + "}}";
                return kind.equals("http-error") ? json(pick(400, 403, 404, 429, 500), error)
                        : sse(List.of("data: " + error + "\r\n\r\n"));
            }
            String content = text("content", "The answer is 42.");
            String thought = random.nextBoolean() ? text("reasoning", "Let me think.") : null;
            String callId = random.nextBoolean() ? text("tool call id", "fc-1") : null;
            String q = callId == null ? null : text("arguments", "weather in Paris");
            String call = callId == null ? "" : ",{\"functionCall\":{\"id\":" + js(callId) + ",\"name\":\"lookup\","
                    + "\"args\":{\"q\":" + js(q) + "}}}";
            String tail = ",\"modelVersion\":" + js(model) + ",\"responseId\":" + js(id) + "}";
            String usage = ",\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":7,\"totalTokenCount\":12}";
            if (!stream) {
                return json(200, "{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":["
                        + (thought == null ? "" : "{\"text\":" + js(thought) + ",\"thought\":true},")
                        + "{\"text\":" + js(content) + "}" + call + "]},\"finishReason\":\"STOP\",\"index\":0}]" + usage + tail);
            }
            List<String> events = new ArrayList<>();
            if (thought != null) {
                cuts(thought).forEach(p -> events.add(part("{\"text\":" + js(p) + ",\"thought\":true}", tail)));
            }
            cuts(content).forEach(p -> events.add(part("{\"text\":" + js(p) + "}", tail)));
            if (!call.isEmpty()) {
                events.add(part(call.substring(1), tail));
            }
            if (kind.equals("after-first-token")) {
                events.add("data: {\"error\":{\"code\":500,\"message\":" + js(text("error message", "Internal error"))
                        + ",\"status\":" + js(text("error status", "INTERNAL")) + "}}\r\n\r\n");
                return sse(events);
            }
            events.add("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"\"}]},"
                    + "\"finishReason\":\"STOP\",\"index\":0}]" + usage + tail + "\r\n\r\n");
            return sse(events);
        }

        static String part(String part, String tail) {
            return "data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[" + part + "]},\"index\":0}]"
                    + tail + "\r\n\r\n";
        }

        // Bedrock: Converse JSON (the id is the x-amzn-RequestId header), event-stream frames, errors
        // named by x-amzn-ErrorType.

        Answer bedrock() {
            // Header values are ASCII.
            String requestId = text("request id header", "req-br-1").replace('é', 'e');
            if (!kind.equals("answer") && !kind.equals("after-first-token")) {
                String type = text("error type header", "ValidationException").replace('é', 'e');
                String message = text("error message", "The security token included in the request is invalid.");
                if (kind.equals("http-error")) {
                    return new Answer(pick(400, 403, 404, 429, 500), Map.of("content-type", "application/json",
                            "x-amzn-RequestId", requestId, "x-amzn-ErrorType", type + ":http://internal.amazon.com/"),
                            List.of(Buffer.buffer("{\"message\":" + js(message) + "}")));
                }
                return frames(requestId, List.of(EventStreamEncoder.exception("validationException",
                        "{\"message\":" + js(message) + "}")));
            }
            String content = text("content", "The answer is 42.");
            String reasoning = random.nextBoolean() ? text("reasoning", "Let me think.") : null;
            String callId = random.nextBoolean() ? text("tool call id", "tooluse_1") : null;
            String args = callId == null ? null : arguments();
            if (!stream) {
                return new Answer(200, Map.of("content-type", "application/json", "x-amzn-RequestId", requestId),
                        List.of(Buffer.buffer("{\"output\":{\"message\":{\"role\":\"assistant\",\"content\":["
                                + (reasoning == null ? "" : "{\"reasoningContent\":{\"reasoningText\":{\"text\":"
                                + js(reasoning) + ",\"signature\":\"s\"}}},") + "{\"text\":" + js(content) + "}"
                                + (callId == null ? "" : ",{\"toolUse\":{\"toolUseId\":" + js(callId) + ",\"name\":"
                                + "\"lookup\",\"input\":" + args + "}}") + "]}},\"stopReason\":\"end_turn\",\"usage\":"
                                + "{\"inputTokens\":5,\"outputTokens\":7,\"totalTokens\":12},\"metrics\":{\"latencyMs\":9}}")));
            }
            List<Buffer> frames = new ArrayList<>();
            frames.add(EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}"));
            int block = 0;
            if (reasoning != null) {
                for (String p : cuts(reasoning)) {
                    frames.add(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":" + block
                            + ",\"delta\":{\"reasoningContent\":{\"text\":" + js(p) + "}}}"));
                }
                frames.add(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":" + block++ + "}"));
            }
            for (String p : cuts(content)) {
                frames.add(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":" + block
                        + ",\"delta\":{\"text\":" + js(p) + "}}"));
            }
            frames.add(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":" + block++ + "}"));
            if (callId != null) {
                frames.add(EventStreamEncoder.event("contentBlockStart", "{\"contentBlockIndex\":" + block
                        + ",\"start\":{\"toolUse\":{\"toolUseId\":" + js(callId) + ",\"name\":\"lookup\"}}}"));
                for (String p : cuts(args)) {
                    frames.add(EventStreamEncoder.event("contentBlockDelta", "{\"contentBlockIndex\":" + block
                            + ",\"delta\":{\"toolUse\":{\"input\":" + js(p) + "}}}"));
                }
                frames.add(EventStreamEncoder.event("contentBlockStop", "{\"contentBlockIndex\":" + block + "}"));
            }
            if (kind.equals("after-first-token")) {
                frames.add(EventStreamEncoder.exception("modelStreamErrorException", "{\"message\":"
                        + js(text("error message", "stream failed")) + "}"));
                return frames(requestId, frames);
            }
            frames.add(EventStreamEncoder.event("messageStop", "{\"stopReason\":\"end_turn\"}"));
            frames.add(EventStreamEncoder.event("metadata", "{\"usage\":{\"inputTokens\":5,\"outputTokens\":7,"
                    + "\"totalTokens\":12},\"metrics\":{\"latencyMs\":9}}"));
            return frames(requestId, frames);
        }

        Answer frames(String requestId, List<Buffer> frames) {
            return new Answer(200, Map.of("content-type", "application/vnd.amazon.eventstream", "x-amzn-RequestId",
                    requestId), frames);
        }

        // ------------------------------------------------------------------

        int pick(int... statuses) {
            return statuses[random.nextInt(statuses.length)];
        }

        Answer json(int status, String body) {
            return new Answer(status, Map.of("content-type", "application/json"), List.of(Buffer.buffer(body)));
        }

        Answer sse(List<String> events) {
            List<Buffer> parts = new ArrayList<>();
            events.forEach(e -> parts.add(Buffer.buffer(e)));
            return new Answer(200, Map.of("content-type", "text/event-stream"), parts);
        }
    }
}
