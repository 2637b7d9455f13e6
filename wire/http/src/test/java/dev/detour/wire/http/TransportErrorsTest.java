package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLHandshakeException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** One test per rule of {@link TransportErrors} (moved here from the provider plugins' classifier tests). */
class TransportErrorsTest {

    private static ErrorKind kind(Throwable t) {
        return TransportErrors.classify(t).kind();
    }

    @Test
    void classifies_a_refused_connection_as_connection_with_status_0() {
        ProviderException e = TransportErrors.classify(new ConnectException("Connection refused: /127.0.0.1:9"));
        assertEquals(ErrorKind.CONNECTION, e.kind());
        assertEquals(0, e.status());
        assertNull(e.retryAfter());
    }

    @Test
    void classifies_a_netty_connect_timeout_as_timeout_although_it_is_a_connect_exception() {
        assertEquals(ErrorKind.TIMEOUT, kind(new ConnectTimeoutException("connection timed out after 5000 ms")));
        assertEquals(ErrorKind.TIMEOUT, kind(new VertxException("x",
                new ConnectTimeoutException("connection timed out after 5000 ms: /10.0.0.1:443"))));
    }

    @Test
    void classifies_timeout_exceptions_as_timeout() {
        assertEquals(ErrorKind.TIMEOUT, kind(new TimeoutException("The timeout period of 30000ms has been exceeded")));
        assertEquals(ErrorKind.TIMEOUT, kind(new SocketTimeoutException("Read timed out")));
        assertEquals(ErrorKind.TIMEOUT, kind(new RuntimeException(new TimeoutException("t"))));
    }

    @Test
    void classifies_a_vertx_exception_saying_timeout_and_any_timeout_class_as_timeout() {
        assertEquals(ErrorKind.TIMEOUT, kind(new VertxException("The timeout of 100 ms has been exceeded")));
        assertEquals(ErrorKind.TIMEOUT, kind(new NoStackTraceTimeoutException("idle")));
    }

    @Test
    void prefers_a_timeout_deeper_in_the_chain_over_a_connection_failure() {
        assertEquals(ErrorKind.TIMEOUT, kind(new IOException("gave up", new TimeoutException("idle"))));
    }

    @Test
    void classifies_closed_and_reset_connections_as_connection() {
        assertEquals(ErrorKind.CONNECTION, kind(new HttpClosedException("Connection was closed")));
        assertEquals(ErrorKind.CONNECTION, kind(new VertxException("Connection was closed")));
        assertEquals(ErrorKind.CONNECTION, kind(new StreamResetException(0)));
        assertEquals(ErrorKind.CONNECTION, kind(new IOException("Connection reset by peer")));
        assertEquals(ErrorKind.CONNECTION, kind(new ClosedChannelException()));
    }

    @Test
    void classifies_tls_and_unknown_host_failures_as_connection() {
        assertEquals(ErrorKind.CONNECTION, kind(new SSLHandshakeException("PKIX path building failed")));
        assertEquals(ErrorKind.CONNECTION, kind(new UnknownHostException("nowhere")));
    }

    @Test
    void names_the_usual_tls_failures_in_words() {
        assertEquals("TLS failure: the upstream's certificate is not signed by a trusted CA (unknown CA; a private CA "
                + "goes in the provider's tls.ca)", TransportErrors.classify(new SSLHandshakeException(
                "PKIX path building failed: unable to find valid certification path to requested target")).getMessage());
        assertEquals("TLS failure: the upstream's certificate is not signed by a trusted CA (unknown CA; a private CA "
                + "goes in the provider's tls.ca)", TransportErrors.classify(new SSLHandshakeException(
                "Failed to create SSL connection").initCause(new SSLHandshakeException("PKIX path building failed: "
                + "unable to find valid certification path to requested target"))).getMessage(),
                "the reason is found under Vert.x's wrapper");
        assertEquals("TLS failure: the upstream's certificate does not name the host called (No subject alternative "
                + "DNS name matching api.example found.)", TransportErrors.classify(new SSLHandshakeException(
                "No subject alternative DNS name matching api.example found.")).getMessage());
        assertEquals("TLS failure: the upstream refused the gateway's client certificate, or wants one (the "
                + "provider's tls.cert and tls.key): Received fatal alert: certificate_required",
                TransportErrors.classify(new javax.net.ssl.SSLException("Received fatal alert: certificate_required"))
                        .getMessage());
    }

    @Test
    void classifies_an_exception_saying_the_connection_broke_as_connection() {
        assertEquals(ErrorKind.CONNECTION, kind(new IllegalStateException("Broken pipe")));
        assertEquals(ErrorKind.CONNECTION, kind(new RuntimeException("connection refused by proxy")));
    }

    @Test
    void walks_the_cause_chain() {
        RuntimeException wrapped = new RuntimeException("outer", new IllegalStateException("middle",
                new ConnectException("Connection refused")));
        assertEquals(ErrorKind.CONNECTION, kind(wrapped));
        assertEquals(ErrorKind.CONNECTION, kind(new VertxException("wrapped", new HttpClosedException("Connection was closed"))));
    }

    @Test
    void passes_a_provider_exception_in_the_chain_through_unchanged() {
        ProviderException p = new ProviderException(ErrorKind.CONTENT_FILTER, 400, "filtered");
        assertSame(p, TransportErrors.classify(p));
        assertSame(p, TransportErrors.classify(new RuntimeException(p)));
    }

    @Test
    void classifies_anything_else_as_unknown_naming_the_failure() {
        ProviderException e = TransportErrors.classify(new IllegalStateException("boom"));
        assertEquals(ErrorKind.UNKNOWN, e.kind());
        assertEquals("unexpected failure: IllegalStateException: boom", e.getMessage());
        assertEquals(ErrorKind.UNKNOWN, kind(null));
    }

    @Test
    void stops_on_a_cause_cycle() {
        RuntimeException a = new RuntimeException("a");
        RuntimeException b = new RuntimeException("b", a);
        a.initCause(b);
        assertEquals(ErrorKind.UNKNOWN, kind(a));
    }

    /** Stands for Vert.x's internal {@code NoStackTraceTimeoutException}, recognised by its name. */
    private static final class NoStackTraceTimeoutException extends RuntimeException {
        NoStackTraceTimeoutException(String m) {
            super(m);
        }
    }
}
