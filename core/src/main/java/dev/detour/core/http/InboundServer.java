package dev.detour.core.http;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.Gateway;
import dev.detour.core.admin.AdminRoutes;
import dev.detour.core.admin.StatusPage;
import dev.detour.core.admission.Admission;
import dev.detour.core.admission.Shedder;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.Units;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.net.StrictFraming;
import dev.detour.core.net.Tls;
import dev.detour.core.telemetry.AccessLog;
import dev.detour.core.telemetry.MetricsEndpoint;
import dev.detour.core.telemetry.Telemetry;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.ServerSSLOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The inbound HTTP server (HTTP-API.md): listens, keeps clients from holding its sockets
 * ({@link ConnectionGuard}), reads API bodies up to {@code max_body_size} within
 * {@code body_timeout} (past {@code server.max_in_flight}, {@link Shedding} refuses a request before
 * its body is read), logs every request, and drains on shutdown. One Vert.x Web {@link Router}
 * dispatches every endpoint: the API ({@link ChatHandler}, {@link EmbeddingsHandler},
 * {@link FeedbackHandler}, {@link MessagesHandler}, {@link ResponsesHandler}, {@link ModelsHandler}), operations
 * ({@code /healthz}, {@code /readyz}, {@link MetricsEndpoint}), {@link AdminRoutes} and the
 * {@link StatusPage} at {@code /}.
 * Every error is a body in the called API's shape naming the problem.
 *
 * <p>Runs on one event loop (the gateway serves from one context), so its state needs no locks.
 */
public final class InboundServer {
    private static final Logger LOG = LoggerFactory.getLogger(InboundServer.class);
    /** How long a drain waits for the API to go quiet before it closes idle connections. */
    private static final long DRAIN_QUIET_MS = 200;

    private final Gateway gateway;
    private final Vertx vertx;
    private final Responder responder;
    private final AccessLog accessLog;
    /** Traces and metrics over OTLP, or {@link Telemetry#OFF}. */
    private final Telemetry telemetry;
    private final Router router;
    private final long maxBodySize;
    /** Sheds API requests past {@code server.max_in_flight}, or null when it is unset. */
    private final Shedding shedding;
    private HttpServer server;
    /** Whether the server listens with TLS; a reload cannot change it. */
    private boolean https;
    private ConnectionGuard guard;
    private volatile boolean draining;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** The API exchanges in flight, so a drain can end them cleanly when its grace runs out. */
    private final Set<Exchange> live = Collections.newSetFromMap(new IdentityHashMap<>());
    /** When the last API request arrived (nanos), for the drain's quiet period. */
    private long lastArrival;
    /**
     * The exchange being routed. {@link Router#handle} runs the matching route's handler before it
     * returns (no handler ahead of it is asynchronous), so the exchange the server began is handed
     * to it here rather than through the routing context's data map, which would cost a map per request.
     */
    private Exchange routing;

    public InboundServer(Gateway gateway) {
        this.gateway = gateway;
        this.vertx = gateway.vertx();
        this.responder = new Responder(gateway);
        GatewayConfig.Telemetry telemetry = gateway.config().telemetry();
        try {
            this.accessLog = AccessLog.open(telemetry.accessLog(), telemetry.accessLogFile());
        } catch (java.io.IOException e) {
            throw new IllegalStateException("telemetry.access_log_file: cannot append to " + telemetry.accessLogFile()
                    + ": " + e.getMessage(), e);
        }
        this.maxBodySize = gateway.config().server().maxBodySize();
        this.telemetry = Telemetry.start(gateway.config().telemetry(), gateway.metrics(), gateway::targets);
        this.shedding = Shedding.of(Shedder.of(gateway.config()), gateway.metrics(), responder);
        this.router = router();
    }

