package dev.detour.it;

import dev.detour.wire.http.HttpExchange;
import dev.detour.wire.http.SseDecoder;
import dev.detour.core.boot.Detour;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

import static dev.detour.it.Harness.await;
import static dev.detour.it.Harness.chat;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Bounded memory per request and per stream (issue 12), through the real gateway: an upstream's
 * answer, error body or event line larger than its bound fails the attempt (and the engine fails
 * over) instead of filling the heap; a client that reads slower than the upstream sends holds the
 * upstream back instead of growing the gateway's buffers.
 */
class BoundsIT {
    Vertx vertx;
    HttpServer hostile;
    FakeUpstream backup;
    Detour gw;
    final AtomicLong sent = new AtomicLong();
    final AtomicInteger hostileCalls = new AtomicInteger();

    @BeforeEach
    void start() {
        vertx = Detour.newVertx();
    }

    @AfterEach
    void stop() {
        if (gw != null) {
            await(gw.stop());
        }
        if (backup != null) {
            backup.close();
        }
        if (hostile != null) {
            await(hostile.close());
        }
        await(vertx.close());
    }

    private void hostile(Consumer<HttpServerResponse> answer) {
        hostile = await(vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(b -> {
            hostileCalls.incrementAndGet();
            answer.accept(req.response());
        })).listen(0, "127.0.0.1"));
    }

    private void gatewayWithBackup() {
        backup = await(new FakeUpstream(vertx, "backup").start());
        gw = Harness.start(vertx, """
                providers:
                  hostile: { type: openai, base_url: "http://127.0.0.1:%d/v1" }
                  backup:  { type: openai, base_url: "%s" }
                routes:
                  r:
                    targets: [ { provider: hostile, model: m }, { provider: backup, model: m } ]
                    retry: { attempts: 1 }
                    detectors: []
                """.formatted(hostile.actualPort(), backup.baseUrl()));
    }

    /**
     * Writes {@code piece} until {@code limit} bytes went out on this response or the gateway hangs
     * up, respecting backpressure; {@link #sent} keeps the most any one response sent.
     */
    private void pump(HttpServerResponse resp, Buffer piece, long limit) {
        pump(resp, piece, limit, new long[1]);
    }

    private void pump(HttpServerResponse resp, Buffer piece, long limit, long[] mine) {
        while (!resp.writeQueueFull()) {
            if (mine[0] >= limit || resp.closed()) {
                return;
            }
            resp.write(piece);
            mine[0] += piece.length();
            sent.accumulateAndGet(mine[0], Math::max);
        }
        resp.drainHandler(v -> pump(resp, piece, limit, mine));
    }

    @Test
    void an_answer_announced_larger_than_the_bound_fails_over_at_once() {
        hostile(resp -> {
            resp.putHeader("content-type", "application/json")
                    .putHeader("content-length", Long.toString(1L << 30));
            resp.write("{\"id\":\"");
        });
        gatewayWithBackup();
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertEquals(1, hostileCalls.get());
        assertEquals(1, backup.calls());
    }

    @Test
    void an_endless_answer_fails_over_once_it_passes_the_bound_and_the_gateway_keeps_serving() {
        Buffer mib = Buffer.buffer(new byte[1024 * 1024]);
        long limit = 4L * HttpExchange.MAX_ANSWER_BYTES;
        hostile(resp -> {
            resp.setChunked(true).putHeader("content-type", "application/json");
            pump(resp, mib, limit);
        });
        gatewayWithBackup();
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", false));
        assertEquals(200, r.status(), r.body());
        assertEquals(1, backup.calls());
        assertTrue(sent.get() < limit, "the gateway stopped reading: " + sent.get() + " bytes sent");
        // Only the hostile target without a backup: a clear 502 naming the bound
        Harness.Reply direct = Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("hostile/m", false));
        assertEquals(502, direct.status(), direct.body());
        assertTrue(direct.body().contains("upstream answer larger than " + HttpExchange.MAX_ANSWER_BYTES + " bytes"),
                direct.body());
        assertEquals(200, Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("backup/m", false)).status());
    }

    @Test
    void a_stream_line_without_a_newline_fails_the_attempt_past_the_bound() {
        Buffer kib = Buffer.buffer("x".repeat(64 * 1024));
        long limit = SseDecoder.MAX_EVENT_BYTES + 8L * 1024 * 1024;
        hostile(resp -> {
            resp.setChunked(true).putHeader("content-type", "text/event-stream");
            resp.write("data: ");
            pump(resp, kib, limit);
        });
        gatewayWithBackup();
        Harness.Reply r = Harness.post(vertx, gw.port(), "/v1/chat/completions", chat("r", true));
        assertEquals(200, r.status(), r.body());
        assertEquals(1, backup.calls(), r.body());
        assertTrue(r.events().contains("[DONE]"), r.body());
        assertTrue(sent.get() < limit, "the gateway stopped reading: " + sent.get() + " bytes sent");
    }

    @Test
    void a_slow_client_holds_a_fast_upstream_back_then_gets_every_byte() throws Exception {
        // 64 MB: well beyond what loopback socket buffers (autotuned to a few MB each way) can absorb
        int events = 16000;
        String text = "y".repeat(4000);
        Buffer event = Buffer.buffer("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                + "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"" + text + "\"},\"finish_reason\":null}]}\n\n");
        CountDownLatch full = new CountDownLatch(1);
        CountDownLatch allWritten = new CountDownLatch(1);
        hostile(resp -> {
            resp.setChunked(true).putHeader("content-type", "text/event-stream");
            new Object() {
                int written;

                void more() {
                    while (written < events) {
                        if (resp.writeQueueFull()) {
                            full.countDown();
                            resp.drainHandler(v -> more());
                            return;
                        }
                        resp.write(event);
                        written++;
                    }
                    resp.end("data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\","
                            + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n");
                    allWritten.countDown();
                }
            }.more();
        });
        gatewayWithBackup();
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", gw.port()));
            String body = chat("hostile/m", true);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length + "\r\nConnection: close\r\n\r\n"
                    + body).getBytes(StandardCharsets.UTF_8));
            out.flush();
            // Reading nothing: the upstream's writes stall, and stay stalled while the client does not read
            assertTrue(full.await(30, TimeUnit.SECONDS), "the upstream was never held back");
            assertFalse(allWritten.await(1500, TimeUnit.MILLISECONDS),
                    "the upstream wrote its whole answer to a client that reads nothing: the gateway buffered it");
            InputStream in = socket.getInputStream();
            ByteArrayOutputStream all = new ByteArrayOutputStream();
            in.transferTo(all);
            assertTrue(allWritten.await(10, TimeUnit.SECONDS));
            String answer = all.toString(StandardCharsets.UTF_8);
            int start = answer.indexOf("\r\n\r\n");
            assertTrue(answer.startsWith("HTTP/1.1 200"), answer.substring(0, Math.min(200, answer.length())));
            // The body is chunked; decode the SSE events from the de-chunked bytes
            StringBuilder content = new StringBuilder();
            AtomicInteger done = new AtomicInteger();
            SseDecoder d = new SseDecoder((type, data) -> {
                if (data.equals("[DONE]")) {
                    done.incrementAndGet();
                    return;
                }
                int i = data.indexOf("\"content\":\"");
                if (i >= 0) {
                    content.append(data, i + 11, data.indexOf('"', i + 11));
                }
            });
            d.feed(dechunk(answer.substring(start + 4)).getBytes(StandardCharsets.UTF_8));
            d.end();
            assertEquals(1, done.get());
            assertEquals((long) events * text.length(), content.length());
        }
    }

    private static String dechunk(String s) {
        StringBuilder out = new StringBuilder();
        int p = 0;
        while (true) {
            int eol = s.indexOf("\r\n", p);
            int size = Integer.parseInt(s.substring(p, eol).trim(), 16);
            if (size == 0) {
                return out.toString();
            }
            out.append(s, eol + 2, eol + 2 + size);
            p = eol + 2 + size + 2;
        }
    }
}
