package dev.detour.core.http;

import dev.detour.core.failover.AbortSignal;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One {@code POST} to the API being served: the request and response, the body once read whole,
 * the request id, and the signal that tells the engine the client has gone. The gateway's API
 * endpoints take these straight from the HTTP server rather than through a router and a body
 * handler: one request, one small object.
 */
final class Exchange {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final long start = System.nanoTime();
    final AbortSignal abort = new AbortSignal();
    /** The whole body, once read. */
    byte[] body;
    /** The request id, once assigned (the client's {@code x-request-id}, or a generated one). */
    String requestId;
    /** The name of the virtual key that authenticated it, once known (null without keys). */
    String keyName;
    /** Its connection's timing state (null when the connection is not tracked). */
    ConnectionGuard.Conn conn;

    Exchange(HttpServerRequest request) {
        this.request = request;
        this.response = request.response();
    }
}
