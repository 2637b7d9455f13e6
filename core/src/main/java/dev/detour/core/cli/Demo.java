package dev.detour.core.cli;

import dev.detour.core.boot.Detour;
import dev.detour.core.config.Units;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;

/**
 * {@code detour demo}: starts the gateway on the embedded default (the simulator playing four
 * providers), drives steady traffic through it over HTTP, streaming and not, and plays a scripted
 * incident timeline against the simulator's chaos API (or, with {@code --drills}, as the gateway's
 * failover drills) while it shows, second by second, requests, success, latency and which target
 * served what share. Exits non-zero if any request failed: the timeline always leaves a healthy
 * path, so every failure is Detour's.
 */
final class Demo {
    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    Demo(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    /** One step of the incident timeline, at a share of the run. */
    record Incident(double at, String title, List<Chaos> chaos) {
    }

    static List<Incident> timeline() {
        return List.of(
                new Incident(0.00, "steady traffic, all healthy", List.of()),
                new Incident(0.10, "primary region down: openai-us refuses every call",
                        List.of(put("openai-us", "{\"down\":true}"))),
                new Incident(0.22, "backup region slow: openai-eu answers at 6x its latency",
                        List.of(put("openai-eu", "{\"latency_ms\":450,\"jitter_ms\":60}"))),
                new Incident(0.34, "rate-limit storm: openai-eu answers 429 with Retry-After: 1",
                        List.of(put("openai-eu", "{\"status\":429,\"rate\":1.0,\"retry_after\":1,\"latency_ms\":40}"))),
                new Incident(0.46, "anthropic cuts every stream before the first token",
                        List.of(put("anthropic", "{\"cut_after_chunks\":1,\"latency_ms\":60,\"jitter_ms\":20}"))),
                new Incident(0.58, "quality degradation: anthropic answers 200 with empty text",
                        List.of(put("anthropic", "{\"degrade\":\"empty\",\"latency_ms\":60,\"jitter_ms\":20}"))),
                new Incident(0.70, "recovery: every provider healthy again",
                        List.of(put("openai-us", BASELINE), put("openai-eu", BASELINE), put("anthropic", BASELINE),
                                put("gemini", BASELINE))));
    }

    static final String BASELINE = "{\"latency_ms\":70,\"jitter_ms\":30}";

    /**
     * The incident timeline of {@code --drills}: the same kind of outage rehearsed with the
     * gateway's failover drills ({@code POST /admin/drills}) instead of the simulator's chaos, as
     * one would against real providers. Each step's entries are drills to start (a target and its
     * request body) or, named {@code DELETE}, drills to end (by id: a fresh gateway numbers them
     * from drill-1).
     */
    static List<Incident> drillTimeline() {
        return List.of(
                new Incident(0.00, "steady traffic, all healthy", List.of()),
                new Incident(0.10, "drill: openai-us/gpt-4o down (it gets no calls)",
                        List.of(drill("openai-us/gpt-4o", "\"fault\":\"down\""))),
                new Incident(0.30, "drill: openai-eu/gpt-4o slow (its answers count 6x slower)",
                        List.of(drill("openai-eu/gpt-4o", "\"fault\":\"slow\",\"factor\":6"))),
                new Incident(0.50, "drill: anthropic answers 503 to half its calls",
                        List.of(drill("anthropic/claude-sonnet-4-5", "\"fault\":\"errors\",\"rate\":0.5"))),
                new Incident(0.70, "recovery: every drill ended",
                        List.of(put("DELETE", "drill-1"), put("DELETE", "drill-2"), put("DELETE", "drill-3"))));
    }

    private static Chaos drill(String target, String fault) {
        return new Chaos(target, "{\"target\":\"" + target + "\"," + fault + ",\"duration\":\"1h\"}");
    }

    /** A chaos setting for one simulated provider ({@code PUT /_chaos/{name}}). */
    record Chaos(String name, String body) {
    }

    private static Chaos put(String name, String body) {
        return new Chaos(name, body);
    }

    /** What happened to one request. */
    record Outcome(long atMs, boolean ok, long latencyMs, String target, boolean failover, int incident) {
    }

    int run(List<String> argList) {
        List<String> args = new ArrayList<>(argList);
        Duration duration = Units.duration(orDefault(Main.option(args, "--duration"), "60s"));
        int rps = Integer.parseInt(orDefault(Main.option(args, "--rps"), "20"));
        long seed = Long.parseLong(orDefault(Main.option(args, "--seed"), "42"));
        String config = Main.option(args, "--config");
        boolean drills = args.remove("--drills");
        if (!args.isEmpty()) {
            throw new Main.UsageException("demo: unexpected argument '" + args.get(0) + "'");
        }
        if (rps < 1 || rps > 500 || duration.toSeconds() < 5 || duration.toMinutes() > 60) {
            throw new Main.UsageException("demo: --rps must be 1..500 and --duration 5s..60m");
        }
        Path file = config != null ? Path.of(config) : home.resolve("conf/detour.yaml");
        // The gateway's and its libraries' log lines go to a file while the demo draws its table:
        // its logger writes to whatever System.err is at the time (logFile=System.err, uncached).
        Path logFile;
        PrintStream logs;
        try {
            logFile = java.nio.file.Files.createTempFile("detour-demo-", ".log");
            logs = new PrintStream(java.nio.file.Files.newOutputStream(logFile), true,
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (IOException e) {
            err.println("detour demo: cannot create its log file: " + e.getMessage());
            return 1;
        }
        PrintStream stderr = System.err;
        System.setErr(logs);
        try {
            return run(file, duration, rps, seed, drills);
        } finally {
            System.setErr(stderr);
            logs.close();
            reportLog(logFile);
        }
    }

    private void reportLog(Path logFile) {
        try {
            if (java.nio.file.Files.size(logFile) == 0) {
                java.nio.file.Files.deleteIfExists(logFile);
            } else {
                out.println("The gateway's log of this run: " + logFile);
            }
        } catch (IOException ignored) {
            // Only the pointer to the log is lost.
        }
    }

    private int run(Path file, Duration duration, int rps, long seed, boolean drills) {
        Map<String, String> env = new LinkedHashMap<>();
        int simPort = freePort();
        env.put("DETOUR_PORT", Integer.toString(freePort()));
        env.put("DETOUR_SIMULATOR_PORT", Integer.toString(simPort));
        env.put("DETOUR_SEED", Long.toString(seed));
        Detour gw;
        try {
            gw = Detour.start(Detour.Options.of(file, home.resolve("plugins")).withEnv(env)
                    .withRandom(RandomGenerator.of("L64X128MixRandom"))).toCompletionStage().toCompletableFuture()
                    .get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            err.println("detour demo: cannot start the gateway on " + file + ": " + rootMessage(e));
            return 1;
        }
        if (gw.services().stream().noneMatch(s -> s.contains("simulator"))) {
            err.println("detour demo needs the simulator plugin and a simulator: block in " + file);
            gw.stop();
            return 1;
        }
        try {
            return drive(gw, simPort, duration, rps, drills);
        } finally {
            try {
                gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Best effort: the process ends next.
            }
        }
    }

    private int drive(Detour gw, int simPort, Duration duration, int rps, boolean drills) {
        Vertx vertx = gw.gateway().vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(Math.max(16, rps * 2)));
        List<Incident> timeline = drills ? drillTimeline() : timeline();
        long totalMs = duration.toMillis();
        Seconds seconds = new Seconds((int) (totalMs / 1000) + 2);
        boolean tty = isTerminal();
        out.println("Detour demo: " + rps + " req/s for " + Units.format(duration) + " through route 'chat' "
                + "(openai-us -> openai-eu -> anthropic -> gemini), half of them streamed.");
        out.println("Gateway on http://127.0.0.1:" + gw.port() + ", simulator on http://127.0.0.1:" + simPort + "\n");
        for (String name : List.of("openai-us", "openai-eu", "anthropic", "gemini")) {
            chaos(client, simPort, put(name, BASELINE));
        }
        long start = System.nanoTime();
        int[] incident = {-1};
        long[] sent = {0};
        CountDownLatch done = new CountDownLatch(1);
        java.util.concurrent.atomic.AtomicLong inFlight = new java.util.concurrent.atomic.AtomicLong();
        long tick = vertx.setPeriodic(1000 / rps, id -> {
            long now = (System.nanoTime() - start) / 1_000_000;
            if (now >= totalMs) {
                vertx.cancelTimer(id);
                if (inFlight.get() == 0) {
                    done.countDown();
                }
                return;
            }
            int current = incidentAt(timeline, (double) now / totalMs);
            if (current != incident[0]) {
                incident[0] = current;
                for (Chaos c : timeline.get(current).chaos()) {
                    if (drills) {
                        drill(client, gw.port(), c);
                    } else {
                        chaos(client, simPort, c);
                    }
                }
            }
            boolean stream = (sent[0]++ % 2) == 1;
            inFlight.incrementAndGet();
            seconds.sent(now);
            long t0 = System.nanoTime();
            call(client, gw.port(), stream).onComplete(ar -> {
                long latency = (System.nanoTime() - t0) / 1_000_000;
                Reply r = ar.succeeded() ? ar.result() : new Reply(false, "-", false);
                seconds.done(new Outcome(now, r.ok, latency, r.target, r.failover, current));
                if (inFlight.decrementAndGet() == 0 && (System.nanoTime() - start) / 1_000_000 >= totalMs) {
                    done.countDown();
                }
            });
        });
        long view = vertx.setPeriodic(1000, id -> render(seconds, timeline, incident[0],
                (System.nanoTime() - start) / 1_000_000, totalMs, tty, false));
        try {
            done.await(totalMs + 60_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        vertx.cancelTimer(tick);
        vertx.cancelTimer(view);
        client.close();
        // Seconds whose last answers came after the last view: the lines add up to the summary.
        render(seconds, timeline, incident[0], totalMs, totalMs, tty, true);
        return summary(seconds, timeline, totalMs);
    }

    /**
     * The requests of the run, by the second they were sent in. A second's line is shown once every
     * request sent in it has its answer, so the per-second lines and the summary count the same
     * requests. Thread-safe: requests are sent on one event loop and answered on others.
     */
    static final class Seconds {
        private final int[] sent;
        private final List<List<Outcome>> done;
        /** The next second whose line was not shown yet. */
        private int shown;

        Seconds(int n) {
            sent = new int[n];
            done = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                done.add(new ArrayList<>());
            }
        }

        synchronized void sent(long atMs) {
            sent[index(atMs)]++;
        }

        synchronized void done(Outcome o) {
            done.get(index(o.atMs())).add(o);
        }

        private int index(long atMs) {
            return (int) Math.min(sent.length - 1, atMs / 1000);
        }

        /** The seconds before {@code nowMs} not shown yet whose requests all have answers (all of them when {@code flush}). */
        synchronized List<Integer> ready(long nowMs, boolean flush) {
            List<Integer> out = new ArrayList<>();
            while (shown < sent.length && (flush || ((long) shown + 1) * 1000 <= nowMs)
                    && (flush || done.get(shown).size() >= sent[shown])) {
                if (sent[shown] > 0 || !flush) {
                    out.add(shown);
                }
                shown++;
            }
            return out;
        }

        synchronized List<Outcome> second(int i) {
            return new ArrayList<>(done.get(i));
        }

        synchronized List<Outcome> all() {
            List<Outcome> out = new ArrayList<>();
            for (List<Outcome> l : done) {
                out.addAll(l);
            }
            return out;
        }
    }

    private record Reply(boolean ok, String target, boolean failover) {
    }

    private static Future<Reply> call(HttpClient client, int port, boolean stream) {
        String body = "{\"model\":\"chat\",\"stream\":" + stream + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + "\"Where is my prescription refill?\"}]}";
        return client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                        .setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                .compose(req -> req.send(body))
                .compose(resp -> resp.body().map(b -> {
                    String text = b.toString();
                    boolean ok = resp.statusCode() == 200 && (!stream || (text.contains("data: [DONE]")
                            && !text.contains("\"error\"")));
                    String target = resp.getHeader("x-detour-target");
                    return new Reply(ok, target == null ? "-" : target.substring(0, target.indexOf('/')),
                            "true".equals(resp.getHeader("x-detour-failover")));
                }));
    }

    private static void chaos(HttpClient client, int simPort, Chaos c) {
        client.request(new RequestOptions().setMethod(HttpMethod.PUT).setHost("127.0.0.1").setPort(simPort)
                        .setURI("/_chaos/" + c.name()).putHeader("content-type", "application/json"))
                .compose(req -> req.send(c.body()));
    }

    /** Starts a drill ({@code POST /admin/drills}) or, for a {@code DELETE} step, ends one. */
    private static void drill(HttpClient client, int port, Chaos c) {
        boolean end = c.name().equals("DELETE");
        client.request(new RequestOptions().setMethod(end ? HttpMethod.DELETE : HttpMethod.POST).setHost("127.0.0.1")
                        .setPort(port).setURI(end ? "/admin/drills/" + c.body() : "/admin/drills")
                        .putHeader("content-type", "application/json"))
                .compose(req -> end ? req.send() : req.send(c.body()));
    }

    private static int incidentAt(List<Incident> timeline, double share) {
        int current = 0;
        for (int i = 0; i < timeline.size(); i++) {
            if (share >= timeline.get(i).at()) {
                current = i;
            }
        }
        return current;
    }

    private void render(Seconds seconds, List<Incident> timeline, int incident, long nowMs, long totalMs, boolean tty,
                        boolean flush) {
        List<Integer> ready = seconds.ready(nowMs, flush);
        if (ready.isEmpty()) {
            return;
        }
        if (tty) {
            List<Outcome> last = seconds.second(ready.get(ready.size() - 1));
            List<Outcome> all = seconds.all();
            StringBuilder sb = new StringBuilder("\033[H\033[2J");
            sb.append("Detour demo   ").append(Math.min(nowMs, totalMs) / 1000).append("s / ").append(totalMs / 1000)
                    .append("s\n\n");
            for (int i = 0; i < timeline.size(); i++) {
                sb.append(i == incident ? " >> " : "    ").append(String.format(Locale.ROOT, "%3.0f%%  ",
                        timeline.get(i).at() * 100)).append(timeline.get(i).title()).append('\n');
            }
            sb.append("\nsecond ").append(ready.get(ready.size() - 1)).append(": ").append(line(last)).append('\n');
            sb.append("overall:   ").append(all.size()).append(" requests, ").append(pct(all)).append(" ok\n");
            out.print(sb);
        } else {
            for (int i : ready) {
                List<Outcome> in = seconds.second(i);
                int at = in.isEmpty() ? incident : in.get(in.size() - 1).incident();
                out.println(String.format(Locale.ROOT, "%4ds  ", i) + line(in) + "  | "
                        + (at >= 0 ? timeline.get(at).title() : ""));
            }
        }
        out.flush();
    }

    private static String line(List<Outcome> in) {
        return String.format(Locale.ROOT, "%3d req  %6s ok  p50 %5s  p95 %5s  %s", in.size(), pct(in), ms(in, 0.5),
                ms(in, 0.95), shares(in));
    }

    private int summary(Seconds seconds, List<Incident> timeline, long totalMs) {
        List<Outcome> all = seconds.all();
        long failed = all.stream().filter(o -> !o.ok()).count();
        long failovers = all.stream().filter(Outcome::failover).count();
        out.println();
        out.println("Summary: " + all.size() + " requests, " + pct(all) + " succeeded, " + failed + " failed, "
                + failovers + " served after a failover.");
        out.println();
        out.println(String.format(Locale.ROOT, "%-62s %5s %7s %7s %7s %9s  %s", "incident", "req", "ok", "p50",
                "p95", "failover", "served by"));
        for (int i = 0; i < timeline.size(); i++) {
            int idx = i;
            List<Outcome> in = all.stream().filter(o -> o.incident() == idx).toList();
            long fo = in.stream().filter(Outcome::failover).count();
            out.println(String.format(Locale.ROOT, "%-62s %5d %7s %7s %7s %9d  %s", trim(timeline.get(i).title(), 62),
                    in.size(), pct(in), ms(in, 0.5), ms(in, 0.95), fo, shares(in)));
        }
        out.println();
        out.println(recovery(all, timeline, totalMs));
        if (failed > 0) {
            out.println("FAILED: " + failed + " request(s) failed although a healthy path (gemini) existed throughout.");
            return 1;
        }
        out.println("Every request was answered: a healthy path existed throughout, and Detour found it.");
        return 0;
    }

    /**
     * How long the primary took to win its traffic back once every provider was healthy again: the
     * end of the first one-second window (sliding by 100 ms) of the recovery phase in which
     * openai-us served at least 90 % of the requests sent.
     */
    static String recovery(List<Outcome> all, List<Incident> timeline, long totalMs) {
        int phase = timeline.size() - 1;
        long from = Math.round(timeline.get(phase).at() * totalMs);
        List<Outcome> in = all.stream().filter(o -> o.incident() == phase)
                .sorted(java.util.Comparator.comparingLong(Outcome::atMs)).toList();
        for (long end = from + 1000; end <= totalMs; end += 100) {
            long lo = end - 1000;
            long hi = end;
            List<Outcome> window = in.stream().filter(o -> o.atMs() >= lo && o.atMs() < hi).toList();
            long primary = window.stream().filter(o -> o.target().equals("openai-us")).count();
            if (window.size() >= 2 && primary >= 0.9 * window.size()) {
                return String.format(Locale.ROOT, "Recovery: openai-us served >= 90%% of the requests again %.1f s "
                        + "after every provider was healthy (the second ending at %.1f s).", (end - from) / 1000.0,
                        end / 1000.0);
            }
        }
        return String.format(Locale.ROOT, "Recovery: openai-us did not serve 90%% of a second's requests in the %.1f s "
                + "of the recovery phase.", (totalMs - from) / 1000.0);
    }

    private static String trim(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    private static String pct(List<Outcome> os) {
        if (os.isEmpty()) {
            return "-";
        }
        long ok = os.stream().filter(Outcome::ok).count();
        return String.format(Locale.ROOT, "%.1f%%", 100.0 * ok / os.size());
    }

    private static String ms(List<Outcome> os, double p) {
        if (os.isEmpty()) {
            return "-";
        }
        long[] l = os.stream().mapToLong(Outcome::latencyMs).toArray();
        Arrays.sort(l);
        return l[Math.min(l.length - 1, (int) Math.floor(p * l.length))] + "ms";
    }

    private static String shares(List<Outcome> os) {
        Map<String, Integer> by = new TreeMap<>();
        for (Outcome o : os) {
            by.merge(o.target(), 1, Integer::sum);
        }
        StringBuilder sb = new StringBuilder();
        for (String t : List.of("openai-us", "openai-eu", "anthropic", "gemini")) {
            int n = by.getOrDefault(t, 0);
            sb.append(String.format(Locale.ROOT, "%s %3.0f%%  ", t, os.isEmpty() ? 0.0 : 100.0 * n / os.size()));
        }
        return sb.toString().trim();
    }

    private static boolean isTerminal() {
        java.io.Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            // JDK 22+ returns a console even when output is redirected; ask it.
            return (Boolean) java.io.Console.class.getMethod("isTerminal").invoke(c);
        } catch (ReflectiveOperationException e) {
            return true;
        }
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    private static String orDefault(String v, String d) {
        return v == null ? d : v;
    }

    private static String rootMessage(Throwable e) {
        Throwable c = e;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        if (c instanceof dev.detour.core.config.ConfigException ce) {
            return String.join("; ", ce.problems());
        }
        return c.getMessage() != null ? c.getMessage() : c.toString();
    }
}
