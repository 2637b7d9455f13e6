package dev.detour.core.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.config.GatewayConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a reload changes: the routes, targets and providers added, removed and changed, and the
 * settings that differ from the running config but only take effect on a restart ({@code server.*},
 * {@code plugins.dir}, {@code keys}, {@code telemetry}, in-process services such as
 * {@code simulator}). A target is its id ({@code provider/model}); it changed when its provider's
 * block or any route's entry for it did. Pure: computed from two validated configs.
 *
 * @param needsRestart YAML paths whose new value is not applied until a restart
 */
public record ConfigDiff(Change routes, Change targets, Change providers, List<String> needsRestart) {

    /** Names added, removed and changed, each sorted. */
    public record Change(List<String> added, List<String> removed, List<String> changed) {
        /** Whether nothing changed. */
        public boolean none() {
            return added.isEmpty() && removed.isEmpty() && changed.isEmpty();
        }
    }

    /** The difference from {@code running} to {@code next}. */
    public static ConfigDiff between(GatewayConfig running, GatewayConfig next) {
        Change routes = change(running.routes(), next.routes());
        Change providers = change(running.providers(), next.providers());
        Change targets = change(targets(running), targets(next));
        return new ConfigDiff(routes, targets, providers, needsRestart(running, next));
    }

    /** Whether the reload changes nothing at all. */
    public boolean none() {
        return routes.none() && targets.none() && providers.none() && needsRestart.isEmpty();
    }

    /** The summary of {@code POST /admin/reload}'s answer and of the {@code reload} event. */
    public ObjectNode json() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        put(o, "routes", routes);
        put(o, "targets", targets);
        put(o, "providers", providers);
        ArrayNode restart = o.putArray("needs_restart");
        needsRestart.forEach(restart::add);
        return o;
    }

    private static void put(ObjectNode o, String name, Change c) {
        ObjectNode n = o.putObject(name);
        c.added().forEach(n.putArray("added")::add);
        c.removed().forEach(n.putArray("removed")::add);
        c.changed().forEach(n.putArray("changed")::add);
        for (String k : List.of("added", "removed", "changed")) {
            if (!n.has(k)) {
                n.putArray(k);
            }
        }
    }

    private static <V> Change change(Map<String, V> before, Map<String, V> after) {
        Set<String> added = new TreeSet<>();
        Set<String> removed = new TreeSet<>();
        Set<String> changed = new TreeSet<>();
        after.forEach((k, v) -> {
            if (!before.containsKey(k)) {
                added.add(k);
            } else if (!Objects.equals(before.get(k), v)) {
                changed.add(k);
            }
        });
        before.keySet().forEach(k -> {
            if (!after.containsKey(k)) {
                removed.add(k);
            }
        });
        return new Change(List.copyOf(added), List.copyOf(removed), List.copyOf(changed));
    }

    /** Each target id with what defines it: its provider's block and every route's entry for it. */
    private static Map<String, List<Object>> targets(GatewayConfig c) {
        Map<String, List<Object>> out = new LinkedHashMap<>();
        for (GatewayConfig.Route r : c.routes().values()) {
            for (GatewayConfig.Target t : r.targets()) {
                out.computeIfAbsent(t.id(), id -> {
                    List<Object> l = new ArrayList<>();
                    l.add(c.providers().get(t.provider()));
                    return l;
                }).add(t);
            }
        }
        return out;
    }

    private static List<String> needsRestart(GatewayConfig running, GatewayConfig next) {
        Set<String> out = new LinkedHashSet<>();
        GatewayConfig.Server a = running.server();
        GatewayConfig.Server b = next.server();
        if (!Objects.equals(a, b)) {
            diff(out, "server.host", a.host(), b.host());
            diff(out, "server.port", a.port(), b.port());
            diff(out, "server.max_body_size", a.maxBodySize(), b.maxBodySize());
            diff(out, "server.admin_token", a.adminToken(), b.adminToken());
            diff(out, "server.shutdown_grace", a.shutdownGrace(), b.shutdownGrace());
            diff(out, "server.allow_unauthenticated", a.allowUnauthenticated(), b.allowUnauthenticated());
            diff(out, "server.region", a.region(), b.region());
            diff(out, "server.busy_poll", a.busyPoll(), b.busyPoll());
            diff(out, "server.connections", a.connections(), b.connections());
            diff(out, "server.tls", a.tls(), b.tls());
            diff(out, "server.max_in_flight", a.maxInFlight(), b.maxInFlight());
            if (out.isEmpty()) {
                out.add("server");
            }
        }
        diff(out, "plugins.dir", running.pluginsDir(), next.pluginsDir());
        diff(out, "keys", running.keys(), next.keys());
        diff(out, "telemetry", running.telemetry(), next.telemetry());
        diff(out, "cluster", running.cluster(), next.cluster());
        Set<String> services = new TreeSet<>(running.services().keySet());
        services.addAll(next.services().keySet());
        for (String s : services) {
            diff(out, s, running.services().get(s), next.services().get(s));
        }
        return List.copyOf(out);
    }

    private static void diff(Set<String> out, String path, Object a, Object b) {
        if (!Objects.equals(a, b)) {
            out.add(path);
        }
    }
}