    /** Every endpoint, the API first: it is what nearly every request asks for. */
    private Router router() {
        ApiAdmission admission = new ApiAdmission(new Admission(gateway.ledger(), gateway), responder,
                gateway.config().server().region());
        Router r = Router.router(vertx);
        r.post("/v1/chat/completions").handler(api(ErrorStyle.OPENAI, new ChatHandler(gateway, admission, responder)::handle));
        r.post("/v1/messages").handler(api(ErrorStyle.ANTHROPIC,
                new MessagesHandler(gateway, admission, responder)::handle));
        r.post("/v1/responses").handler(api(ErrorStyle.OPENAI,
                new ResponsesHandler(gateway, admission, responder)::handle));
        r.post("/v1/embeddings").handler(api(ErrorStyle.OPENAI,
                new EmbeddingsHandler(gateway, admission, responder)::handle));
        r.post("/v1/feedback").handler(api(ErrorStyle.OPENAI,
                new FeedbackHandler(gateway, admission, responder)::handle));
        ModelsHandler models = new ModelsHandler(gateway, admission, responder);
        r.get("/v1/models").handler(rc -> models.handle(exchange(rc)));
        r.get("/healthz").handler(rc -> rc.response().putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"status\":\"ok\"}"));
        r.get("/readyz").handler(this::ready);
        new MetricsEndpoint(gateway.metrics(), gateway::targets, () -> guard.figures(inFlight.get()), accessLog).withCluster(gateway::cluster).mount(r);
        new AdminRoutes(gateway, responder).mount(r);
        new StatusPage().mount(r);
        r.route().last().handler(rc -> responder.error(rc.response(), 404, "not_found_error", "not_found",
                "no such endpoint: " + rc.request().method() + " " + rc.request().path(), null, null));
        r.route().failureHandler(this::failure);
        return r;
    }

    /** Starts listening (HTTPS with {@code server.tls}); completes with the bound port. */
    public Future<Integer> listen() {
        GatewayConfig.Server cfg = gateway.config().server();
        return cfg.tls() == null ? listen(cfg, null) : vertx.executeBlocking(() -> sslOptions(cfg.tls()), false)
                .compose(ssl -> listen(cfg, ssl));
    }

    private Future<Integer> listen(GatewayConfig.Server cfg, ServerSSLOptions ssl) {
        // HTTP/1.1 only in clear text: no h2c upgrade (a second protocol to defend — rapid reset,
        // smuggling through the upgrade — for clients that all speak HTTP/1.1 to an API gateway).
        HttpServerOptions options = new HttpServerOptions().setHost(cfg.host()).setPort(cfg.port())
                .setCompressionSupported(false).setTcpNoDelay(true).setHttp2ClearTextEnabled(false);
        if (ssl != null) {
            // No ALPN, so HTTP/1.1 over TLS too; a handshake gets no longer than a request head.
            options.setSsl(true).setKeyCertOptions(ssl.getKeyCertOptions()).setTrustOptions(ssl.getTrustOptions())
                    .setClientAuth(ssl.getClientAuth())
                    .setSslHandshakeTimeout(cfg.connections().headerTimeout().toMillis())
                    .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
        }
        https = ssl != null;
        server = vertx.createHttpServer(options);
        guard = new ConnectionGuard(vertx, gateway.clock(), cfg.connections());
        server.connectionHandler(conn -> {
            StrictFraming.install(conn, options);
            guard.accept(conn);
        });
        return server.requestHandler(this::serve).listen().map(HttpServer::actualPort);
    }

    /**
     * Re-reads {@code tls}'s files and serves new connections with them (a renewed certificate, a
     * changed client CA): what a config reload calls, even when the config's paths did not change,
     * since a rotated certificate keeps its file name. Connections already open keep their session.
     * The files are read off the event loop.
     *
     * @return completes when new handshakes use the files; fails, leaving the running material in
     *         place, when a file cannot be used (the message names it) or when {@code tls} would
     *         switch HTTPS on or off, which needs a restart (the port's protocol cannot change under
     *         its clients)
     */
    public Future<Void> reloadTls(GatewayConfig.ServerTls tls) {
        if (server == null || (tls != null) != https) {
            return Future.failedFuture(new IllegalStateException("server.tls: turning HTTPS " + (https ? "off" : "on")
                    + " needs a restart"));
        }
        if (tls == null) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> sslOptions(tls), false)
                .recover(e -> Future.failedFuture(new IllegalArgumentException("server.tls: " + e.getMessage(), e)))
                .compose(ssl -> server.updateSSLOptions(ssl, true)).mapEmpty();
    }

    /**
     * Every request: counted on its connection, logged once its answer ends (whatever its status),
     * and routed. During a drain every answer carries {@code Connection: close}.
     */
    private void serve(HttpServerRequest req) {
        Exchange ex = new Exchange(req, guard.started(req));
        if (draining) {
            ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        }
        ex.response.endHandler(v -> {
            leave(ex);
            responseEnded(ex);
            logAccess(ex);
            if (ex.span != null) {
                ex.span.end(ex.response, false);
            }
        });
        ex.response.closeHandler(v -> {
            leave(ex);
            ex.abort.abort();
            if (ex.span != null) {
                ex.span.end(ex.response, true);
            }
            logAccess(ex);
        });
        routing = ex;
        try {
            router.handle(req);
        } finally {
            routing = null;
        }
    }

    /** The exchange of the request being routed (see {@link #routing}). */
    private Exchange exchange(RoutingContext rc) {
        Exchange ex = routing;
        if (ex == null) {
            throw new IllegalStateException("a route ran outside the server's request handler");
        }
        return ex;
    }

    /** An API endpoint: its body read whole (see {@link #receive}), then {@code handler}. */
    private Handler<RoutingContext> api(ErrorStyle style, Consumer<Exchange> handler) {
        return rc -> receive(exchange(rc), style, handler);
    }

    /**
     * Reads a request's body whole, up to {@code max_body_size}, then hands the exchange to
     * {@code handler}; a larger body is refused with 413 (at once when its Content-Length says so)
     * and the connection closed rather than read further. Counts the request in flight until its
     * response ends or its connection closes; a closed connection aborts the engine's work.
     */
    private void receive(Exchange ex, ErrorStyle style, Consumer<Exchange> handler) {
        HttpServerRequest req = ex.request;
        if (shedding != null && shedding.shed(ex, style, inFlight.get(), guard)) {
            return;
        }
        ex.inFlight = true;
        if (telemetry.on()) {
            ex.span = telemetry.server(req);
            ex.abort.trace(ex.span);
        }
        inFlight.incrementAndGet();
        live.add(ex);
        lastArrival = System.nanoTime();
        if (req.headers().contains(HttpHeaders.TRANSFER_ENCODING) && req.version() != HttpVersion.HTTP_1_1) {
            // HTTP/1.0 has no chunked framing: a Transfer-Encoding there is an attempt to confuse framing.
            ex.response.putHeader(HttpHeaders.CONNECTION, "close");
            responder.error(ex.response, style, 400, "invalid_request_error", "invalid_request",
                    "Transfer-Encoding is not allowed on an HTTP/1.0 request", null, null);
            return;
        }
        long declared = contentLength(req.headers());
        if (declared > maxBodySize) {
            tooLarge(ex, style);
            return;
        }
        guard.readingBody(ex.conn, () -> {
            if (!ex.response.ended()) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                responder.error(ex.response, style, 408, "invalid_request_error", "request_timeout", "the request "
                        + "body did not arrive within server.body_timeout (" + Units.format(gateway.config().server()
                        .connections().bodyTimeout()) + ")", null, null);
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
            guard.bodyDone(ex.conn);
            if (draining && !ex.response.ended()) {
                // A clean refusal, once the body is read (closing on an unread body would reset the
                // connection under the answer): the client learns to go elsewhere, and this
                // connection closes after it.
                ex.response.putHeader(HttpHeaders.CONNECTION, "close").putHeader(HttpHeaders.RETRY_AFTER, "1");
                responder.error(ex.response, style, 503, "gateway_error", "shutting_down",
                        "the gateway is shutting down; send the request again (to another instance)", null, null);
            } else if (!ex.response.ended()) {
                Buffer all = body[1] != null ? body[1] : body[0];
                ex.body = all == null ? new byte[0] : all.getBytes();
                handler.accept(ex);
            }
        });
    }

    /** An API exchange stops counting in flight (once, whichever of its end or its close comes first). */
    private void leave(Exchange ex) {
        if (ex.inFlight) {
            ex.inFlight = false;
            inFlight.decrementAndGet();
            live.remove(ex);
            guard.bodyDone(ex.conn);
            if (ex.charge != null) {
                gateway.ledger().settle(ex.charge);
            }
        }
    }

    /**
     * A response ended: the connection's bookkeeping, and when the answer said
     * {@code Connection: close} (a refusal, a drain), the connection is closed once it is written:
     * Vert.x keeps a connection alive whatever the response header says.
     */
    private void responseEnded(Exchange ex) {
        guard.ended(ex.conn);
        if ("close".equalsIgnoreCase(ex.response.headers().get(HttpHeaders.CONNECTION))) {
            ex.request.connection().shutdown(1, TimeUnit.SECONDS);
        }
    }

    private static long contentLength(MultiMap headers) {
        String cl = headers.get(HttpHeaders.CONTENT_LENGTH);
        if (cl == null) {
            return -1;
        }
        try {
            return Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** The one place a body is refused for its size (Detour reads bodies itself; no body handler does). */
    private void tooLarge(Exchange ex, ErrorStyle style) {
        ex.response.putHeader(HttpHeaders.CONNECTION, "close");
        responder.error(ex.response, style, 413, "invalid_request_error", "request_too_large",
                "request body is larger than max_body_size (" + maxBodySize + " bytes)", null, null);
    }

    /**
     * One access-log line for a finished request, whatever its status, from what the client was
     * sent: its status and Detour's response headers. A request whose connection closed before its
     * answer ended is logged once too, with code {@code client_closed} (and 499 when no status was
     * sent). Never the key, only its name.
     */
    private void logAccess(Exchange ex) {
        if (ex.logged || !accessLog.enabled()) {
            return;
        }
        ex.logged = true;
        HttpServerResponse resp = ex.response;
        boolean cut = !resp.ended();
        MultiMap h = resp.headers();
        String id = h.get(RequestIds.REQUEST_ID);
        accessLog.log(new AccessLog.Entry(System.currentTimeMillis(), id != null ? id : RequestIds.forLog(ex),
                ex.request.method().name(), ex.request.path(), cut && !resp.headWritten() ? 499 : resp.getStatusCode(),
                h.get(Responder.ROUTE), h.get(Responder.TARGET), h.get(Responder.ATTEMPTS),
                "true".equals(h.get(Responder.FAILOVER)), ex.keyName, (System.nanoTime() - ex.start) / 1_000_000,
                cut ? "client_closed" : null, ex.resumes, ex.resumedOn, h.get(CachedAnswers.CACHE), ex.inputTokens,
                ex.outputTokens, ex.costUsd, ex.ttftNanos < 0 ? -1 : ex.ttftNanos / 1_000_000));
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
        Promise<Void> drained = Promise.promise();
        long deadline = System.nanoTime() + graceMs * 1_000_000;
        awaitDrained(deadline, drained, 1);
        return drained.future().compose(v -> {
            guard.stop();
            accessLog.close();
            return server.close();
        }).eventually(() -> telemetry.on() ? vertx.executeBlocking(() -> {
            telemetry.close();   // sends what is pending, bounded
            return null;
        }, false).mapEmpty() : Future.succeededFuture());
    }

    /** Checks every 25 ms (first after {@code delayMs}) whether the drain is over. */
    private void awaitDrained(long deadline, Promise<Void> drained, long delayMs) {
        // A one-shot timer re-armed each time: cancelling a periodic timer from its own first run
        // fails inside Vert.x 5.0 (its future is not set yet).
        vertx.setTimer(delayMs, id -> {
            long now = System.nanoTime();
            boolean quiet = now - lastArrival >= DRAIN_QUIET_MS * 1_000_000;
            if (inFlight.get() <= 0 && (quiet || now >= deadline)) {
                drained.tryComplete();
            } else if (now >= deadline) {
                LOG.warn("shutdown grace over with {} request(s) still in flight; ending them", inFlight.get());
                for (Exchange ex : new ArrayList<>(live)) {
                    ex.abort.shutdown();
                }
                // The engine answers each at once; give the answers a moment to leave, bounded.
                awaitAnswered(System.nanoTime() + 1_000_000_000L, drained);
            } else {
                awaitDrained(deadline, drained, 25);
            }
        });
    }

    private void awaitAnswered(long deadline, Promise<Void> drained) {
        vertx.setTimer(10, id -> {
            if (inFlight.get() <= 0 || System.nanoTime() >= deadline) {
                drained.tryComplete();
            } else {
                awaitAnswered(deadline, drained);
            }
        });
    }

    private void ready(RoutingContext rc) {
        ArrayNode reasons = JsonNodeFactory.instance.arrayNode();
        if (draining) {
            reasons.add("shutting down");
        }
        if (gateway.cluster() != null && gateway.cluster().refusing()) {
            reasons.add("Redis is unreachable and cluster.on_redis_down is closed");
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

    /**
     * A route failed, or the router refused the request before any route (no {@code Host} on
     * HTTP/1.1, a path that is not absolute): 4xx as a bad request, anything else as an internal
     * error, logged. Bodies are refused for their size in one place only ({@link #tooLarge}).
     */
    private void failure(RoutingContext rc) {
        int status = rc.statusCode() > 0 ? rc.statusCode() : 500;
        if (rc.response().headWritten()) {
            rc.response().reset();
            return;
        }
        // Errors raised before a handler ran still take the shape of the API called.
        ErrorStyle style = "/v1/messages".equals(rc.request().path()) ? ErrorStyle.ANTHROPIC : ErrorStyle.OPENAI;
        if (status < 500) {
            responder.error(rc.response(), style, status, "invalid_request_error", "invalid_request", "bad request",
                    null, null);
        } else {
            LOG.error("unexpected failure on {}", rc.request().path(), rc.failure());
            responder.error(rc.response(), style, 500, "gateway_error", "internal_error", "internal error in the gateway",
                    null, null);
        }
    }

    /** {@code server.tls} as the server's SSL options, its files read now (off the event loop). */
    private static io.vertx.core.net.ServerSSLOptions sslOptions(GatewayConfig.ServerTls tls) throws Tls.FileProblem {
        return Tls.serverOptions(tls.cert(), tls.key(), tls.clientCa(), tls.clientAuthRequired());
    }
}
