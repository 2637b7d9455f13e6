package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.wire.http.WireJson;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Google's side of a Vertex AI provider on one loopback port, as real Vert.x servers speaking the
 * wire formats:
 * <ul>
 *   <li>the OAuth 2.0 token endpoint, {@code POST /t/{name}/{expires_in}}: the JWT-bearer form,
 *       the assertion's RS256 signature verified with the public half of a key pair this class
 *       generates ({@link #serviceAccountKey}), its {@code iss}, {@code aud} (this very URL),
 *       {@code scope} and one-hour lifetime checked; answers {@code tok-N} with that
 *       {@code expires_in}, counted per {@code name};</li>
 *   <li>Vertex AI, {@code POST /v1/projects/{p}/locations/{l}/publishers/google/models/{m}:generateContent}
 *       (and {@code :streamGenerateContent?alt=sse}), {@code publishers/anthropic/models/{m}:rawPredict}
 *       (and {@code :streamRawPredict}): the bearer token must be one it issued and has not
 *       revoked (else 401 UNAUTHENTICATED); a Claude body must carry {@code anthropic_version:
 *       vertex-2023-10-16} and no {@code model} (else 400); a location can be set to fail with a
 *       status and a body; calls are recorded per location.</li>
 * </ul>
 */
final class FakeVertex implements AutoCloseable {

    static final String EMAIL = "detour-it@it-project.iam.gserviceaccount.com";
    private static final Pattern TOKEN = Pattern.compile("/t/([a-z0-9-]+)/([0-9]+)");
    private static final Pattern VERTEX = Pattern.compile("/v1/projects/([^/]+)/locations/([^/]+)/publishers/"
            + "(google|anthropic)/models/([^/:]+):(generateContent|streamGenerateContent|rawPredict|streamRawPredict)");

    /** One Vertex call as received. */
    record Call(String project, String location, String publisher, String model, String method, String bearer, JsonNode body) {
    }

    private record Fault(int status, String body) {
    }

    private final Vertx vertx;
    private final KeyPair pair = generate();
    private final AtomicInteger issued = new AtomicInteger();
    private final Map<String, AtomicInteger> tokenCalls = new ConcurrentHashMap<>();
    private final Set<String> valid = ConcurrentHashMap.newKeySet();
    private final Map<String, Fault> faults = new ConcurrentHashMap<>();
    /** Every problem the token endpoint found in an assertion (an empty list means every one was right). */
    final List<String> tokenProblems = new CopyOnWriteArrayList<>();
    final List<Call> calls = new CopyOnWriteArrayList<>();
    private HttpServer server;

    FakeVertex(Vertx vertx) {
        this.vertx = vertx;
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    Future<FakeVertex> start() {
        server = vertx.createHttpServer();
        return server.requestHandler(req -> req.body().onSuccess(b -> handle(req, b)))
                .listen(0, "127.0.0.1").map(s -> this);
    }

    String baseUrl() {
        return "http://127.0.0.1:" + server.actualPort();
    }

    /** The token endpoint URL for provider {@code name}, issuing tokens that live {@code expiresIn} seconds. */
    String tokenUrl(String name, int expiresIn) {
        return baseUrl() + "/t/" + name + "/" + expiresIn;
    }

    /** A service-account key JSON (project {@code it-project}) whose private key is this server's. */
    String serviceAccountKey() {
        String pem = "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(pair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
        ObjectNode o = WireJson.MAPPER.createObjectNode().put("type", "service_account").put("project_id", "it-project")
                .put("private_key_id", "it-key-1").put("private_key", pem).put("client_email", EMAIL)
                .put("token_uri", "https://oauth2.googleapis.com/token");
        return o.toString();
    }

    int tokenCalls(String name) {
        AtomicInteger n = tokenCalls.get(name);
        return n == null ? 0 : n.get();
    }

    /** Vertex calls to {@code location} so far. */
    List<Call> callsTo(String location) {
        List<Call> out = new ArrayList<>();
        for (Call c : calls) {
            if (c.location().equals(location)) {
                out.add(c);
            }
        }
        return out;
    }

    /** Makes every call to {@code location} fail with {@code status} and {@code body} (null: clears it). */
    void fail(String location, Integer status, String body) {
        if (status == null) {
            faults.remove(location);
        } else {
            faults.put(location, new Fault(status, body));
        }
    }

    /** Revokes a token: Vertex answers 401 to it from now on, as to an expired one. */
    void revoke(String token) {
        valid.remove(token);
    }

    private void handle(HttpServerRequest req, Buffer body) {
        Matcher t = TOKEN.matcher(req.path());
        if (t.matches()) {
            token(req, t.group(1), Integer.parseInt(t.group(2)), body.toString(StandardCharsets.UTF_8));
            return;
        }
        Matcher v = VERTEX.matcher(req.path());
        if (!v.matches()) {
            json(req, 404, google(404, "NOT_FOUND", "unknown path " + req.path()));
            return;
        }
        String auth = req.getHeader("authorization");
        String bearer = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
        JsonNode json;
        try {
            json = WireJson.MAPPER.readTree(body.getBytes());
        } catch (Exception e) {
            json = null;
        }
        Call call = new Call(v.group(1), v.group(2), v.group(3), URLDecoder.decode(v.group(4), StandardCharsets.UTF_8),
                v.group(5), bearer, json);
        calls.add(call);
        if (bearer == null || !valid.contains(bearer)) {
            json(req, 401, google(401, "UNAUTHENTICATED", "Request had invalid authentication credentials. Expected OAuth 2 "
                    + "access token, login cookie or other valid authentication credential."));
            return;
        }
        Fault f = faults.get(call.location());
        if (f != null) {
            req.response().setStatusCode(f.status()).putHeader("content-type", "application/json").end(f.body());
            return;
        }
        boolean claude = call.publisher().equals("anthropic");
        if (claude != call.method().endsWith("awPredict") || json == null || !json.isObject()) {
            json(req, 400, google(400, "INVALID_ARGUMENT", "bad request"));
            return;
        }
        String text = "Hello from " + call.location() + " " + call.model();
        if (claude) {
            if (json.has("model") || !"vertex-2023-10-16".equals(json.path("anthropic_version").asText())) {
                json(req, 400, WireJson.MAPPER.createObjectNode().put("type", "error").set("error", WireJson.MAPPER
                        .createObjectNode().put("type", "invalid_request_error")
                        .put("message", "anthropic_version must be vertex-2023-10-16 and model must not be in the body")));
                return;
            }
            if (call.method().equals("streamRawPredict")) {
                claudeStream(req, call.model(), text);
            } else {
                json(req, 200, Sim.json("{\"id\":\"msg_vrtx_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":\""
                        + call.model() + "\",\"content\":[{\"type\":\"text\",\"text\":\"" + text + "\"}],\"stop_reason\":\"end_turn\","
                        + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":6}}"));
            }
        } else if (call.method().equals("streamGenerateContent")) {
            String[] words = text.split(" ");
            StringBuilder sse = new StringBuilder();
            for (int i = 0; i < words.length; i++) {
                boolean last = i == words.length - 1;
                sse.append("data: {\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"")
                        .append(i == 0 ? "" : " ").append(words[i]).append("\"}]}")
                        .append(last ? ",\"finishReason\":\"STOP\"" : "").append("}],\"usageMetadata\":{")
                        .append(last ? "\"promptTokenCount\":5,\"candidatesTokenCount\":6,\"totalTokenCount\":11," : "")
                        .append("\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"").append(call.model())
                        .append("\",\"responseId\":\"vx-1\"}\n\n");
            }
            req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
        } else {
            json(req, 200, Sim.json("{\"candidates\":[{\"content\":{\"role\":\"model\",\"parts\":[{\"text\":\"" + text
                    + "\"}]},\"finishReason\":\"STOP\"}],\"usageMetadata\":{\"promptTokenCount\":5,\"candidatesTokenCount\":6,"
                    + "\"totalTokenCount\":11,\"trafficType\":\"ON_DEMAND\"},\"modelVersion\":\"" + call.model()
                    + "\",\"responseId\":\"vx-1\"}"));
        }
    }

    private void claudeStream(HttpServerRequest req, String model, String text) {
        StringBuilder sse = new StringBuilder();
        sse.append("event: message_start\ndata: {\"type\":\"message_start\",\"message\":{\"id\":\"msg_vrtx_02\",\"type\":\"message\","
                + "\"role\":\"assistant\",\"model\":\"").append(model).append("\",\"content\":[],\"stop_reason\":null,"
                + "\"stop_sequence\":null,\"usage\":{\"input_tokens\":5,\"output_tokens\":1}}}\n\n");
        sse.append("event: content_block_start\ndata: {\"type\":\"content_block_start\",\"index\":0,\"content_block\":"
                + "{\"type\":\"text\",\"text\":\"\"}}\n\n");
        for (String w : text.split("(?<= )")) {
            sse.append("event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":"
                    + "{\"type\":\"text_delta\",\"text\":\"").append(w).append("\"}}\n\n");
        }
        sse.append("event: content_block_stop\ndata: {\"type\":\"content_block_stop\",\"index\":0}\n\n");
        sse.append("event: message_delta\ndata: {\"type\":\"message_delta\",\"delta\":{\"stop_reason\":\"end_turn\","
                + "\"stop_sequence\":null},\"usage\":{\"output_tokens\":6}}\n\n");
        sse.append("event: message_stop\ndata: {\"type\":\"message_stop\"}\n\n");
        req.response().putHeader("content-type", "text/event-stream").end(sse.toString());
    }

    private void token(HttpServerRequest req, String name, int expiresIn, String form) {
        tokenCalls.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
        String problem = assertionProblem(req, form);
        if (problem != null) {
            tokenProblems.add(name + ": " + problem);
            json(req, 400, Sim.json("{\"error\":\"invalid_grant\",\"error_description\":\"" + problem + "\"}"));
            return;
        }
        String token = "tok-" + issued.incrementAndGet();
        valid.add(token);
        json(req, 200, Sim.json("{\"access_token\":\"" + token + "\",\"expires_in\":" + expiresIn + ",\"token_type\":\"Bearer\"}"));
    }

    private String assertionProblem(HttpServerRequest req, String form) {
        if (!"application/x-www-form-urlencoded".equals(req.getHeader("content-type"))) {
            return "content-type " + req.getHeader("content-type");
        }
        String grant = null;
        String jwt = null;
        for (String pair : form.split("&")) {
            String[] kv = pair.split("=", 2);
            String value = kv.length < 2 ? "" : URLDecoder.decode(kv[1], StandardCharsets.UTF_8);
            if (kv[0].equals("grant_type")) {
                grant = value;
            } else if (kv[0].equals("assertion")) {
                jwt = value;
            }
        }
        if (!"urn:ietf:params:oauth:grant-type:jwt-bearer".equals(grant)) {
            return "grant_type " + grant;
        }
        if (jwt == null || jwt.split("\\.").length != 3) {
            return "no JWT";
        }
        try {
            String[] parts = jwt.split("\\.");
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initVerify(pair.getPublic());
            rs256.update((parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII));
            if (!rs256.verify(Base64.getUrlDecoder().decode(parts[2]))) {
                return "Invalid JWT Signature.";
            }
            JsonNode header = WireJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = WireJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (!header.path("alg").asText().equals("RS256") || !header.path("kid").asText().equals("it-key-1")) {
                return "header " + header;
            }
            if (!claims.path("iss").asText().equals(EMAIL)) {
                return "iss " + claims.path("iss").asText();
            }
            if (!claims.path("aud").asText().equals(baseUrl() + req.path())) {
                return "aud " + claims.path("aud").asText();
            }
            if (!claims.path("scope").asText().equals("https://www.googleapis.com/auth/cloud-platform")) {
                return "scope " + claims.path("scope").asText();
            }
            if (claims.path("exp").asLong() - claims.path("iat").asLong() != 3600) {
                return "lifetime";
            }
            return null;
        } catch (Exception e) {
            return "unreadable JWT: " + e.getClass().getSimpleName();
        }
    }

    static String google(int code, String status, String message) {
        ObjectNode o = WireJson.MAPPER.createObjectNode();
        o.putObject("error").put("code", code).put("message", message).put("status", status);
        return o.toString();
    }

    private static void json(HttpServerRequest req, int status, Object body) {
        req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.toString());
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
    }
}
