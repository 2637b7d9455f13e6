package dev.detour.core.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.Gateway;
import dev.detour.core.admission.Refused;
import dev.detour.core.readiness.Readiness;
import dev.detour.core.readiness.ReadinessCase;
import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code POST /admin/readiness} and {@code GET /admin/readiness} (HTTP-API.md "Operations"): runs
 * the readiness cases against the targets of one route or of every route and answers the report;
 * gives the last report; and the {@code readiness} object of each target in {@code /admin/targets}.
 * Mounted by {@link AdminRoutes}, behind its admin token rules.
 */
final class ReadinessRoutes {
    /** The largest request body: a list of cases, not a prompt corpus. */
    static final int MAX_BODY = 1024 * 1024;

    private final Gateway gateway;
    private final AdminRoutes.Replies replies;

    ReadinessRoutes(Gateway gateway, AdminRoutes.Replies replies) {
        this.gateway = gateway;
        this.replies = replies;
    }

    /** {@code GET /admin/readiness}: the last report, or 404 before the first run. */
    void last(RoutingContext rc) {
        Readiness r = gateway.readiness();
        if (r.last() == null) {
            ObjectNode body = JsonNodeFactory.instance.objectNode().putNull("report");
            body.put("running", r.running()).put("message", "no readiness run yet: POST /admin/readiness runs one");
            replies.json(rc.response(), 200, body);
            return;
        }
        replies.json(rc.response(), 200, r.last().toJson().put("running", r.running()));
    }

    /**
     * {@code POST /admin/readiness} with {@code {"route"?: NAME, "cases"?: [...]}} (an empty body
     * is {@code {}}): the given cases, else the configured {@code readiness.cases}, against the
     * route's targets, else every route's. 200 with the report; 400 naming what is wrong with the
     * body; 409 while another run is going.
     */
    void run(RoutingContext rc) {
        Buffer body = Buffer.buffer();
        boolean[] tooLarge = {false};
        rc.request().handler(chunk -> {
            if (body.length() + chunk.length() > MAX_BODY) {
                tooLarge[0] = true;
            } else if (!tooLarge[0]) {
                body.appendBuffer(chunk);
            }
        });
        rc.request().endHandler(v -> {
            if (tooLarge[0]) {
                refuse(rc, 413, "request body is larger than " + MAX_BODY + " bytes");
            } else {
                run(rc, body);
            }
        });
    }

    private void run(RoutingContext rc, Buffer raw) {
        JsonNode body;
        try {
            body = raw.length() == 0 ? JsonNodeFactory.instance.objectNode() : WireJson.MAPPER.readTree(raw.getBytes());
        } catch (IOException e) {
            refuse(rc, 400, "the body is not valid JSON");
            return;
        }
        if (body == null || !body.isObject()) {
            refuse(rc, 400, "the body must be a JSON object: {\"route\"?: NAME, \"cases\"?: [...]}");
            return;
        }
        List<String> problems = new ArrayList<>();
        body.fieldNames().forEachRemaining(k -> {
            if (!k.equals("route") && !k.equals("cases")) {
                problems.add(k + ": unknown field (known: cases, route)");
            }
        });
        Readiness readiness = gateway.readiness();
        String route = null;
        if (body.has("route")) {
            if (!body.get("route").isTextual()) {
                problems.add("route: must be a route's name");
            } else {
                route = body.get("route").asText();
                String p = readiness.routeProblem(route);
                if (p != null) {
                    problems.add("route: " + p);
                }
            }
        }
        if (!body.has("cases")) {
            if (readiness.config().cases().isEmpty()) {
                problems.add("cases: none given and no readiness.cases file is configured");
            }
            start(rc, route, readiness.config().cases(), problems);
            return;
        }
        // Compiling a JSON Schema loads its meta-schema from the jar: off the event loop.
        String r = route;
        gateway.vertx().executeBlocking(() -> ReadinessCase.parse(body.get("cases"), "cases", problems))
                .onComplete(ar -> {
                    if (ar.failed()) {
                        problems.add("cases: cannot be read: " + ar.cause().getMessage());
                    }
                    start(rc, r, ar.succeeded() ? ar.result() : List.of(), problems);
                });
    }

    private void start(RoutingContext rc, String route, List<ReadinessCase> cases, List<String> problems) {
        Readiness readiness = gateway.readiness();
        if (!problems.isEmpty()) {
            refuse(rc, 400, String.join("; ", problems));
            return;
        }
        if (readiness.running()) {
            replies.refuse(rc.response(), new Refused(409, "invalid_request_error", "readiness_running",
                    "a readiness run is already going; GET /admin/readiness gives the last report", null, 0));
            return;
        }
        readiness.run(route, cases).onComplete(ar -> {
            if (ar.succeeded()) {
                replies.json(rc.response(), 200, ar.result().toJson().put("running", false));
            } else {
                refuse(rc, 400, ar.cause().getMessage());
            }
        });
    }

    private void refuse(RoutingContext rc, int status, String message) {
        replies.refuse(rc.response(), new Refused(status, "invalid_request_error",
                status == 413 ? "request_too_large" : "invalid_request", message, null, 0));
    }

    /** Adds {@code readiness: {passed, failed, at}} to a target of {@code /admin/targets} that was checked. */
    static void flag(Readiness readiness, String targetId, ObjectNode target) {
        Readiness.Flag f = readiness == null ? null : readiness.flag(targetId);
        if (f != null) {
            target.putObject("readiness").put("passed", f.passed()).put("failed", f.failed())
                    .put("at", f.at().toString());
        }
    }
}
