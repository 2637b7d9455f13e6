package dev.detour.core.telemetry;

/**
 * The inbound server's own figures at one moment, for {@code /metrics}.
 *
 * @param inFlight       API requests being served
 * @param openConnections client connections open
 * @param connectionLimit {@code server.max_connections} in force (lowered to fit the file-descriptor limit)
 * @param refused        connections closed at once because the limit was reached, since start
 * @param headerTimeouts connections closed by {@code header_timeout}, since start
 * @param idleTimeouts   connections closed by {@code idle_timeout}, since start
 * @param bodyTimeouts   requests answered 408 by {@code body_timeout}, since start
 */
public record ServerFigures(int inFlight, int openConnections, int connectionLimit, long refused,
                            long headerTimeouts, long idleTimeouts, long bodyTimeouts) {
}
