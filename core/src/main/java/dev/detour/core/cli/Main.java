package dev.detour.core.cli;

import dev.detour.api.Clock;
import dev.detour.api.service.Service;
import dev.detour.api.service.ServiceContext;
import dev.detour.api.service.ServiceFactory;
import dev.detour.core.boot.Detour;
import dev.detour.core.config.ConfigException;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.Extensions.Kind;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.config.Version;
import dev.detour.core.config.OptionsBinder;
import dev.detour.core.plugin.PluginHost;
import dev.detour.core.plugin.PluginLoadException;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code detour} command line: {@code run}, {@code validate}, {@code check}, {@code plugins},
 * {@code simulate}, {@code demo}, {@code cds}, {@code version}. Exit codes: 0 ok, 1 failure, 2 usage or config error.
 */
public final class Main {
    private static final String PLUGIN_LOG = "org.slf4j.simpleLogger.log.dev.detour.core.plugin";

    /** Each command's usage line and what it does, in the order {@code detour --help} lists them. */
    private static final java.util.Map<String, String> COMMANDS = new java.util.LinkedHashMap<>();

    static {
        COMMANDS.put("run", "run [--config FILE] [--port N]   start the gateway (default config: $DETOUR_HOME/conf/detour.yaml)");
        COMMANDS.put("validate", "validate [FILE | --config FILE]  check a config file and print every problem");
        COMMANDS.put("check", "check [--config FILE] [--route NAME] --cases FILE  send golden requests to every target, print what passed");
        COMMANDS.put("plugins", "plugins [--dir DIR]             list loaded plugins, their versions and the types they provide");
        COMMANDS.put("simulate", "simulate [--port N] [--config FILE]  run the provider simulator on its own");
        COMMANDS.put("demo", "demo [--duration 30s] [--rps 20] [--seed N] [--drills]  run the gateway and a scripted incident (--drills: as failover drills)");
        COMMANDS.put("cds", "cds                             write lib/detour.jsa, the class-data archive that halves start time");
        COMMANDS.put("version", "version                         print the version");
    }

    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    Main(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    public static void main(String[] args) {
        List<String> all = new ArrayList<>(Arrays.asList(args));
        boolean verbose = all.remove("-v") | all.remove("--verbose");
        args = all.toArray(String[]::new);
        // Quiet by default: which plugin provides what is for -v (or DETOUR_LOG_LEVEL=debug).
        if (System.getProperty(PLUGIN_LOG) == null) {
            System.setProperty(PLUGIN_LOG, verbose ? "info" : "warn");
        }
        String h = System.getProperty("detour.home", System.getenv().getOrDefault("DETOUR_HOME", "."));
        int code = new Main(System.out, System.err, Path.of(h).toAbsolutePath().normalize()).execute(args);
        if (code != 0 || args.length == 0 || !List.of("run", "simulate").contains(args[0])) {
            System.exit(code);
        }
    }

    int execute(String[] args) {
        if (args.length == 0 || args[0].equals("help") || args[0].equals("--help") || args[0].equals("-h")) {
            usage(out);
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        if (COMMANDS.containsKey(args[0]) && (rest.contains("--help") || rest.contains("-h"))) {
            out.println("usage: detour " + COMMANDS.get(args[0]) + "\n(every command: -v for plugin loading details)");
            return 0;
        }
        try {
            return switch (args[0]) {
                case "version", "--version" -> {
                    out.println("detour " + version());
                    yield 0;
                }
                case "validate" -> validate(rest);
                case "check" -> new Check(out, err, this).run(rest);
                case "plugins" -> plugins(rest);
                case "run" -> run(rest);
                case "simulate" -> simulate(rest);
                case "demo" -> new Demo(out, err, home).run(rest);
                case "cds" -> new CdsTraining(out, err, home).run(rest);
                default -> {
                    err.println("detour: unknown command '" + args[0] + "'");
                    usage(err);
                    yield 2;
                }
            };
        } catch (UsageException e) {
            err.println("detour: " + e.getMessage());
            return 2;
        }
    }

    private static void usage(PrintStream s) {
        s.println("usage: detour <command> [options] [-v]");
        COMMANDS.values().forEach(c -> s.println("  " + c));
        s.println("  <command> --help                print one command's usage");
    }

    static String version() {
        return Version.get();
    }

    Path configPath(List<String> args) {
        String c = option(args, "--config");
        if (c == null && !args.isEmpty() && !args.get(0).startsWith("--")) {
            c = args.remove(0);
        }
        if (c == null) {
            c = System.getenv("DETOUR_CONFIG");
        }
        return c != null ? Path.of(c) : home.resolve("conf/detour.yaml");
    }

    Path pluginsDir() {
        return home.resolve("plugins");
    }

    static String option(List<String> args, String name) {
        int i = args.indexOf(name);
        if (i < 0) {
            return null;
        }
        if (i + 1 >= args.size()) {
            throw new UsageException(name + " needs a value");
        }
        String v = args.get(i + 1);
        args.remove(i + 1);
        args.remove(i);
        return v;
    }

    private int validate(List<String> args) {
        Path file = configPath(args);
        try {
            ConfigLoader.Document doc = ConfigLoader.read(file, System::getenv);
            try (PluginHost host = PluginHost.load(doc.pluginsDir(pluginsDir()))) {
                GatewayConfig c = ConfigLoader.validate(doc, host);
                out.println(file + ": OK (" + c.providers().size() + " providers, " + c.routes().size() + " routes)");
                return 0;
            }
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.println(file + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
            return 2;
        } catch (PluginLoadException e) {
            err.println("detour: " + e.getMessage());
            return 1;
        }
    }

    private int plugins(List<String> args) {
        String dir = option(args, "--dir");
        Path d = dir != null ? Path.of(dir) : pluginsDir();
        try (PluginHost host = PluginHost.load(d)) {
            out.println("plugins in " + d.toAbsolutePath().normalize() + ":");
            for (PluginHost.PluginInfo p : host.plugins()) {
                out.printf("  %-22s %-16s %s%n", p.id(), p.version(), String.join(", ", p.types()));
            }
            return 0;
        } catch (PluginLoadException e) {
            err.println("detour: " + e.getMessage());
            return 1;
        }
    }

    private int run(List<String> args) {
        Path file = configPath(args);
        String port = option(args, "--port");
        Detour.Options o = Detour.Options.of(file, pluginsDir());
        if (port != null) {
            o = o.withPort(Integer.parseInt(port));
        }
        Detour d;
        try {
            d = Detour.start(o).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.println("detour: refusing to start: " + file + " has " + e.problems().size() + " problem"
                    + (e.problems().size() == 1 ? "" : "s"));
            return 2;
        } catch (PluginLoadException e) {
            err.println("detour: " + e.getMessage());
            return 1;
        } catch (Exception e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            err.println("detour: cannot start: " + (c.getMessage() != null ? c.getMessage() : c.toString()));
            if (Boolean.getBoolean("detour.debug")) {
                c.printStackTrace(err);
            }
            return 1;
        }
        d.services().forEach(s -> out.println(s));
        d.reloadOnSighup();
        GatewayConfig.Server s = d.gateway().config().server();
        String scheme = s.tls() == null ? "http" : "https";
        out.println("detour " + version() + " listening on " + scheme + "://" + s.host() + ":" + d.port() + " ("
                + d.gateway().routes().size() + " routes, config " + file + ", "
                + (d.gateway().vertx().isNativeTransportEnabled() ? "native" : "NIO") + " transport)");
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("detour: draining in-flight requests (up to " + s.shutdownGrace().toSeconds() + "s)");
            d.stop(false).onComplete(ar -> stopped.countDown());
            try {
                stopped.await(s.shutdownGrace().toMillis() + 5000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            out.println("detour: stopped");
            out.flush();
            // A drained stop is a clean exit (0), not the 143 the JVM reports for SIGTERM.
            Runtime.getRuntime().halt(stopped.getCount() == 0 ? 0 : 1);
        }, "detour-shutdown"));
        return 0;
    }

    private int simulate(List<String> args) {
        String port = option(args, "--port");
        String config = option(args, "--config");
        try {
            PluginHost host = PluginHost.load(pluginsDir());
            ServiceFactory<Object> f = host.factory(Kind.SERVICE, "simulator");
            if (f == null) {
                err.println("detour simulate needs the simulator plugin (simulator-*.jar) in " + pluginsDir());
                return 1;
            }
            com.fasterxml.jackson.databind.node.ObjectNode block = com.fasterxml.jackson.databind.node.JsonNodeFactory
                    .instance.objectNode();
            if (config != null) {
                ConfigLoader.Document doc = ConfigLoader.read(Path.of(config), System::getenv);
                if (doc.root().get("simulator") instanceof com.fasterxml.jackson.databind.node.ObjectNode sim) {
                    block = sim;
                }
            }
            if (port != null) {
                block.put("port", Integer.parseInt(port));
            }
            Object options = OptionsBinder.bind(block, f.optionsType(), "simulator");
            Vertx vertx = dev.detour.core.net.EventLoops.vertx(0);   // a test tool: no busy poll
            Service svc = f.create(options, new ServiceContext(vertx, Clock.SYSTEM, Path.of(".").toAbsolutePath()));
            String started = svc.start().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            out.println(started);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> vertx.close(), "simulator-shutdown"));
            return 0;
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            return 2;
        } catch (PluginLoadException e) {
            err.println("detour: " + e.getMessage());
            return 1;
        } catch (IllegalArgumentException e) {
            err.println("detour: " + e.getMessage());
            return 2;
        } catch (Exception e) {
            err.println("detour: simulator failed to start: " + (e.getCause() != null ? e.getCause().getMessage() : e));
            return 1;
        }
    }

    /** A command-line mistake. */
    static final class UsageException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        UsageException(String message) {
            super(message);
        }
    }

    static boolean exists(Path p) {
        return Files.exists(p);
    }
}
