package dev.detour.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.detour.api.Clock;
import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real Detour gateway for a plugin's tests: core in-process on a free loopback port, with every
 * extension on the test class path (the plugin under test, the bundled {@code openai} provider and
 * the {@code priority} / {@code weighted} strategies) and fake OpenAI-shaped upstreams.
 *
 * <pre>{@code
 * try (TestGateway gw = TestGateway.start("""
 *         routes: { chat: { strategy: { type: my_strategy }, targets: [ { provider: a, model: m }, { provider: b, model: m } ] } }
 *         """, "a", "b")) {
 *     assertEquals("Hello from b", gw.chat("chat", "hi").content());
 * }
 * }</pre>
 *
 * <p>Each named upstream is a {@link FakeOpenAi}; when the YAML has no {@code providers:} block,
 * one {@code type: openai} provider per upstream, of the same name, is added. A YAML that writes
 * its own providers reaches upstream {@code a} as {@code ${UPSTREAM_A}} (its base URL, ending in
 * {@code /v1}). Blocking calls: use it from the test's thread.
 */
public final class TestGateway implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx;
    private final Detour detour;
    private final Map<String, FakeOpenAi> upstreams;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private TestGateway(Vertx vertx, Detour detour, Map<String, FakeOpenAi> upstreams) {
        this.vertx = vertx;
        this.detour = detour;
        this.upstreams = upstreams;
    }

    /**
     * Starts fake upstreams named {@code upstreams} and a gateway with {@code yaml}; throws
     * {@link IllegalStateException} carrying the loader's problems when the config is invalid.
     */
    public static TestGateway start(String yaml, String... upstreams) {
        Vertx vertx = Vertx.vertx();
        Map<String, FakeOpenAi> ups = new LinkedHashMap<>();
        try {
            Map<String, String> env = new LinkedHashMap<>();
            StringBuilder providers = new StringBuilder("providers:\n");
            for (String name : upstreams) {
                FakeOpenAi up = FakeOpenAi.start(vertx, name);
                ups.put(name, up);
                String variable = "UPSTREAM_" + name.toUpperCase(Locale.ROOT).replaceAll("[^A-Z0-9]", "_");
                env.put(variable, up.baseUrl());
                providers.append("  ").append(name).append(": { type: openai, base_url: \"${").append(variable)
                        .append("}\", api_key: test-key }\n");
            }
            String config = "server: { host: 127.0.0.1, port: 0, shutdown_grace: 1s }\n"
                    + (hasTopLevel(yaml, "providers") || upstreams.length == 0 ? "" : providers) + yaml;
            Path dir = Files.createTempDirectory("detour-testkit");
            Path file = Files.writeString(dir.resolve("detour.yaml"), config);
            Path plugins = Files.createDirectories(dir.resolve("plugins"));
            Detour.Options o = new Detour.Options(file, plugins, n -> env.containsKey(n) ? env.get(n) : System.getenv(n),
                    vertx, Clock.SYSTEM, java.util.random.RandomGenerator.getDefault(), null);
            Detour d = await(Detour.start(o));
            return new TestGateway(vertx, d, ups);
        } catch (dev.detour.core.config.ConfigException e) {
            vertx.close();
            throw new IllegalStateException("invalid test config:\n" + String.join("\n", e.problems()), e);
        } catch (dev.detour.core.plugin.PluginLoadException e) {
            vertx.close();
            throw new IllegalStateException(e.getMessage(), e);
        } catch (IOException e) {
            vertx.close();
            throw new UncheckedIOException(e);
        }
    }

    private static boolean hasTopLevel(String yaml, String key) {
        return yaml.startsWith(key + ":") || yaml.contains("\n" + key + ":");
    }

    /** The gateway's port on 127.0.0.1. */
    public int port() {
        return detour.port();
    }

    /** The fake upstream of that name. */
    public FakeOpenAi upstream(String name) {
        FakeOpenAi up = upstreams.get(name);
        if (up == null) {
            throw new IllegalArgumentException("no upstream '" + name + "' (have " + upstreams.keySet() + ")");
        }
        return up;
    }

    /** Sends one user message to {@code model} (a route name or {@code provider/model}) on /v1/chat/completions. */
    public Reply chat(String model, String text) {
        return chat(model, text, Map.of());
    }

    /** Like {@link #chat(String, String)}, with request headers (e.g. {@code x-detour-metadata}). */
    public Reply chat(String model, String text, Map<String, String> headers) {
        String body = "{\"model\":" + JSON.valueToTree(model) + ",\"messages\":[{\"role\":\"user\",\"content\":"
                + JSON.valueToTree(text) + "}]}";
        return post("/v1/chat/completions", body, headers);
    }

    /** GETs a path of the gateway (e.g. {@code /admin/targets}; loopback needs no admin token). */
    public Reply get(String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(30)).GET());
    }

    /** POSTs a JSON body to the gateway. */
    public Reply post(String path, String json, Map<String, String> headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
                .timeout(Duration.ofSeconds(30)).header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json));
        headers.forEach(b::header);
        return send(b);
    }

    private Reply send(HttpRequest.Builder b) {
        try {
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            Map<String, String> h = new LinkedHashMap<>();
            r.headers().map().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
            return new Reply(r.statusCode(), h, r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * A response as the client saw it.
     *
     * @param status  the HTTP status
     * @param headers its headers, names in lower case
     * @param body    its body
     */
    public record Reply(int status, Map<String, String> headers, String body) {
        /** The target that served it ({@code x-detour-target}: {@code provider/model}), or null. */
        public String target() {
            return headers.get("x-detour-target");
        }

        /** The body as JSON. */
        public JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new IllegalStateException("not JSON: " + body, e);
            }
        }

        /** The first choice's message text (OpenAI shape), or null. */
        public String content() {
            JsonNode c = json().path("choices").path(0).path("message").path("content");
            return c.isTextual() ? c.asText() : null;
        }
    }

    /** Stops the gateway (draining briefly), the upstreams and their Vert.x. */
    @Override
    public void close() {
        try {
            await(detour.stop());
        } finally {
            upstreams.values().forEach(FakeOpenAi::close);
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            } catch (Exception ignored) {
                // best effort: the test is over
            }
        }
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
