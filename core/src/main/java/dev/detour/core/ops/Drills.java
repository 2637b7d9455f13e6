package dev.detour.core.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.core.config.Units;
import dev.detour.core.failover.AttemptRecord;
import dev.detour.core.failover.EngineListener;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.Timers;
import dev.detour.core.health.Drill;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.telemetry.EventLog;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.random.RandomGenerator;

/**
 * The failover drills of a gateway (HTTP-API.md "Operations", {@code /admin/drills}): each makes
 * the gateway treat one target as failing ({@link Drill.Fault}) for a while, to rehearse failover
 * in production. A drill ends when its duration is over (on the gateway's injected
 * {@link Timers}), when it is deleted, or when a reload removes its target; the target then returns
 * to the health it had when the drill started ({@link TargetRuntime#restore}). Starts and ends are
 * {@code drill_started} / {@code drill_ended} events, the end with what traffic did meanwhile.
 * A target has one drill at a time. Drills outlive a reload for the targets that still exist.
 *
 * <p>Also the engine's listener that counts that traffic. Confined to the gateway's event loop.
 */
public final class Drills implements EngineListener {
    /** The longest drill: a rehearsal, not a way to take a target out for good (remove it from the config). */
    public static final Duration MAX_DURATION = Duration.ofHours(24);
    /** How much slower a {@code slow} drill makes answers look unless the request says. */
    public static final double DEFAULT_FACTOR = 4;

    /** A request to start a drill, validated. */
    public record Request(String target, Drill.Fault fault, Duration duration, double rate, double factor) {
    }

    /** A drill request that names a bad field: answered 400 with {@code param}. */
    public static final class BadRequest extends RuntimeException {
        private final String param;

        public BadRequest(String param, String message) {
            super(message, null, false, false);
            this.param = param;
        }

        /** The field at fault. */
        public String param() {
            return param;
        }
    }

    private static final Set<String> FIELDS = Set.of("target", "fault", "duration", "rate", "factor");

    private final Clock clock;
    private final Timers timers;
    private final RandomGenerator random;
    private final EventLog events;
    private final Map<String, Active> active = new LinkedHashMap<>();
    private long seq;

    private static final class Active {
        final Drill drill;
        TargetRuntime target;
        final Timers.Timer expiry;

        Active(Drill drill, TargetRuntime target, Timers.Timer expiry) {
            this.drill = drill;
            this.target = target;
            this.expiry = expiry;
        }
    }

    /**
     * @param timers ends each drill when its duration is over; runs on the gateway's event loop
     * @param random draws the calls a drill with a {@code rate} below 1 affects
     */
    public Drills(Clock clock, Timers timers, RandomGenerator random, EventLog events) {
        this.clock = clock;
        this.timers = timers;
        this.random = random;
        this.events = events;
    }

