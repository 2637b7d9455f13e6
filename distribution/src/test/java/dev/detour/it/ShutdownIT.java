package dev.detour.it;

import dev.detour.core.boot.Detour;

import dev.detour.it.FakeUpstream.Behaviour;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.detour.it.Harness.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** SIGTERM stops accepting and drains in-flight requests: the real launcher, a real signal. */
class ShutdownIT {

    @Test
    void sigterm_drains_in_flight_requests_then_exits() throws Exception {
        Vertx vertx = Detour.newVertx();
        FakeUpstream slow = await(new FakeUpstream(vertx, "slow").start());
        CompletableFuture<Void> upstreamReached = new CompletableFuture<>();
        slow.always((up, req, body) -> {
            upstreamReached.complete(null);
            Behaviour.delayed(1500).answer(up, req, body);
        });
        var config = Harness.write("""
                server: { shutdown_grace: 20s }
                providers: { slow: { type: openai, base_url: "%s" } }
                routes: { r: { targets: [ { provider: slow, model: m } ] } }
                """.formatted(slow.baseUrl()));
        Process p = Cli.builder(java.util.Map.of(), "run", "--config", config.toString(), "--port", "0").start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
            int port = -1;
            Pattern listening = Pattern.compile("listening on http://127\\.0\\.0\\.1:(\\d+)");
            for (String line; (line = out.readLine()) != null; ) {
                Matcher m = listening.matcher(line);
                if (m.find()) {
                    port = Integer.parseInt(m.group(1));
                    break;
                }
            }
            assertTrue(port > 0, "the gateway never said it was listening");
            HttpClient client = vertx.createHttpClient();
            var reply = client.request(new RequestOptions().setMethod(HttpMethod.POST).setHost("127.0.0.1").setPort(port)
                            .setURI("/v1/chat/completions").putHeader("content-type", "application/json"))
                    .compose(req -> req.send(Harness.chat("r", false)))
                    .compose(resp -> resp.body().map(b -> resp.statusCode() + " " + b))
                    .toCompletionStage().toCompletableFuture();
            upstreamReached.get(30, TimeUnit.SECONDS);

            p.toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its output

            String answer = reply.get(30, TimeUnit.SECONDS);
            assertTrue(answer.startsWith("200 "), answer);
            assertTrue(answer.contains("Hello from slow"), answer);
            assertTrue(p.waitFor(30, TimeUnit.SECONDS), "the gateway did not exit after draining");
            StringBuilder rest = new StringBuilder();
            for (String line; (line = out.readLine()) != null; ) {
                rest.append(line).append('\n');
            }
            assertTrue(rest.toString().contains("draining"), rest.toString());
            assertTrue(rest.toString().contains("stopped"), rest.toString());
            assertEquals(0, p.exitValue());
        } finally {
            p.destroyForcibly();
            slow.close();
            await(vertx.close());
        }
    }
}
