package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * The parts of the fuzz and flood harness ({@link FuzzIT}): its settings, a raw HTTP/1.1 client
 * that reads every answer under a deadline and checks its framing byte by byte, seeded generators
 * of mutated request bodies, and the checks every answer must pass.
 *
 * <p>Everything is drawn from one seed ({@code -Dfuzz.seed}); case {@code i} draws from its own
 * generator derived from the seed and {@code i}, so {@code -Dfuzz.seed=S -Dfuzz.only=I} replays
 * exactly the case that a failure names. {@code -Dfuzz.long=true} is the release form: ten times
 * the cases, floods of 20,000 names and 900 held connections, slower slow sends.
 */
final class Fuzz {
    private Fuzz() {
    }

    // ------------------------------------------------------------------ settings

    /** The release form: many more cases, bigger floods, slower slow sends. */
    static final boolean LONG = Boolean.getBoolean("fuzz.long");
    /** The seed every case is drawn from; fixed by default, so that CI runs the same cases each time. */
    static final long SEED = Long.getLong("fuzz.seed", 12L);
    /** How many generated JSON bodies. */
    static final int CASES = Integer.getInteger("fuzz.cases", LONG ? 10_000 : 1000);
    /** Run only this generated case (replaying a failure); -1 runs them all. */
    static final int ONLY = Integer.getInteger("fuzz.only", -1);
    /** Every exchange's deadline: connect, write and read of the whole answer. */
    static final long CASE_MS = LONG ? 10_000 : 3_000;
    /** Distinct model names in the name flood. */
    static final int FLOOD_NAMES = LONG ? 20_000 : 300;
    /** Connections held open (idle, or with half a request) while others are served. */
    static final int HELD_CONNECTIONS = LONG ? 300 : 50;
    /** A test stops after this many failures (each may have cost a deadline): enough to read them. */
    static final int MAX_FAILURES = Integer.getInteger("fuzz.maxFailures", LONG ? 200 : 12);

