package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.VertxException;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.StreamResetException;

import java.io.IOException;
import java.net.SocketTimeoutException;
import java.util.IdentityHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLException;

/**
 * Classifies a failure that is not an HTTP answer (the connection could not be made, timed out,
 * or broke mid-answer) into one {@link ProviderException}, the same way for every adapter.
 * Provider-specific classifiers handle HTTP answers and in-band error events themselves and
 * delegate everything else here:
 *
 * <pre>{@code
 * client.request(options)
 *       .compose(req -> ...)
 *       .recover(t -> Future.failedFuture(TransportErrors.classify(t)));
 * }</pre>
 *
 * <p>The cause chain is walked (at most {@value #MAX_DEPTH} links, cycles stopped) and the rules
 * are, in order of precedence:
 * <ol>
 *   <li>a {@link ProviderException} anywhere in the chain is returned as it is (an adapter or a
 *       sink already classified the failure);</li>
 *   <li>a timeout anywhere in the chain &rarr; {@link ErrorKind#TIMEOUT}: Netty's
 *       {@code ConnectTimeoutException} (although it is a {@code ConnectException}),
 *       {@link TimeoutException}, {@link SocketTimeoutException}, any exception whose class name
 *       contains {@code Timeout} (Vert.x's {@code NoStackTraceTimeoutException}), and a
 *       {@link VertxException} saying "timeout" or "timed out";</li>
 *   <li>otherwise the first connection failure in the chain &rarr; {@link ErrorKind#CONNECTION}:
 *       {@link HttpClosedException}, {@link StreamResetException}, {@link SSLException}, any
 *       other {@link IOException} ({@code ConnectException} for a refused connection,
 *       {@code UnknownHostException}, {@code ClosedChannelException}, "Connection reset by peer"),
 *       a {@link VertxException} saying "closed" or "reset", and any exception whose message says
 *       "connection was closed", "connection reset", "connection refused" or "broken pipe";</li>
 *   <li>anything else &rarr; {@link ErrorKind#UNKNOWN} (status 0).</li>
 * </ol>
 * A timeout wins over a connection failure found earlier in the chain because the timeout is the
 * reason the connection was given up. The returned exception has status 0, no Retry-After, and a
 * message naming the failure (exception messages never carry request headers, so no key).
 * Stateless and thread-safe.
 */
public final class TransportErrors {

    /** How many links of a cause chain are looked at. */
    public static final int MAX_DEPTH = 16;

    private TransportErrors() {
    }

    /**
     * The classified failure for {@code failure}; never null.
     *
     * @param failure what a Vert.x future or handler failed with; null is classified as UNKNOWN
     */
    public static ProviderException classify(Throwable failure) {
        if (failure == null) {
            return new ProviderException(ErrorKind.UNKNOWN, 0, "unexpected failure");
        }
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        ProviderException connection = null;
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH && seen.put(t, Boolean.TRUE) == null;
             t = t.getCause(), depth++) {
            if (t instanceof ProviderException p) {
                return p;
            }
            ProviderException timeout = timeout(t);
            if (timeout != null) {
                return timeout;
            }
            if (connection == null) {
                connection = connection(t);
            }
        }
        if (connection != null) {
            return connection;
        }
        return new ProviderException(ErrorKind.UNKNOWN, 0,
                "unexpected failure: " + failure.getClass().getSimpleName() + describe(failure));
    }

    private static ProviderException timeout(Throwable t) {
        // Before any IOException rule: Netty's connect timeout is a ConnectException. Matched by
        // name so plugin-api uses no Netty type directly (Netty is Vert.x's implementation detail).
        if (t.getClass().getSimpleName().equals("ConnectTimeoutException")) {
            return new ProviderException(ErrorKind.TIMEOUT, 0, "connect timeout" + describe(t));
        }
        if (t instanceof TimeoutException || t instanceof SocketTimeoutException
                || t.getClass().getSimpleName().contains("Timeout")) {
            return new ProviderException(ErrorKind.TIMEOUT, 0, "timeout" + describe(t));
        }
        if (t instanceof VertxException && !(t instanceof HttpClosedException) && t.getMessage() != null) {
            String m = t.getMessage().toLowerCase(Locale.ROOT);
            if (m.contains("timeout") || m.contains("timed out")) {
                return new ProviderException(ErrorKind.TIMEOUT, 0, "timeout" + describe(t));
            }
        }
        return null;
    }

    private static ProviderException connection(Throwable t) {
        if (t instanceof HttpClosedException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "connection closed before a complete answer");
        }
        if (t instanceof StreamResetException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "request reset");
        }
        if (t instanceof SSLException) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "TLS failure: " + tlsCause(t));
        }
        if (t instanceof IOException) {
            return new ProviderException(ErrorKind.CONNECTION, 0,
                    "connection failed: " + t.getClass().getSimpleName() + describe(t));
        }
        String m = t.getMessage() == null ? "" : t.getMessage().toLowerCase(Locale.ROOT);
        if (t instanceof VertxException && (m.contains("closed") || m.contains("reset"))) {
            return new ProviderException(ErrorKind.CONNECTION, 0, "connection closed before a complete answer");
        }
        if (m.contains("connection was closed") || m.contains("connection reset") || m.contains("connection refused")
                || m.contains("broken pipe")) {
            return new ProviderException(ErrorKind.CONNECTION, 0,
                    "connection failed: " + t.getClass().getSimpleName() + describe(t));
        }
        return null;
    }

    /**
     * The usual handshake failures in words an operator acts on (the JDK's own words follow for
     * the rest); never any certificate or key content, which exception messages do not carry.
     */
    private static String tlsCause(Throwable failure) {
        // Vert.x reports "Failed to create SSL connection" with the JDK's reason as a cause.
        String first = null;
        Map<Throwable, Boolean> seen = new IdentityHashMap<>();
        int depth = 0;
        for (Throwable t = failure; t != null && depth < MAX_DEPTH && seen.put(t, Boolean.TRUE) == null;
             t = t.getCause(), depth++) {
            String m = t.getMessage() == null ? "" : t.getMessage();
            String words = tlsWords(m);
            if (words != null) {
                return words;
            }
            if (first == null && !m.isEmpty()) {
                first = m;
            }
        }
        return first == null ? failure.getClass().getSimpleName() : first;
    }

    private static String tlsWords(String m) {
        if (m.contains("PKIX path building failed") || m.contains("unable to find valid certification path")) {
            return "the upstream's certificate is not signed by a trusted CA (unknown CA; a private CA goes in "
                    + "the provider's tls.ca)";
        }
        if (m.contains("No subject alternative") || m.contains("No name matching")) {
            return "the upstream's certificate does not name the host called (" + m + ")";
        }
        if (m.contains("validity check failed") || m.contains("NotAfter") || m.contains("expired")) {
            return "the upstream's certificate has expired or is not valid yet";
        }
        if (m.contains("certificate_required") || m.contains("bad_certificate") || m.contains("unknown_ca")
                || m.contains("certificate_unknown")) {
            return "the upstream refused the gateway's client certificate, or wants one (the provider's tls.cert "
                    + "and tls.key): " + m;
        }
        return null;
    }

    private static String describe(Throwable t) {
        return t.getMessage() == null || t.getMessage().isEmpty() ? "" : ": " + t.getMessage();
    }
}
