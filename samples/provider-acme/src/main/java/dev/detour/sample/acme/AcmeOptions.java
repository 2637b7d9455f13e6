package dev.detour.sample.acme;

/**
 * Options of a {@code type: acme} provider ({@code options:} in its block), next to the common provider keys
 * ({@code base_url}, {@code api_key}, {@code headers}, {@code timeouts}, ...).
 *
 * @param maxConnections the connection pool size (one in-flight call holds one connection)
 */
public record AcmeOptions(Integer maxConnections) {
    public AcmeOptions {
        maxConnections = maxConnections == null ? 32 : maxConnections;
        if (maxConnections < 1 || maxConnections > 10_000) {
            throw new IllegalArgumentException("max_connections: must be 1..10000 (was " + maxConnections + ")");
        }
    }
}
