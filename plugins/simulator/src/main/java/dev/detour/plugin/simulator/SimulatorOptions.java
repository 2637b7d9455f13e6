package dev.detour.plugin.simulator;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.Map;

/**
 * Options of the simulator (the {@code simulator:} block of the YAML, or {@code detour simulate}).
 *
 * @param host   the interface to bind, default {@code 127.0.0.1}
 * @param port   the port, default 9000; 0 picks a free port (see {@link SimulatorServer#port()})
 * @param faults initial faults per endpoint name, as in {@code PUT /_chaos/{name}}
 * @param seed   seed of the fault randomness (rate and jitter draws), for reproducible runs;
 *               absent = a random seed
 */
public record SimulatorOptions(
        @JsonProperty("host") String host,
        @JsonProperty("port") Integer port,
        @JsonProperty("faults") Map<String, ChaosFaults> faults,
        @JsonProperty("seed") Long seed) {

    /** The default host. */
    public static final String DEFAULT_HOST = "127.0.0.1";
    /** The default port. */
    public static final int DEFAULT_PORT = 9000;

    public SimulatorOptions {
        if (host == null || host.isBlank()) {
            host = DEFAULT_HOST;
        }
        if (port == null) {
            port = DEFAULT_PORT;
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: must be between 0 and 65535 (was " + port + ")");
        }
        faults = faults == null ? Map.of() : Map.copyOf(faults);
        for (Map.Entry<String, ChaosFaults> e : faults.entrySet()) {
            if (e.getValue() == null) {
                throw new IllegalArgumentException("faults." + e.getKey() + ": must be an object (was null)");
            }
        }
    }

    /** Loopback, a free port, no initial faults, the given seed (null = random): what tests want. */
    public static SimulatorOptions ephemeral(Long seed) {
        return new SimulatorOptions(DEFAULT_HOST, 0, Map.of(), seed);
    }
}
