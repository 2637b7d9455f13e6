package dev.detour.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;

/**
 * Headless Chromium driven through Debian's {@code chromedriver} over the W3C WebDriver HTTP
 * protocol, spoken directly with {@code java.net.http} (no Selenium). Installs {@code chromium}
 * and {@code chromium-driver} with apt when they are missing, starts chromedriver on a free
 * loopback port, and stops it (by its PID) on {@link #close}.
 */
final class HeadlessChromium implements AutoCloseable {
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    private final Process driver;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String session;

    /** A WebDriver element reference. */
    record Element(String id) {
    }

    private HeadlessChromium(Process driver, String base, String session) {
        this.driver = driver;
        this.base = base;
        this.session = session;
    }

    /** Installs what is missing, starts chromedriver and opens a headless browser window of {@code width}×{@code height}. */
    static HeadlessChromium start(int width, int height) throws Exception {
        installIfMissing();
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        Path log = Files.createTempFile("chromedriver", ".log");
        Process p = new ProcessBuilder(CHROMEDRIVER.toString(), "--port=" + port, "--allowed-ips=127.0.0.1")
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        String base = "http://127.0.0.1:" + port;
        HttpClient probe = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            try {
                HttpResponse<String> r = probe.send(HttpRequest.newBuilder(URI.create(base + "/status"))
                        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
                if (WireJson.MAPPER.readTree(r.body()).at("/value/ready").asBoolean()) {
                    break;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                p.destroy();
                throw new AssertionError("chromedriver did not become ready: " + Files.readString(log));
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
        }
        try {
            ObjectNode caps = WireJson.MAPPER.createObjectNode();
            ObjectNode always = caps.putObject("capabilities").putObject("alwaysMatch");
            always.put("browserName", "chrome");
            ObjectNode chrome = always.putObject("goog:chromeOptions");
            chrome.put("binary", CHROMIUM.toString());
            // Root in a container: Chromium's sandbox needs user namespaces it may not have.
            chrome.putArray("args").add("--headless=new").add("--no-sandbox").add("--disable-gpu")
                    .add("--disable-dev-shm-usage").add("--no-first-run").add("--disable-extensions")
                    .add("--window-size=" + width + "," + height).add("--hide-scrollbars");
            JsonNode created = call(HttpClient.newHttpClient(), "POST", base + "/session", caps);
            return new HeadlessChromium(p, base, created.at("/value/sessionId").asText());
        } catch (RuntimeException | Error e) {
            p.destroy();
            throw e;
        }
    }

    /** {@code apt-get install -y chromium chromium-driver} when chromedriver or chromium is absent. */
    static void installIfMissing() throws IOException, InterruptedException {
        if (Files.isExecutable(CHROMEDRIVER) && Files.isExecutable(CHROMIUM)) {
            return;
        }
        Process p = new ProcessBuilder("sh", "-c", "apt-get update && apt-get install -y chromium chromium-driver")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0
                || !Files.isExecutable(CHROMEDRIVER) || !Files.isExecutable(CHROMIUM)) {
            throw new AssertionError("could not install chromium and chromium-driver (needs root and Debian's "
                    + "packages): " + out.substring(Math.max(0, out.length() - 2000)));
        }
    }

    void open(String url) {
        ObjectNode b = WireJson.MAPPER.createObjectNode().put("url", url);
        session("POST", "/url", b);
    }

    /** Runs {@code script} (a function body; {@code arguments} are {@code args}) in the page and returns its value. */
    JsonNode script(String script, Object... args) {
        ObjectNode b = WireJson.MAPPER.createObjectNode().put("script", script);
        b.set("args", WireJson.MAPPER.valueToTree(List.of(args)));
        return session("POST", "/execute/sync", b).path("value");
    }

    /** Polls {@code script}'s value until {@code done} accepts it or {@code seconds} pass; returns the last value. */
    JsonNode waitFor(String what, int seconds, String script, Predicate<JsonNode> done) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonNode last;
        while (true) {
            last = script(script);
            if (done.test(last)) {
                return last;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the page did not show " + what + " within " + seconds + " s; last: " + last);
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
        }
    }

    Element find(String css) {
        ObjectNode b = WireJson.MAPPER.createObjectNode().put("using", "css selector").put("value", css);
        JsonNode v = session("POST", "/element", b).path("value");
        return new Element(v.fields().next().getValue().asText());
    }

    /** Types {@code text} into the element, as a user would. */
    void type(Element e, String text) {
        session("POST", "/element/" + e.id() + "/value", WireJson.MAPPER.createObjectNode().put("text", text));
    }

    void click(Element e) {
        session("POST", "/element/" + e.id() + "/click", WireJson.MAPPER.createObjectNode());
    }

    void resize(int width, int height) {
        session("POST", "/window/rect", WireJson.MAPPER.createObjectNode().put("width", width).put("height", height));
    }

    /** A PNG of the viewport, written to {@code file}. */
    void screenshot(Path file) throws IOException {
        String png = session("GET", "/screenshot", null).path("value").asText();
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.write(file, Base64.getDecoder().decode(png));
    }

    private JsonNode session(String method, String path, JsonNode body) {
        return call(http, method, base + "/session/" + session + path, body);
    }

    private static JsonNode call(HttpClient http, String method, String url, JsonNode body) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(60))
                    .header("content-type", "application/json; charset=utf-8");
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body.toString()));
            HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new AssertionError("WebDriver " + method + " " + url + " answered " + r.statusCode() + ": "
                        + r.body());
            }
            return WireJson.MAPPER.readTree(r.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** Ends the browser session and stops chromedriver (this process only, by its PID). */
    @Override
    public void close() {
        try {
            call(http, "DELETE", base + "/session/" + session, null);
        } catch (RuntimeException | AssertionError ignored) {
            // Stopping the driver below ends the browser too.
        } finally {
            driver.destroy();
            try {
                if (!driver.waitFor(5, TimeUnit.SECONDS)) {
                    driver.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
