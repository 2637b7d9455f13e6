package dev.detour.core.cluster;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.TargetRuntime;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiConsumer;
import java.util.function.Supplier;

/**
 * This gateway's membership of a cluster of gateways that share one Redis ({@code cluster.redis}).
 *
 * <p>Every {@code sync_interval}, off the request path, one Lua script call (atomic, one round
 * trip) does the whole exchange: it records this instance's heartbeat (id, version, config digest),
 * forgets instances silent for {@link #STALE_INTERVALS} intervals, publishes the breakers this
 * instance opened with their end time, drops expired ones, and returns the instances and every open
 * breaker of the cluster. A target whose breaker another instance opened is then opened here for
 * the rest of that cooldown ({@link CircuitBreaker#openByPeer}), so the rest of the fleet skips it
 * instead of re-learning the outage with its own failed requests: within one {@code sync_interval}
 * plus a round trip of the opening instance's next sync, on every instance.
 *
 * <p>Requests never wait on Redis. The exchange runs through a Vert.x circuit breaker: when Redis
 * stops answering, the exchange fails fast (one log line per transition, an event, the
 * {@code detour_cluster_redis_up} gauge, {@code /admin/cluster} saying {@code down}); each instance
 * keeps serving on its own state ({@code on_redis_down: local}) or reports not ready
 * ({@code closed}); when Redis answers again the next exchange republishes this instance's state,
 * so nothing is lost but the shared view of the outage's time.
 *
 * <p>Keys carry a hash tag ({@code {namespace}:...}) so that the script's keys share one slot on a
 * Redis Cluster.
 */
