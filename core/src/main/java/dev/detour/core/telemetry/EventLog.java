package dev.detour.core.telemetry;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.api.detector.Signal;
import dev.detour.api.view.HealthState;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineListener;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.HealthEvents;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The recent health and failover events, for {@code GET /admin/events}: a bounded ring, plus live
 * subscribers that receive each new event as a server-sent event.
 */
public final class EventLog implements HealthEvents, EngineListener {
    private final Clock clock;
    private final int capacity;
    private final Deque<ObjectNode> events = new ArrayDeque<>();
    private final List<HttpServerResponse> subscribers = new ArrayList<>();

    public EventLog(Vertx vertx, Clock clock, int capacity) {
        this.clock = clock;
        this.capacity = capacity;
    }

    @Override
    public void stateChanged(TargetRuntime target, HealthState from, HealthState to, double score, List<Signal> signals) {
        ObjectNode e = base("health");
        e.put("target", target.id()).put("from", from.wire()).put("to", to.wire())
                .put("score", Math.round(score * 1000) / 1000.0);
        ArrayNode sigs = e.putArray("signals");
        for (Signal s : signals) {
            sigs.addObject().put("detector", s.detector()).put("severity", Math.round(s.severity() * 1000) / 1000.0)
                    .put("reason", s.reason());
        }
        add(e);
    }

    @Override
    public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record) {
    }

    @Override
    public void failover(RouteRuntime route, TargetRuntime from, String reason) {
        add(base("failover").put("route", route.name()).put("from", from.id()).put("reason", reason));
    }

    /** A change in the cluster (Redis lost or back, a breaker another instance opened). */
    public void cluster(String change, String detail) {
        add(base("cluster").put("change", change).put("detail", detail));
    }

    /**
     * A new event of {@code type} stamped with the time, for the caller to fill and {@link #publish}
     * (operations' events: {@code reload}, {@code drill_started}, {@code drill_ended}).
     */
    public ObjectNode event(String type) {
        return base(type);
    }

    /** Adds an event made with {@link #event} to the recent ones and sends it to every subscriber. */
    public void publish(ObjectNode e) {
        add(e);
    }

    private ObjectNode base(String type) {
        return JsonNodeFactory.instance.objectNode().put("time", clock.now().toString()).put("type", type);
    }

    private synchronized void add(ObjectNode e) {
        if (events.size() >= capacity) {
            events.removeFirst();
        }
        events.addLast(e);
        if (!subscribers.isEmpty()) {
            Buffer b = Buffer.buffer("data: " + e + "\n\n");
            subscribers.removeIf(HttpServerResponse::closed);
            for (HttpServerResponse r : subscribers) {
                r.write(b);
            }
        }
    }

    /** The recent events, oldest first. */
    public synchronized ArrayNode recent() {
        ArrayNode a = JsonNodeFactory.instance.arrayNode();
        events.forEach(a::add);
        return a;
    }

    /** Streams the recent events and every new one to {@code response} until it closes. */
    public synchronized void subscribe(HttpServerResponse response) {
        response.setChunked(true).putHeader("content-type", "text/event-stream").putHeader("cache-control", "no-cache");
        // The head goes out now: a client waiting for it on a quiet gateway is not kept waiting for an event.
        response.writeHead();
        for (ObjectNode e : events) {
            response.write("data: " + e + "\n\n");
        }
        subscribers.add(response);
        response.closeHandler(v -> {
            synchronized (this) {
                subscribers.remove(response);
            }
        });
    }
}