    /**
     * Reads {@code POST /admin/drills}'s body: {@code target} and {@code fault} (down, slow,
     * errors) required, {@code duration} required (e.g. {@code "2m"}, at most
     * {@link #MAX_DURATION}), {@code rate} in (0, 1] (default 1; errors and slow only),
     * {@code factor} at least 1 (default {@value #DEFAULT_FACTOR}; slow only).
     *
     * @throws BadRequest naming the first field at fault
     */
    public static Request parse(JsonNode body) {
        if (body == null || !body.isObject()) {
            throw new BadRequest(null, "the body must be a JSON object: {\"target\", \"fault\", \"duration\", \"rate\"?}");
        }
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw new BadRequest(f, f + ": unknown field (known: target, fault, duration, rate, factor)");
            }
        }
        String target = text(body, "target", "a target id such as openai-us/gpt-4o");
        String faultName = text(body, "fault", "down, slow or errors");
        Drill.Fault fault = Drill.Fault.of(faultName);
        if (fault == null) {
            throw new BadRequest("fault", "fault: must be down, slow or errors (was '" + faultName + "')");
        }
        String d = text(body, "duration", "a duration such as 2m");
        Duration duration;
        try {
            duration = Units.duration(d);
        } catch (RuntimeException e) {
            throw new BadRequest("duration", "duration: '" + d + "' is not a duration (such as 30s, 2m, 1h)");
        }
        if (duration.isZero() || duration.isNegative() || duration.compareTo(MAX_DURATION) > 0) {
            throw new BadRequest("duration", "duration: must be more than 0 and at most 24h (was '" + d + "')");
        }
        double rate = number(body, "rate", 1);
        if (body.has("rate") && fault == Drill.Fault.DOWN) {
            throw new BadRequest("rate", "rate: applies to errors and slow drills only (a down target gets no calls)");
        }
        if (!(rate > 0 && rate <= 1)) {
            throw new BadRequest("rate", "rate: must be more than 0 and at most 1 (was " + body.get("rate") + ")");
        }
        double factor = number(body, "factor", DEFAULT_FACTOR);
        if (body.has("factor") && fault != Drill.Fault.SLOW) {
            throw new BadRequest("factor", "factor: applies to slow drills only");
        }
        if (!(factor >= 1 && factor <= 1000)) {
            throw new BadRequest("factor", "factor: must be at least 1 and at most 1000 (was " + body.get("factor") + ")");
        }
        return new Request(target, fault, duration, rate, factor);
    }

    private static String text(JsonNode body, String field, String what) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            throw new BadRequest(field, field + ": is required (" + what + ")");
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new BadRequest(field, field + ": must be a non-empty string (" + what + ")");
        }
        return n.asText();
    }

    private static double number(JsonNode body, String field, double fallback) {
        JsonNode n = body.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber()) {
            throw new BadRequest(field, field + ": must be a number");
        }
        return n.asDouble();
    }

    /**
     * Starts a drill on {@code target}. Its snapshot is taken now, so its end returns the target
     * to the health it has now.
     *
     * @return the drill, or null when the target already has one (end that one first)
     */
    public Drill start(TargetRuntime target, Request r) {
        if (target.drill() != null) {
            return null;
        }
        String id = "drill-" + (++seq);
        java.time.Instant now = clock.now();
        Drill d = new Drill(id, target.id(), r.fault(), r.rate(), r.factor(), now, now.plus(r.duration()),
                target.snapshot(), random);
        Timers.Timer expiry = timers.schedule(Math.max(1, r.duration().toMillis()), () -> end(id, "expired"));
        active.put(id, new Active(d, target, expiry));
        target.drill(d);
        ObjectNode e = events.event("drill_started");
        describe(d, e);
        events.publish(e);
        return d;
    }

    /**
     * Ends a drill: the target returns to the health it had when the drill started, and a
     * {@code drill_ended} event says why and what traffic did meanwhile.
     *
     * @param reason {@code expired}, {@code deleted}, or why else
     * @return the drill ended, or null when no drill has that id (any more)
     */
    public Drill end(String id, String reason) {
        Active a = active.remove(id);
        if (a == null) {
            return null;
        }
        a.expiry.cancel();
        if (a.target.drill() == a.drill) {
            a.target.drill(null);
            a.target.restore(a.drill.before());
        }
        ObjectNode e = events.event("drill_ended");
        describe(a.drill, e);
        e.put("reason", reason);
        ObjectNode traffic = e.putObject("traffic");
        traffic.put("calls", a.drill.calls()).put("skipped", a.drill.skipped())
                .put("failovers", a.drill.failovers()).put("injected_errors", a.drill.injected())
                .put("served", a.drill.servedCount());
        events.publish(e);
        return a.drill;
    }

    /** The drills running now, oldest first. */
    public List<Drill> active() {
        List<Drill> out = new ArrayList<>(active.size());
        active.values().forEach(a -> out.add(a.drill));
        return out;
    }

    /** The drill with {@code id}, or null. */
    public Drill get(String id) {
        Active a = active.get(id);
        return a == null ? null : a.drill;
    }

    /**
     * After a reload: each drill moves to its target's runtime in the new config (the same one
     * when the target was kept), and a drill whose target is gone ends.
     *
     * @param targets the new config's runtime for a target id, or null when it has none
     */
    public void reattach(Function<String, TargetRuntime> targets) {
        for (Active a : List.copyOf(active.values())) {
            TargetRuntime now = targets.apply(a.drill.target());
            if (now == null) {
                end(a.drill.id(), "target removed by a reload");
            } else if (now != a.target) {
                a.target.drill(null);
                a.target = now;
                now.drill(a.drill);
            }
        }
    }

    /** Ends every drill (the gateway stops). */
    public void endAll(String reason) {
        for (String id : List.copyOf(active.keySet())) {
            end(id, reason);
        }
    }

    /** The drill as {@code /admin/drills} and {@code /admin/targets} show it. */
    public static ObjectNode json(Drill d) {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        describe(d, o);
        return o;
    }

    private static void describe(Drill d, ObjectNode o) {
        o.put("id", d.id()).put("target", d.target()).put("fault", d.fault().wire()).put("until", d.until().toString());
        if (d.fault() != Drill.Fault.DOWN) {
            o.put("rate", d.rate());
        }
        if (d.fault() == Drill.Fault.SLOW) {
            o.put("factor", d.factor());
        }
        o.put("started", d.started().toString());
    }

    // ------------------------------------------------------------------ the traffic a drill sees

    @Override
    public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record) {
        Drill d = target.drill();
        if (d != null) {
            d.attempted(record.called());
        }
    }

    @Override
    public void failover(RouteRuntime route, TargetRuntime from, String reason) {
        Drill d = from.drill();
        if (d != null) {
            d.failedOver();
        }
    }

    @Override
    public void served(RouteRuntime route, TargetRuntime target, boolean firstChoice) {
        Drill d = target.drill();
        if (d != null) {
            d.served();
        }
    }
}
