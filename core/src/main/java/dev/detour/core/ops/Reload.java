package dev.detour.core.ops;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.core.Gateway;
import dev.detour.core.config.ConfigException;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.plugin.PluginHost;
import dev.detour.core.plugin.PluginLoadException;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Re-reads the config file of a running gateway ({@code POST /admin/reload}, SIGHUP) and puts it in
 * service: the file is read and validated as {@code detour validate} does (every problem with its
 * YAML path), new plugin jars in the plugins folder are loaded first so the file may use them,
 * and the config is built beside the running one (all of this on a worker thread); then, on the
 * gateway's event loop, it replaces the running one in one step ({@link Gateway#swap}). Any
 * problem refuses the whole reload and the running config goes on serving.
 *
 * <p>Settings only a restart applies ({@code server.*}, {@code plugins.dir}, {@code keys},
 * {@code telemetry}, in-process services) keep their running values and are named in the
 * answer's {@code needs_restart}. Reloads run one at a time: one asked while another runs starts
 * after it. Each applied reload is a {@code reload} event.
 */
public final class Reload {
    private static final Logger LOG = LoggerFactory.getLogger(Reload.class);

    /**
     * What a reload answers: 200 with the summary, or 422 {@code invalid_config} with the problems.
     *
     * @param body the JSON body of {@code POST /admin/reload}'s answer
     */
    public record Outcome(int status, ObjectNode body) {
        /** Whether the new config is in service. */
        public boolean applied() {
            return status == 200;
        }
    }

    private final Gateway gateway;
    private final PluginHost plugins;
    private final Path file;
    private final Function<String, String> env;
    private final Integer portOverride;
    private final Context context;
    /** The last reload asked for; the next one runs after it. Touched on {@link #context} only. */
    private Future<Outcome> last = Future.succeededFuture();
    /** Re-reads the server's certificate files ({@code server.tls}); null when the boot set none. */
    private volatile java.util.function.Supplier<Future<Void>> certificates;

    /**
     * @param file         the config file the gateway started from
     * @param env          the environment {@code ${NAME}} is resolved from
     * @param portOverride the port the command line gave (it wins over the file's on a reload too), or null
     * @param context      the gateway's event loop context, where the swap happens
     */
    public Reload(Gateway gateway, PluginHost plugins, Path file, Function<String, String> env, Integer portOverride,
                  Context context) {
        this.gateway = gateway;
        this.plugins = plugins;
        this.file = file;
        this.env = env;
        this.portOverride = portOverride;
        this.context = context;
    }

    /**
     * Reloads the config file, after any reload already running.
     *
     * @param trigger what asked for it, for the event and the log ({@code admin}, {@code sighup})
     * @return the outcome, completed on the gateway's context; never failed
     */
    public Future<Outcome> run(String trigger) {
        Promise<Outcome> p = Promise.promise();
        context.runOnContext(v -> {
            Future<Outcome> f = last.transform(ignored -> once(trigger));
            last = f;
            f.onComplete(p);
        });
        return p.future();
    }

    /**
     * How a reload re-reads the server's certificate files: {@code server.tls} itself needs a
     * restart, but a certificate renewed under the same file names is picked up by every reload
     * (new connections get it; open ones keep theirs). A file that cannot be used refuses the
     * reload, and the running certificate keeps serving.
     */
    public void certificates(java.util.function.Supplier<Future<Void>> reread) {
        this.certificates = reread;
    }

    /** What the worker thread hands to the event loop: a config ready to swap, or the problems. */
    private record Ready(Gateway.Prepared prepared, ConfigDiff diff, PluginHost.Rescan rescan, List<String> problems) {
    }

    private Future<Outcome> once(String trigger) {
        java.util.function.Supplier<Future<Void>> certs = certificates;
        Future<Void> reread = certs == null ? Future.succeededFuture() : certs.get();
        return reread.transform(c -> {
            if (c.failed()) {
                LOG.warn("reload ({}) refused, the running config is kept: {}", trigger, c.cause().getMessage());
                return Future.succeededFuture(refused(List.of(String.valueOf(c.cause().getMessage()))));
            }
            return prepared(trigger);
        });
    }

