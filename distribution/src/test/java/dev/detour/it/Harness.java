package dev.detour.it;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.wire.http.SseDecoder;
import dev.detour.core.boot.Detour;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/** Starts the gateway in-process on the assembled distribution's plugins, and talks to it over HTTP. */
final class Harness {
    static final Path DETOUR_DIR = Path.of(System.getProperty("detour.dir", "target/detour"));
    static final Path PLUGINS = DETOUR_DIR.resolve("plugins");

    private Harness() {
    }

    /** Blocks the test thread on a future (never the event loop). */
    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(45, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError("future failed: " + e, e);
        }
    }

    static Path write(String yaml) {
        try {
            Path dir = Files.createTempDirectory("detour-it");
            Path f = dir.resolve("detour.yaml");
            Files.writeString(f, yaml);
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Detour start(Vertx vertx, String yaml) {
        return start(vertx, yaml, Clock.SYSTEM);
    }

    static Detour start(Vertx vertx, String yaml, Clock clock) {
        yaml = withShortGrace(yaml);
        try {
            // Seeded: the graduated shift and probes draw from it, so a run is reproducible.
            Detour.Options o = new Detour.Options(write(yaml), PLUGINS, Harness::env, vertx, clock,
                    java.util.random.RandomGeneratorFactory.of("L64X128MixRandom").create(42), 0);
            return await(Detour.start(o));
        } catch (Exception e) {
            throw new AssertionError("gateway did not start: " + e.getMessage(), e);
        }
    }

    /** The proxy variables of the machine the tests run on (none here) must not send loopback fakes through a proxy. */
    static final java.util.Set<String> PROXY_VARIABLES = java.util.Set.of("HTTPS_PROXY", "https_proxy", "HTTP_PROXY",
            "http_proxy", "NO_PROXY", "no_proxy");

    /** The environment an in-process gateway reads: the test JVM's, without proxy variables (TlsIT sets its own). */
    static String env(String name) {
        return PROXY_VARIABLES.contains(name) ? null : System.getenv(name);
    }

    /**
     * Tests stop the gateway after every class; a short drain keeps a stop quick even when a test
     * leaves a connection half-done (the default grace is 30 s).
     */
    static String withShortGrace(String yaml) {
        if (yaml.contains("shutdown_grace")) {
            return yaml;
        }
        if (yaml.startsWith("server: {")) {
            return yaml.replaceFirst("server: \\{", "server: { shutdown_grace: 3s,");
        }
        if (!yaml.contains("\nserver:") && !yaml.startsWith("server:")) {
            return "server: { shutdown_grace: 3s }\n" + yaml;
        }
        return yaml;
    }

    /** A response as a client sees it. */
    record Reply(int status, MultiMap headers, String body) {
        JsonNode json() {
            try {
                return WireJson.MAPPER.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("not JSON: " + body, e);
            }
        }

        String header(String name) {
            return headers.get(name);
        }

        /** The SSE events' data, in order. */
        List<String> events() {
            List<String> out = new ArrayList<>();
            SseDecoder d = new SseDecoder((type, data) -> out.add(data));
            d.feed(Buffer.buffer(body));
            d.end();
            return out;
        }
    }

    static Reply post(Vertx vertx, int port, String path, String body, Map<String, String> headers) {
        HttpClient client = vertx.createHttpClient();
        try {
            RequestOptions ro = new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                    .setURI(path).putHeader("content-type", "application/json");
            headers.forEach(ro::putHeader);
            return await(client.request(ro).compose(req -> req.send(body).compose(resp -> resp.body()
                    .map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
        } finally {
            client.close();
        }
    }

    static Reply post(Vertx vertx, int port, String path, String body) {
        return post(vertx, port, path, body, Map.of());
    }

    static Reply get(Vertx vertx, int port, String path) {
        HttpClient client = vertx.createHttpClient();
        try {
            return await(client.request(HttpMethod.GET, port, "127.0.0.1", path).compose(req -> req.send()
                    .compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b.toString())))));
        } finally {
            client.close();
        }
    }

    static String chat(String model, boolean stream) {
        return "{\"model\":\"" + model + "\",\"stream\":" + stream
                + ",\"messages\":[{\"role\":\"user\",\"content\":\"Say hello\"}]}";
    }

    /** A clock the test advances. */
    static final class ManualClock implements Clock {
        private final AtomicLong nanos = new AtomicLong(1_000_000_000L);

        @Override
        public long nanos() {
            return nanos.get();
        }

        @Override
        public Instant now() {
            return Instant.ofEpochMilli(nanos.get() / 1_000_000);
        }

        void advanceMillis(long ms) {
            nanos.addAndGet(ms * 1_000_000);
        }
    }
}
