package dev.detour.plugin.simulator;

import dev.detour.api.service.Service;
import io.vertx.core.Future;

/** The simulator as a gateway {@link Service}: starts and stops one {@link SimulatorServer}. */
public final class SimulatorService implements Service {

    private final SimulatorServer server;
    private final String host;

    SimulatorService(SimulatorServer server, String host) {
        this.server = server;
        this.host = host;
    }

    /** Completes with {@code "simulator listening on http://host:port"} (the bound port). */
    @Override
    public Future<String> start() {
        return server.listen().map(port -> "simulator listening on http://" + host + ":" + port);
    }

    @Override
    public Future<Void> stop() {
        return server.close();
    }

    /** The wrapped server, for its bound port, faults and statistics. */
    public SimulatorServer server() {
        return server;
    }
}
