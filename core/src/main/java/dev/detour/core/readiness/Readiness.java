package dev.detour.core.readiness;

import dev.detour.api.Clock;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.core.admission.RequestContexts;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.AbortSignal;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.failover.FailoverEngine;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.TargetCall;
import dev.detour.core.failover.Timers;
import dev.detour.core.health.TargetRuntime;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Failover readiness, validated in advance (README "Failover readiness"): sends golden requests
 * ({@link ReadinessCase}) to every target of a route, each prepared as the engine prepares it for
 * that target (its model, prompt and parameter overrides, timeouts: {@link TargetCall}), checks
 * each answer, and where an embedder route is configured compares each answer with the route's
 * first target's by cosine similarity. So a team learns before an incident that a backup's prompt
 * no longer works.
 *
 * <p>Costs tokens, so it runs only when asked ({@code detour check}, {@code POST
 * /admin/readiness}) or, opt-in, every {@code readiness.every} on the engine's scheduler. At most
 * {@link #MAX_CONCURRENT} calls are in flight at once, each bounded by its target's timeouts; one
 * run at a time. A target that failed a case is flagged ({@link #flag}), never taken out of
 * routing. Not thread-safe: the gateway's event loop only, like the engine.
 */
public final class Readiness {
    private static final Logger LOG = LoggerFactory.getLogger(Readiness.class);
    /** The most readiness calls in flight at once, so a run never looks like a burst to a provider. */
    public static final int MAX_CONCURRENT = 4;

    /**
     * What a target's last readiness run said, for {@code /admin/targets}.
     *
     * @param at when that run started
     */
    public record Flag(int passed, int failed, Instant at) {
    }

    private final Map<String, RouteRuntime> routes;
    private final FailoverEngine engine;
    private final Timers timers;
    private final Clock clock;
    private final GatewayConfig.Readiness config;
    private final String region;
    private final Map<String, Flag> flags = new HashMap<>();
    private ReadinessReport last;
    private boolean running;
    private Timers.Timer scheduled;
    private boolean stopped;
    private long runs;

    /**
     * @param routes the gateway's configured routes, by name
     * @param timers the engine's scheduler (scheduled runs; each call's timeouts)
     * @param region the gateway's region, for the embedder route's plan
     */
    private boolean started;

    public Readiness(Map<String, RouteRuntime> routes, FailoverEngine engine, Timers timers, Clock clock,
                     GatewayConfig.Readiness config, String region) {
        this.routes = routes;
        this.engine = engine;
        this.timers = timers;
        this.clock = clock;
        this.config = config == null ? GatewayConfig.Readiness.OFF : config;
        this.region = region;
    }

    /** The configured {@code readiness:} block. */
    public GatewayConfig.Readiness config() {
        return config;
    }

    /** Starts the schedule when {@code readiness.every} is set (never by default: it costs tokens). */
    public void start() {
        started = true;
        if (config.every() != null && !config.cases().isEmpty() && !stopped) {
            scheduleNext();
        }
    }

    /** Whether {@link #start} was called and {@link #stop} not yet: a reload starts its successor. */
    public boolean started() {
        return started && !stopped;
    }

    /** Stops the schedule; a run in flight finishes. */
    public void stop() {
        stopped = true;
        if (scheduled != null) {
            scheduled.cancel();
            scheduled = null;
        }
    }

    private void scheduleNext() {
        scheduled = timers.schedule(config.every().toMillis(), () -> {
            scheduled = null;
            if (stopped) {
                return;
            }
            if (running) {
                LOG.info("readiness: the scheduled run is skipped, a run is still going");
                scheduleNext();
                return;
            }
            run(null, config.cases()).onComplete(ar -> {
                if (ar.succeeded()) {
                    LOG.info("readiness: scheduled run {}", ar.result().passed() ? "passed" : "found failing targets");
                }
                if (!stopped) {
                    scheduleNext();
                }
            });
        });
    }

    /** Whether a run is going. */
    public boolean running() {
        return running;
    }

    /** The last finished run's report, or null before the first. */
    public ReadinessReport last() {
        return last;
    }

    /** What {@code targetId}'s last readiness run said, or null when it was never checked. */
    public Flag flag(String targetId) {
        return flags.get(targetId);
    }

    /**
     * Why {@code route} cannot be checked, or null when it can: it must be a configured route,
     * and not the embedder (an embeddings route answers no chat).
     */
    public String routeProblem(String route) {
        if (!routes.containsKey(route)) {
            return "no route '" + route + "' (routes: " + String.join(", ", routes.keySet()) + ")";
        }
        if (route.equals(config.embedderRoute())) {
            return "route '" + route + "' is the readiness embedder (an embeddings route)";
        }
        return null;
    }

    /**
     * Runs {@code cases} against every target of {@code route} (every configured route but the
     * embedder when null). Fails with IllegalStateException while another run is going and with
     * IllegalArgumentException for a route that cannot be checked; otherwise completes with the
     * report, which also becomes {@link #last()} and updates the targets' flags.
     */
    public Future<ReadinessReport> run(String route, List<ReadinessCase> cases) {
        if (running) {
            return Future.failedFuture(new IllegalStateException("a readiness run is already going"));
        }
        List<RouteRuntime> chosen = new ArrayList<>();
        if (route != null) {
            String problem = routeProblem(route);
            if (problem != null) {
                return Future.failedFuture(new IllegalArgumentException(problem));
            }
            chosen.add(routes.get(route));
        } else {
            routes.values().stream().filter(r -> !r.name().equals(config.embedderRoute())).forEach(chosen::add);
            if (chosen.isEmpty()) {
                return Future.failedFuture(new IllegalArgumentException("no route to check (the only route is the "
                        + "readiness embedder)"));
            }
        }
        running = true;
        Instant at = clock.now();
        long started = clock.nanos();
        long run = ++runs;
        List<Job> jobs = new ArrayList<>();
        for (RouteRuntime r : chosen) {
            for (TargetRuntime t : r.runtimes()) {
                for (ReadinessCase c : cases) {
                    jobs.add(new Job(r, t, c, "readiness-" + run + "-" + (jobs.size() + 1)));
                }
            }
        }
        Promise<Void> calls = Promise.promise();
        new Pump(jobs, calls).start();
        return calls.future().compose(v -> similarities(chosen, cases, jobs)).map(sims -> {
            ReadinessReport report = report(at, (clock.nanos() - started) / 1_000_000, chosen, cases, jobs, sims);
            last = report;
            Map<String, int[]> counts = new LinkedHashMap<>();
            for (Job j : jobs) {
                int[] c = counts.computeIfAbsent(j.target.id(), k -> new int[2]);
                c[j.failures.isEmpty() ? 0 : 1]++;
            }
            counts.forEach((id, c) -> flags.put(id, new Flag(c[0], c[1], at)));
            return report;
        }).onComplete(ar -> running = false);
    }

    /** One case on one target. */
    private static final class Job {
        final RouteRuntime route;
        final TargetRuntime target;
        final ReadinessCase c;
        final String requestId;
        String text;
        long latencyMs;
        List<String> failures = List.of();

        Job(RouteRuntime route, TargetRuntime target, ReadinessCase c, String requestId) {
            this.route = route;
            this.target = target;
            this.c = c;
            this.requestId = requestId;
        }
    }

    /** Keeps up to {@link #MAX_CONCURRENT} jobs in flight until all are done. */
    private final class Pump {
        private final List<Job> jobs;
        private final Promise<Void> done;
        private int next;
        private int inFlight;

        Pump(List<Job> jobs, Promise<Void> done) {
            this.jobs = jobs;
            this.done = done;
        }

        void start() {
            if (jobs.isEmpty()) {
                done.complete();
                return;
            }
            fill();
        }

        private void fill() {
            while (inFlight < MAX_CONCURRENT && next < jobs.size()) {
                Job j = jobs.get(next++);
                inFlight++;
                TargetCall.chat(engine, j.route, j.target, j.c.request(), j.requestId).onComplete(ar -> {
                    inFlight--;
                    finish(j, ar.succeeded() ? ar.result() : new TargetCall.Outcome(null,
                            "unknown: " + ar.cause(), 0));
                    if (next >= jobs.size() && inFlight == 0) {
                        done.tryComplete();
                    } else {
                        fill();
                    }
                });
            }
        }
    }

    private static void finish(Job j, TargetCall.Outcome o) {
        j.latencyMs = o.latencyMs();
        ChatResponse answer = o.answer();
        if (answer == null) {
            j.failures = List.of("call failed: " + o.error());
            return;
        }
        j.text = answer.choices().isEmpty() ? "" : answer.text();
        List<String> f = j.c.check().failures(j.text == null ? "" : j.text, o.latencyMs());
        j.failures = f;
    }

    /**
     * Each answer's cosine similarity to its route's first target's answer of the same case, by job
     * index; empty when no embedder is configured or it failed (then the report says why).
     */
    private Future<Sims> similarities(List<RouteRuntime> chosen, List<ReadinessCase> cases, List<Job> jobs) {
        String embedder = config.embedderRoute();
        if (embedder == null) {
            return Future.succeededFuture(new Sims(null, "readiness.embedder is not configured"));
        }
        RouteRuntime er = routes.get(embedder);
        List<String> texts = new ArrayList<>();
        Map<Job, Integer> index = new HashMap<>();
        for (Job j : jobs) {
            if (j.text != null && !j.text.isEmpty()) {
                index.put(j, texts.size());
                texts.add(j.text);
            }
        }
        if (texts.isEmpty()) {
            return Future.succeededFuture(new Sims(null, "no target answered"));
        }
        var ctx = RequestContexts.of(MultiMap.caseInsensitiveMultiMap(), "readiness-" + runs + "-embed", embedder,
                null, region, false, "openai");
        return engine.embed(er, new EmbeddingRequest(embedder, texts, null, null, null, null), ctx, new AbortSignal())
                .map(r -> similarities(r, index, chosen, cases, jobs, texts.size()))
                .otherwise(e -> new Sims(null, "the embedder route '" + embedder + "' failed: " + e.getMessage()));
    }

    private Sims similarities(EngineResult<EmbeddingResponse> r, Map<Job, Integer> index, List<RouteRuntime> chosen,
                              List<ReadinessCase> cases, List<Job> jobs, int n) {
        String embedder = config.embedderRoute();
        if (r.failure() != null) {
            return new Sims(null, "the embedder route '" + embedder + "' failed: " + r.failure().message());
        }
        List<float[]> vectors = r.value().vectors();
        if (vectors.size() != n) {
            return new Sims(null, "the embedder route '" + embedder + "' returned " + vectors.size()
                    + " vectors for " + n + " answers");
        }
        Map<Job, Double> out = new HashMap<>();
        Map<String, Job> firsts = new HashMap<>();
        for (Job j : jobs) {
            if (j.target == j.route.runtimes().get(0)) {
                firsts.put(j.route.name() + "\n" + j.c.name(), j);
            }
        }
        for (Job j : jobs) {
            Job first = firsts.get(j.route.name() + "\n" + j.c.name());
            Integer a = index.get(j);
            Integer b = first == null ? null : index.get(first);
            if (a != null && b != null) {
                out.put(j, cosine(vectors.get(a), vectors.get(b)));
            }
        }
        return new Sims(out, "route " + embedder);
    }

    /** Similarities by job, or null with the reason they were not computed. */
    private record Sims(Map<Job, Double> byJob, String how) {
    }

    /** Cosine similarity of two vectors of the same length (0 when either is zero). */
    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        int n = Math.min(a.length, b.length);
        for (int i = 0; i < n; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return na == 0 || nb == 0 ? 0 : dot / Math.sqrt(na * nb);
    }

    private static ReadinessReport report(Instant at, long ms, List<RouteRuntime> chosen, List<ReadinessCase> cases,
                                          List<Job> jobs, Sims sims) {
        List<ReadinessReport.RouteResult> rs = new ArrayList<>();
        int k = 0;
        for (RouteRuntime r : chosen) {
            List<ReadinessReport.TargetResult> ts = new ArrayList<>();
            for (TargetRuntime t : r.runtimes()) {
                List<ReadinessReport.CaseResult> cs = new ArrayList<>();
                for (int i = 0; i < cases.size(); i++) {
                    Job j = jobs.get(k++);
                    cs.add(new ReadinessReport.CaseResult(j.c.name(), j.latencyMs, j.failures,
                            sims.byJob() == null ? null : sims.byJob().get(j)));
                }
                ts.add(new ReadinessReport.TargetResult(t.id(), cs));
            }
            rs.add(new ReadinessReport.RouteResult(r.name(), ts));
        }
        return new ReadinessReport(at, ms, sims.how(), sims.byJob() != null, rs);
    }
}
