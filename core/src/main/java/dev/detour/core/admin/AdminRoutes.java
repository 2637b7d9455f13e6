package dev.detour.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Refused;
import dev.detour.core.admission.RequestContexts;
import dev.detour.core.cluster.ClusterLink;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.Drill;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.quota.TargetQuota;
import dev.detour.core.ops.Drills;
import dev.detour.core.ops.Reload;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * Everything under {@code /admin} (HTTP-API.md): the live view of each target
 * ({@code /admin/targets}), each route with the plan a request would get now
 * ({@code /admin/routes}), the recent health, failover, reload and drill events
 * ({@code /admin/events}, also as a server-sent-event stream), and the operations: re-reading the
 * config file ({@code POST /admin/reload}) and failover drills ({@code /admin/drills}). With {@code server.admin_token} set, every caller needs it,
 * wherever it calls from. Without one, only a loopback caller is let in, and only when no proxy
 * header says the request came through a proxy (behind a reverse proxy on the same host every
 * caller is local).
 */
public final class AdminRoutes {
    /** Headers a reverse proxy adds: behind one, every caller looks local, so loopback proves nothing. */
    private static final String[] PROXY_HEADERS = {"forwarded", "x-forwarded-for", "x-forwarded-host", "x-real-ip",
            "x-forwarded-proto", "via"};

    /** How the HTTP layer sends what these routes answer, in OpenAI's shape. */
    public interface Replies {
        /** Sends {@code body} with {@code status}, scrubbed of every configured secret. */
        void json(HttpServerResponse response, int status, JsonNode body);

        /** Sends the refusal's error body. */
        void refuse(HttpServerResponse response, Refused refused);
    }

    private final Gateway gateway;
    private final Replies replies;

    public AdminRoutes(Gateway gateway, Replies replies) {
        this.gateway = gateway;
        this.replies = replies;
    }

    /** Adds the admin endpoints to {@code router}. */
    public void mount(Router router) {
        router.get("/admin/targets").handler(guarded(this::targets));
        router.get("/admin/routes").handler(guarded(this::routes));
        router.get("/admin/events").handler(guarded(this::events));
        router.get("/admin/cluster").handler(guarded(rc -> replies.json(rc.response(), 200,
                gateway.cluster() == null ? ClusterLink.off() : gateway.cluster().describeCluster())));
        router.get("/admin/keys").handler(guarded(rc -> replies.json(rc.response(), 200, KeysView.of(gateway.ledger()))));
        ReadinessRoutes readiness = new ReadinessRoutes(gateway, replies);
        router.get("/admin/readiness").handler(guarded(readiness::last));
        router.post("/admin/readiness").handler(guarded(readiness::run));
        mountOperations(router);
    }

    private Handler<RoutingContext> guarded(Handler<RoutingContext> handler) {
        return rc -> {
            Refused refused = refusal(rc.request());
            if (refused != null) {
                replies.refuse(rc.response(), refused);
            } else {
                handler.handle(rc);
            }
        };
    }

    /** Why the caller may not see the admin views, or null when it may. */
    private Refused refusal(HttpServerRequest req) {
        String token = gateway.config().server().adminToken();
        if (!token.isEmpty()) {
            String presented = req.getHeader(HttpHeaders.AUTHORIZATION);
            if (presented == null || !MessageDigest.isEqual(("Bearer " + token).getBytes(StandardCharsets.UTF_8),
                    presented.getBytes(StandardCharsets.UTF_8))) {
                return new Refused(401, "authentication_error", "invalid_api_key",
                        "admin endpoints need Authorization: Bearer <server.admin_token>", null, 0);
            }
        } else if (req.remoteAddress() == null || !isLoopback(req.remoteAddress().hostAddress()) || proxied(req)) {
            return new Refused(401, "authentication_error", "invalid_api_key", "admin endpoints need "
                    + "server.admin_token when called from another host or through a proxy", null, 0);
        }
        return null;
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
            return InetAddress.getByName(ip).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private void targets(RoutingContext rc) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("targets");
        for (TargetRuntime t : gateway.targets()) {
            ObjectNode o = arr.addObject();
            o.put("id", t.id()).put("provider", t.provider()).put("model", t.model()).put("region", t.region())
                    .put("category", t.category()).put("state", t.state().wire()).put("circuit", t.circuit().wire())
                    .put("score", round(t.score()));
            o.putObject("latency_ms").put("p50", round(t.latencyP50Ms())).put("p95", round(t.latencyP95Ms()));
            o.putObject("ttft_ms").put("p50", round(t.ttftP50Ms())).put("p95", round(Math.max(0, t.ttftP95Ms(1))));
            o.put("error_rate", round(t.errorRate())).put("in_flight", t.inFlight());
            TargetQuota.View q = t.quota().view();
            ObjectNode quota = o.putObject("quota");
            putCount(quota, "rpm_left", q.rpmLeft());
            putCount(quota, "tpm_left", q.tpmLeft());
            quota.put("reset", q.reset() == null ? null : q.reset().toString());
            ArrayNode signals = o.putArray("signals");
            t.signals().forEach(s -> signals.addObject().put("detector", s.detector()).put("severity", round(s.severity()))
                    .put("reason", s.reason()));
            ReadinessRoutes.flag(gateway.readiness(), t.id(), o);
            Drill drill = t.drill();
            if (drill != null) {
                o.set("drill", Drills.json(drill));
            }
        }
        replies.json(rc.response(), 200, root);
    }

