package dev.detour.core.telemetry;

import dev.detour.core.cluster.ClusterLink;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

import java.util.Collection;
import java.util.function.Supplier;

/**
 * {@code GET /metrics}: every figure Detour exposes, in the Prometheus text format — requests,
 * attempts, tokens and target health ({@link Metrics}), the inbound server's requests in flight and
 * connections ({@link ServerFigures}), and the access log's drops ({@link AccessLog}).
 */
public final class MetricsEndpoint implements Handler<RoutingContext> {
    private static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

    private final Metrics metrics;
    private final Supplier<Collection<TargetRuntime>> targets;
    private final Supplier<ServerFigures> server;
    private final AccessLog accessLog;
    private Supplier<ClusterLink> cluster;

    /**
     * @param targets the targets whose health to show, read at each scrape
     * @param server  the inbound server's figures, read at each scrape (on its event loop)
     */
    public MetricsEndpoint(Metrics metrics, Supplier<Collection<TargetRuntime>> targets, Supplier<ServerFigures> server,
                           AccessLog accessLog) {
        this.metrics = metrics;
        this.targets = targets;
        this.server = server;
        this.accessLog = accessLog;
    }

    /** Adds {@code detour_cluster_redis_up} for the cluster link {@code cluster} gives (null: none). */
    public MetricsEndpoint withCluster(Supplier<ClusterLink> cluster) {
        this.cluster = cluster;
        return this;
    }

    /** Adds {@code GET /metrics} to {@code router}. */
    public void mount(Router router) {
        router.get("/metrics").handler(this);
    }

    @Override
    public void handle(RoutingContext rc) {
        rc.response().putHeader(HttpHeaders.CONTENT_TYPE, CONTENT_TYPE).end(render());
    }

    /** The whole exposition. */
    String render() {
        StringBuilder sb = new StringBuilder(metrics.render(targets.get()));
        render(sb, server.get());
        accessLog.render(sb);
        if (cluster != null && cluster.get() != null) {
            sb.append("# HELP detour_cluster_redis_up Whether the last exchange with the cluster's Redis succeeded.\n")
                    .append("# TYPE detour_cluster_redis_up gauge\n")
                    .append("detour_cluster_redis_up ").append(cluster.get().up() ? 1 : 0).append('\n');
        }
        return sb.toString();
    }

    static void render(StringBuilder sb, ServerFigures f) {
        sb.append("# HELP detour_http_in_flight API requests being served.\n# TYPE detour_http_in_flight gauge\n")
                .append("detour_http_in_flight ").append(f.inFlight()).append('\n');
        sb.append("# HELP detour_connections_open Client connections open now.\n# TYPE detour_connections_open gauge\n")
                .append("detour_connections_open ").append(f.openConnections()).append('\n')
                .append("# HELP detour_connections_limit server.max_connections in force.\n")
                .append("# TYPE detour_connections_limit gauge\n")
                .append("detour_connections_limit ").append(f.connectionLimit()).append('\n')
                .append("# HELP detour_connections_refused_total Connections closed at once: the limit was reached.\n")
                .append("# TYPE detour_connections_refused_total counter\n")
                .append("detour_connections_refused_total ").append(f.refused()).append('\n')
                .append("# HELP detour_connections_timed_out_total Connections closed by a timeout.\n")
                .append("# TYPE detour_connections_timed_out_total counter\n")
                .append("detour_connections_timed_out_total{timeout=\"header\"} ").append(f.headerTimeouts()).append('\n')
                .append("detour_connections_timed_out_total{timeout=\"idle\"} ").append(f.idleTimeouts()).append('\n')
                .append("detour_connections_timed_out_total{timeout=\"body\"} ").append(f.bodyTimeouts()).append('\n');
    }
}