    private Future<Outcome> prepared(String trigger) {
        return context.owner().executeBlocking(this::prepare, false).transform(ar -> {
            if (ar.failed()) {
                LOG.error("reload ({}) failed", trigger, ar.cause());
                return Future.succeededFuture(refused(List.of("the reload failed: " + ar.cause())));
            }
            Ready r = ar.result();
            if (r.problems() != null) {
                LOG.warn("reload ({}) refused, the running config is kept: {}", trigger, String.join("; ", r.problems()));
                return Future.succeededFuture(refused(r.problems()));
            }
            gateway.swap(r.prepared());
            ObjectNode summary = r.diff().json();
            ArrayNode loaded = summary.putObject("plugins").putArray("loaded");
            r.rescan().loaded().forEach(i -> loaded.add(i.id()));
            ArrayNode unloaded = summary.withObject("plugins").putArray("unloaded");
            r.rescan().unloaded().forEach(i -> unloaded.add(i.id()));
            ObjectNode event = gateway.events().event("reload");
            event.put("trigger", trigger);
            event.setAll(summary.deepCopy());
            gateway.events().publish(event);
            LOG.info("config reloaded ({}): {}", trigger, summary);
            if (!r.diff().needsRestart().isEmpty()) {
                LOG.warn("reload ({}): {} changed but only take effect on a restart", trigger,
                        String.join(", ", r.diff().needsRestart()));
            }
            ObjectNode body = JsonNodeFactory.instance.objectNode().put("status", "reloaded");
            body.setAll(summary);
            return Future.succeededFuture(new Outcome(200, body));
        });
    }

    /** The blocking part: read, load new plugins, validate, build. Never throws for a bad file. */
    private Ready prepare() {
        GatewayConfig running = gateway.config();
        ConfigLoader.Document doc;
        try {
            doc = ConfigLoader.read(file, env);
        } catch (ConfigException e) {
            return problems(e.problems());
        }
        Path dir = doc.pluginsDir(null);
        PluginHost.Rescan rescan = PluginHost.Rescan.NONE;
        if (dir == null || dir.toAbsolutePath().normalize().toString().equals(plugins.source())) {
            try {
                rescan = plugins.rescan(used(running));
            } catch (PluginLoadException e) {
                return problems(List.of(e.getMessage().split("\n")));
            }
        }
        GatewayConfig next;
        try {
            next = ConfigLoader.validate(doc, plugins);
        } catch (ConfigException e) {
            return problems(e.problems());
        }
        if (portOverride != null) {
            next = next.withServer(next.server().withPort(portOverride));
        }
        ConfigDiff diff = ConfigDiff.between(running, next);
        Gateway.Prepared prepared;
        try {
            prepared = gateway.prepare(next.reloadedOnto(running), plugins);
        } catch (IllegalArgumentException e) {
            return problems(List.of(e.getMessage()));
        }
        return new Ready(prepared, diff, rescan, null);
    }

    private static Ready problems(List<String> problems) {
        return new Ready(null, null, null, List.copyOf(problems));
    }

    private static Outcome refused(List<String> problems) {
        ObjectNode body = JsonNodeFactory.instance.objectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", "the config was not reloaded (" + problems.size() + " problem"
                + (problems.size() == 1 ? "" : "s") + "); the running config is kept")
                .put("type", "invalid_request_error").put("code", "invalid_config");
        ArrayNode list = error.putArray("problems");
        problems.forEach(list::add);
        return new Outcome(422, body);
    }

    /**
     * The extension types {@code config} uses, as {@link PluginHost.PluginInfo#types()} names them
     * ({@code provider:openai}, {@code strategy:priority}...): a plugin that provides one of them
     * cannot be taken away while the config runs.
     */
    static Set<String> used(GatewayConfig config) {
        Set<String> out = new LinkedHashSet<>();
        config.providers().values().forEach(p -> out.add(type("provider", p.type())));
        for (GatewayConfig.Route r : config.routes().values()) {
            out.add(type("strategy", r.strategy().type()));
            r.detectors().forEach(d -> out.add(type("detector", d.type())));
            r.guardrails().forEach(g -> out.add(type("guardrail", g.plugin().type())));
            if (r.cache() != null) {
                out.add(type("cache", r.cache().plugin().type()));
            }
        }
        config.services().keySet().forEach(s -> out.add(type("service", s)));
        return out;
    }

    private static String type(String kind, String type) {
        return kind.toLowerCase(Locale.ROOT) + ":" + type;
    }
}
