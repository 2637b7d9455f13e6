package dev.detour.core.http;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.view.RequestContext;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.wire.http.WireFormatException;
import dev.detour.core.Gateway;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.Scrubber;
import dev.detour.core.failover.StreamListener;
import dev.detour.api.provider.WireBody;
import dev.detour.core.admission.RateLimiter;
import dev.detour.core.config.Units;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.net.StrictFraming;
import dev.detour.core.telemetry.AccessLog;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The inbound HTTP API (HTTP-API.md): OpenAI-compatible endpoints, operations and admin views.
 * Handlers parse and validate, hand the request to the failover engine, and write what it returns
 * with the contract's headers. Every error is an OpenAI-shaped body naming the problem.
 */
public final class GatewayServer {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);
    /** Headers a reverse proxy adds: behind one, every caller looks local, so loopback proves nothing. */
    private static final String[] PROXY_HEADERS = {"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip",
            "x-forwarded-proto", "via"};
    /** How long a drain waits for the API to go quiet before it closes idle connections. */
    private static final long DRAIN_QUIET_MS = 200;

    // Header names and common values encoded once (Netty's AsciiString), not on every response.
    private static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");
    private static final CharSequence ROUTE = HttpHeaders.createOptimized("x-detour-route");
    private static final CharSequence TARGET = HttpHeaders.createOptimized("x-detour-target");
    private static final CharSequence ATTEMPTS = HttpHeaders.createOptimized("x-detour-attempts");
    private static final CharSequence FAILOVER = HttpHeaders.createOptimized("x-detour-failover");
    private static final CharSequence ONE = HttpHeaders.createOptimized("1");
    private static final CharSequence TRUE = HttpHeaders.createOptimized("true");
    static final CharSequence APPLICATION_JSON = HttpHeaders.createOptimized("application/json");

    private final Gateway gateway;
    private final Vertx vertx;
    /** Every byte of every answer passes through it on the way out. */
    private final Scrubber scrubber;
    private long maxBodySize;
    private final Map<String, GatewayConfig.Key> keysByDigest = new HashMap<>();
    /** Each key's {@code limits.rpm} window, by key name; only configured keys, so bounded by the config. */
    private final Map<String, RateLimiter> rpmLimits = new HashMap<>();
    private final AccessLog accessLog;
    private HttpServer server;
    private ConnectionGuard guard;
    private volatile boolean draining;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();
    /** The API exchanges in flight, so a drain can end them cleanly when its grace runs out. */
    private final java.util.Set<Exchange> live = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    /** When the last API request arrived (nanos), for the drain's quiet period. */
    private long lastArrival;

    public GatewayServer(Gateway gateway) {
        this.gateway = gateway;
        this.vertx = gateway.vertx();
        this.scrubber = gateway.engine().scrubber();
        for (GatewayConfig.Key k : gateway.config().keys()) {
            keysByDigest.put(k.keySha256(), k);
            if (k.rpm() > 0) {
                rpmLimits.put(k.name(), new RateLimiter(k.rpm(), 60_000));
            }
        }
        accessLog = new AccessLog(gateway.config().telemetry().accessLog(), System.out);
    }

    /** The error body shape of the API a handler serves. */
    enum ErrorStyle { OPENAI, ANTHROPIC }

    /** Starts listening; completes with the bound port. */
    public Future<Integer> listen() {
        GatewayConfig.Server cfg = gateway.config().server();
        maxBodySize = cfg.maxBodySize();
        MessagesHandler messages = new MessagesHandler(this, gateway);
        Router router = Router.router(vertx);
        router.get("/healthz").handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"status\":\"ok\"}"));
        router.get("/readyz").handler(this::ready);
        router.get("/metrics").handler(rc -> {
            StringBuilder sb = new StringBuilder(gateway.metrics().render(gateway.targets()));
            sb.append("# HELP detour_http_in_flight API requests being served.\n# TYPE detour_http_in_flight gauge\n")
                    .append("detour_http_in_flight ").append(inFlight.get()).append('\n');
            guard.render(sb);
            accessLog.render(sb);
            rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8").end(sb.toString());
        });
        router.get("/v1/models").handler(this::models);
        router.get("/admin/targets").handler(rc -> admin(rc, this::adminTargets));
        router.get("/admin/routes").handler(rc -> admin(rc, this::adminRoutes));
        router.get("/admin/events").handler(rc -> admin(rc, this::adminEvents));
        router.route().last().handler(rc -> error(rc.response(), 404, "not_found_error", "not_found",
                "no such endpoint: " + rc.request().method() + " " + rc.request().path(), null, null));
        router.route().failureHandler(this::failure);
        // HTTP/1.1 only in clear text: no h2c upgrade (a second protocol to defend — rapid reset,
        // smuggling through the upgrade — for clients that all speak HTTP/1.1 to an API gateway).
        HttpServerOptions options = new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
                .setCompressionSupported(false).setTcpNoDelay(true).setHttp2ClearTextEnabled(false);
        server = vertx.createHttpServer(options);
        guard = new ConnectionGuard(vertx, gateway.clock(), cfg.connections());
        server.connectionHandler(conn -> {
            StrictFraming.install(conn, options);
            guard.accept(conn);
        });
        // The API's POST endpoints are served straight from the HTTP server (see receive); the rest,
        // operations and admin views, go through the router.
        return server.requestHandler(req -> {
            ConnectionGuard.Conn conn = guard.started(req);
            if (req.method() == HttpMethod.POST) {
                switch (req.path()) {
                    case "/v1/chat/completions" -> receive(req, conn, ErrorStyle.OPENAI, this::chat);
                    case "/v1/embeddings" -> receive(req, conn, ErrorStyle.OPENAI, this::embeddings);
                    case "/v1/feedback" -> receive(req, conn, ErrorStyle.OPENAI, this::feedback);
                    case "/v1/messages" -> receive(req, conn, ErrorStyle.ANTHROPIC, messages::handle);
                    default -> other(req, conn, router);
                }
            } else {
                other(req, conn, router);
            }
        }).listen().map(HttpServer::actualPort);
    }

    /** Operations, admin views and unknown paths: through the router, logged like every request. */
    private void other(HttpServerRequest req, ConnectionGuard.Conn conn, Router router) {
        long start = System.nanoTime();
        HttpServerResponse resp = req.response();
        if (draining) {
            resp.putHeader(HttpHeaders.CONNECTION, "close");
        }
        resp.endHandler(v -> {
            responseEnded(req, resp, conn);
            logAccess(req, resp, start, null);
        });
        router.handle(req);
    }

    /**
     * Reads a request's body whole, up to {@code max_body_size}, then hands the exchange to
     * {@code handler}; a larger body is refused with 413 (at once when its Content-Length says so)
     * and the connection closed rather than read further. Counts the request in flight until its
     * response ends or its connection closes; a closed connection aborts the engine's work.
     */
    private void receive(HttpServerRequest req, ConnectionGuard.Conn conn, ErrorStyle style,
                         java.util.function.Consumer<Exchange> handler) {
        Exchange ex = new Exchange(req);
        ex.conn = conn;
        inFlight.incrementAndGet();
        live.add(ex);
        lastArrival = System.nanoTime();
        boolean[] counted = {true};
        Runnable leave = () -> {
            if (counted[0]) {
                counted[0] = false;
                inFlight.decrementAndGet();
                live.remove(ex);
                guard.bodyDone(conn);
            }
        };
        ex.response.endHandler(v -> {
            leave.run();
            responseEnded(req, ex.response, conn);
            logAccess(req, ex.response, ex.start, ex.keyName);
        });
        ex.response.closeHandler(v -> {
            leave.run();
            ex.abort.abort();
        });
        if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) && req.version() != io.vertx.core.http.HttpVersion.HTTP_1_1) {
            // HTTP/1.0 has no chunked framing: a Transfer-Encoding there is an attempt to confuse framing.
            ex.response.putHeader(HttpHeaders.CONNECTION, "close");
            error(ex.response, style, 400, "invalid_request_error", "invalid_request",
                    "Transfer-Encoding is not allowed on an HTTP/1.0 request", null, null);
            return;
        }
        long declared = contentLength(req);
        if (declared > maxBodySize) {
            tooLarge(ex, style);
            return;
        }
        guard.readingBody(conn, () -> {
            if (!ex.response.ended()) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                error(ex.response, style, 408, "invalid_request_error", "request_timeout", "the request body did not "
                        + "arrive within server.body_timeout (" + Units.format(gateway.config().server().connections()
                        .bodyTimeout()) + ")", null, null);
            }
        });
        // Most bodies arrive in one chunk, which is kept as it is; more are gathered in a buffer.
        Buffer[] body = {null, null};   // the first chunk, the gathering buffer
        req.handler(chunk -> {
            if (ex.response.ended()) {
                return;   // refused (too large, too slow): the rest is dropped until the connection closes
            }
            Buffer first = body[0];
            long length = (body[1] != null ? body[1].length() : first != null ? first.length() : 0) + chunk.length();
            if (length > maxBodySize) {
                tooLarge(ex, style);
            } else if (first == null) {
                body[0] = chunk;
            } else {
                if (body[1] == null) {
                    body[1] = Buffer.buffer(declared > 0 ? (int) declared : 2 * (int) length).appendBuffer(first);
                }
                body[1].appendBuffer(chunk);
            }
        });
        req.exceptionHandler(t -> ex.abort.abort());
        req.endHandler(v -> {
            guard.bodyDone(conn);
            if (draining && !ex.response.ended()) {
                // A clean refusal, once the body is read (closing on an unread body would reset the
                // connection under the answer): the client learns to go elsewhere, and this
                // connection closes after it.
                ex.response.putHeader(HttpHeaders.CONNECTION, "close").putHeader(HttpHeaders.RETRY_AFTER, "1");
                error(ex.response, style, 503, "gateway_error", "shutting_down",
                        "the gateway is shutting down; send the request again (to another instance)", null, null);
            } else if (!ex.response.ended()) {
                Buffer all = body[1] != null ? body[1] : body[0];
                ex.body = all == null ? new byte[0] : all.getBytes();
                handler.accept(ex);
            }
        });
    }

    /**
     * A response ended: the connection's bookkeeping, and when the answer said
     * {@code Connection: close} (a refusal, a drain), the connection is closed once it is written:
     * Vert.x keeps a connection alive whatever the response header says.
     */
    private void responseEnded(HttpServerRequest req, HttpServerResponse resp, ConnectionGuard.Conn conn) {
        guard.ended(conn);
        if ("close".equalsIgnoreCase(resp.headers().get(HttpHeaders.CONNECTION))) {
            req.connection().shutdown(1, TimeUnit.SECONDS);
        }
    }

    private static long contentLength(HttpServerRequest req) {
        String cl = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private void tooLarge(Exchange ex, ErrorStyle style) {
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        error(ex.response, style, 413, "invalid_request_error", "request_too_large",
                "request body is larger than max_body_size (" + maxBodySize + " bytes)", null, null);
    }

    /**
     * Drains: from now on every API request is refused with 503 {@code shutting_down} and
     * {@code Connection: close} (a clean refusal, never a reset connection), answers still in
     * flight carry {@code Connection: close}, and {@code /readyz} says 503. The drain is over once
     * nothing is in flight and no request has arrived for a short quiet period; when {@code graceMs}
     * runs out first, each request still in flight is ended with an answer that says so (a stream
     * with an error event and {@code [DONE]}, never a silent cut). Then every connection is closed.
     */
    public Future<Void> shutdown(long graceMs) {
        draining = true;
        if (server == null) {
            return Future.succeededFuture();
        }
        for (Exchange ex : live) {
            if (!ex.response.headWritten()) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
            }
        }
        io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
        long deadline = System.nanoTime() + graceMs * 1_000_000;
        awaitDrained(deadline, drained, 1);
        return drained.future().compose(v -> {
            guard.stop();
            accessLog.close();
            return server.close();
        });
    }

    /** Checks every 25 ms (first after {@code delayMs}) whether the drain is over. */
    private void awaitDrained(long deadline, io.vertx.core.Promise<Void> drained, long delayMs) {
        // A one-shot timer re-armed each time: cancelling a periodic timer from its own first run
        // fails inside Vert.x 5.0 (its future is not set yet).
        vertx.setTimer(delayMs, id -> {
            long now = System.nanoTime();
            boolean quiet = now - lastArrival >= DRAIN_QUIET_MS * 1_000_000;
            if (inFlight.get() <= 0 && (quiet || now >= deadline)) {
                drained.tryComplete();
            } else if (now >= deadline) {
                LOG.warn("shutdown grace over with {} request(s) still in flight; ending them", inFlight.get());
                for (Exchange ex : new java.util.ArrayList<>(live)) {
                    ex.abort.shutdown();
                }
                // The engine answers each at once; give the answers a moment to leave, bounded.
                awaitAnswered(System.nanoTime() + 1_000_000_000L, drained);
            } else {
                awaitDrained(deadline, drained, 25);
            }
        });
    }

    private void awaitAnswered(long deadline, io.vertx.core.Promise<Void> drained) {
        vertx.setTimer(10, id -> {
            if (inFlight.get() <= 0 || System.nanoTime() >= deadline) {
                drained.tryComplete();
            } else {
                awaitAnswered(deadline, drained);
            }
        });
    }

    // ------------------------------------------------------------------ operations

    private void ready(RoutingContext rc) {
        ArrayNode reasons = JsonNodeFactory.instance.arrayNode();
        if (draining) {
            reasons.add("shutting down");
        }
        for (RouteRuntime r : gateway.routes().values()) {
            boolean any = false;
            for (TargetRuntime t : r.runtimes()) {
                any |= t.callable();
            }
            if (!any) {
                reasons.add("route '" + r.name() + "' has no callable target");
            }
        }
        ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", reasons.isEmpty() ? "ready" : "not_ready");
        body.set("reasons", reasons);
        rc.response().setStatusCode(reasons.isEmpty() ? 200 : 503).putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end(body.toString());
    }

    private void models(RoutingContext rc) {
        GatewayConfig.Key key = authenticate(rc.request(), ErrorStyle.OPENAI);
        if (key == null && !keysByDigest.isEmpty()) {
            return;
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        long created = gateway.config().file() == null ? 0 : 1_700_000_000L;
        for (String r : gateway.routes().keySet()) {
            if (key == null || key.routes() == null || key.routes().contains(r)) {
                data.addObject().put("id", r).put("object", "model").put("created", created).put("owned_by", "detour");
            }
        }
        for (TargetRuntime t : gateway.targets()) {
            if (key == null || key.routes() == null || key.routes().contains(t.id())) {
                data.addObject().put("id", t.id()).put("object", "model").put("created", created)
                        .put("owned_by", t.provider());
            }
        }
        json(rc.response(), 200, root);
    }

    /**
     * Admin endpoints: with {@code server.admin_token} set, every caller needs it, wherever it calls
     * from. Without one, only a loopback caller is let in, and only when no proxy header says the
     * request came through a proxy (behind a reverse proxy on the same host every caller is local).
     */
    private void admin(RoutingContext rc, java.util.function.Consumer<RoutingContext> handler) {
        String token = gateway.config().server().adminToken();
        HttpServerRequest req = rc.request();
        if (!token.isEmpty()) {
            String presented = req.getHeader(HttpHeaders.AUTHORIZATION);
            if (presented == null || !java.security.MessageDigest.isEqual(("Bearer " + token).getBytes(
                    java.nio.charset.StandardCharsets.UTF_8), presented.getBytes(java.nio.charset.StandardCharsets.UTF_8))) {
                error(rc.response(), 401, "authentication_error", "invalid_api_key",
                        "admin endpoints need Authorization: Bearer <server.admin_token>", null, null);
                return;
            }
        } else if (req.remoteAddress() == null || !isLoopback(req.remoteAddress().hostAddress()) || proxied(req)) {
            error(rc.response(), 401, "authentication_error", "invalid_api_key", "admin endpoints need "
                    + "server.admin_token when called from another host or through a proxy", null, null);
            return;
        }
        handler.accept(rc);
    }

    private static boolean proxied(HttpServerRequest req) {
        for (String h : PROXY_HEADERS) {
            if (req.headers().contains(h)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code ip}, the peer's address as the socket reports it (never a name), is loopback. */
    static boolean isLoopback(String ip) {
        if (ip == null || ip.isEmpty() || !(Character.digit(ip.charAt(0), 16) >= 0 || ip.charAt(0) == ':')) {
            return false;
        }
        try {
            // A literal address is parsed, not resolved.
            return java.net.InetAddress.getByName(ip).isLoopbackAddress();
        } catch (java.net.UnknownHostException e) {
            return false;
        }
    }

    private void adminTargets(RoutingContext rc) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("targets");
        for (TargetRuntime t : gateway.targets()) {
            ObjectNode o = arr.addObject();
            o.put("id", t.id()).put("provider", t.provider()).put("model", t.model()).put("region", t.region())
                    .put("category", t.category()).put("state", t.state().wire()).put("circuit", t.circuit().wire())
                    .put("score", round(t.score()));
            o.putObject("latency_ms").put("p50", round(t.latencyP50Ms())).put("p95", round(t.latencyP95Ms()));
            o.putObject("ttft_ms").put("p50", round(t.ttftP50Ms()));
            o.put("error_rate", round(t.errorRate())).put("in_flight", t.inFlight());
            ArrayNode signals = o.putArray("signals");
            t.signals().forEach(s -> signals.addObject().put("detector", s.detector()).put("severity", round(s.severity()))
                    .put("reason", s.reason()));
        }
        json(rc.response(), 200, root);
    }

    private void adminRoutes(RoutingContext rc) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("routes");
        for (RouteRuntime r : gateway.routes().values()) {
            ObjectNode o = arr.addObject().put("name", r.name()).put("strategy", r.strategyType());
            ArrayNode targets = o.putArray("targets");
            r.runtimes().forEach(t -> targets.add(t.id()));
            ArrayNode plan = o.putArray("plan");
            gateway.engine().plan(r, context(rc.request(), null, r.name(), false, "openai")).forEach(t -> plan.add(t.id()));
        }
        json(rc.response(), 200, root);
    }

    private void adminEvents(RoutingContext rc) {
        String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
        if (accept != null && accept.contains("text/event-stream")) {
            gateway.events().subscribe(rc.response());
            return;
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("events", gateway.events().recent());
        json(rc.response(), 200, root);
    }

    /** {@code POST /v1/feedback}: a user's score for the target that served a request. */
    private void feedback(Exchange ex) {
        requestId(ex);
        GatewayConfig.Key key = authenticate(ex.request, ErrorStyle.OPENAI);
        if (key == null && keysRequired()) {
            return;
        }
        ex.keyName = key == null ? null : key.name();
        HttpServerResponse resp = ex.response;
        JsonNode body;
        try {
            body = parseJson(ex.body);
        } catch (WireFormatException e) {
            error(resp, 400, "invalid_request_error", "invalid_request", e.getMessage(), e.field(), null);
            return;
        }
        JsonNode id = body.get("request_id");
        JsonNode score = body.get("score");
        JsonNode comment = body.get("comment");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            error(resp, 400, "invalid_request_error", "invalid_request", "request_id: is required and must be a string",
                    "request_id", null);
            return;
        }
        if (score == null || !score.isNumber() || score.asDouble() < -1 || score.asDouble() > 1) {
            error(resp, 400, "invalid_request_error", "invalid_request", "score: is required and must be a number from -1 to 1",
                    "score", null);
            return;
        }
        if (comment != null && !comment.isNull() && !comment.isTextual()) {
            error(resp, 400, "invalid_request_error", "invalid_request", "comment: must be a string", "comment", null);
            return;
        }
        Gateway.FeedbackClaim claim = gateway.claimFeedback(id.asText(), key == null ? null : key.name());
        Gateway.Served s = claim.served();
        if (s == null) {
            error(resp, 404, "not_found_error", "request_not_found", "no request with this id was served to this key "
                    + "(the most recent 10000 are kept)", "request_id", null);
            return;
        }
        if (claim.already()) {
            error(resp, 409, "invalid_request_error", "feedback_exists", "feedback for this request was already "
                    + "counted; a request gets one", "request_id", null);
            return;
        }
        dev.detour.api.detector.Feedback fb = new dev.detour.api.detector.Feedback(s.target(), id.asText(),
                score.asDouble(), comment == null || comment.isNull() ? null : comment.asText(), gateway.clock().nanos());
        for (dev.detour.api.detector.QualityDetector d : s.route().detectors()) {
            dev.detour.api.detector.Signal sig = d.feedback(fb);
            if (sig != null && sig.targetId().equals(s.target().id())) {
                s.target().signal(sig);
            }
        }
        json(resp, 202, JsonNodeFactory.instance.objectNode().put("status", "accepted")
                .put("request_id", id.asText()).put("target", s.target().id()));
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    // ------------------------------------------------------------------ chat

    /**
     * A request that passed admission: authenticated, parsed and routed; its response already
     * carries {@code x-request-id} and {@code x-detour-route}, and closing it aborts the engine's work.
     */
    record Admitted<Q>(Q request, RouteRuntime route, String requestId, long start, AbortSignal abort) {
    }

    /**
     * Admits a request, or answers the error in {@code style} and returns null.
     *
     * @param parse the request from the body's bytes (throws {@link WireFormatException} naming the problem)
     */
    <Q> Admitted<Q> admit(Exchange ex, ErrorStyle style, java.util.function.Function<byte[], Q> parse,
                          java.util.function.Function<Q, String> model) {
        String requestId = requestId(ex);
        GatewayConfig.Key key = authenticate(ex.request, style);
        if (key == null && keysRequired()) {
            return null;
        }
        ex.keyName = key == null ? null : key.name();
        Q request;
        try {
            request = parse.apply(ex.body);
        } catch (WireFormatException e) {
            error(ex.response, style, 400, "invalid_request_error", "invalid_request", e.getMessage(), e.field(), null);
            return null;
        } catch (IllegalArgumentException e) {
            // A canonical record refusing a value the schema check let through: still the body's fault.
            error(ex.response, style, 400, "invalid_request_error", "invalid_request", e.getMessage(), null, null);
            return null;
        }
        RouteRuntime route = resolve(ex.response, key, model.apply(request), style);
        if (route == null) {
            return null;
        }
        ex.response.putHeader(ROUTE, route.name());
        return new Admitted<>(request, route, requestId, ex.start, ex.abort);
    }

    private void chat(Exchange ex) {
        Admitted<ChatRequest> a = admit(ex, ErrorStyle.OPENAI, GatewayServer::chatRequest, ChatRequest::model);
        if (a == null) {
            return;
        }
        ChatRequest request = a.request();
        RouteRuntime route = a.route();
        String requestId = a.requestId();
        long start = a.start();
        AbortSignal abort = a.abort();
        RequestContext ctx = context(ex.request, requestId, route.name(), request.stream(), "openai");
        HttpServerResponse resp = ex.response;
        // The client's bytes go with the request: an OpenAI-compatible upstream may get them as they are.
        WireBody inbound = new WireBody(WireBody.OPENAI, ex.body);
        if (!request.stream()) {
            gateway.engine().chat(route, request, inbound, ctx, abort).onComplete(ar -> {
                EngineResult<dev.detour.api.model.ChatResponse> r = ar.result();
                if (r.failure() != null) {
                    failed(resp, r);
                } else {
                    successHeaders(resp, r.target(), r.calls(), r.failover());
                    if (r.wire() != null && r.wire().is(WireBody.OPENAI)) {
                        // Forward what needs no change: the upstream's own bytes.
                        resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                                .end(Buffer.buffer(scrubber.scrub(r.wire().bytes())));
                    } else {
                        json(resp, 200, OpenAiJson.writeResponse(r.value()));
                    }
                    answered(ex, route, r);
                }
                done(route, resp, start, requestId, r);
            });
            return;
        }
        boolean includeUsage = request.includeUsage();
        SseWriter out = new SseWriter(resp, scrubber, abort);
        gateway.engine().stream(route, request, inbound, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                streamCommitted(ex, route, target, attempts, failover);
            }

            @Override
            public void chunk(ChatChunk c) {
                chunk(c, null);
            }

            @Override
            public void chunk(ChatChunk c, WireBody wire) {
                if (resp.closed()) {
                    return;
                }
                if (c.usage() != null && !includeUsage) {
                    if (c.role() == null && !c.hasContent() && c.finishReason() == null) {
                        return;
                    }
                    c = new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(), c.reasoning(),
                            c.toolCalls(), c.finishReason(), null, c.refusal());
                    wire = null;   // the upstream's event has the usage the client did not ask for
                }
                out.add(c, wire);
            }
        }).onComplete(ar -> {
            EngineResult<Void> r = ar.result();
            if (r.failure() != null && !resp.headWritten()) {
                failed(resp, r);
            } else if (!resp.closed()) {
                if (r.failure() != null) {
                    out.add(ErrorBodies.openAi("gateway_error", "stream_interrupted", r.failure().message(),
                            null, r.attempts()));
                }
                out.end();
            }
            done(route, resp, start, requestId, r);
        });
    }

    private void embeddings(Exchange ex) {
        Admitted<EmbeddingRequest> a = admit(ex, ErrorStyle.OPENAI, body -> OpenAiJson.parseEmbeddingRequest(parseJson(body)),
                EmbeddingRequest::model);
        if (a == null) {
            return;
        }
        EmbeddingRequest request = a.request();
        RouteRuntime route = a.route();
        String requestId = a.requestId();
        long start = a.start();
        HttpServerResponse resp = ex.response;
        gateway.engine().embed(route, request, context(ex.request, requestId, route.name(), false, "openai"), a.abort())
                .onComplete(ar -> {
            EngineResult<dev.detour.api.model.EmbeddingResponse> r = ar.result();
            if (r.failure() != null) {
                failed(resp, r);
            } else {
                successHeaders(resp, r.target(), r.calls(), r.failover());
                json(resp, 200, OpenAiJson.writeEmbeddingResponse(r.value(), request.encodingFormat()));
            }
            done(route, resp, start, requestId, r);
        });
    }

    // ------------------------------------------------------------------ shared steps

    /** A chat request: a plain one read straight from its bytes, any other through its JSON tree. */
    private static ChatRequest chatRequest(byte[] body) {
        ChatRequest plain = OpenAiJson.parsePlainRequest(body);
        return plain != null ? plain : OpenAiJson.parseRequest(parseJson(body));
    }

    static JsonNode parseJson(byte[] b) {
        if (b == null || b.length == 0) {
            throw new WireFormatException(null, "request body is empty; expected a JSON object");
        }
        try {
            return WireJson.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            throw new WireFormatException(null, "request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        } catch (java.io.IOException e) {
            throw new WireFormatException(null, "request body is not readable: " + e.getMessage());
        }
    }

    /** The longest client {@code x-request-id} echoed; a longer one is replaced. */
    static final int MAX_REQUEST_ID_LENGTH = 128;

    /**
     * The request's id, set on the exchange and echoed as {@code x-request-id}: the client's own
     * when it is 1..{@value #MAX_REQUEST_ID_LENGTH} printable ASCII characters other than
     * {@code "} and {@code \} (it goes into a response header and the access log as it is),
     * otherwise a generated one.
     */
    String requestId(Exchange ex) {
        String id = ex.request.getHeader(REQUEST_ID);
        if (!isPlainRequestId(id)) {
            id = "req_" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(System.nanoTime());
        }
        ex.requestId = id;
        ex.response.putHeader(REQUEST_ID, id);
        return id;
    }

    static boolean isPlainRequestId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }

    /** Whether virtual keys are configured (then a null key means an error was already sent). */
    boolean keysRequired() {
        return !keysByDigest.isEmpty();
    }

    /** The virtual key, or null (then an error was sent if keys are configured). */
    GatewayConfig.Key authenticate(HttpServerRequest req, ErrorStyle style) {
        if (keysByDigest.isEmpty()) {
            return null;
        }
        HttpServerResponse resp = req.response();
        String auth = req.getHeader(HttpHeaders.AUTHORIZATION);
        String presented = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim()
                : req.getHeader("x-api-key");
        GatewayConfig.Key key = presented == null ? null : keysByDigest.get(ConfigLoader.sha256(presented));
        if (key == null) {
            error(resp, style, 401, "authentication_error", "invalid_api_key", presented == null
                    ? "missing API key: send Authorization: Bearer <key> (or x-api-key on /v1/messages)"
                    : "invalid API key", null, null);
            return null;
        }
        long retryAfter = rateLimited(key);
        if (retryAfter > 0) {
            resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(retryAfter));
            error(resp, style, 429, "rate_limit_error", "rate_limited", "key '" + key.name() + "' is over its limit of "
                    + key.rpm() + " requests per minute", null, null);
            return null;
        }
        return key;
    }

    /** Seconds until the key may call again, or 0 when it is within its {@code limits.rpm}. */
    private long rateLimited(GatewayConfig.Key key) {
        RateLimiter limiter = rpmLimits.get(key.name());
        if (limiter == null) {
            return 0;
        }
        long waitMs = limiter.tryAcquire(gateway.clock().nanos() / 1_000_000);
        return waitMs == 0 ? 0 : Math.max(1, (waitMs + 999) / 1000);
    }

    /**
     * The route the request's {@code model} names, or null once the error is sent: 400
     * {@code invalid_request} for an impossible name (control characters, too long, not a model of
     * its provider), 404 for an unknown one, 403 when the key may not use it, 429 when every
     * direct target is busy. Nothing is created for a refused request (see {@link Gateway#resolve}).
     */
    RouteRuntime resolve(HttpServerResponse resp, GatewayConfig.Key key, String model, ErrorStyle style) {
        Gateway.Resolution r = gateway.resolve(model, key == null ? null : key.routes());
        if (r.route() != null) {
            return r.route();
        }
        switch (r.refusal()) {
            case INVALID_NAME -> error(resp, style, 400, "invalid_request_error", "invalid_request", r.reason(), "model", null);
            case NOT_ALLOWED -> error(resp, style, 403, "permission_error", "route_not_allowed", "key '" + key.name()
                    + "' may not use '" + model + "'", "model", null);
            case DIRECT_TABLE_FULL -> {
                resp.putHeader(HttpHeaders.RETRY_AFTER, "1");
                error(resp, style, 429, "rate_limit_error", "overloaded", r.reason(), "model", null);
            }
            default -> error(resp, style, 404, "not_found_error", "model_not_found", "unknown route or model '" + model
                    + "'; available: " + String.join(", ", gateway.routes().keySet())
                    + " (or provider/model for a direct call)", "model", null);
        }
        return null;
    }

    RequestContext context(HttpServerRequest req, String requestId, String route, boolean stream, String inbound) {
        Map<String, String> metadata = Map.of();
        String md = req.getHeader("x-detour-metadata");
        if (md != null) {
            try {
                JsonNode n = WireJson.MAPPER.readTree(md);
                Map<String, String> m = new HashMap<>();
                n.properties().forEach(e -> m.put(e.getKey(), e.getValue().isValueNode()
                        ? e.getValue().asText() : e.getValue().toString()));
                metadata = m;
            } catch (JsonProcessingException ignored) {
                // Metadata is advisory; a malformed header is ignored rather than failing the request.
            }
        }
        String priority = req.getHeader("x-detour-priority");
        if (priority != null && !Set.of("high", "normal", "low").contains(priority)) {
            priority = "normal";
        }
        String region = gateway.config().server().region();
        return new RequestContext(requestId, route, req.getHeader("x-detour-region"),
                region.isEmpty() ? null : region, priority, metadata, null, stream, inbound);
    }

    /** A whole answer was sent (with {@link #successHeaders}): who served it (for feedback), token metrics. */
    void answered(Exchange ex, RouteRuntime route, EngineResult<dev.detour.api.model.ChatResponse> r) {
        gateway.served(ex.requestId, route, r.target(), ex.keyName);
        if (r.value().usage() != null) {
            gateway.metrics().tokens(r.target().id(), r.value().usage().promptTokens(),
                    r.value().usage().completionTokens());
        }
    }

    /** A stream was committed to {@code target}: headers, TTFT, who served it; the SSE response starts. */
    void streamCommitted(Exchange ex, RouteRuntime route, TargetRuntime target, List<AttemptRecord> attempts,
                         boolean failover) {
        HttpServerResponse resp = ex.response;
        int calls = 0;
        for (AttemptRecord a : attempts) {
            calls += a.called() ? 1 : 0;
        }
        gateway.metrics().ttft(target.id(), (System.nanoTime() - ex.start) / 1e9);
        successHeaders(resp, target, calls, failover);
        gateway.served(ex.requestId, route, target, ex.keyName);
        resp.setStatusCode(200).setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream")
                .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache");
    }

    static void successHeaders(HttpServerResponse resp, TargetRuntime target, int calls, boolean failover) {
        resp.putHeader(TARGET, target.id());
        resp.putHeader(ATTEMPTS, calls == 1 ? ONE : Integer.toString(calls));
        if (failover) {
            resp.putHeader(FAILOVER, TRUE);
        }
    }

    void failed(HttpServerResponse resp, EngineResult<?> r) {
        failed(resp, r, ErrorStyle.OPENAI);
    }

    void failed(HttpServerResponse resp, EngineResult<?> r, ErrorStyle style) {
        EngineResult.Failure f = r.failure();
        if (r.target() != null && f.status() < 500) {
            resp.putHeader(TARGET, r.target().id());
        }
        resp.putHeader(ATTEMPTS, Integer.toString(r.calls()));
        if (f.retryAfterSeconds() > 0) {
            resp.putHeader(HttpHeaders.RETRY_AFTER, Long.toString(f.retryAfterSeconds()));
        }
        error(resp, style, f.status() == 499 ? 502 : f.status(), f.type(), f.code(), f.message(), null, r.attempts());
    }

    void done(RouteRuntime route, HttpServerResponse resp, long start, String requestId, EngineResult<?> r) {
        double seconds = (System.nanoTime() - start) / 1e9;
        gateway.metrics().request(route.name(), resp.getStatusCode(), seconds);
    }

    /**
     * One access-log line for a finished request, whatever its status, from what the client was
     * sent: its status and Detour's response headers. Never the key, only its name.
     */
    private void logAccess(HttpServerRequest req, HttpServerResponse resp, long start, String keyName) {
        if (!accessLog.enabled()) {
            return;
        }
        io.vertx.core.MultiMap h = resp.headers();
        accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), h.get(REQUEST_ID), req.method().name(),
                req.path(), resp.getStatusCode(), h.get(ROUTE), h.get(TARGET), h.get(ATTEMPTS),
                "true".equals(h.get(FAILOVER)), keyName, (System.nanoTime() - start) / 1_000_000, null));
    }

    private void failure(RoutingContext rc) {
        int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
        if (rc.response().headWritten()) {
            rc.response().reset();
            return;
        }
        // Errors raised before a handler ran (body too large) still take the shape of the API called.
        ErrorStyle style = "/v1/messages".equals(rc.request().path()) ? ErrorStyle.ANTHROPIC : ErrorStyle.OPENAI;
        if (status == 413) {
            error(rc.response(), style, 413, "invalid_request_error", "request_too_large", "request body is larger than max_body_size ("
                    + gateway.config().server().maxBodySize() + " bytes)", null, null);
        } else if (status < 500) {
            error(rc.response(), style, status, "invalid_request_error", "invalid_request", "bad request", null, null);
        } else {
            LOG.error("unexpected failure on {}", rc.request().path(), rc.failure());
            error(rc.response(), style, 500, "gateway_error", "internal_error", "internal error in the gateway", null, null);
        }
    }

    void error(HttpServerResponse resp, int status, String type, String code, String message, String param,
               List<AttemptRecord> attempts) {
        error(resp, ErrorStyle.OPENAI, status, type, code, message, param, attempts);
    }

    /** Sends an error in the shape of the API that was called. */
    void error(HttpServerResponse resp, ErrorStyle style, int status, String type, String code, String message,
               String param, List<AttemptRecord> attempts) {
        json(resp, status, style == ErrorStyle.ANTHROPIC ? ErrorBodies.anthropic(type, code, message, attempts)
                : ErrorBodies.openAi(type, code, message, param, attempts));
    }

    /** Sends {@code body} as the answer, scrubbed of every configured secret. */
    void json(HttpServerResponse resp, int status, JsonNode body) {
        if (resp.ended() || resp.closed()) {
            return;
        }
        byte[] bytes;
        try {
            bytes = WireJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .end(Buffer.buffer(scrubber.scrub(bytes)));
    }

}
