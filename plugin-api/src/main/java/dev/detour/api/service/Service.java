package dev.detour.api.service;

import io.vertx.core.Future;

/** A background server a plugin runs inside the gateway process (e.g. the simulator). */
public interface Service {

    /** Starts listening; completes with a one-line description (e.g. the bound address). */
    Future<String> start();

    /** Stops it. */
    Future<Void> stop();
}
