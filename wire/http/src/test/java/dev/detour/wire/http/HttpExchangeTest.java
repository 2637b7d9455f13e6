package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.testing.FakeCall;
import dev.detour.api.testing.FakeUpstream;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.RequestOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import static dev.detour.api.testing.TestFutures.await;
import static dev.detour.api.testing.TestFutures.awaitFailure;
import static dev.detour.api.testing.TestFutures.onContext;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The one-request exchange, over real HTTP against a loopback upstream. */
class HttpExchangeTest {

    private Vertx vertx;
    private Context loop;
    private FakeUpstream upstream;
    private HttpClient client;
    private HttpEndpoint endpoint;

    @BeforeEach
    void start() throws Exception {
        vertx = Vertx.vertx();
        loop = vertx.getOrCreateContext();
        upstream = await(FakeUpstream.start(vertx));
        endpoint = HttpEndpoint.parse(upstream.baseUrl("/v1"));
        client = vertx.createHttpClient(endpoint.clientOptions("test"));
    }

    @AfterEach
    void stop() throws Exception {
        await(vertx.close());
    }

    private Future<String> send(FakeCall call, HttpExchange.ErrorAnswer onError) {
        return onContext(loop, () -> HttpExchange.send(client, HttpExchange.post(endpoint, endpoint.uri("/echo"), call),
                call, req -> req.putHeader("x-test", "1"), Buffer.buffer("ping"), onError,
                (req, resp) -> resp.body().map(Buffer::toString)));
    }

    private static ProviderException unexpected(int status, io.vertx.core.MultiMap h, Buffer b) {
        throw new AssertionError("no error answer expected, got " + status);
    }

    @Test
    void sends_one_post_with_the_headers_and_body_and_returns_the_2xx_result() throws Exception {
        upstream.respond(200, "text/plain", "pong");

        assertEquals("pong", await(send(new FakeCall(), HttpExchangeTest::unexpected)));

        assertEquals(1, upstream.received.size());
        FakeUpstream.Received r = upstream.received.get(0);
        assertEquals("POST", r.method());
        assertEquals("/v1/echo", r.uri());
        assertEquals("1", r.header("x-test"));
        assertEquals("ping", r.body().toString());
    }

    @Test
    void hands_a_non_2xx_answer_with_its_body_to_the_provider_rule() throws Exception {
        upstream.onRequest((req, b) -> req.response().setStatusCode(429).putHeader("retry-after", "7").end("slow down"));
        ProviderException rule = new ProviderException(ErrorKind.RATE_LIMITED, 429, "limited");
        AtomicInteger calls = new AtomicInteger();

        ProviderException e = awaitFailure(send(new FakeCall(), (status, h, body) -> {
            calls.incrementAndGet();
            assertEquals(429, status);
            assertEquals("7", h.get("retry-after"));
            assertEquals("slow down", body.toString());
            return rule;
        }));

        assertSame(rule, e);
        assertEquals(1, calls.get());
    }

    @Test
    void fails_a_call_cancelled_before_it_started_as_timeout_without_sending() throws Exception {
        FakeCall call = new FakeCall();
        call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "total timeout"));

        ProviderException e = awaitFailure(send(call, HttpExchangeTest::unexpected));

        assertEquals(ErrorKind.TIMEOUT, e.kind());
        assertEquals(0, upstream.received.size());
    }

    @Test
    void resets_the_request_when_the_call_is_cancelled_mid_flight() throws Exception {
        FakeCall call = FakeCall.withoutIdleTimeout();
        Promise<Void> closed = Promise.promise();
        // The upstream holds the request; the test cancels once it has arrived, as core's deadline would.
        upstream.onRequest((req, b) -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            loop.runOnContext(v -> call.cancel(new ProviderException(ErrorKind.TIMEOUT, 0, "idle timeout")));
        });

        ProviderException e = awaitFailure(send(call, HttpExchangeTest::unexpected));

        assertEquals(ErrorKind.CONNECTION, e.kind(), "the reset surfaces as a broken connection; core keeps its own cause");
        await(closed.future());
        assertEquals(1, call.cancelHandlers());
    }

    @Test
    void classifies_a_refused_connection_as_connection() throws Exception {
        int port = upstream.port();
        await(upstream.close());
        endpoint = HttpEndpoint.parse("http://127.0.0.1:" + port);

        ProviderException e = awaitFailure(send(new FakeCall(), HttpExchangeTest::unexpected));

        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals(0, e.status());
    }

    @Test
    void takes_the_connect_timeout_from_the_call_and_leaves_the_idle_timeout_to_core() {
        RequestOptions o = HttpExchange.post(endpoint, "/x", new FakeCall(Duration.ofMillis(1500), Duration.ofSeconds(9)));
        assertEquals(1500, o.getConnectTimeout());
        assertEquals(new RequestOptions().getIdleTimeout(), o.getIdleTimeout(), "no per-request idle timer");
        assertEquals(endpoint.port(), o.getPort());
        assertEquals("/x", o.getURI());
    }

    /** GETs {@code /big} and reads the answer with {@code reader}, on the event loop. */
    private Future<Buffer> read(java.util.function.BiFunction<io.vertx.core.http.HttpClientResponse, Integer, Future<Buffer>> reader,
                                int maxBytes) {
        return onContext(loop, () -> client.request(io.vertx.core.http.HttpMethod.GET, endpoint.port(), endpoint.host(), "/big")
                .compose(io.vertx.core.http.HttpClientRequest::send)
                .compose(resp -> reader.apply(resp, maxBytes)));
    }

    /** Answers with {@code pieces} chunks of {@code piece} bytes each, chunked (no Content-Length). */
    private Promise<Void> chunkedAnswer(int pieces, int piece) {
        Promise<Void> closed = Promise.promise();
        upstream.onRequest((req, b) -> {
            req.connection().closeHandler(v -> closed.tryComplete());
            req.response().setChunked(true);
            for (int k = 0; k < pieces; k++) {
                req.response().write(Buffer.buffer("z".repeat(piece)));
            }
            req.response().end();
        });
        return closed;
    }

    @Test
    void reads_a_whole_body_within_the_bound() throws Exception {
        chunkedAnswer(4, 1000);
        assertEquals(4000, await(read(HttpExchange::body, 4000)).length());
    }

    @Test
    void refuses_at_once_a_body_whose_content_length_is_past_the_bound() throws Exception {
        upstream.respond(200, "application/json", "x".repeat(5000));

        ProviderException e = awaitFailure(read(HttpExchange::body, 4999));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals(200, e.status());
        assertEquals("upstream answer larger than 4999 bytes", e.getMessage());
    }

    @Test
    void fails_a_chunked_body_as_it_grows_past_the_bound_and_closes_the_connection() throws Exception {
        Promise<Void> closed = chunkedAnswer(64, 1024);

        ProviderException e = awaitFailure(read(HttpExchange::body, 10_000));

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals("upstream answer larger than 10000 bytes", e.getMessage());
        await(closed.future()); // never pooled with the rest of the body in flight
    }

    @Test
    void keeps_only_the_prefix_of_a_long_error_body_and_closes_the_connection() throws Exception {
        Promise<Void> closed = chunkedAnswer(64, 1024);

        Buffer prefix = await(read(HttpExchange::prefix, 3000));

        assertEquals("z".repeat(3000), prefix.toString());
        await(closed.future());
    }

    @Test
    void keeps_a_short_error_body_whole() throws Exception {
        upstream.respond(503, "application/json", "{\"error\":\"busy\"}");
        assertEquals("{\"error\":\"busy\"}", await(read(HttpExchange::prefix, 3000)).toString());
    }
}
