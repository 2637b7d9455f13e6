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
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.quota.TargetQuota;
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
 * ({@code /admin/routes}), and the recent health and failover events ({@code /admin/events}, also
 * as a server-sent-event stream). With {@code server.admin_token} set, every caller needs it,
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
            gateway.engine().plan(r, RequestContexts.of(rc.request().headers(), null, r.name(), null, region, false,
                    "openai")).forEach(t -> plan.add(t.id()));
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

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