    /** The generator of case {@code index}: independent of every other case, so a case replays alone. */
    static SplittableRandom caseRandom(long seed, int index) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + index * 0xBF58476D1CE4E5B9L + 1);
    }

    // ------------------------------------------------------------------ the raw client

    /** No answer (nor a close) before the deadline: the gateway hung. */
    static final class Timeout extends IOException {
        Timeout(String what) {
            super(what);
        }
    }

    /** The bytes received are not a well-formed HTTP/1.1 response. */
    static final class Malformed extends IOException {
        Malformed(String what) {
            super(what);
        }
    }

    /** One HTTP/1.1 response as read off the wire; {@code interim} are the 1xx answers before it. */
    record Response(int status, List<String[]> headers, byte[] body, List<Integer> interim) {
        /** The first value of a header, case-insensitively, or null. */
        String header(String name) {
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase(name)) {
                    return h[1];
                }
            }
            return null;
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return status + " " + printable(body, 300);
        }
    }

    /**
     * One connection to the gateway, over a plain socket, under one deadline: every read waits at
     * most until the deadline, and a read past it throws {@link Timeout}. Writes that the server
     * refuses (closed or reset) are reported, not thrown: refusing is an answer.
     */
    static final class Conn implements AutoCloseable {
        private final Socket socket;
        private final InputStream in;
        private final OutputStream out;
        private final long deadline;
        private final byte[] buf = new byte[16384];
        private int pos;
        private int lim;

        Conn(int port, long budgetMs) throws IOException {
            deadline = System.nanoTime() + budgetMs * 1_000_000;
            socket = new Socket();
            socket.connect(new InetSocketAddress("127.0.0.1", port), (int) budgetMs);
            socket.setTcpNoDelay(true);
            socket.setSoLinger(true, 0);   // closing resets: no TIME_WAIT pile-up over thousands of cases
            in = socket.getInputStream();
            out = socket.getOutputStream();
        }

        /** Writes {@code bytes}; false when the server had closed or reset the connection. */
        boolean send(byte[] bytes) {
            try {
                out.write(bytes);
                out.flush();
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        boolean send(String ascii) {
            return send(ascii.getBytes(StandardCharsets.ISO_8859_1));
        }

        /** Sends {@code bytes} in {@code pieces} pieces, {@code pauseMs} apart (a slow client). */
        boolean sendSlowly(byte[] bytes, int pieces, long pauseMs) throws InterruptedException {
            int step = Math.max(1, (bytes.length + pieces - 1) / pieces);
            for (int at = 0; at < bytes.length; at += step) {
                if (!send(java.util.Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + step)))) {
                    return false;
                }
                Thread.sleep(pauseMs);   // the client's pace is what is tested, not a synchronisation
            }
            return true;
        }

        /** Half-closes: the server sees the end of the request stream. */
        void shutdownOutput() {
            try {
                socket.shutdownOutput();
            } catch (IOException ignored) {
                // already closed by the server: that is an answer too
            }
        }

        private int read() throws IOException {
            if (pos < lim) {
                return buf[pos++] & 0xff;
            }
            long left = (deadline - System.nanoTime()) / 1_000_000;
            if (left <= 0) {
                throw new Timeout("no complete answer within " + CASE_MS + " ms");
            }
            socket.setSoTimeout((int) Math.max(1, left));
            try {
                lim = in.read(buf);
            } catch (SocketTimeoutException e) {
                throw new Timeout("no complete answer within " + CASE_MS + " ms");
            }
            pos = 0;
            if (lim <= 0) {
                lim = 0;
                return -1;
            }
            return buf[pos++] & 0xff;
        }

        /** A CRLF-ended line of the head (without it); null at EOF before its first byte when {@code first}. */
        private String line(boolean first) throws IOException {
            StringBuilder sb = new StringBuilder();
            while (true) {
                int c = read();
                if (c < 0) {
                    if (first && sb.isEmpty()) {
                        return null;
                    }
                    throw new Malformed("the connection ended inside the head: '" + sb + "'");
                }
                if (c == '\n') {
                    if (sb.isEmpty() || sb.charAt(sb.length() - 1) != '\r') {
                        throw new Malformed("a bare LF in the head after '" + printable(sb.toString()) + "'");
                    }
                    sb.setLength(sb.length() - 1);
                    return sb.toString();
                }
                if (sb.length() > 65536) {
                    throw new Malformed("a head line longer than 64 KB");
                }
                sb.append((char) c);
            }
        }

        /**
         * The next response, its framing checked (status line, header syntax, one of
         * Content-Length, chunked or close-delimited); null when the connection ended cleanly
         * before its first byte. A reset throws an {@link IOException} that is neither
         * {@link Timeout} nor {@link Malformed}.
         */
        Response response() throws IOException {
            return read(false);
        }

        /** The answer to a HEAD request: as {@link #response()}, with no body whatever its headers say. */
        Response headResponse() throws IOException {
            return read(true);
        }

        private Response read(boolean head) throws IOException {
            List<Integer> interim = new ArrayList<>();
            while (true) {
                String status = line(interim.isEmpty());
                if (status == null) {
                    return null;
                }
                // RFC 9112: HTTP-version SP 3DIGIT SP [reason-phrase]; the server may echo another version.
                if (!status.matches("HTTP/\\d\\.\\d [1-5]\\d\\d( [\\x20-\\x7e\\t]*)?")) {
                    throw new Malformed("not a status line: '" + printable(status) + "'");
                }
                int code = Integer.parseInt(status.substring(9, 12));
                List<String[]> headers = new ArrayList<>();
                for (String h = line(false); !h.isEmpty(); h = line(false)) {
                    int colon = h.indexOf(':');
                    if (colon <= 0 || !h.substring(0, colon).matches("[!#$%&'*+.^_`|~0-9A-Za-z-]+")) {
                        throw new Malformed("not a header line: '" + printable(h) + "'");
                    }
                    String value = h.substring(colon + 1).strip();
                    for (int i = 0; i < value.length(); i++) {
                        char c = value.charAt(i);
                        if ((c < 0x20 && c != '\t') || c == 0x7f) {
                            throw new Malformed("a control character in header '" + printable(h) + "'");
                        }
                    }
                    headers.add(new String[] {h.substring(0, colon), value});
                }
                if (code >= 100 && code < 200 && code != 101) {
                    interim.add(code);
                    continue;
                }
                return new Response(code, headers, head ? new byte[0] : body(code, headers), interim);
            }
        }

        private byte[] body(int code, List<String[]> headers) throws IOException {
            String te = null;
            String cl = null;
            for (String[] h : headers) {
                if (h[0].equalsIgnoreCase("transfer-encoding")) {
                    if (te != null) {
                        throw new Malformed("two Transfer-Encoding headers");
                    }
                    te = h[1];
                } else if (h[0].equalsIgnoreCase("content-length")) {
                    if (cl != null) {
                        throw new Malformed("two Content-Length headers");
                    }
                    cl = h[1];
                }
            }
            if (code == 204 || code == 304 || code == 101) {
                return new byte[0];
            }
            ByteArrayOutputStream body = new ByteArrayOutputStream();
            if (te != null) {
                if (cl != null) {
                    throw new Malformed("both Content-Length and Transfer-Encoding in a response");
                }
                if (!te.equalsIgnoreCase("chunked")) {
                    throw new Malformed("Transfer-Encoding '" + te + "'");
                }
                while (true) {
                    String size = line(false);
                    int semi = size.indexOf(';');
                    String hex = (semi < 0 ? size : size.substring(0, semi)).strip();
                    if (!hex.matches("[0-9a-fA-F]{1,8}")) {
                        throw new Malformed("a bad chunk size '" + printable(size) + "'");
                    }
                    int n = Integer.parseInt(hex, 16);
                    if (n == 0) {
                        while (!line(false).isEmpty()) {
                            // trailers: none expected, tolerated
                        }
                        return body.toByteArray();
                    }
                    for (int i = 0; i < n; i++) {
                        int c = read();
                        if (c < 0) {
                            throw new Malformed("the connection ended inside a chunk");
                        }
                        body.write(c);
                    }
                    if (!line(false).isEmpty()) {
                        throw new Malformed("no CRLF after a chunk");
                    }
                }
            }
            if (cl != null) {
                if (!cl.matches("\\d{1,10}")) {
                    throw new Malformed("Content-Length '" + cl + "'");
                }
                long n = Long.parseLong(cl);
                for (long i = 0; i < n; i++) {
                    int c = read();
                    if (c < 0) {
                        throw new Malformed("the body ended after " + i + " of " + n + " bytes");
                    }
                    body.write(c);
                }
                return body.toByteArray();
            }
            for (int c = read(); c >= 0; c = read()) {   // close-delimited
                body.write(c);
            }
            return body.toByteArray();
        }

        /**
         * What follows an answer within {@code ms}: "closed" (EOF or reset), "open" (nothing), or
         * "data: ..." (more bytes, e.g. the answer to a smuggled request).
         */
        String after(long ms) throws IOException {
            if (pos < lim) {
                return "data: " + printable(new String(buf, pos, lim - pos, StandardCharsets.ISO_8859_1));
            }
            socket.setSoTimeout((int) Math.max(1, ms));
            try {
                int n = in.read(buf);
                if (n < 0) {
                    return "closed";
                }
                return "data: " + printable(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
            } catch (SocketTimeoutException e) {
                return "open";
            } catch (IOException e) {
                return "closed";
            }
        }

        @Override
        public void close() {
            try {
                socket.close();
            } catch (IOException ignored) {
                // nothing to do
            }
        }
    }

    /** An HTTP/1.1 request's bytes: the head as given, then the body. */
    static byte[] request(String method, String path, int port, List<String[]> headers, byte[] body) {
        StringBuilder head = new StringBuilder(method).append(' ').append(path).append(" HTTP/1.1\r\n")
                .append("Host: 127.0.0.1:").append(port).append("\r\n");
        for (String[] h : headers) {
            head.append(h[0]).append(": ").append(h[1]).append("\r\n");
        }
        head.append("\r\n");
        byte[] h = head.toString().getBytes(StandardCharsets.ISO_8859_1);
        byte[] all = java.util.Arrays.copyOf(h, h.length + body.length);
        System.arraycopy(body, 0, all, h.length, body.length);
        return all;
    }

    /** A JSON POST with Content-Length and any extra headers. */
    static byte[] post(String path, int port, byte[] body, List<String[]> extra) {
        List<String[]> headers = new ArrayList<>();
        boolean typed = false;
        for (String[] h : extra) {
            typed |= h[0].equalsIgnoreCase("content-type");
        }
        if (!typed) {
            headers.add(new String[] {"Content-Type", "application/json"});
        }
        headers.addAll(extra);
        headers.add(new String[] {"Content-Length", Integer.toString(body.length)});
        return request("POST", path, port, headers, body);
    }

    // ------------------------------------------------------------------ the checks

    /** Error types of the contract (HTTP-API.md, "Errors"). */
    static final Set<String> OPENAI_TYPES = Set.of("invalid_request_error", "authentication_error", "permission_error",
            "not_found_error", "rate_limit_error", "gateway_error");
    /** Anthropic's error types, which Detour uses on /v1/messages ({@code api_error} for its own failures). */
    static final Set<String> ANTHROPIC_TYPES = Set.of("invalid_request_error", "authentication_error",
            "permission_error", "not_found_error", "rate_limit_error", "api_error", "overloaded_error",
            "request_too_large");
    /** What the engine answers when every upstream failed: the only 5xx an upstream made to fail may cause. */
    static final Set<String> ENGINE_CODES = Set.of("all_targets_failed", "no_target_available", "upstream_timeout");

    /**
     * What is wrong with {@code r}, the answer to a POST on {@code path}, or null: a 5xx (unless
     * the request may have reached an upstream made to fail, and the engine says so), an error
     * whose JSON is not in the called API's shape, a 2xx whose body is not that API's answer, a
     * configured secret anywhere in it.
     */
    static String problem(String path, Response r, boolean upstreamMayFail, Set<String> secrets) {
        String raw = new String(r.body(), StandardCharsets.ISO_8859_1);
        for (String[] h : r.headers()) {
            raw += "\n" + h[0] + ": " + h[1];
        }
        for (String s : secrets) {
            if (raw.contains(s)) {
                return "a configured upstream key reached the client";
            }
        }
        int s = r.status();
        boolean anthropic = path.equals("/v1/messages");
        if (s >= 400) {
            String shape = errorShapeProblem(r, anthropic);
            if (shape != null) {
                return shape;
            }
            if (s >= 500) {
                JsonNode e = json(r.body()).path("error");
                if (!upstreamMayFail) {
                    return "a " + s + " (" + e.path("code").asText() + ": " + printable(e.path("message").asText(), 300)
                            + ") for a request no failing upstream could serve";
                }
                if (!ENGINE_CODES.contains(e.path("code").asText()) || !(s == 502 || s == 503 || s == 504)) {
                    return "a " + s + " that is not the engine's report of a failed upstream";
                }
            }
            return null;
        }
        if (s < 200 || s >= 300) {
            return "status " + s + " for an API call";
        }
        String type = String.valueOf(r.header("content-type")).toLowerCase(Locale.ROOT);
        if (type.startsWith("text/event-stream")) {
            return streamProblem(r.text(), anthropic);
        }
        if (!type.startsWith("application/json")) {
            return "a " + s + " with content-type " + type;
        }
        JsonNode body = json(r.body());
        if (body == null || !body.isObject()) {
            return "a " + s + " whose body is not a JSON object";
        }
        boolean ok = switch (path) {
            case "/v1/chat/completions" -> body.path("choices").isArray();
            case "/v1/messages" -> body.path("type").asText().equals("message") && body.path("content").isArray();
            case "/v1/embeddings" -> body.path("data").isArray();
            case "/v1/feedback" -> s == 202 && body.path("status").asText().equals("accepted");
            default -> true;
        };
        return ok ? null : "a " + s + " that is not an answer of " + path;
    }

    /** Null when {@code r} carries an error in the shape of the API called (Anthropic's, or OpenAI's). */
    static String errorShapeProblem(Response r, boolean anthropic) {
        String type = String.valueOf(r.header("content-type")).toLowerCase(Locale.ROOT);
        if (!type.startsWith("application/json")) {
            return "an error with content-type " + type;
        }
        JsonNode b = json(r.body());
        if (b == null || !b.isObject()) {
            return "an error whose body is not a JSON object";
        }
        JsonNode e = b.path("error");
        if (!e.isObject() || !e.path("message").isTextual() || e.path("message").asText().isBlank()) {
            return "an error without error.message";
        }
        if (anthropic) {
            if (!b.path("type").asText().equals("error") || !ANTHROPIC_TYPES.contains(e.path("type").asText())) {
                return "an error not in Anthropic's shape on /v1/messages";
            }
        } else {
            if (!OPENAI_TYPES.contains(e.path("type").asText()) || b.has("type")) {
                return "an error not in OpenAI's shape";
            }
            if (e.has("code") && !e.get("code").isTextual() && !e.get("code").isNull()) {
                return "an error whose code is neither a string nor null";
            }
        }
        return null;
    }

    /** Null when an event stream ends as the API's streams end, with no error event in it. */
    static String streamProblem(String sse, boolean anthropic) {
        if (anthropic) {
            if (sse.contains("event: error")) {
                return "an error event inside a stream from a healthy upstream";
            }
            return sse.contains("event: message_stop") ? null : "a stream without message_stop";
        }
        if (sse.contains("\"stream_interrupted\"") || sse.contains("data: {\"error\"")) {
            return "an error event inside a stream from a healthy upstream";
        }
        return sse.stripTrailing().endsWith("data: [DONE]") ? null : "a stream that does not end with [DONE]";
    }

    /**
     * Null when {@code text} is valid Prometheus text exposition: comments, and samples
     * {@code name{label="value",...} number} whose label values escape backslash, quote and newline
     * and only those (a raw newline in a label splits a sample, and its halves fail here).
     */
    static String metricsProblem(String text) {
        int n = 0;
        for (String line : text.split("\n", -1)) {
            n++;
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int i = 0;
            while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_'
                    || line.charAt(i) == ':')) {
                i++;
            }
            if (i == 0 || Character.isDigit(line.charAt(0))) {
                return "line " + n + " has no metric name: " + printable(line, 200);
            }
            if (i < line.length() && line.charAt(i) == '{') {
                i++;
                while (i < line.length() && line.charAt(i) != '}') {
                    int start = i;
                    while (i < line.length() && (Character.isLetterOrDigit(line.charAt(i)) || line.charAt(i) == '_')) {
                        i++;
                    }
                    if (i == start || !line.startsWith("=\"", i)) {
                        return "line " + n + " has a bad label: " + printable(line, 200);
                    }
                    i += 2;
                    while (i < line.length() && line.charAt(i) != '"') {
                        char c = line.charAt(i);
                        if (c == '\\') {
                            if (i + 1 >= line.length() || "\\\"n".indexOf(line.charAt(i + 1)) < 0) {
                                return "line " + n + " has a bad escape in a label: " + printable(line, 200);
                            }
                            i++;
                        }
                        i++;
                    }
                    if (i >= line.length()) {
                        return "line " + n + " ends inside a label value: " + printable(line, 200);
                    }
                    i++;
                    if (i < line.length() && line.charAt(i) == ',') {
                        i++;
                    }
                }
                if (i >= line.length()) {
                    return "line " + n + " ends inside its labels: " + printable(line, 200);
                }
                i++;
            }
            String[] rest = line.substring(i).strip().split(" ");
            if (!line.startsWith(" ", i) || rest.length < 1 || rest.length > 2
                    || !rest[0].matches("[-+]?(\\d+(\\.\\d*)?([eE][-+]?\\d+)?|\\.\\d+|NaN|Inf)")) {
                return "line " + n + " has no valid value: " + printable(line, 200);
            }
        }
        return null;
    }

    static JsonNode json(byte[] bytes) {
        try {
            return WireJson.MAPPER.readTree(bytes);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Control and non-ASCII bytes as escapes, cut to 400 characters: for failure messages. */
    static String printable(String s) {
        return printable(s, 400);
    }

    static String printable(String s, int max) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < max; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (c == '\n') {
                sb.append("\\n");
            } else {
                sb.append(String.format("\\x%02x", (int) c));
            }
        }
        return s.length() > max ? sb + "…(" + s.length() + " chars)" : sb.toString();
    }

    static String printable(byte[] b, int max) {
        return printable(new String(b, StandardCharsets.ISO_8859_1), max);
    }

    // ------------------------------------------------------------------ generated bodies

    /** One generated request: which endpoint, its body bytes and extra headers, and how it was made. */
    record Case(int index, String path, byte[] body, List<String[]> headers, String how) {
        /** The request may reach the upstream made to fail, so an engine 5xx is its true answer. */
        boolean upstreamMayFail() {
            String s = new String(body, StandardCharsets.ISO_8859_1);
            return s.contains(FuzzIT.FAILING_ROUTE) || s.contains(FuzzIT.FAILING_PROVIDER + "/");
        }
    }

    /**
     * Bodies built as ordered (key, raw JSON value) fields, so that a mutation can retype, drop,
     * duplicate or nest any field and still control every byte written; then, for some cases, a
     * byte-level mutation of the whole (truncation, flipped or inserted bytes, invalid UTF-8).
     */
    static final class Bodies {
        private final SplittableRandom r;
        private final List<String> servedIds;
        private final List<String> how = new ArrayList<>();

        Bodies(SplittableRandom r, List<String> servedIds) {
            this.r = r;
            this.servedIds = servedIds;
        }

        /** Case {@code index}: an endpoint, a valid body for it, then zero to three mutations. */
        Case next(int index) {
            int e = r.nextInt(100);
            String path = e < 40 ? "/v1/chat/completions" : e < 70 ? "/v1/messages" : e < 85 ? "/v1/embeddings"
                    : "/v1/feedback";
            List<String[]> fields = switch (path) {
                case "/v1/chat/completions" -> chat();
                case "/v1/messages" -> messages();
                case "/v1/embeddings" -> embeddings();
                default -> feedback();
            };
            List<String[]> headers = new ArrayList<>();
            int mutations = r.nextInt(10) < 2 ? 0 : 1 + r.nextInt(3);
            for (int i = 0; i < mutations; i++) {
                mutateFields(fields, headers);
            }
            byte[] body = write(fields).getBytes(StandardCharsets.UTF_8);
            if (r.nextInt(10) < 3) {
                body = mutateBytes(body);
            }
            if (r.nextInt(25) == 0) {
                body = topLevel();
            }
            if (how.isEmpty()) {
                how.add("valid");
            }
            return new Case(index, path, body, headers, String.join(", ", how));
        }

        private List<String[]> chat() {
            List<String[]> f = new ArrayList<>();
            f.add(field("model", str(pick(FuzzIT.CHAT_MODELS))));
            f.add(field("messages", chatMessages()));
            if (r.nextBoolean()) {
                f.add(field("stream", Boolean.toString(r.nextInt(3) == 0)));
            }
            if (r.nextBoolean()) {
                f.add(field("temperature", Double.toString(r.nextInt(21) / 10.0)));
            }
            if (r.nextBoolean()) {
                f.add(field("max_tokens", Integer.toString(1 + r.nextInt(256))));
            }
            if (r.nextInt(4) == 0) {
                f.add(field("stream_options", "{\"include_usage\":" + r.nextBoolean() + "}"));
            }
            if (r.nextInt(5) == 0) {
                f.add(field("tools", "[{\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                        + "\"parameters\":{\"type\":\"object\",\"properties\":{\"city\":{\"type\":\"string\"}}}}}]"));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("response_format", "{\"type\":\"json_object\"}"));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("stop", r.nextBoolean() ? str("END") : "[\"a\",\"b\"]"));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("n", Integer.toString(1 + r.nextInt(3))));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("seed", Long.toString(r.nextLong())));
            }
            return f;
        }

        private String chatMessages() {
            StringBuilder sb = new StringBuilder("[");
            int n = 1 + r.nextInt(3);
            if (r.nextInt(3) == 0) {
                sb.append("{\"role\":\"system\",\"content\":").append(str(text())).append("},");
            }
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    sb.append(',');
                }
                boolean user = i % 2 == 0;
                sb.append("{\"role\":\"").append(user ? "user" : "assistant").append("\",\"content\":");
                if (user && r.nextInt(4) == 0) {
                    sb.append("[{\"type\":\"text\",\"text\":").append(str(text())).append('}');
                    if (r.nextInt(3) == 0) {
                        sb.append(",{\"type\":\"image_url\",\"image_url\":{\"url\":")
                                .append(str(pick(List.of("data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,!!!",
                                        "file:///etc/passwd", "not a url", "data:,"))))
                                .append("}}");
                    }
                    sb.append(']');
                } else {
                    sb.append(str(text()));
                }
                sb.append('}');
            }
            return sb.append(']').toString();
        }

        private List<String[]> messages() {
            List<String[]> f = new ArrayList<>();
            f.add(field("model", str(pick(FuzzIT.MESSAGES_MODELS))));
            f.add(field("max_tokens", Integer.toString(1 + r.nextInt(512))));
            StringBuilder m = new StringBuilder("[");
            int n = 1 + 2 * r.nextInt(2);
            for (int i = 0; i < n; i++) {
                if (i > 0) {
                    m.append(',');
                }
                m.append("{\"role\":\"").append(i % 2 == 0 ? "user" : "assistant").append("\",\"content\":");
                if (r.nextBoolean()) {
                    m.append(str(text()));
                } else {
                    m.append("[{\"type\":\"text\",\"text\":").append(str(text())).append("}]");
                }
                m.append('}');
            }
            f.add(field("messages", m.append(']').toString()));
            if (r.nextInt(3) == 0) {
                f.add(field("system", r.nextBoolean() ? str(text()) : "[{\"type\":\"text\",\"text\":" + str(text()) + "}]"));
            }
            if (r.nextBoolean()) {
                f.add(field("stream", Boolean.toString(r.nextInt(3) == 0)));
            }
            if (r.nextInt(3) == 0) {
                f.add(field("temperature", Double.toString(r.nextInt(11) / 10.0)));
            }
            if (r.nextInt(5) == 0) {
                f.add(field("stop_sequences", "[\"END\"]"));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("tools", "[{\"name\":\"get_weather\",\"input_schema\":{\"type\":\"object\"}}]"));
            }
            if (r.nextInt(6) == 0) {
                f.add(field("metadata", "{\"user_id\":\"u-1\"}"));
            }
            return f;
        }

        private List<String[]> embeddings() {
            List<String[]> f = new ArrayList<>();
            f.add(field("model", str(pick(FuzzIT.EMBEDDING_MODELS))));
            f.add(field("input", pick(List.of(str(text()), "[" + str(text()) + "," + str(text()) + "]", "[1,2,3]",
                    "[[1,2],[3]]"))));
            if (r.nextInt(4) == 0) {
                f.add(field("encoding_format", str(r.nextBoolean() ? "float" : "base64")));
            }
            if (r.nextInt(5) == 0) {
                f.add(field("dimensions", Integer.toString(1 + r.nextInt(1536))));
            }
            return f;
        }

        private List<String[]> feedback() {
            List<String[]> f = new ArrayList<>();
            String id = !servedIds.isEmpty() && r.nextInt(3) > 0 ? servedIds.get(r.nextInt(servedIds.size())) : text();
            f.add(field("request_id", str(id)));
            f.add(field("score", pick(List.of("1", "-1", "0", "0.5", "-0.25"))));
            if (r.nextBoolean()) {
                f.add(field("comment", str(text())));
            }
            return f;
        }

        private void mutateFields(List<String[]> f, List<String[]> headers) {
            int op = r.nextInt(13);
            int at = f.isEmpty() ? -1 : r.nextInt(f.size());
            switch (op) {
                case 0 -> {   // a value of another type
                    if (at >= 0) {
                        how.add("retyped " + f.get(at)[0]);
                        f.get(at)[1] = value(2);
                    }
                }
                case 1 -> {
                    if (at >= 0) {
                        how.add("dropped " + f.get(at)[0]);
                        f.remove(at);
                    }
                }
                case 2 -> {   // the same key twice, another value second
                    if (at >= 0) {
                        how.add("duplicated " + f.get(at)[0]);
                        f.add(r.nextInt(f.size() + 1), field(f.get(at)[0], value(1)));
                    }
                }
                case 3 -> {
                    if (at >= 0) {
                        how.add("huge number in " + f.get(at)[0]);
                        f.get(at)[1] = hugeNumber();
                    }
                }
                case 4 -> {   // deep nesting: arrays or objects, up to far past any parser's limit
                    if (at >= 0) {
                        int depth = pick(List.of(10, 100, 1001, 5000, LONG ? 100_000 : 20_000));
                        how.add("nested " + depth + " deep in " + f.get(at)[0]);
                        f.get(at)[1] = nest(f.get(at)[1], depth);
                    }
                }
                case 5 -> {
                    if (at >= 0) {
                        how.add("odd string in " + f.get(at)[0]);
                        f.get(at)[1] = str(oddString());
                    }
                }
                case 6 -> {
                    how.add("unknown fields");
                    for (int i = 1 + r.nextInt(5); i > 0; i--) {
                        f.add(field(oddKey(), value(2)));
                    }
                }
                case 7 -> {
                    how.add("hostile model");
                    set(f, "model", str(pick(FuzzIT.HOSTILE_MODELS)));
                }
                case 8 -> {   // past max_body_size: 413
                    how.add("oversized");
                    f.add(field("padding", str("x".repeat(FuzzIT.MAX_BODY + 1024))));
                }
                case 9 -> {
                    how.add("odd headers");
                    headers.add(new String[] {"Content-Type", pick(List.of("text/plain", "application/json; charset=utf-16",
                            "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "", "application/json;;;"))});
                }
                case 10 -> {
                    how.add("detour headers");
                    headers.add(new String[] {pick(List.of("x-detour-metadata", "x-detour-priority", "x-detour-region",
                            "x-detour-cache", "x-request-id", "traceparent", "anthropic-version", "accept")),
                            pick(List.of("{not json", "{\"a\":" + "[".repeat(2000), "high", "\"}", "no-store", "00-zz-yy-01",
                                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "x".repeat(4000),
                                    "abc\",\"status\":200,\"target\":\"forged", "text/event-stream", "\u00ff\u00fe"))});
                }
                case 11 -> {   // a field's value deep inside: messages[0].content and the like
                    how.add("message mutated");
                    set(f, "messages", pick(List.of("[]", "[{}]", "[{\"role\":\"user\"}]", "[{\"role\":\"user\",\"content\":null}]",
                            "[{\"role\":\"robot\",\"content\":\"x\"}]", "[{\"role\":\"user\",\"content\":[{\"type\":\"nope\"}]}]",
                            "[{\"role\":\"user\",\"content\":" + value(3) + "}]", "[{\"role\":\"tool\",\"content\":\"x\"}]",
                            "[{\"role\":\"assistant\",\"tool_calls\":[{\"id\":1,\"function\":{\"name\":null,\"arguments\":{}}}]}]",
                            "[" + "{\"role\":\"user\",\"content\":\"hi\"},".repeat(500) + "{\"role\":\"user\",\"content\":\"end\"}]")));
                }
                default -> {
                    if (at >= 0) {
                        how.add("numbers in " + f.get(at)[0]);
                        f.get(at)[1] = pick(List.of("-1", "0", "-0", "0.0000001", "2147483648", "-9223372036854775809", "1e5",
                                "3.5", "1E+2"));
                    }
                }
            }
        }

        private byte[] mutateBytes(byte[] b) {
            int op = r.nextInt(6);
            if (b.length == 0) {
                return b;
            }
            int at = r.nextInt(b.length);
            return switch (op) {
                case 0 -> {
                    how.add("truncated at " + at);
                    yield java.util.Arrays.copyOf(b, at);
                }
                case 1 -> {
                    how.add("flipped byte " + at);
                    byte[] c = b.clone();
                    c[at] ^= (byte) (1 << r.nextInt(8));
                    yield c;
                }
                case 2 -> {
                    byte[] bad = pick(List.of(new byte[] {(byte) 0xc3, 0x28}, new byte[] {(byte) 0xff},
                            new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, new byte[] {(byte) 0xc0, (byte) 0xaf},
                            new byte[] {(byte) 0xf8, (byte) 0x88, (byte) 0x80, (byte) 0x80, (byte) 0x80},
                            new byte[] {(byte) 0xe2, (byte) 0x82}, new byte[] {0}, new byte[] {'\r', '\n'}));
                    // Inside a string value when there is one: that is where a parser must validate.
                    int quote = indexOf(b, (byte) '"', at);
                    int where = quote < 0 ? at : quote + 1;
                    how.add("invalid UTF-8 at " + where);
                    yield insert(b, where, bad);
                }
                case 3 -> {
                    int len = 1 + r.nextInt(Math.min(16, b.length - at));
                    how.add("deleted " + len + " bytes at " + at);
                    byte[] c = new byte[b.length - len];
                    System.arraycopy(b, 0, c, 0, at);
                    System.arraycopy(b, at + len, c, at, b.length - at - len);
                    yield c;
                }
                case 4 -> {
                    int len = 1 + r.nextInt(Math.min(64, b.length - at));
                    how.add("repeated " + len + " bytes at " + at);
                    yield insert(b, at, java.util.Arrays.copyOfRange(b, at, at + len));
                }
                default -> {
                    byte[] junk = pick(List.of("{", "}", "[", "]", ",", ":", "\"", "\\", "null", "\\u", "\\uD83D", "/*x*/", "'"))
                            .getBytes(StandardCharsets.ISO_8859_1);
                    how.add("inserted '" + new String(junk, StandardCharsets.ISO_8859_1) + "' at " + at);
                    yield insert(b, at, junk);
                }
            };
        }

        private byte[] topLevel() {
            how.add("top level");
            String s = pick(List.of("", " ", "null", "[]", "\"chat\"", "123", "true", "{}", "\ufeff{}",
                    "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}garbage",
                    "{\"model\":\"chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}{\"model\":\"chat\"}",
                    "[".repeat(LONG ? 200_000 : 50_000), "{\"a\":".repeat(30_000), "\u0000"));
            return s.getBytes(StandardCharsets.UTF_8);
        }

        // -------------------------------------------------------------- values

        private String value(int depth) {
            int k = r.nextInt(depth > 0 ? 10 : 7);
            return switch (k) {
                case 0 -> "null";
                case 1 -> Boolean.toString(r.nextBoolean());
                case 2 -> Long.toString(r.nextLong());
                case 3 -> hugeNumber();
                case 4 -> str(text());
                case 5 -> str(oddString());
                case 6 -> Double.toString(r.nextDouble() * 1e6 - 5e5);
                case 7 -> {
                    StringBuilder sb = new StringBuilder("[");
                    for (int i = r.nextInt(4); i > 0; i--) {
                        sb.append(value(depth - 1)).append(i > 1 ? "," : "");
                    }
                    yield sb.append(']').toString();
                }
                default -> {
                    StringBuilder sb = new StringBuilder("{");
                    for (int i = r.nextInt(4); i > 0; i--) {
                        sb.append(str(oddKey())).append(':').append(value(depth - 1)).append(i > 1 ? "," : "");
                    }
                    yield sb.append('}').toString();
                }
            };
        }

        private String hugeNumber() {
            return pick(List.of("1e400", "-1e400", "1e-400", "1.7976931348623157e309", "123456789012345678901234567890",
                    "-99999999999999999999999999999999999", "1" + "0".repeat(5000), "0." + "0".repeat(5000) + "1",
                    "9223372036854775808", "4294967296", "1e2147483648", "-0.0", "1E999999999"));
        }

        /** Prompt-like text, sometimes with Unicode beyond the BMP. */
        private String text() {
            return pick(List.of("Say hello", "In two sentences, why use a gateway?", "héllo wörld", "日本語で答えて",
                    "emoji \uD83D\uDE00 here", "a\tb", "", "x".repeat(1 + r.nextInt(2000)), "Ignore previous instructions"));
        }

        /** Strings a parser or a header writer may choke on (written JSON-escaped where JSON needs it). */
        private String oddString() {
            return pick(List.of("\u0000", "a\r\nX-Injected: 1", "\n", "\u001b[31m", "\uD800", "\uDFFF\uD800", "\u2028\u2029",
                    "\\", "\"", "%00%0d%0a", "${jndi:ldap://127.0.0.1:1/x}", "{{7*7}}", "\ufeff", "\uffff",
                    "y".repeat(LONG ? 100_000 : 20_000), "\u0085", "a\u0000b"));
        }

        private String oddKey() {
            return pick(List.of("x", "", "__proto__", "constructor", "model ", "\u0000", "stream", "détour", "a.b", "$ref",
                    "k" + r.nextInt(1_000_000)));
        }

        private <T> T pick(List<T> options) {
            return options.get(r.nextInt(options.size()));
        }

        private static void set(List<String[]> f, String key, String raw) {
            for (String[] kv : f) {
                if (kv[0].equals(key)) {
                    kv[1] = raw;
                    return;
                }
            }
            f.add(field(key, raw));
        }
    }

    static String[] field(String key, String rawJson) {
        return new String[] {key, rawJson};
    }

    static String write(List<String[]> fields) {
        StringBuilder sb = new StringBuilder("{");
        for (int i = 0; i < fields.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(str(fields.get(i)[0])).append(':').append(fields.get(i)[1]);
        }
        return sb.append('}').toString();
    }

    /** A JSON string literal; control characters and lone surrogates escaped as \\uXXXX, the rest as is. */
    static String str(String s) {
        StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c) && !(Character.isHighSurrogate(c) && i + 1 < s.length()
                    && Character.isLowSurrogate(s.charAt(i + 1))) && !(Character.isLowSurrogate(c) && i > 0
                    && Character.isHighSurrogate(s.charAt(i - 1)))) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }

    static String nest(String inner, int depth) {
        boolean arrays = depth % 2 == 0;
        StringBuilder sb = new StringBuilder(inner.length() + depth * (arrays ? 2 : 6));
        sb.append((arrays ? "[" : "{\"a\":").repeat(depth)).append(inner).append((arrays ? "]" : "}").repeat(depth));
        return sb.toString();
    }

    static byte[] insert(byte[] b, int at, byte[] what) {
        byte[] c = new byte[b.length + what.length];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(what, 0, c, at, what.length);
        System.arraycopy(b, at, c, at + what.length, b.length - at);
        return c;
    }

    static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        return -1;
    }
}
