package dev.detour.it;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetSocket;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP egress proxy on a free loopback port that only tunnels ({@code CONNECT host:port}, as
 * clients reach https upstreams through a proxy): it checks {@code Proxy-Authorization} when it
 * has credentials (407 otherwise), opens the tunnel, and counts tunnels and their targets.
 */
final class ConnectProxy implements AutoCloseable {
    private final Vertx vertx;
    private final String expectedAuth;
    private final AtomicInteger tunnels = new AtomicInteger();
    final List<String> targets = new CopyOnWriteArrayList<>();
    final List<String> authorizations = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private NetClient net;

    /** A proxy that wants {@code user}/{@code password} (null for none). */
    ConnectProxy(Vertx vertx, String user, String password) {
        this.vertx = vertx;
        this.expectedAuth = user == null ? null : "Basic " + Base64.getEncoder()
                .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    int tunnels() {
        return tunnels.get();
    }

    int port() {
        return server.actualPort();
    }

    Future<ConnectProxy> start() {
        net = vertx.createNetClient();
        server = vertx.createHttpServer();
        return server.requestHandler(req -> {
            if (req.method() != HttpMethod.CONNECT) {
                req.response().setStatusCode(405).end();
                return;
            }
            String auth = req.getHeader("proxy-authorization");
            authorizations.add(String.valueOf(auth));
            if (expectedAuth != null && !expectedAuth.equals(auth)) {
                req.response().setStatusCode(407).putHeader("proxy-authenticate", "Basic realm=\"test\"").end();
                return;
            }
            String target = req.uri();
            int colon = target.lastIndexOf(':');
            net.connect(Integer.parseInt(target.substring(colon + 1)), target.substring(0, colon)).onComplete(ar -> {
                if (ar.failed()) {
                    req.response().setStatusCode(502).end();
                    return;
                }
                NetSocket upstream = ar.result();
                req.toNetSocket().onSuccess(client -> {
                    tunnels.incrementAndGet();
                    targets.add(target);
                    client.pipeTo(upstream);
                    upstream.pipeTo(client);
                }).onFailure(e -> upstream.close());
            });
        }).listen(0, "127.0.0.1").map(s -> this);
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
        }
        if (net != null) {
            net.close();
        }
    }
}
