package dev.detour.core.http;

import dev.detour.api.view.RequestContext;
import dev.detour.core.admission.Admission;
import dev.detour.core.admission.Refused;
import dev.detour.core.admission.RequestContexts;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.RouteRuntime;
import io.vertx.core.http.HttpHeaders;

import java.util.function.Function;

/**
 * Admission as the API endpoints meet it: each step of {@link Admission} run on an exchange, a
 * refusal answered in the shape of the API that was called, and the {@link RequestContext} plugins
 * see built from what was admitted.
 */
final class ApiAdmission {
    private final Admission admission;
    private final Responder responder;
    /** {@code server.region}; empty for none. */
    private final String region;

    ApiAdmission(Admission admission, Responder responder, String region) {
        this.admission = admission;
        this.responder = responder;
        this.region = region;
    }

    /**
     * A request that passed admission: authenticated, parsed and routed; its response already
     * carries {@code x-request-id} and {@code x-detour-route}, and closing it aborts the engine's work.
     */
    record Admitted<Q>(Q request, RouteRuntime route, String requestId, long start, AbortSignal abort) {
    }

    /**
     * Admits a request, or answers the refusal in {@code style} and returns null.
     *
     * @param parse the request from the body's bytes (throws {@link dev.detour.wire.http.WireFormatException}
     *              naming the problem)
     * @param model the {@code model} the request names
     */
    <Q> Admitted<Q> admit(Exchange ex, ErrorStyle style, Function<byte[], Q> parse, Function<Q, String> model) {
        String requestId = RequestIds.assign(ex);
        try {
            GatewayConfig.Key key = authenticate(ex);
            Q request = Admission.parse(ex.body, parse);
            RouteRuntime route = admission.route(key, model.apply(request));
            ex.response.putHeader(Responder.ROUTE, route.name());
            ex.charge = admission.charge(key, route, request);
            return new Admitted<>(request, route, requestId, ex.start, ex.abort);
        } catch (Refused r) {
            responder.refuse(ex.response, style, r);
            return null;
        }
    }

    /** Whether virtual keys are configured (then a null {@link #key} means the refusal was answered). */
    boolean keysRequired() {
        return admission.keysRequired();
    }

    /**
     * The exchange's virtual key (its name kept for the access log), or null: without keys, or once
     * the refusal is answered in {@code style}.
     */
    GatewayConfig.Key key(Exchange ex, ErrorStyle style) {
        try {
            return authenticate(ex);
        } catch (Refused r) {
            responder.refuse(ex.response, style, r);
            return null;
        }
    }

    private GatewayConfig.Key authenticate(Exchange ex) {
        GatewayConfig.Key key = admission.identify(ex.request.getHeader(HttpHeaders.AUTHORIZATION),
                ex.request.getHeader("x-api-key"));
        if (key != null) {
            ex.keyName = key.name();   // named in the access log even when its limit refuses it
            admission.limit(key);
        }
        return key;
    }

    /** The context plugins see for an admitted request, with the name of the key that was presented. */
    RequestContext context(Exchange ex, RouteRuntime route, boolean stream, String inbound) {
        return RequestContexts.of(ex.request.headers(), ex.requestId, route.name(), ex.keyName, region, stream, inbound,
                route.requestHeaders());
    }
}
