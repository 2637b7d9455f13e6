package dev.detour.core.http;

import dev.detour.api.Clock;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.telemetry.ServerFigures;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps clients from holding the gateway's sockets: at most {@code max_connections} open (one
 * more is closed as soon as it is accepted, before it can take a file descriptor for long), and
 * three timeouts, checked by one sweep instead of a timer per request:
 * <ul>
 *   <li>{@code header_timeout}: a new connection must deliver a whole request head within it
 *       (a slowloris client trickling header bytes is closed);</li>
 *   <li>{@code idle_timeout}: a kept-alive connection with no request in flight is closed after it;</li>
 *   <li>{@code body_timeout}: a request body must have arrived whole within it after its head; the
 *       exchange's own handler answers 408 and the connection is closed.</li>
 * </ul>
 * A request being answered is never timed out here: the engine's first-token, idle and total
 * timeouts govern that. The limit is also kept below the process's file-descriptor limit, with
 * room for upstream connections and files.
 *
 * <p>Runs on the server's event loop only (the gateway serves from one context), so it needs no locks.
 */
final class ConnectionGuard {
    private static final Logger LOG = LoggerFactory.getLogger(ConnectionGuard.class);
    /** File descriptors kept free for upstream connections, plugin jars, logs. */
    static final int FD_RESERVE = 256;
    /** The sweep runs at least this often, and at most four times per shortest timeout. */
    private static final long MAX_SWEEP_MS = 1000;
    private static final long MIN_SWEEP_MS = 10;

    /** One open connection. */
    static final class Conn {
        final HttpConnection connection;
        /** When it last had nothing in flight (or was opened); meaningful while {@code inFlight == 0}. */
        long idleSince;
        /** Whether it has ever sent a request (before that, the header timeout applies). */
        boolean used;
        int inFlight;
        /** When the body being read must be complete by, or 0. */
        long bodyDeadline;
        /** Answers 408 on the exchange whose body is late. */
        Runnable onBodyTimeout;

        Conn(HttpConnection connection, long now) {
            this.connection = connection;
            this.idleSince = now;
        }
    }

    private final Vertx vertx;
    private final Clock clock;
    private final int max;
    private final long headerNanos;
    private final long idleNanos;
    private final long bodyNanos;
    private final Map<HttpConnection, Conn> open = new HashMap<>();
    private long sweepTimer = -1;
    private long refused;
    private long headerTimeouts;
    private long idleTimeouts;
    private long bodyTimeouts;

    ConnectionGuard(Vertx vertx, Clock clock, GatewayConfig.Connections limits) {
        this.vertx = vertx;
        this.clock = clock;
        long fds = maxFileDescriptors();
        int allowed = limits.max();
        if (fds > 0 && allowed > fds - FD_RESERVE) {
            allowed = (int) Math.max(1, fds - FD_RESERVE);
            LOG.warn("server.max_connections {} is above what the process's file descriptor limit ({}) allows; "
                    + "using {}", limits.max(), fds, allowed);
        }
        this.max = allowed;
        this.headerNanos = limits.headerTimeout().toNanos();
        this.idleNanos = limits.idleTimeout().toNanos();
        this.bodyNanos = limits.bodyTimeout().toNanos();
    }

    /** The open-file limit of this process, or -1 where the JVM cannot tell. */
    static long maxFileDescriptors() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.UnixOperatingSystemMXBean u) {
            return u.getMaxFileDescriptorCount();
        }
        return -1;
    }

    /** The connection limit in force. */
    int max() {
        return max;
    }

    /** A new connection: tracked, or closed at once when the limit is reached. */
    void accept(HttpConnection c) {
        if (open.size() >= max) {
            refused++;
            c.close();
            return;
        }
        open.put(c, new Conn(c, clock.nanos()));
        c.closeHandler(v -> open.remove(c));
        if (sweepTimer < 0) {
            long period = Math.max(MIN_SWEEP_MS, Math.min(MAX_SWEEP_MS,
                    Math.min(headerNanos, Math.min(idleNanos, bodyNanos)) / 4_000_000));
            sweepTimer = vertx.setPeriodic(period, id -> sweep());
        }
    }

    /** A request head arrived; null when its connection is not tracked (then nothing is timed). */
    Conn started(HttpServerRequest req) {
        Conn c = open.get(req.connection());
        if (c != null) {
            c.used = true;
            c.inFlight++;
        }
        return c;
    }

    /** The body of the request on {@code c} is being read; {@code onTimeout} answers 408 if it is late. */
    void readingBody(Conn c, Runnable onTimeout) {
        if (c != null) {
            c.bodyDeadline = clock.nanos() + bodyNanos;
            c.onBodyTimeout = onTimeout;
        }
    }

    /** The body was read whole (or the request was refused). */
    void bodyDone(Conn c) {
        if (c != null) {
            c.bodyDeadline = 0;
            c.onBodyTimeout = null;
        }
    }

    /** A response on {@code c} ended. */
    void ended(Conn c) {
        if (c != null && c.inFlight > 0 && --c.inFlight == 0) {
            c.idleSince = clock.nanos();
        }
    }

    /** Open connections now. */
    int openCount() {
        return open.size();
    }

    /** Closes every connection with nothing in flight (the end of a drain). */
    void closeIdle() {
        for (Conn c : new ArrayList<>(open.values())) {
            if (c.inFlight == 0) {
                c.connection.close();
            }
        }
    }

    /** Stops the sweep. */
    void stop() {
        if (sweepTimer >= 0) {
            vertx.cancelTimer(sweepTimer);
            sweepTimer = -1;
        }
    }

    void sweep() {
        long now = clock.nanos();
        List<Conn> close = null;
        for (Conn c : open.values()) {
            if (c.bodyDeadline != 0 && now - c.bodyDeadline >= 0) {
                bodyTimeouts++;
                Runnable answer = c.onBodyTimeout;
                c.bodyDeadline = 0;
                c.onBodyTimeout = null;
                if (answer != null) {
                    answer.run();
                }
                continue;
            }
            if (c.inFlight == 0 && now - c.idleSince >= (c.used ? idleNanos : headerNanos)) {
                if (c.used) {
                    idleTimeouts++;
                } else {
                    headerTimeouts++;
                }
                if (close == null) {
                    close = new ArrayList<>();
                }
                close.add(c);
            }
        }
        if (close != null) {
            close.forEach(c -> c.connection.close());
        }
    }

    /** The connection figures, with {@code inFlight} API requests, for {@code /metrics}. */
    ServerFigures figures(int inFlight) {
        return new ServerFigures(inFlight, open.size(), max, refused, headerTimeouts, idleTimeouts, bodyTimeouts);
    }
}
