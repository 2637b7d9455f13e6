package dev.detour.core.cli;

import dev.detour.api.Clock;
import dev.detour.core.Gateway;
import dev.detour.core.config.ConfigException;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.plugin.PluginHost;
import dev.detour.core.plugin.PluginLoadException;
import dev.detour.core.readiness.ReadinessCase;
import dev.detour.core.readiness.ReadinessReport;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@code detour check [--config FILE] [--route NAME] [--cases FILE]}: runs the readiness cases
 * against every target of the route (or of every route but the embedder) exactly as the gateway
 * would call each target, prints a table per route and exits 0 when every target passed every
 * case, 1 when one failed, 2 on a usage or config error. The gateway's in-process services (the
 * simulator) run meanwhile; no port is opened for clients.
 */
final class Check {
    private final PrintStream out;
    private final PrintStream err;
    private final Main main;

    Check(PrintStream out, PrintStream err, Main main) {
        this.out = out;
        this.err = err;
        this.main = main;
    }

    int run(List<String> args) {
        String route = Main.option(args, "--route");
        String casesFile = Main.option(args, "--cases");
        Path file = main.configPath(args);
        if (!args.isEmpty()) {
            throw new Main.UsageException("check: unexpected argument '" + args.get(0) + "'");
        }
        GatewayConfig config;
        PluginHost plugins;
        try {
            ConfigLoader.Document doc = ConfigLoader.read(file, System::getenv);
            plugins = PluginHost.load(doc.pluginsDir(main.pluginsDir()));
            try {
                config = ConfigLoader.validate(doc, plugins);
            } catch (ConfigException e) {
                plugins.close();
                throw e;
            }
        } catch (ConfigException e) {
            e.problems().forEach(err::println);
            err.println(file + ": " + e.problems().size() + " problem" + (e.problems().size() == 1 ? "" : "s"));
            return 2;
        } catch (PluginLoadException e) {
            err.println("detour: " + e.getMessage());
            return 1;
        }
        try {
            List<ReadinessCase> cases = config.readiness().cases();
            if (casesFile != null) {
                List<String> problems = new ArrayList<>();
                cases = ReadinessCase.load(Path.of(casesFile), problems);
                if (!problems.isEmpty()) {
                    problems.forEach(err::println);
                    err.println(casesFile + ": " + problems.size() + " problem" + (problems.size() == 1 ? "" : "s"));
                    return 2;
                }
            } else if (cases.isEmpty()) {
                throw new Main.UsageException("check needs --cases FILE (or readiness.cases in " + file + ")");
            }
            return check(config, plugins, route, cases);
        } finally {
            plugins.close();
        }
    }

    private int check(GatewayConfig config, PluginHost plugins, String route, List<ReadinessCase> cases) {
        Vertx vertx = dev.detour.core.net.EventLoops.vertx(0);   // a one-off command: no busy poll
        try {
            Gateway gateway;
            try {
                gateway = Gateway.build(config, plugins, vertx, Clock.SYSTEM, RandomGenerator.getDefault());
            } catch (IllegalArgumentException e) {
                err.println("detour: " + e.getMessage());
                return 2;
            }
            if (route != null && gateway.readiness().routeProblem(route) != null) {
                err.println("detour: --route: " + gateway.readiness().routeProblem(route));
                gateway.close();
                return 2;
            }
            // The engine's state is single-threaded: the whole run happens on one event loop.
            Context ctx = vertx.getOrCreateContext();
            Future<ReadinessReport> run = Future.future(p -> ctx.runOnContext(v -> gateway.startServices()
                    .compose(started -> gateway.readiness().run(route, cases))
                    .eventually(gateway::close)
                    .onComplete(p)));
            ReadinessReport report;
            try {
                report = run.toCompletionStage().toCompletableFuture().get(1, TimeUnit.HOURS);
            } catch (Exception e) {
                Throwable c = e.getCause() != null ? e.getCause() : e;
                if (c instanceof IllegalArgumentException) {
                    err.println("detour: " + c.getMessage());
                    return 2;
                }
                err.println("detour: the readiness run failed: " + c.getMessage());
                return 1;
            }
            out.print(report.toTable());
            return report.passed() ? 0 : 1;
        } finally {
            vertx.close();
        }
    }
}
