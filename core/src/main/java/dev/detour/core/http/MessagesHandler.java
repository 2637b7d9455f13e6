package dev.detour.core.http;

import dev.detour.core.Gateway;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code POST /v1/messages}: the Anthropic Messages API inbound, through the same failover engine
 * as chat completions; any target may serve it.
 */
final class MessagesHandler {
    private final GatewayServer server;
    private final Gateway gateway;

    MessagesHandler(GatewayServer server, Gateway gateway) {
        this.server = server;
        this.gateway = gateway;
    }

    void handle(RoutingContext rc) {
        server.requestId(rc);
        GatewayServer.error(rc, GatewayServer.ErrorStyle.ANTHROPIC, 404, "not_found_error", "not_available",
                "the Anthropic Messages API is not available yet in this version", null, null);
    }
}
