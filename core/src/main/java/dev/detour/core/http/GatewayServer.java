package dev.detour.core.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.view.RequestContext;
import dev.detour.api.wire.OpenAiJson;
import dev.detour.api.wire.WireFormatException;
import dev.detour.core.Gateway;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.Scrubber;
import dev.detour.core.failover.StreamListener;
import dev.detour.core.health.TargetRuntime;
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
    private static final Logger ACCESS = LoggerFactory.getLogger("detour.access");

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
    /** Per-key fixed one-minute windows: [window start ms, count]. */
    private final Map<String, long[]> keyWindows = new HashMap<>();
    private HttpServer server;
    private volatile boolean draining;
    private final java.util.concurrent.atomic.AtomicInteger inFlight = new java.util.concurrent.atomic.AtomicInteger();

    public GatewayServer(Gateway gateway) {
        this.gateway = gateway;
        this.vertx = gateway.vertx();
        this.scrubber = gateway.engine().scrubber();
        for (GatewayConfig.Key k : gateway.config().keys()) {
            keysByDigest.put(k.keySha256(), k);
        }
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
        router.get("/metrics").handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8").end(gateway.metrics().render(gateway.targets())
                + "# HELP detour_http_in_flight API requests being served.\n# TYPE detour_http_in_flight gauge\n"
                + "detour_http_in_flight " + inFlight.get() + "\n"));
        router.get("/v1/models").handler(this::models);
        router.get("/admin/targets").handler(rc -> admin(rc, this::adminTargets));
        router.get("/admin/routes").handler(rc -> admin(rc, this::adminRoutes));
        router.get("/admin/events").handler(rc -> admin(rc, this::adminEvents));
        router.route().last().handler(rc -> error(rc.response(), 404, "not_found_error", "not_found",
                "no such endpoint: " + rc.request().method() + " " + rc.request().path(), null, null));
        router.route().failureHandler(this::failure);
        server = vertx.createHttpServer(new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
                .setCompressionSupported(false).setTcpNoDelay(true));
        // The API's POST endpoints are served straight from the HTTP server (see receive); the rest,
        // operations and admin views, go through the router.
        return server.requestHandler(req -> {
            if (req.method() == HttpMethod.POST) {
                switch (req.path()) {
                    case "/v1/chat/completions" -> receive(req, ErrorStyle.OPENAI, this::chat);
                    case "/v1/embeddings" -> receive(req, ErrorStyle.OPENAI, this::embeddings);
                    case "/v1/feedback" -> receive(req, ErrorStyle.OPENAI, this::feedback);
                    case "/v1/messages" -> receive(req, ErrorStyle.ANTHROPIC, messages::handle);
                    default -> router.handle(req);
                }
            } else {
                router.handle(req);
            }
        }).listen().map(HttpServer::actualPort);
    }

    /**
     * Reads a request's body whole, up to {@code max_body_size}, then hands the exchange to
     * {@code handler}; a larger body is refused with 413 (at once when its Content-Length says so)
     * and the connection closed rather than read further. Counts the request in flight until its
     * response ends or its connection closes; a closed connection aborts the engine's work.
     */
    private void receive(HttpServerRequest req, ErrorStyle style, java.util.function.Consumer<Exchange> handler) {
        Exchange ex = new Exchange(req);
        inFlight.incrementAndGet();
        boolean[] counted = {true};
        Runnable leave = () -> {
            if (counted[0]) {
                counted[0] = false;
                inFlight.decrementAndGet();
            }
        };
        ex.response.endHandler(v -> leave.run());
        ex.response.closeHandler(v -> {
            leave.run();
            ex.abort.abort();
        });
        if (draining) {
            ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        long declared = contentLength(req);
        if (declared > maxBodySize) {
            tooLarge(ex, style);
            return;
        }
        // Most bodies arrive in one chunk, which is kept as it is; more are gathered in a buffer.
        Buffer[] body = {null, null};   // the first chunk, the gathering buffer
        req.handler(chunk -> {
            if (ex.response.ended()) {
                return;   // refused as too large: the rest is dropped until the connection closes
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
            if (!ex.response.ended()) {
                Buffer all = body[1] != null ? body[1] : body[0];
                ex.body = all == null ? new byte[0] : all.getBytes();
                handler.accept(ex);
            }
        });
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
     * Stops accepting connections and lets in-flight requests finish within {@code graceMs}; as soon
     * as none is left, idle keep-alive connections are closed rather than waited on.
     */
    public Future<Void> shutdown(long graceMs) {
        draining = true;
        if (server == null) {
            return Future.succeededFuture();
        }
        Future<Void> graceful = server.shutdown(graceMs, TimeUnit.MILLISECONDS);
        io.vertx.core.Promise<Void> drained = io.vertx.core.Promise.promise();
        long deadline = System.nanoTime() + graceMs * 1_000_000;
        awaitDrained(deadline, graceful, drained, 1);
        // Once nothing is in flight the drain is done; Vert.x's own shutdown may still be waiting on
        // idle keep-alive connections, which closing Vert.x ends.
        return drained.future();
    }

    /** Checks every 25 ms (first after {@code delayMs}) whether the drain is over. */
    private void awaitDrained(long deadline, Future<Void> graceful, io.vertx.core.Promise<Void> drained, long delayMs) {
        // A one-shot timer re-armed each time: cancelling a periodic timer from its own first run
        // fails inside Vert.x 5.0 (its future is not set yet).
        vertx.setTimer(delayMs, id -> {
            if (inFlight.get() <= 0 || System.nanoTime() >= deadline || graceful.isComplete()) {
                if (inFlight.get() > 0) {
                    LOG.warn("shutdown grace over with {} request(s) still in flight", inFlight.get());
                }
                drained.tryComplete();
            } else {
                awaitDrained(deadline, graceful, drained, 25);
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

    private void admin(RoutingContext rc, java.util.function.Consumer<RoutingContext> handler) {
        String token = gateway.config().server().adminToken();
        boolean loopback = rc.request().remoteAddress() != null
                && isLoopback(rc.request().remoteAddress().hostAddress());
        if (!loopback && (token.isEmpty() || !("Bearer " + token).equals(rc.request().getHeader(HttpHeaders.AUTHORIZATION)))) {
            error(rc.response(), 401, "authentication_error", "invalid_api_key", "admin endpoints need the admin token",
                    null, null);
            return;
        }
        handler.accept(rc);
    }

    private static boolean isLoopback(String ip) {
        return ip.startsWith("127.") || ip.equals("0:0:0:0:0:0:0:1") || ip.equals("::1");
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
        Gateway.Served s = gateway.servedBy(id.asText());
        if (s == null) {
            error(resp, 404, "not_found_error", "request_not_found", "no served request with id '" + id.asText()
                    + "' is known (the most recent 10000 are kept)", "request_id", null);
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
        Q request;
        try {
            request = parse.apply(ex.body);
        } catch (WireFormatException e) {
            error(ex.response, style, 400, "invalid_request_error", "invalid_request", e.getMessage(), e.field(), null);
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
        if (!request.stream()) {
            gateway.engine().chat(route, request, ctx, abort).onComplete(ar -> {
                EngineResult<dev.detour.api.model.ChatResponse> r = ar.result();
                if (r.failure() != null) {
                    failed(resp, r);
                } else {
                    successHeaders(resp, r.target(), r.calls(), r.failover());
                    byte[] raw = r.value().raw();
                    if (raw != null) {
                        // Forward what needs no change: the upstream's own bytes.
                        resp.setStatusCode(200).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                                .end(Buffer.buffer(scrubber.scrub(raw)));
                    } else {
                        json(resp, 200, OpenAiJson.writeResponse(r.value()));
                    }
                    answered(route, requestId, r);
                }
                done(route, resp, start, requestId, r);
            });
            return;
        }
        boolean includeUsage = request.includeUsage();
        SseWriter out = new SseWriter(resp, scrubber);
        gateway.engine().stream(route, request, ctx, abort, new StreamListener() {
            @Override
            public void commit(TargetRuntime target, List<AttemptRecord> attempts, boolean failover) {
                streamCommitted(resp, route, requestId, start, target, attempts, failover);
            }

            @Override
            public void chunk(ChatChunk c) {
                if (resp.closed()) {
                    return;
                }
                if (c.usage() != null && !includeUsage) {
                    if (c.role() == null && !c.hasContent() && c.finishReason() == null) {
                        return;
                    }
                    c = new ChatChunk(c.id(), c.model(), c.created(), c.index(), c.role(), c.text(), c.reasoning(),
                            c.toolCalls(), c.finishReason(), null, c.refusal());
                }
                out.add(c);
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
        return plain != null ? plain : OpenAiJson.parseRequest(parseJson(body), body);
    }

    static JsonNode parseJson(byte[] b) {
        if (b == null || b.length == 0) {
            throw new WireFormatException(null, "request body is empty; expected a JSON object");
        }
        try {
            return OpenAiJson.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            throw new WireFormatException(null, "request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        } catch (java.io.IOException e) {
            throw new WireFormatException(null, "request body is not readable: " + e.getMessage());
        }
    }

    String requestId(Exchange ex) {
        String id = ex.request.getHeader(REQUEST_ID);
        if (id == null || id.isEmpty() || id.length() > 200) {
            id = "req_" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(System.nanoTime());
        }
        ex.requestId = id;
        ex.response.putHeader(REQUEST_ID, id);
        return id;
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
    private synchronized long rateLimited(GatewayConfig.Key key) {
        if (key.rpm() <= 0) {
            return 0;
        }
        long now = gateway.clock().millis();
        long[] w = keyWindows.computeIfAbsent(key.name(), k -> new long[] {now, 0});
        if (now - w[0] >= 60_000) {
            w[0] = now;
            w[1] = 0;
        }
        if (w[1] >= key.rpm()) {
            return Math.max(1, (w[0] + 60_000 - now + 999) / 1000);
        }
        w[1]++;
        return 0;
    }

    RouteRuntime resolve(HttpServerResponse resp, GatewayConfig.Key key, String model, ErrorStyle style) {
        RouteRuntime route = gateway.route(model);
        if (route == null) {
            error(resp, style, 404, "not_found_error", "model_not_found", "unknown route or model '" + model + "'; available: "
                    + String.join(", ", gateway.routes().keySet()) + " (or provider/model for a direct call)", "model", null);
            return null;
        }
        if (key != null && key.routes() != null && !key.routes().contains(route.name())) {
            error(resp, style, 403, "permission_error", "route_not_allowed", "key '" + key.name() + "' may not use '"
                    + route.name() + "'", "model", null);
            return null;
        }
        return route;
    }

    RequestContext context(HttpServerRequest req, String requestId, String route, boolean stream, String inbound) {
        Map<String, String> metadata = Map.of();
        String md = req.getHeader("x-detour-metadata");
        if (md != null) {
            try {
                JsonNode n = OpenAiJson.MAPPER.readTree(md);
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
    void answered(RouteRuntime route, String requestId, EngineResult<dev.detour.api.model.ChatResponse> r) {
        gateway.served(requestId, route, r.target());
        if (r.value().usage() != null) {
            gateway.metrics().tokens(r.target().id(), r.value().usage().promptTokens(),
                    r.value().usage().completionTokens());
        }
    }

    /** A stream was committed to {@code target}: headers, TTFT, who served it; the SSE response starts. */
    void streamCommitted(HttpServerResponse resp, RouteRuntime route, String requestId, long start, TargetRuntime target,
                         List<AttemptRecord> attempts, boolean failover) {
        int calls = 0;
        for (AttemptRecord a : attempts) {
            calls += a.called() ? 1 : 0;
        }
        gateway.metrics().ttft(target.id(), (System.nanoTime() - start) / 1e9);
        successHeaders(resp, target, calls, failover);
        gateway.served(requestId, route, target);
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
        String mode = gateway.config().telemetry().accessLog();
        if (!mode.equals("off") && ACCESS.isInfoEnabled()) {
            String target = r.target() == null ? "-" : r.target().id();
            if (mode.equals("json")) {
                ACCESS.info("{{\"request_id\":\"{}\",\"route\":\"{}\",\"status\":{},\"target\":\"{}\",\"attempts\":{},"
                        + "\"failover\":{},\"ms\":{}}}", requestId, route.name(), resp.getStatusCode(), target, r.calls(),
                        r.failover(), Math.round(seconds * 1000));
            } else {
                ACCESS.info("{} {} {} {} attempts={} failover={} {}ms", requestId, route.name(), resp.getStatusCode(),
                        target, r.calls(), r.failover(), Math.round(seconds * 1000));
            }
        }
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
            bytes = OpenAiJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        resp.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, APPLICATION_JSON)
                .end(Buffer.buffer(scrubber.scrub(bytes)));
    }

}
