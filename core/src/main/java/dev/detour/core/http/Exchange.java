package dev.detour.core.http;

import dev.detour.core.failover.AbortSignal;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/**
 * One request to the gateway, from its head to the end of its answer: the request and response,
 * its connection's timing state, the body once read whole (API calls), the request id, the key's
 * name for the access log, and the signal that tells the engine the client has gone. One small
 * object per request; the API endpoints read their body into it rather than through a body handler.
 */
final class Exchange {
    final HttpServerRequest request;
    final HttpServerResponse response;
    final long start = System.nanoTime();
    final AbortSignal abort = new AbortSignal();
    /** Its connection's timing state (null when the connection is not tracked). */
    final ConnectionGuard.Conn conn;
    /** The whole body, once read. */
    byte[] body;
    /** The request id, once assigned (the client's {@code x-request-id}, or a generated one). */
    String requestId;
    /** The name of the virtual key that authenticated it, once known (null without keys). */
    String keyName;
    /** How often its stream was cut and continued on another target ({@code stream.resume}). */
    int resumes;
    /** The target that continued its stream last, or null. */
    String resumedOn;
    /** Tokens its answer used, as the upstream reported them; -1 when none were reported. */
    int inputTokens = -1;
    int outputTokens = -1;
    /** What its answers' usage cost so far, USD, by the targets' {@code pricing}; -1 while nothing was priced. */
    double costUsd = -1;
    /** Nanoseconds from its arrival to the commit of its stream's first byte; -1 when it was not streamed. */
    long ttftNanos = -1;
    /** Whether its access-log line was written (once, at the end of its answer or the close of its connection). */
    boolean logged;
    /** What it holds against its key's {@code limits.tpm} and budget, settled when it ends; null when nothing. */
    dev.detour.core.spend.Charge charge;
    /** The target whose answer is being sent (a stream's, for pricing its usage), or null. */
    dev.detour.core.health.TargetRuntime serving;
    /** Whether it is an API call counted in flight (until its answer ends or its connection closes). */
    boolean inFlight;
    /** Its server span, when traces are exported. */
    dev.detour.core.telemetry.RequestSpan span;

    Exchange(HttpServerRequest request, ConnectionGuard.Conn conn) {
        this.request = request;
        this.response = request.response();
        this.conn = conn;
    }
}