public final class ClusterLink {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterLink.class);
    /** An instance is forgotten after this many sync intervals without a heartbeat. */
    static final int STALE_INTERVALS = 10;

    /**
     * KEYS: instances (zset id → last heartbeat ms), info (hash id → description), health (hash
     * target → "untilMs|by"). ARGV: now ms, stale ms, id, description, then target/untilMs pairs
     * this instance opened. Returns {info as a flat list, heartbeats as a flat list, health as a
     * flat list}.
     */
    static final String SYNC_SCRIPT = """
            local now = tonumber(ARGV[1])
            redis.call('ZADD', KEYS[1], now, ARGV[3])
            redis.call('HSET', KEYS[2], ARGV[3], ARGV[4])
            local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now - tonumber(ARGV[2]))
            for _, g in ipairs(gone) do
              redis.call('ZREM', KEYS[1], g)
              redis.call('HDEL', KEYS[2], g)
            end
            for i = 5, #ARGV, 2 do
              local cur = redis.call('HGET', KEYS[3], ARGV[i])
              if (not cur) or tonumber(string.match(cur, '^(%d+)')) < tonumber(ARGV[i + 1]) then
                redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1] .. '|' .. ARGV[3])
              end
            end
            local health = redis.call('HGETALL', KEYS[3])
            local open = {}
            for i = 1, #health, 2 do
              if tonumber(string.match(health[i + 1], '^(%d+)')) <= now then
                redis.call('HDEL', KEYS[3], health[i])
              else
                table.insert(open, health[i])
                table.insert(open, health[i + 1])
              end
            end
            return {redis.call('HGETALL', KEYS[2]), redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES'), open}
            """;

    /** What {@code /admin/cluster} lists per instance. */
    public record Instance(String id, String version, String configDigest, long startedMs, long heartbeatMs,
                           boolean self) {
    }

    private final Vertx vertx;
    private final GatewayConfig.Cluster config;
    private final Clock clock;
    private final Supplier<Collection<TargetRuntime>> targets;
    private final BiConsumer<String, String> events;
    private final String id = UUID.randomUUID().toString().substring(0, 8);
    private final String version;
    private final String configDigest;
    private final long startedMs;
    private final String[] keys;
    private final Redis redis;
    private final io.vertx.circuitbreaker.CircuitBreaker guard;
    private long timer = -1;
    private boolean syncing;
    private volatile boolean closed;
    private volatile State state = State.CONNECTING;
    private boolean everUp;
    private volatile List<Instance> instances = List.of();
    private volatile long lastSyncMs;
    /** The other instances seen at the last exchange; forgotten while Redis is down, so they join again after. */
    private Set<String> peers = Set.of();

    private enum State { CONNECTING, UP, DOWN }

    /**
     * @param targets the gateway's targets now (a reload changes them)
     * @param events  where transitions go ({@code /admin/events}): (change, detail)
     */
    public ClusterLink(Vertx vertx, GatewayConfig.Cluster config, String version, String configDigest, Clock clock,
                       Supplier<Collection<TargetRuntime>> targets, BiConsumer<String, String> events) {
        this.vertx = vertx;
        this.config = config;
        this.clock = clock;
        this.targets = targets;
        this.events = events;
        this.version = version;
        this.configDigest = configDigest;
        this.startedMs = clock.now().toEpochMilli();
        String ns = "{" + config.namespace() + "}";
        this.keys = new String[]{ns + ":instances", ns + ":instance-info", ns + ":open-breakers"};
        this.redis = Redis.createClient(vertx, options(config));
        long interval = config.syncInterval().toMillis();
        // Redis is called once per interval: three failed exchanges in a row open the breaker, and
        // while open an exchange fails at once; after a few intervals one exchange tries again. An
        // exchange is given whole seconds (a cold start's first connection and script load take
        // hundreds of ms on a busy machine): a slow Redis delays sharing, never a request.
        this.guard = io.vertx.circuitbreaker.CircuitBreaker.create("detour-redis", vertx, new CircuitBreakerOptions()
                .setMaxFailures(3).setTimeout(Math.max(2000, 2 * interval)).setResetTimeout(Math.max(1000, 4 * interval)));
    }

    static RedisOptions options(GatewayConfig.Cluster c) {
        RedisOptions o = new RedisOptions().setMaxPoolSize(4).setMaxPoolWaiting(16).setMaxWaitingHandlers(64)
                .setPoolRecycleTimeout(15_000);
        List<String> endpoints = new ArrayList<>();
        endpoints.add(c.redis());
        endpoints.addAll(c.endpoints());
        o.setEndpoints(endpoints);
        switch (c.mode()) {
            case "sentinel" -> o.setType(RedisClientType.SENTINEL).setMasterName(c.masterName()).setRole(RedisRole.MASTER);
            case "cluster" -> o.setType(RedisClientType.CLUSTER);
            default -> o.setType(RedisClientType.STANDALONE);
        }
        return o;
    }

    /** This instance's id in the cluster. */
    public String id() {
        return id;
    }

    /** Whether the last exchange with Redis succeeded. */
    public boolean up() {
        return state == State.UP;
    }

    /** Whether what needs shared state must be refused now ({@code on_redis_down: closed} and Redis down). */
    public boolean refusing() {
        return config.closedWhenDown() && state != State.UP;
    }

    /** Starts the periodic exchange; the first runs at once. Call on the gateway's context. */
    public void start() {
        sync();
        timer = vertx.setPeriodic(config.syncInterval().toMillis(), t -> sync());
    }

    /** Stops the exchange and closes the connections (this instance's heartbeat then ages out). */
    public Future<Void> close() {
        closed = true;
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
        guard.close();
        return redis.close();
    }

    /** One exchange, unless the last is still running (a slow Redis never piles them up). */
    void sync() {
        if (syncing || closed) {
            return;
        }
        syncing = true;
        long now = clock.now().toEpochMilli();
        Request r = Request.cmd(Command.EVAL).arg(SYNC_SCRIPT).arg(3).arg(keys[0]).arg(keys[1]).arg(keys[2])
                .arg(now).arg(STALE_INTERVALS * config.syncInterval().toMillis()).arg(id).arg(describe());
        for (TargetRuntime t : targets.get()) {
            CircuitBreaker b = t.breaker();
            if (b.openedHere()) {
                r.arg(t.id()).arg(now + b.openRemainingNanos() / 1_000_000);
            }
        }
        guard.<Response>execute(p -> redis.send(r).onComplete(p)).onComplete(ar -> {
            syncing = false;
            if (closed) {
                return;
            }
            if (ar.failed()) {
                if (state != State.DOWN) {
                    down(String.valueOf(ar.cause().getMessage()));
                }
                return;
            }
            Response res = ar.result();
            lastSyncMs = now;
            if (state != State.UP) {
                // Told before what this exchange shows (peers joining, breakers shared): they follow it.
                state = State.UP;
                int n = pairs(res.get(1)).size();
                LOG.info("cluster: Redis {} ({} instance(s) share it)", everUp ? "is back; state republished" : "connected",
                        n);
                events.accept(everUp ? "redis_up" : "joined", "instance " + id + ", " + n + " instance(s)");
                everUp = true;
            }
            apply(res, now);
        });
    }

    /** One log line and one event per transition to down. */
    private void down(String why) {
        state = State.DOWN;
        peers = Set.of();
        LOG.warn("cluster: Redis unreachable ({}); serving on this instance's own state{}", why,
                config.closedWhenDown() ? " and refusing what needs shared state (on_redis_down: closed)" : "");
        events.accept("redis_down", config.closedWhenDown() ? "on_redis_down: closed" : "on_redis_down: local");
    }

    private String describe() {
        return JsonNodeFactory.instance.objectNode().put("version", version).put("config_digest", configDigest)
                .put("started", startedMs).toString();
    }

    private void apply(Response res, long nowMs) {
        Map<String, String> info = pairs(res.get(0));
        Map<String, String> beats = pairs(res.get(1));
        List<Instance> list = new ArrayList<>();
        for (Map.Entry<String, String> e : beats.entrySet()) {
            String d = info.getOrDefault(e.getKey(), "{}");
            ObjectNode n;
            try {
                n = (ObjectNode) dev.detour.wire.http.WireJson.MAPPER.readTree(d);
            } catch (Exception ex) {
                n = JsonNodeFactory.instance.objectNode();
            }
            list.add(new Instance(e.getKey(), n.path("version").asText("?"), n.path("config_digest").asText("?"),
                    n.path("started").asLong(), (long) Double.parseDouble(e.getValue()), e.getKey().equals(id)));
        }
        Set<String> seen = new HashSet<>();
        for (Instance i : list) {
            seen.add(i.id());
            if (!i.self() && !peers.contains(i.id())) {
                events.accept("peer_joined", i.id() + " (version " + i.version() + ", config " + i.configDigest() + ")");
            }
        }
        for (String gone : peers) {
            if (!seen.contains(gone)) {
                events.accept("peer_left", gone);
            }
        }
        seen.remove(id);
        peers = seen;
        instances = List.copyOf(list);
        Map<String, String> open = pairs(res.get(2));
        if (open.isEmpty()) {
            return;
        }
        for (TargetRuntime t : targets.get()) {
            String v = open.get(t.id());
            if (v == null || v.endsWith("|" + id)) {
                continue;
            }
            int bar = v.indexOf('|');
            long until = Long.parseLong(v.substring(0, bar));
            CircuitBreaker b = t.breaker();
            if (!b.openedHere() && until > nowMs) {
                boolean wasCallable = b.callable();
                b.openByPeer((until - nowMs) * 1_000_000);
                if (wasCallable) {
                    events.accept("breaker_shared", t.id() + " opened by instance " + v.substring(bar + 1)
                            + " for " + (until - nowMs) + " ms more");
                }
            }
        }
    }

    private static Map<String, String> pairs(Response flat) {
        Map<String, String> m = new HashMap<>();
        if (flat == null) {
            return m;
        }
        if (flat.isMap()) {
            for (String k : flat.getKeys()) {
                m.put(k, flat.get(k).toString());
            }
            return m;
        }
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            m.put(flat.get(i).toString(), flat.get(i + 1).toString());
        }
        return m;
    }

    /** {@code /admin/cluster}'s answer. */
    public ObjectNode describeCluster() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("redis", state == State.UP ? "up" : "down").put("on_redis_down", config.onRedisDown()).put("instance", id)
                .put("sync_interval_ms", config.syncInterval().toMillis());
        if (lastSyncMs > 0) {
            o.put("last_sync", java.time.Instant.ofEpochMilli(lastSyncMs).toString());
        }
        ArrayNode a = o.putArray("instances");
        java.util.Set<String> digests = new java.util.TreeSet<>();
        for (Instance i : instances) {
            a.addObject().put("id", i.id()).put("version", i.version()).put("config_digest", i.configDigest())
                    .put("started", java.time.Instant.ofEpochMilli(i.startedMs()).toString())
                    .put("last_heartbeat", java.time.Instant.ofEpochMilli(i.heartbeatMs()).toString())
                    .put("self", i.self());
            digests.add(i.configDigest());
        }
        ArrayNode warnings = o.putArray("warnings");
        if (digests.size() > 1) {
            warnings.add("config drift: the instances run " + digests.size() + " different configs ("
                    + String.join(", ", digests) + ")");
        }
        java.util.Set<String> versions = new java.util.TreeSet<>();
        instances.forEach(i -> versions.add(i.version()));
        if (versions.size() > 1) {
            warnings.add("version drift: " + String.join(", ", versions));
        }
        return o;
    }

    /** {@code /admin/cluster} when no Redis is configured. */
    public static ObjectNode off() {
        ObjectNode o = JsonNodeFactory.instance.objectNode().put("redis", "off");
        o.putArray("instances");
        return o;
    }
}
