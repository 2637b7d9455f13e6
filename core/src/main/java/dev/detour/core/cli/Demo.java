package dev.detour.core.cli;

import dev.detour.core.Detour;
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
 * incident timeline against the simulator's chaos API while it shows, second by second, requests,
 * success, latency and which target served what share. Exits non-zero if any request failed: the
 * timeline always leaves a healthy path, so every failure is Detour's.
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
        if (!args.isEmpty()) {
            throw new Main.UsageException("demo: unexpected argument '" + args.get(0) + "'");
        }
        if (rps < 1 || rps > 500 || duration.toSeconds() < 5 || duration.toMinutes() > 60) {
            throw new Main.UsageException("demo: --rps must be 1..500 and --duration 5s..60m");
        }
        Path file = config != null ? Path.of(config) : home.resolve("conf/detour.yaml");
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
            return drive(gw, simPort, duration, rps);
        } finally {
            try {
                gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Best effort: the process ends next.
            }
        }
    }

    private int drive(Detour gw, int simPort, Duration duration, int rps) {
        Vertx vertx = gw.gateway().vertx();
        HttpClient client = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
                new PoolOptions().setHttp1MaxSize(Math.max(16, rps * 2)));
        List<Incident> timeline = timeline();
        long totalMs = duration.toMillis();
        List<Outcome> outcomes = java.util.Collections.synchronizedList(new ArrayList<>());
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
        long[] inFlight = {0};
        long tick = vertx.setPeriodic(1000 / rps, id -> {
            long now = (System.nanoTime() - start) / 1_000_000;
            if (now >= totalMs) {
                vertx.cancelTimer(id);
                if (inFlight[0] == 0) {
                    done.countDown();
                }
                return;
            }
            int current = incidentAt(timeline, (double) now / totalMs);
            if (current != incident[0]) {
                incident[0] = current;
                for (Chaos c : timeline.get(current).chaos()) {
                    chaos(client, simPort, c);
                }
            }
            boolean stream = (sent[0]++ % 2) == 1;
            inFlight[0]++;
            long t0 = System.nanoTime();
            call(client, gw.port(), stream).onComplete(ar -> {
                inFlight[0]--;
                long latency = (System.nanoTime() - t0) / 1_000_000;
                Reply r = ar.succeeded() ? ar.result() : new Reply(false, "-", false);
                outcomes.add(new Outcome(now, r.ok, latency, r.target, r.failover, current));
                if ((System.nanoTime() - start) / 1_000_000 >= totalMs && inFlight[0] == 0) {
                    done.countDown();
                }
            });
        });
        long view = vertx.setPeriodic(1000, id -> render(outcomes, timeline, incident[0],
                (System.nanoTime() - start) / 1_000_000, totalMs, tty));
        try {
            done.await(totalMs + 60_000, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        vertx.cancelTimer(tick);
        vertx.cancelTimer(view);
        client.close();
        return summary(new ArrayList<>(outcomes), timeline);
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

    private static int incidentAt(List<Incident> timeline, double share) {
        int current = 0;
        for (int i = 0; i < timeline.size(); i++) {
            if (share >= timeline.get(i).at()) {
                current = i;
            }
        }
        return current;
    }

    private void render(List<Outcome> all, List<Incident> timeline, int incident, long nowMs, long totalMs, boolean tty) {
        List<Outcome> last;
        synchronized (all) {
            last = all.stream().filter(o -> o.atMs() >= nowMs - 1000 && o.atMs() < nowMs).toList();
        }
        String line = String.format(Locale.ROOT, "%4ds  %3d req  %6s ok  p50 %5s  p95 %5s  %s", nowMs / 1000,
                last.size(), pct(last), ms(last, 0.5), ms(last, 0.95), shares(last));
        if (tty) {
            StringBuilder sb = new StringBuilder("\033[H\033[2J");
            sb.append("Detour demo   ").append(nowMs / 1000).append("s / ").append(totalMs / 1000).append("s\n\n");
            for (int i = 0; i < timeline.size(); i++) {
                sb.append(i == incident ? " >> " : "    ").append(String.format(Locale.ROOT, "%3.0f%%  ",
                        timeline.get(i).at() * 100)).append(timeline.get(i).title()).append('\n');
            }
            sb.append("\nlast second: ").append(line.substring(6)).append('\n');
            synchronized (all) {
                sb.append("overall:     ").append(all.size()).append(" requests, ").append(pct(all)).append(" ok\n");
            }
            out.print(sb);
        } else {
            out.println(line + "  | " + (incident >= 0 ? timeline.get(incident).title() : ""));
        }
        out.flush();
    }

    private int summary(List<Outcome> all, List<Incident> timeline) {
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
        if (failed > 0) {
            out.println("FAILED: " + failed + " request(s) failed although a healthy path (gemini) existed throughout.");
            return 1;
        }
        out.println("Every request was answered: a healthy path existed throughout, and Detour found it.");
        return 0;
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
