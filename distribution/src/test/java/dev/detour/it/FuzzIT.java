package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.core.boot.Detour;
import dev.detour.it.Fuzz.Conn;
import dev.detour.it.Fuzz.Malformed;
import dev.detour.it.Fuzz.Response;
import dev.detour.it.Fuzz.Timeout;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.detour.it.Fuzz.CASE_MS;
import static dev.detour.it.Fuzz.printable;
import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The fuzz and flood harness (issue 12): seeded, bounded, and run by CI in its short form (well
 * under a minute). Through the real gateway, every bundled plugin loaded from its jar and the
 * in-process simulator as the upstreams (one of them made to fail), it sends mutated JSON bodies
 * to the four POST endpoints, malformed raw HTTP over a plain socket, pipelined, slow and
 * half-sent requests, and floods of model names, headers and held connections. After every case:
 *
 * <ul>
 *   <li>the answer is a well-formed HTTP/1.1 response (or, for bytes that are not HTTP, a close),
 *       read under a deadline: nothing may hang;</li>
 *   <li>an error carries JSON in the shape of the API called (Anthropic's on {@code /v1/messages},
 *       OpenAI's elsewhere), and a success is that API's answer;</li>
 *   <li>no 5xx comes from client input: the only 5xx allowed is the engine's report
 *       ({@code all_targets_failed}, {@code no_target_available}, {@code upstream_timeout}) for a
 *       request that may have reached the upstream made to fail;</li>
 *   <li>no configured upstream key appears in any answer;</li>
 *   <li>the gateway still answers a normal request, and {@code /metrics} stays valid.</li>
 * </ul>
 *
 * <p>Settings ({@link Fuzz}): {@code -Dfuzz.long=true} runs the release form, {@code -Dfuzz.seed=N}
 * another seed, {@code -Dfuzz.cases=N} that many generated bodies, {@code -Dfuzz.only=I} replays one
 * generated case. Each test collects its failures (at most {@link Fuzz#MAX_FAILURES}, each naming
 * its case and the bytes sent) and reports them together.
 */
class FuzzIT {
    /** The route and provider whose upstream always answers 500: the one place an engine 5xx is the truth. */
    static final String FAILING_ROUTE = "flaky";
    static final String FAILING_PROVIDER = "broken";
    static final int MAX_BODY = 1 << 20;
    static final Set<String> SECRETS = Set.of("fuzz-key-openai-7c1e", "fuzz-key-anthropic-52aa",
            "fuzz-key-gemini-9f03", "fuzz-key-broken-11d4");

    static final List<String> CHAT_MODELS = List.of("chat", "chat", "chat", "claude", "gem", FAILING_ROUTE,
            "sim-openai/gpt-4o-mini", "sim-anthropic/claude-sonnet-4-5", "sim-gemini/gemini-2.5-flash",
            FAILING_PROVIDER + "/gpt-4o-mini", "nope/x", "no-such-route");
    static final List<String> MESSAGES_MODELS = List.of("claude", "claude", "chat", "gem", FAILING_ROUTE,
            "sim-anthropic/claude-sonnet-4-5", "sim-openai/gpt-4o-mini", "no-such-route");
    static final List<String> EMBEDDING_MODELS = List.of("emb", "emb", "chat", "sim-openai/text-embedding-3-small",
            FAILING_ROUTE, "sim-anthropic/claude-sonnet-4-5", "nope/x");
    /** Names that break a header, a metric label or a log line unless refused or escaped, and other odd ones. */
    static final List<String> HOSTILE_MODELS = List.of("chat\r\nX-Injected: yes", "chat\n", "\u0000",
            "sim-openai/gpt\u0000x", "sim-openai/a\rb", "sim-openai/a\u001bb", "sim-openai/", "/", "sim-openai//x",
            "sim-gemini/bad model:x?y#z", "sim-gemini/../../etc", "sim-anthropic/ ", " chat", "CHAT", "名前",
            "sim-openai/名前", "sim-openai/\u2028", "sim-openai/\uD800", "sim-openai/%0d%0a", "x".repeat(5000),
            "sim-openai/" + "y".repeat(3000), "sim-openai/a\"b\\c", "sim-openai/{x=\"y\"}");

    // One gateway per test, so that what one test leaves behind (targets, breakers, metrics) is
    // never blamed on the next.
    static Vertx vertx;
    static Detour gw;
    static int port;
    /** Ids of requests the gateway served, for feedback bodies. */
    static final List<String> SERVED = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        SERVED.clear();
        vertx = Detour.newVertx();
        Sim sim = new Sim(vertx, Sim.freePort());
        // The shipped defaults everywhere (detectors, breaker, retry, limits): what a user runs.
        gw = Harness.start(vertx, """
                server: { max_body_size: 1MB }
                simulator: { port: %d, seed: 7, faults: { %s: { status: 500, rate: 1.0 } } }
                providers:
                  sim-openai:    { type: openai,    base_url: "%s", api_key: fuzz-key-openai-7c1e }
                  sim-anthropic: { type: anthropic, base_url: "%s", api_key: fuzz-key-anthropic-52aa }
                  sim-gemini:    { type: gemini,    base_url: "%s", api_key: fuzz-key-gemini-9f03 }
                  %s:            { type: openai,    base_url: "%s", api_key: fuzz-key-broken-11d4 }
                routes:
                  chat:   { targets: [ { provider: sim-openai, model: gpt-4o-mini } ] }
                  claude: { targets: [ { provider: sim-anthropic, model: claude-sonnet-4-5 } ] }
                  gem:    { targets: [ { provider: sim-gemini, model: gemini-2.5-flash } ] }
                  emb:    { targets: [ { provider: sim-openai, model: text-embedding-3-small } ] }
                  %s:  { targets: [ { provider: %s, model: gpt-4o-mini } ] }
                """.formatted(sim.port, FAILING_PROVIDER, sim.openAi("oai"), sim.base("ant"), sim.base("gem"),
                FAILING_PROVIDER, sim.openAi(FAILING_PROVIDER), FAILING_ROUTE, FAILING_PROVIDER));
        port = gw.port();
        String p = probe();
        if (p != null) {
            fail("the gateway does not answer a normal request before any case: " + p);
        }
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
            gw = null;
        }
        await(vertx.close());
    }

    // ------------------------------------------------------------------ generated bodies

    @Test
    void generated_bodies_get_a_well_formed_answer_in_the_api_shape_and_never_a_5xx() {
        Failures failures = new Failures("generated bodies, seed " + Fuzz.SEED);
        int from = Fuzz.ONLY >= 0 ? Fuzz.ONLY : 0;
        int to = Fuzz.ONLY >= 0 ? Fuzz.ONLY + 1 : Fuzz.CASES;
        for (int i = from; i < to && !failures.full(); i++) {
            Fuzz.Case c = new Fuzz.Bodies(Fuzz.caseRandom(Fuzz.SEED, i), SERVED).next(i);
            String p = exchange(Fuzz.post(c.path(), port, c.body(), c.headers()), c.path(), c.upstreamMayFail(),
                    c.body().length > MAX_BODY);
            if (p != null) {
                failures.add("case " + i + " (" + c.how() + ") on " + c.path() + ": " + p + "\n      sent: "
                        + printable(new String(c.body(), StandardCharsets.ISO_8859_1), 300) + headers(c.headers()));
            }
            afterCase(failures, "case " + i + " (" + c.how() + ")", i % 50 == 49);
        }
        afterCase(failures, "the last case", true);
        failures.check();
    }

    /**
     * Control characters in a model name are refused at admission (400 naming the field): they
     * must never reach a header, a metric label or a log line, nor leave a client without an
     * answer (issue 12, finding 3).
     */
    @Test
    void control_characters_in_a_model_name_get_400_naming_the_model() {
        Failures failures = new Failures("control characters in model");
        List<String> names = List.of("chat\r\nX-Injected: yes", "chat\n", "chat\r", "\u0000", "chat\u0000",
                "sim-openai/gpt\u0000x", "sim-openai/a\rb", "sim-openai/a\nb", "sim-openai/a\r\nX-Injected: yes",
                "sim-openai/a\u001bb", "sim-openai/a\u007fb", "sim-anthropic/c\nd");
        for (String path : List.of("/v1/chat/completions", "/v1/messages", "/v1/embeddings")) {
            for (String name : names) {
                if (failures.full()) {
                    break;
                }
                String body = switch (path) {
                    case "/v1/messages" -> "{\"model\":" + Fuzz.str(name)
                            + ",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                    case "/v1/embeddings" -> "{\"model\":" + Fuzz.str(name) + ",\"input\":\"hi\"}";
                    default -> "{\"model\":" + Fuzz.str(name) + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
                };
                String what = path + " model " + printable(Fuzz.str(name));
                try (Conn c = new Conn(port, CASE_MS)) {
                    c.send(Fuzz.post(path, port, body.getBytes(StandardCharsets.UTF_8), List.of()));
                    Response r = c.response();
                    if (r == null) {
                        failures.add(what + ": the connection closed without an answer");
                    } else if (r.header("X-Injected") != null) {
                        failures.add(what + ": the name wrote a header of its own: " + r);
                    } else if (r.status() != 400) {
                        failures.add(what + ": expected 400, got " + r);
                    } else {
                        String shape = Fuzz.errorShapeProblem(r, path.equals("/v1/messages"));
                        JsonNode e = Fuzz.json(r.body()).path("error");
                        if (shape != null) {
                            failures.add(what + ": " + shape + ": " + r);
                        } else if (!e.path("message").asText().contains("model")) {
                            failures.add(what + ": the error does not name the field 'model': " + r);
                        }
                    }
                } catch (IOException e) {
                    failures.add(what + ": " + describe(e));
                }
                afterCase(failures, what, false);
            }
        }
        afterCase(failures, "the last name", true);
        failures.check();
    }

    // ------------------------------------------------------------------ raw HTTP

    /** How a raw case may be answered. */
    enum Expect {
        /** A 2xx, the API's answer. */
        SERVED,
        /** A 4xx (its JSON, when it has a body, in the API's shape) or a close. */
        REFUSED,
        /** Anything but a 5xx, a malformed answer or a hang: the bytes are odd but may be read leniently. */
        NO_5XX
    }

    record Raw(String name, byte[] bytes, Expect expect, boolean halfClose, boolean head) {
        Raw(String name, String ascii, Expect expect) {
            this(name, ascii.getBytes(StandardCharsets.ISO_8859_1), expect, false, false);
        }

        Raw halfClosed() {
            return new Raw(name, bytes, expect, true, head);
        }

        Raw headRequest() {
            return new Raw(name, bytes, expect, halfClose, true);
        }
    }

    static final String CHAT = "/v1/chat/completions";
    static final String OK_BODY = "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";

    static String head(String method, String path, String... headers) {
        StringBuilder sb = new StringBuilder(method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n");
        for (String h : headers) {
            sb.append(h).append("\r\n");
        }
        return sb.append("\r\n").toString();
    }

    static String chatWith(String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Content-Type: application/json";
        all[1] = "Content-Length: " + OK_BODY.length();
        System.arraycopy(headers, 0, all, 2, headers.length);
        return head("POST", CHAT, all) + OK_BODY;
    }

    static String chunked(String body) {
        return Integer.toHexString(body.length()) + "\r\n" + body + "\r\n0\r\n\r\n";
    }

    static List<Raw> rawCases() {
        String te = "Transfer-Encoding: chunked";
        String ct = "Content-Type: application/json";
        List<Raw> cases = new ArrayList<>(List.of(
                new Raw("a request line that is not HTTP", "GARBAGE\r\n\r\n", Expect.REFUSED),
                new Raw("blank lines, then the end", "\r\n\r\n\r\n", Expect.REFUSED).halfClosed(),
                new Raw("no version", "GET /healthz\r\n\r\n", Expect.NO_5XX).halfClosed(),
                new Raw("an unknown version", "GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n", Expect.NO_5XX).halfClosed(),
                new Raw("a lower-case method", "post " + CHAT + " HTTP/1.1\r\nHost: x\r\n" + ct + "\r\nContent-Length: "
                        + OK_BODY.length() + "\r\n\r\n" + OK_BODY, Expect.NO_5XX),
                new Raw("a 10 KB method", "A".repeat(10_000) + " / HTTP/1.1\r\nHost: x\r\n\r\n", Expect.REFUSED),
                new Raw("a 10 KB URI", "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n", Expect.REFUSED),
                new Raw("a NUL in the URI", "GET /heal\u0000thz HTTP/1.1\r\nHost: x\r\n\r\n", Expect.NO_5XX),
                new Raw("a space in the URI", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", Expect.NO_5XX),
                new Raw("a URI in absolute form", "POST http://127.0.0.1:1" + CHAT + " HTTP/1.1\r\nHost: x\r\n" + ct
                        + "\r\nContent-Length: " + OK_BODY.length() + "\r\n\r\n" + OK_BODY, Expect.NO_5XX),
                new Raw("OPTIONS *", "OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n", Expect.NO_5XX),
                new Raw("CONNECT", "CONNECT 127.0.0.1:1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n", Expect.NO_5XX),
                new Raw("DELETE on the chat endpoint", head("DELETE", CHAT), Expect.REFUSED),
                new Raw("HEAD on the chat endpoint", head("HEAD", CHAT), Expect.NO_5XX).headRequest(),
                new Raw("a TLS client hello", new byte[] {0x16, 0x03, 0x01, 0x00, (byte) 0xa5, 0x01, 0x00, 0x00,
                        (byte) 0xa1, 0x03, 0x03}, Expect.REFUSED, true, false),
                new Raw("a header line without a colon", chatWith("NoColonHere"), Expect.NO_5XX),
                new Raw("a space before the colon", chatWith("X-Odd : y"), Expect.NO_5XX),
                new Raw("a control character in a header name", chatWith("X-\u0001: y"), Expect.NO_5XX),
                new Raw("a NUL in a header value", chatWith("X-A: a\u0000b"), Expect.NO_5XX),
                new Raw("a bare CR in a header value", chatWith("X-A: a\rb"), Expect.NO_5XX),
                new Raw("an obsolete line folding", chatWith("X-A: a\r\n b"), Expect.NO_5XX),
                new Raw("an empty header name", chatWith(": v"), Expect.NO_5XX),
                new Raw("bytes above ASCII in a header value", chatWith("X-A: \u00ff\u00fe"), Expect.NO_5XX),
                new Raw("quotes and a JSON breaker in x-request-id",
                        chatWith("x-request-id: abc\",\"status\":200,\"target\":\"forged"), Expect.NO_5XX),
                new Raw("x-detour-metadata that is not JSON", chatWith("x-detour-metadata: {not json"), Expect.NO_5XX),
                new Raw("a 64 KB header", chatWith("X-Big: " + "b".repeat(65_536)), Expect.REFUSED),
                new Raw("two different Content-Lengths", head("POST", CHAT, ct, "Content-Length: " + OK_BODY.length(),
                        "Content-Length: " + (OK_BODY.length() - 1)) + OK_BODY, Expect.REFUSED).halfClosed(),
                new Raw("Content-Length +N", head("POST", CHAT, ct, "Content-Length: +" + OK_BODY.length()) + OK_BODY,
                        Expect.NO_5XX).halfClosed(),
                new Raw("Content-Length -1", head("POST", CHAT, ct, "Content-Length: -1") + OK_BODY, Expect.NO_5XX).halfClosed(),
                new Raw("Content-Length in hex", head("POST", CHAT, ct, "Content-Length: 0x10") + OK_BODY,
                        Expect.NO_5XX).halfClosed(),
                new Raw("Content-Length 'N, N'", head("POST", CHAT, ct, "Content-Length: " + OK_BODY.length() + ", "
                        + OK_BODY.length()) + OK_BODY, Expect.NO_5XX).halfClosed(),
                new Raw("Content-Length past 2^64", head("POST", CHAT, ct, "Content-Length: 99999999999999999999999") + OK_BODY,
                        Expect.NO_5XX).halfClosed(),
                new Raw("a body shorter than its Content-Length, then the end", head("POST", CHAT, ct, "Content-Length: 500")
                        + OK_BODY, Expect.NO_5XX).halfClosed(),
                new Raw("a chunk size that is not hex", head("POST", CHAT, ct, te) + "zz\r\n" + OK_BODY + "\r\n0\r\n\r\n",
                        Expect.REFUSED).halfClosed(),
                new Raw("a chunk size past 2^64", head("POST", CHAT, ct, te) + "ffffffffffffffffffff\r\n" + OK_BODY
                        + "\r\n0\r\n\r\n", Expect.REFUSED).halfClosed(),
                new Raw("a negative chunk size", head("POST", CHAT, ct, te) + "-1\r\n" + OK_BODY + "\r\n0\r\n\r\n",
                        Expect.REFUSED).halfClosed(),
                new Raw("no CRLF after a chunk", head("POST", CHAT, ct, te) + "5\r\n" + OK_BODY + "\r\n0\r\n\r\n",
                        Expect.NO_5XX).halfClosed(),
                new Raw("a chunk extension with a NUL", head("POST", CHAT, ct, te) + Integer.toHexString(OK_BODY.length())
                        + ";a=\u0000\r\n" + OK_BODY + "\r\n0\r\n\r\n", Expect.NO_5XX).halfClosed(),
                new Raw("no last chunk, then the end", head("POST", CHAT, ct, te) + Integer.toHexString(OK_BODY.length())
                        + "\r\n" + OK_BODY + "\r\n", Expect.NO_5XX).halfClosed(),
                new Raw("a trailer that is not a header", head("POST", CHAT, ct, te) + Integer.toHexString(OK_BODY.length())
                        + "\r\n" + OK_BODY + "\r\n0\r\nBad Trailer\r\n\r\n", Expect.NO_5XX).halfClosed(),
                new Raw("Transfer-Encoding chunked twice", head("POST", CHAT, ct, te, te) + chunked(OK_BODY),
                        Expect.NO_5XX).halfClosed(),
                new Raw("Transfer-Encoding gzip, chunked", head("POST", CHAT, ct, "Transfer-Encoding: gzip, chunked")
                        + chunked(OK_BODY), Expect.NO_5XX).halfClosed(),
                new Raw("Transfer-Encoding chunked, gzip", head("POST", CHAT, ct, "Transfer-Encoding: chunked, gzip")
                        + chunked(OK_BODY), Expect.NO_5XX).halfClosed(),
                new Raw("Transfer-Encoding xchunked", head("POST", CHAT, ct, "Transfer-Encoding: xchunked")
                        + chunked(OK_BODY), Expect.NO_5XX).halfClosed(),
                new Raw("Expect: 100-continue", chatWith("Expect: 100-continue"), Expect.SERVED),
                new Raw("an unknown Expect", chatWith("Expect: the-unexpected"), Expect.NO_5XX),
                new Raw("HTTP/1.0 without Host", "GET /healthz HTTP/1.0\r\n\r\n", Expect.NO_5XX),
                new Raw("a body on a GET", head("GET", "/healthz", "Content-Length: 5") + "hello", Expect.NO_5XX),
                new Raw("an upgrade to websocket on the chat endpoint", chatWith("Connection: Upgrade", "Upgrade: websocket"),
                        Expect.NO_5XX),
                new Raw("a chunked body in odd-sized chunks", head("POST", CHAT, ct, te) + "1\r\n{\r\n"
                        + Integer.toHexString(OK_BODY.length() - 1) + "\r\n" + OK_BODY.substring(1) + "\r\n0\r\n\r\n",
                        Expect.SERVED)));
        // Seeded variations: a valid request with one byte of its head changed.
        SplittableRandom r = Fuzz.caseRandom(Fuzz.SEED, -1);
        byte[] valid = chatWith().getBytes(StandardCharsets.ISO_8859_1);
        int headEnd = chatWith().indexOf("\r\n\r\n");
        byte[] odd = {0, '\r', '\n', ' ', ':', '\t', (byte) 0xff, 0x7f, '"', '\\'};
        for (int i = 0; i < (Fuzz.LONG ? 2000 : 40); i++) {
            int at = r.nextInt(headEnd);
            byte b = odd[r.nextInt(odd.length)];
            byte[] mutated = r.nextBoolean() ? Fuzz.insert(valid, at, new byte[] {b}) : valid.clone();
            if (mutated.length == valid.length) {
                mutated[at] = b;
            }
            cases.add(new Raw("head byte " + at + " -> 0x" + Integer.toHexString(b & 0xff) + " (variation " + i + ")",
                    mutated, Expect.NO_5XX, true, false));
        }
        return cases;
    }

    @Test
    void malformed_http_gets_a_4xx_or_a_close_never_a_5xx_nor_a_hang() {
        Failures failures = new Failures("raw HTTP");
        for (Raw raw : rawCases()) {
            if (failures.full()) {
                break;
            }
            String p = raw(raw);
            if (p != null) {
                failures.add(raw.name() + ": " + p + "\n      sent: " + printable(new String(raw.bytes(),
                        StandardCharsets.ISO_8859_1), 300));
            }
            afterCase(failures, raw.name(), false);
        }
        afterCase(failures, "the last raw case", true);
        failures.check();
    }

    private static String raw(Raw raw) {
        try (Conn c = new Conn(port, CASE_MS)) {
            c.send(raw.bytes());
            if (raw.halfClose()) {
                c.shutdownOutput();
            }
            Response r;
            try {
                r = raw.head() ? c.headResponse() : c.response();
            } catch (Timeout | Malformed e) {
                return describe(e);
            } catch (IOException reset) {
                r = null;
            }
            if (r == null) {
                return raw.expect() == Expect.SERVED ? "the connection closed without an answer" : null;
            }
            // 501 and 505 are HTTP's own answers to a method or a version the server does not implement.
            if (r.status() >= 500 && r.status() != 501 && r.status() != 505) {
                return "a " + r.status() + " for client input: " + r;
            }
            return switch (raw.expect()) {
                case SERVED -> r.status() / 100 == 2 ? Fuzz.problem(CHAT, r, false, SECRETS) : "expected a 2xx, got " + r;
                case REFUSED -> r.status() / 100 != 4 && r.status() != 501 && r.status() != 505
                        ? "expected a 4xx or a close, got " + r
                        : r.body().length == 0 ? null : Fuzz.errorShapeProblem(r, false);
                case NO_5XX -> r.status() / 100 == 4 && r.body().length > 0 ? Fuzz.errorShapeProblem(r, false)
                        : r.status() / 100 == 2 && !raw.head() && r.body().length > 0 && isJson(r)
                        ? secretProblem(r) : null;
            };
        } catch (IOException e) {
            return "could not even connect: " + e;
        }
    }

    /**
     * A request with both Content-Length and Transfer-Encoding is refused with 400 and its
     * connection closed (RFC 9112 §6.1), so that nothing after the chunked body is read as a
     * second request: a request smuggled that way is never served (issue 12, finding 12).
     */
    @Test
    void both_content_length_and_transfer_encoding_get_400_and_nothing_smuggled_is_served() {
        Failures failures = new Failures("Content-Length with Transfer-Encoding");
        String smuggled = "GET /admin/targets HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
        String chunkedBody = chunked(OK_BODY) + smuggled;
        String ct = "Content-Type: application/json";
        List<String[]> cases = List.of(
                new String[] {"CL.TE", head("POST", CHAT, ct, "Content-Length: " + chunkedBody.length(),
                        "Transfer-Encoding: chunked") + chunkedBody},
                new String[] {"TE.CL", head("POST", CHAT, ct, "Transfer-Encoding: chunked", "Content-Length: 4") + chunkedBody},
                new String[] {"TE with Content-Length 0", head("POST", CHAT, ct, "Content-Length: 0",
                        "Transfer-Encoding: chunked") + chunkedBody},
                new String[] {"on /v1/messages", head("POST", "/v1/messages", ct, "Content-Length: " + chunkedBody.length(),
                        "Transfer-Encoding: chunked") + chunkedBody});
        for (String[] c : cases) {
            String what = c[0];
            try (Conn conn = new Conn(port, CASE_MS)) {
                conn.send(c[1]);
                Response r = conn.response();
                if (r == null) {
                    failures.add(what + ": closed without the 400");
                } else {
                    if (r.status() != 400) {
                        failures.add(what + ": expected 400, got " + r);
                    } else if (r.body().length > 0) {
                        String shape = Fuzz.errorShapeProblem(r, what.contains("messages"));
                        if (shape != null) {
                            failures.add(what + ": " + shape + ": " + r);
                        }
                    }
                    String next = conn.after(1000);
                    if (!next.equals("closed")) {
                        failures.add(what + ": after the first answer the connection is " + (next.startsWith("data")
                                ? "answering the smuggled request: " + next : "still open (it must be closed)"));
                    }
                }
            } catch (IOException e) {
                failures.add(what + ": " + describe(e));
            }
            afterCase(failures, what, false);
        }
        failures.check();
    }

    @Test
    void pipelined_requests_are_answered_in_order_each_well_formed() {
        Failures failures = new Failures("pipelining");
        byte[] body = OK_BODY.getBytes(StandardCharsets.UTF_8);
        StringBuilder three = new StringBuilder();
        for (String id : List.of("pipe-a", "pipe-b", "pipe-c")) {
            three.append(new String(Fuzz.post(CHAT, port, body, List.<String[]>of(new String[] {"x-request-id", id})),
                    StandardCharsets.ISO_8859_1));
        }
        byte[] all = three.toString().getBytes(StandardCharsets.ISO_8859_1);
        SplittableRandom r = Fuzz.caseRandom(Fuzz.SEED, -2);
        for (int round = 0; round < (Fuzz.LONG ? 200 : 10) && !failures.full(); round++) {
            // Round 0 in one write; the others cut at a random byte, the second write right after.
            int cut = round == 0 ? all.length : 1 + r.nextInt(all.length - 1);
            try (Conn c = new Conn(port, CASE_MS)) {
                c.send(java.util.Arrays.copyOf(all, cut));
                c.send(java.util.Arrays.copyOfRange(all, cut, all.length));
                for (String id : List.of("pipe-a", "pipe-b", "pipe-c")) {
                    Response resp = c.response();
                    String p = resp == null ? "the connection closed before it" : Fuzz.problem(CHAT, resp, false, SECRETS);
                    if (p == null && resp.status() != 200) {
                        p = "status " + resp;
                    }
                    if (p == null && !id.equals(resp.header("x-request-id"))) {
                        p = "answered out of order: x-request-id " + resp.header("x-request-id");
                    }
                    if (p != null) {
                        failures.add("round " + round + " (cut at " + cut + "), request " + id + ": " + p);
                        break;
                    }
                }
            } catch (IOException e) {
                failures.add("round " + round + " (cut at " + cut + "): " + describe(e));
            }
        }
        // A bad request between good ones: its 400 in its place, and the connection still serves the next.
        String bad = "{\"model\":\"chat\",";
        String mixed = chatWith("x-request-id: mix-1") + head("POST", CHAT, "Content-Type: application/json",
                "Content-Length: " + bad.length(), "x-request-id: mix-2") + bad + chatWith("x-request-id: mix-3");
        try (Conn c = new Conn(port, CASE_MS)) {
            c.send(mixed);
            int[] want = {200, 400, 200};
            for (int i = 0; i < 3; i++) {
                Response resp = c.response();
                if (resp == null || resp.status() != want[i] || !("mix-" + (i + 1)).equals(resp.header("x-request-id"))) {
                    failures.add("a bad request between good ones: answer " + (i + 1) + " is " + resp + " (x-request-id "
                            + (resp == null ? null : resp.header("x-request-id")) + "), expected " + want[i]);
                    break;
                }
            }
        } catch (IOException e) {
            failures.add("a bad request between good ones: " + describe(e));
        }
        afterCase(failures, "pipelining", true);
        failures.check();
    }

    // ------------------------------------------------------------------ slow, idle, floods

    @Test
    void slow_half_sent_and_idle_connections_do_not_keep_others_waiting() throws InterruptedException {
        Failures failures = new Failures("slow and held connections");
        // A slow but complete request is served (or told it was too slow: 408 in the API's shape).
        byte[] request = chatWith("x-request-id: slow-1").getBytes(StandardCharsets.ISO_8859_1);
        int pieces = Fuzz.LONG ? 60 : 12;
        long pause = Fuzz.LONG ? 150 : 60;
        try (Conn c = new Conn(port, CASE_MS + pieces * pause)) {
            if (!c.sendSlowly(request, pieces, pause)) {
                failures.add("a slow request: the connection closed while it was being sent");
            } else {
                Response r = c.response();
                String p = r == null ? "closed without an answer" : r.status() == 408 ? Fuzz.errorShapeProblem(r, false)
                        : r.status() != 200 ? "status " + r : Fuzz.problem(CHAT, r, false, SECRETS);
                if (p != null) {
                    failures.add("a slow request: " + p);
                }
            }
        } catch (IOException e) {
            failures.add("a slow request: " + describe(e));
        }
        // Held connections: idle, half a head, a head and half a body. Others are served meanwhile.
        List<Conn> held = new ArrayList<>();
        try {
            String partialBody = head("POST", CHAT, "Content-Type: application/json", "Content-Length: 1000") + "{\"model\":";
            for (int i = 0; i < Fuzz.HELD_CONNECTIONS; i++) {
                for (String start : List.of("", "POST " + CHAT + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le", partialBody)) {
                    Conn c = new Conn(port, 60_000);
                    held.add(c);
                    if (!start.isEmpty()) {
                        c.send(start);
                    }
                }
            }
            for (int i = 0; i < 5; i++) {
                String p = probe();
                if (p != null) {
                    failures.add("with " + held.size() + " connections held (idle or half-sent), a normal request: " + p);
                    break;
                }
            }
        } catch (IOException e) {
            failures.add("holding " + Fuzz.HELD_CONNECTIONS * 3 + " connections: " + describe(e) + " after " + held.size());
        } finally {
            held.forEach(Conn::close);
        }
        afterCase(failures, "held connections", true);
        failures.check();
    }

    /**
     * A flood of distinct model names: every answer well-formed and never a 5xx; {@code /metrics}
     * still valid after it; and names that are refused (unknown provider, control characters) add
     * no target (issue 12, finding 2: "never for a request that is then refused").
     */
    @Test
    void a_flood_of_model_names_keeps_answers_and_metrics_well_formed_and_refused_names_add_no_target() {
        Failures failures = new Failures("name flood");
        for (int i = 0; i < Fuzz.FLOOD_NAMES && !failures.full(); i++) {
            String name = "sim-openai/flood-" + Fuzz.SEED + "-" + i;
            String body = "{\"model\":" + Fuzz.str(name) + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            String p = exchange(Fuzz.post(CHAT, port, body.getBytes(StandardCharsets.UTF_8), List.of()), CHAT, false, false);
            if (p != null) {
                failures.add("name " + name + ": " + p);
            }
        }
        afterCase(failures, "the flood of accepted names", true);

        int before = targetCount(failures);
        int refused = Math.max(20, Fuzz.FLOOD_NAMES / 5);
        for (int i = 0; i < refused && !failures.full(); i++) {
            String name = switch (i % 4) {
                case 0 -> "nope-" + i + "/m";
                case 1 -> "sim-openai/ctl-" + i + "\n";
                case 2 -> "sim-openai/nul-" + i + "\u0000";
                default -> "sim-openai/cr-" + i + "\r";
            };
            String body = "{\"model\":" + Fuzz.str(name) + ",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            try (Conn c = new Conn(port, CASE_MS)) {
                c.send(Fuzz.post(CHAT, port, body.getBytes(StandardCharsets.UTF_8), List.of()));
                Response r = c.response();
                String p = r == null ? "closed without an answer" : r.status() / 100 != 4 ? "expected a 4xx, got " + r
                        : Fuzz.errorShapeProblem(r, false);
                if (p != null) {
                    failures.add("refused name " + printable(Fuzz.str(name)) + ": " + p);
                }
            } catch (IOException e) {
                failures.add("refused name " + printable(Fuzz.str(name)) + ": " + describe(e));
            }
        }
        int after = targetCount(failures);
        if (before >= 0 && after != before) {
            failures.add((after - before) + " targets were added by " + refused + " requests for names that must be refused");
        }
        afterCase(failures, "the flood of refused names", true);
        failures.check();
    }

    @Test
    void many_headers_are_served_up_to_the_limit_and_refused_past_it() {
        Failures failures = new Failures("header flood");
        String[] hundred = new String[100];
        for (int i = 0; i < hundred.length; i++) {
            hundred[i] = "x-fuzz-" + i + ": value-" + i;
        }
        String p = raw(new Raw("100 headers", chatWith(hundred), Expect.SERVED));
        if (p != null) {
            failures.add("100 headers: " + p);
        }
        afterCase(failures, "100 headers", false);
        String[] many = new String[Fuzz.LONG ? 50_000 : 5_000];
        for (int i = 0; i < many.length; i++) {
            many[i] = "x-fuzz-" + i + ": v";
        }
        p = raw(new Raw(many.length + " headers", chatWith(many), Expect.REFUSED));
        if (p != null) {
            failures.add(many.length + " headers: " + p);
        }
        afterCase(failures, many.length + " headers", true);
        failures.check();
    }

    // ------------------------------------------------------------------ helpers

    /** Sends one request and checks its answer; null when all is well. */
    private static String exchange(byte[] request, String path, boolean upstreamMayFail, boolean oversized) {
        try (Conn c = new Conn(port, CASE_MS)) {
            c.send(request);
            Response r;
            try {
                r = c.response();
            } catch (Timeout | Malformed e) {
                return describe(e);
            } catch (IOException reset) {
                // An oversized body is refused while it is still being sent: the reset may overtake the 413.
                return oversized ? null : "the connection was reset instead of answered";
            }
            if (r == null) {
                return oversized ? null : "the connection closed without an answer";
            }
            if (oversized && r.status() != 413) {
                return "expected 413 for a body past max_body_size, got " + r;
            }
            return Fuzz.problem(path, r, upstreamMayFail, SECRETS);
        } catch (IOException e) {
            return "could not even connect: " + e;
        }
    }

    /** A normal chat request on a fresh connection; null when it is served. */
    static String probe() {
        byte[] request = chatWith().getBytes(StandardCharsets.ISO_8859_1);
        try (Conn c = new Conn(port, CASE_MS)) {
            c.send(request);
            Response r = c.response();
            if (r == null) {
                return "closed without an answer";
            }
            if (r.status() != 200) {
                return "status " + r;
            }
            String p = Fuzz.problem(CHAT, r, false, SECRETS);
            if (p == null && SERVED.size() < 64 && r.header("x-request-id") != null) {
                SERVED.add(r.header("x-request-id"));
            }
            return p;
        } catch (IOException e) {
            return describe(e);
        }
    }

    /** After each case: the gateway still serves (else the test ends here), and now and then /metrics is valid. */
    private static void afterCase(Failures failures, String after, boolean metrics) {
        String p = probe();
        if (p != null) {
            failures.add("after " + after + " a normal request is no longer served: " + p);
            failures.check();
        }
        if (metrics) {
            try (Conn c = new Conn(port, Math.max(CASE_MS, 10_000))) {
                c.send(Fuzz.request("GET", "/metrics", port, List.of(), new byte[0]));
                Response r = c.response();
                String m = r == null ? "closed without an answer" : r.status() != 200 ? "status " + r
                        : Fuzz.metricsProblem(r.text());
                if (m != null) {
                    failures.add("after " + after + ", /metrics: " + m);
                }
            } catch (IOException e) {
                failures.add("after " + after + ", /metrics: " + describe(e));
            }
        }
    }

    /** How many targets /admin/targets lists, or -1 (a failure recorded) when it cannot be read. */
    private static int targetCount(Failures failures) {
        try (Conn c = new Conn(port, Math.max(CASE_MS, 10_000))) {
            c.send(Fuzz.request("GET", "/admin/targets", port, List.of(), new byte[0]));
            Response r = c.response();
            JsonNode t = r == null ? null : Fuzz.json(r.body());
            if (t == null || !t.path("targets").isArray()) {
                failures.add("/admin/targets: " + r);
                return -1;
            }
            return t.path("targets").size();
        } catch (IOException e) {
            failures.add("/admin/targets: " + describe(e));
            return -1;
        }
    }

    private static boolean isJson(Response r) {
        return String.valueOf(r.header("content-type")).startsWith("application/json");
    }

    private static String secretProblem(Response r) {
        for (String s : SECRETS) {
            if (r.text().contains(s)) {
                return "a configured upstream key reached the client";
            }
        }
        return null;
    }

    private static String describe(IOException e) {
        if (e instanceof Timeout) {
            return "no answer and no close within " + CASE_MS + " ms (a hang)";
        }
        if (e instanceof Malformed) {
            return "a malformed answer: " + e.getMessage();
        }
        return "the connection was reset instead of answered (" + e.getMessage() + ")";
    }

    private static String headers(List<String[]> headers) {
        StringBuilder sb = new StringBuilder();
        for (String[] h : headers) {
            sb.append("\n      header: ").append(h[0]).append(": ").append(printable(h[1], 120));
        }
        return sb.toString();
    }

    /** A test's failures, reported together; the test stops adding cases once it holds enough. */
    static final class Failures {
        private final String what;
        private final List<String> list = new ArrayList<>();

        Failures(String what) {
            this.what = what;
        }

        void add(String failure) {
            list.add(failure);
        }

        boolean full() {
            return list.size() >= Fuzz.MAX_FAILURES;
        }

        void check() {
            if (!list.isEmpty()) {
                fail(what + ": " + list.size() + " failure(s)" + (full() ? " (stopped at " + Fuzz.MAX_FAILURES + ")" : "")
                        + " [replay with -Dfuzz.seed=" + Fuzz.SEED + (Fuzz.LONG ? " -Dfuzz.long=true" : "") + "]\n  - "
                        + String.join("\n  - ", list));
            }
        }
    }
}
