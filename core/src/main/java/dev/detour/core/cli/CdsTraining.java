package dev.detour.core.cli;

import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@code detour cds}: a short run of the gateway on the embedded default config (simulator and
 * gateway on free loopback ports) that serves one request of every kind through every bundled
 * provider adapter, so that the classes a start and the first requests need are loaded. The
 * launcher runs it with {@code -XX:ArchiveClassesAtExit}, and the JVM then writes those classes
 * into a class-data sharing archive ({@code lib/detour.jsa}) that later starts map instead of
 * loading and verifying each class again: about half the time to ready on one CPU. The build
 * runs it once; run it again after changing Java.
 */
final class CdsTraining {
    private static final String CHAT = "{\"model\":\"%s\",\"stream\":%s,\"messages\":[{\"role\":\"user\","
            + "\"content\":\"Where is my prescription refill?\"}]}";
    private static final String MESSAGES = "{\"model\":\"chat\",\"max_tokens\":64,\"stream\":%s,\"messages\":"
            + "[{\"role\":\"user\",\"content\":\"Where is my prescription refill?\"}]}";
    private static final String RESPONSES = "{\"model\":\"chat\",\"stream\":%s,\"input\":\"Where is my prescription refill?\"}";

    private final PrintStream out;
    private final PrintStream err;
    private final Path home;

    CdsTraining(PrintStream out, PrintStream err, Path home) {
        this.out = out;
        this.err = err;
        this.home = home;
    }

    int run(List<String> args) {
        if (!args.isEmpty()) {
            throw new Main.UsageException("cds: unexpected argument '" + args.get(0) + "'");
        }
        Map<String, String> env = new LinkedHashMap<>();
        env.put("DETOUR_PORT", Integer.toString(Demo.freePort()));
        env.put("DETOUR_SIMULATOR_PORT", Integer.toString(Demo.freePort()));
        Path file = home.resolve("conf/detour.yaml");
        Detour gw;
        try {
            gw = Detour.start(Detour.Options.of(file, home.resolve("plugins")).withEnv(env))
                    .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            err.println("detour cds: cannot start the gateway on " + file + ": " + e.getMessage());
            return 1;
        }
        int served = 0;
        List<String> failed = new ArrayList<>();
        try {
            HttpClient client = gw.gateway().vertx().createHttpClient();
            int port = gw.port();
            List<String[]> calls = new ArrayList<>();
            for (String model : List.of("chat", "openai-us/gpt-4o", "anthropic/claude-sonnet-4-5", "gemini/gemini-2.5-flash")) {
                calls.add(new String[] {"POST", "/v1/chat/completions", CHAT.formatted(model, false)});
                calls.add(new String[] {"POST", "/v1/chat/completions", CHAT.formatted(model, true)});
            }
            calls.add(new String[] {"POST", "/v1/messages", MESSAGES.formatted(false)});
            calls.add(new String[] {"POST", "/v1/messages", MESSAGES.formatted(true)});
            calls.add(new String[] {"POST", "/v1/responses", RESPONSES.formatted(false)});
            calls.add(new String[] {"POST", "/v1/responses", RESPONSES.formatted(true)});
            calls.add(new String[] {"POST", "/v1/embeddings", "{\"model\":\"embeddings\",\"input\":\"refill\"}"});
            for (String path : List.of("/readyz", "/healthz", "/metrics", "/v1/models", "/admin/targets", "/admin/routes")) {
                calls.add(new String[] {"GET", path, null});
            }
            for (String[] c : calls) {
                int status = send(client, port, c[0], c[1], c[2]).toCompletionStage().toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                if (status == 200) {
                    served++;
                } else {
                    failed.add(c[0] + " " + c[1] + " -> " + status);
                }
            }
        } catch (Exception e) {
            failed.add(e.toString());
        } finally {
            try {
                gw.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // Best effort: the process ends next.
            }
        }
        out.println("detour cds: served " + served + " requests of every kind; a launcher started with "
                + "-XX:ArchiveClassesAtExit writes the class-data archive as this process exits");
        if (!failed.isEmpty()) {
            // The archive is still worth having; say what did not work.
            err.println("detour cds: some training requests failed: " + String.join("; ", failed));
        }
        return 0;
    }

    private static Future<Integer> send(HttpClient client, int port, String method, String path, String body) {
        RequestOptions o = new RequestOptions().setMethod(HttpMethod.valueOf(method)).setHost("127.0.0.1").setPort(port)
                .setURI(path).putHeader("content-type", "application/json");
        return client.request(o)
                .compose(req -> body == null ? req.send() : req.send(body))
                .compose(resp -> resp.body().map(b -> resp.statusCode()));
    }
}
