package dev.detour.core.http;

import dev.detour.core.admission.Refused;
import dev.detour.core.admission.Shedder;
import dev.detour.core.telemetry.Metrics;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;

/**
 * {@link Shedder} as the inbound server meets it: an API request past its priority's ceiling is
 * refused with 429 {@code overloaded} and {@code Retry-After: 1} before its body is read, parsed
 * or counted in flight, and it never reaches admission, the engine or a target. Its body is
 * discarded as it arrives (never buffered) and the answer goes out at its end, so the connection
 * stays usable; a body that does not arrive within {@code body_timeout} gets the same answer with
 * {@code Connection: close}. Counted in {@code detour_shed_total{priority}}; the access log has
 * the line, with the key's name. Confined to the server's event loop.
 */
final class Shedding {
    private final Shedder shedder;
    private final Metrics metrics;
    private final Responder responder;

    private Shedding(Shedder shedder, Metrics metrics, Responder responder) {
        this.shedder = shedder;
        this.metrics = metrics;
        this.responder = responder;
    }

    /** The shedding of {@code shedder}, or null when there is none ({@code max_in_flight} unset). */
    static Shedding of(Shedder shedder, Metrics metrics, Responder responder) {
        return shedder == null ? null : new Shedding(shedder, metrics, responder);
    }

    /**
     * Sheds {@code ex} if it may not join the {@code inFlight} API requests in flight: then it is
     * answered (once its body has gone by) and true is returned; the caller does nothing more with it.
     */
    boolean shed(Exchange ex, ErrorStyle style, int inFlight, ConnectionGuard guard) {
        if (!shedder.atLimit(inFlight)) {
            return false;   // the common case: no header is read
        }
        HttpServerRequest req = ex.request;
        Shedder.Shed s = shedder.shed(inFlight, req.getHeader("x-detour-priority"),
                req.getHeader(HttpHeaders.AUTHORIZATION), req.getHeader("x-api-key"));
        if (s == null) {
            return false;
        }
        metrics.shed(s.priority());
        ex.keyName = s.keyName();
        RequestIds.assign(ex);
        Refused refused = new Refused(429, "rate_limit_error", "overloaded", "the gateway is overloaded: "
                + s.inFlight() + " requests in flight, the most a request of priority '" + s.priority().wire()
                + "' may join is " + s.ceiling() + " (server.max_in_flight); retry after 1 s", null, 1);
        guard.readingBody(ex.conn, () -> {
            if (!ex.response.ended()) {
                ex.response.putHeader(HttpHeaders.CONNECTION, "close");
                responder.refuse(ex.response, style, refused);
            }
        });
        req.handler(chunk -> {
        });
        req.exceptionHandler(t -> {
        });
        req.endHandler(v -> {
            guard.bodyDone(ex.conn);
            if (!ex.response.ended()) {
                responder.refuse(ex.response, style, refused);
            }
        });
        return true;
    }
}