    /**
     * Each route, with the plan a request carrying this call's {@code x-detour-*} headers would get
     * now, and how many answers each of its targets served so far ({@code served}).
     */
    private void routes(RoutingContext rc) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("routes");
        String region = gateway.config().server().region();
        for (RouteRuntime r : gateway.routes().values()) {
            ObjectNode o = arr.addObject().put("name", r.name()).put("strategy", r.strategyType());
            ArrayNode targets = o.putArray("targets");
            r.runtimes().forEach(t -> targets.add(t.id()));
            ObjectNode served = o.putObject("served");
            r.runtimes().forEach(t -> served.put(t.id(), gateway.metrics().served(r.name(), t.id())));
            ArrayNode plan = o.putArray("plan");
            ArrayNode skipped = null;
            for (TargetRuntime t : gateway.engine().plan(r, RequestContexts.of(rc.request().headers(), null, r.name(),
                    null, region, false, "openai"))) {
                plan.add(t.id());
                Drill drill = t.drill();
                if (drill != null && drill.refusal() != null) {
                    // The engine's permission step skips it: say so beside the plan.
                    (skipped != null ? skipped : (skipped = o.putArray("skipped"))).add(t.id() + ": " + drill.refusal());
                }
            }
        }
        replies.json(rc.response(), 200, root);
    }

    private void events(RoutingContext rc) {
        String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
        if (accept != null && accept.contains("text/event-stream")) {
            gateway.events().subscribe(rc.response());
            return;
        }
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        root.set("events", gateway.events().recent());
        replies.json(rc.response(), 200, root);
    }

    /** A count, or null when it is not known (-1). */
    private static void putCount(ObjectNode o, String field, long v) {
        if (v < 0) {
            o.putNull(field);
        } else {
            o.put(field, v);
        }
    }

    // ------------------------------------------------------------------ operations: reload and drills

    /** The largest body {@code POST /admin/drills} reads. */
    private static final int MAX_ADMIN_BODY = 16 * 1024;

    private void mountOperations(Router router) {
        router.post("/admin/reload").handler(guarded(this::reload));
        router.post("/admin/drills").handler(guarded(this::startDrill));
        router.get("/admin/drills").handler(guarded(this::drills));
        router.delete("/admin/drills/:id").handler(guarded(this::endDrill));
    }

    /** Re-reads the config file: 200 with what changed, or 422 with the problems (the running config kept). */
    private void reload(RoutingContext rc) {
        Reload r = gateway.reload();
        if (r == null) {
            adminError(rc, 404, "not_found_error", "not_found", null, "this gateway was not started from a config file");
            return;
        }
        HttpServerResponse resp = rc.response();
        r.run("admin").onComplete(ar -> {
            if (ar.succeeded()) {
                replies.json(resp, ar.result().status(), ar.result().body());
            } else {
                adminError(rc, 500, "gateway_error", "internal_error", null, "the reload failed");
            }
        });
    }

    /** {@code {"target", "fault", "duration", "rate"?}} → 201 with the drill; 400 naming a bad field, 404 for an unknown target. */
    private void startDrill(RoutingContext rc) {
        HttpServerRequest req = rc.request();
        String length = req.getHeader(HttpHeaders.CONTENT_LENGTH);
        if (length != null && length.length() < 12 && Long.parseLong(length.trim()) > MAX_ADMIN_BODY) {
            adminError(rc, 413, "invalid_request_error", "request_too_large", null, "a drill request is at most 16KB");
            return;
        }
        req.body().onComplete(ar -> {
            if (ar.failed() || ar.result().length() > MAX_ADMIN_BODY) {
                adminError(rc, 400, "invalid_request_error", "invalid_request", null, "cannot read the request body");
                return;
            }
            Drills.Request d;
            try {
                d = Drills.parse(dev.detour.wire.http.WireJson.MAPPER.readTree(ar.result().getBytes()));
            } catch (Drills.BadRequest e) {
                adminError(rc, 400, "invalid_request_error", "invalid_drill", e.param(), e.getMessage());
                return;
            } catch (java.io.IOException e) {
                adminError(rc, 400, "invalid_request_error", "invalid_json", null, "the body is not valid JSON");
                return;
            }
            TargetRuntime target = null;
            for (TargetRuntime t : gateway.targets()) {
                if (t.id().equals(d.target())) {
                    target = t;
                }
            }
            if (target == null) {
                adminError(rc, 404, "not_found_error", "unknown_target", "target", "target: no target '"
                        + d.target() + "' (see GET /admin/targets)");
                return;
            }
            Drill started = gateway.drills().start(target, d);
            if (started == null) {
                adminError(rc, 409, "invalid_request_error", "drill_active", "target", "target: '" + d.target()
                        + "' already has drill " + target.drill().id() + "; DELETE /admin/drills/" + target.drill().id()
                        + " first");
                return;
            }
            replies.json(rc.response(), 201, Drills.json(started));
        });
    }

    private void drills(RoutingContext rc) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ArrayNode arr = root.putArray("drills");
        gateway.drills().active().forEach(d -> arr.add(Drills.json(d)));
        replies.json(rc.response(), 200, root);
    }

    private void endDrill(RoutingContext rc) {
        String id = rc.pathParam("id");
        Drill ended = gateway.drills().end(id, "deleted");
        if (ended == null) {
            adminError(rc, 404, "not_found_error", "unknown_drill", "id", "no active drill '" + id
                    + "' (see GET /admin/drills)");
            return;
        }
        ObjectNode body = Drills.json(ended).put("ended", true);
        replies.json(rc.response(), 200, body);
    }

    /** An error in OpenAI's shape, with the field at fault as {@code param} when there is one. */
    private void adminError(RoutingContext rc, int status, String type, String code, String param, String message) {
        ObjectNode root = JsonNodeFactory.instance.objectNode();
        ObjectNode e = root.putObject("error").put("message", message).put("type", type).put("code", code);
        if (param != null) {
            e.put("param", param);
        }
        replies.json(rc.response(), status, root);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
