package dev.detour.core.bench;

import dev.detour.api.Clock;
import dev.detour.api.view.RequestContext;
import dev.detour.core.Gateway;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.FailoverEngine;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.health.CircuitBreaker;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.plugin.PluginHost;
import io.vertx.core.Vertx;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * Planning plus health bookkeeping, per request: the failover engine's plan over a route of four
 * targets (the priority strategy from the routing-basic plugin, the envelope filter and the
 * graduated shift), then the primary's breaker permission, in-flight count, breaker outcome and
 * latency/outcome record, exactly as a successful attempt does them.
 *
 * <p>The gateway is built the way {@code detour run} builds it: the config is validated against
 * the plugins of the assembled distribution (system property {@code detour.plugins}, default
 * {@code ../distribution/target/detour/plugins} from core/), so build the distribution first.
 * Nothing is ever called: the benchmark uses the engine's planning and the targets' health only.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(java.util.concurrent.TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class PlanBench {
    private static final String CONFIG = """
            providers:
              p1: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: k-one, region: us-east-1, category: closed }
              p2: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: k-two, region: eu-west-1, category: closed }
              p3: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: k-three, region: us-east-1, category: closed }
              p4: { type: openai, base_url: "http://127.0.0.1:9/v1", api_key: k-four, region: eu-west-1, category: closed }
            envelope:
              providers: [p1, p2, p3, p4]
              regions: [us-east-1, eu-west-1]
              categories: [closed]
            routes:
              chat:
                strategy: priority
                targets:
                  - { provider: p1, model: gpt-4o }
                  - { provider: p2, model: gpt-4o }
                  - { provider: p3, model: gpt-4o-mini }
                  - { provider: p4, model: gpt-4o-mini }
            """;

    private Vertx vertx;
    private PluginHost plugins;
    private Gateway gateway;
    private FailoverEngine engine;
    private RouteRuntime route;
    private RequestContext ctx;
    private TargetRuntime primary;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Path dir = Path.of(System.getProperty("detour.plugins", "../distribution/target/detour/plugins"));
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("no plugins at " + dir.toAbsolutePath()
                    + ": build the distribution first (mvn -B install -DskipTests) or set -Ddetour.plugins");
        }
        plugins = PluginHost.load(dir);
        Path file = Files.createTempFile("plan-bench", ".yaml");
        Files.writeString(file, CONFIG);
        GatewayConfig config = ConfigLoader.validate(ConfigLoader.parse(file, CONFIG, System::getenv), plugins);
        Files.deleteIfExists(file);
        vertx = Vertx.vertx();
        gateway = Gateway.build(config, plugins, vertx, Clock.SYSTEM, RandomGenerator.of("L64X128MixRandom"));
        engine = gateway.engine();
        route = gateway.routes().get("chat");
        ctx = new RequestContext("req_bench", "chat", null, null, "normal", Map.of(), null, false, "openai");
        primary = route.runtimes().get(0);
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        gateway.close().await();
        vertx.close().await();
        plugins.close();
    }

    /** The plan alone: strategy, envelope filter, graduated shift. */
    @Benchmark
    public List<TargetRuntime> plan() {
        return engine.plan(route, ctx);
    }

    /** The breaker alone: permission, then a success. */
    @Benchmark
    public CircuitBreaker.Grant breaker() {
        CircuitBreaker b = primary.breaker();
        CircuitBreaker.Grant g = b.tryAcquire();
        b.onSuccess(g);
        return g;
    }

    /** Per request: plan, then the bookkeeping of one successful attempt on the first target. */
    @Benchmark
    public TargetRuntime planAndRecord() {
        List<TargetRuntime> plan = engine.plan(route, ctx);
        TargetRuntime t = plan.get(0);
        CircuitBreaker.Grant g = t.breaker().tryAcquire();
        t.callStarted();
        t.callEnded();
        t.breaker().onSuccess(g);
        t.recordOutcome(true, 1.0, -1);
        return t;
    }
}
