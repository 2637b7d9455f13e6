package dev.detour.plugin.vertex;

import dev.detour.api.Clock;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.Future;
import io.vertx.core.Promise;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Callable;

/**
 * Access tokens from a service-account key: a signed JWT ({@link GoogleJwt}) exchanged at the token
 * endpoint for a bearer token, cached until {@link #REFRESH_MARGIN} before it expires.
 *
 * <p>Single flight: whoever finds no usable token starts the one exchange, and every request
 * arriving while it runs waits for that same exchange; a failed exchange fails those requests and
 * the next request starts a new one. A token whose whole lifetime is shorter than the margin is
 * used by the requests that waited for it and refreshed by the next. Time is the injected
 * {@link Clock} (monotonic for the expiry, wall-clock for the JWT's {@code iat}).
 *
 * <p>Thread-safe: the cached token is one volatile read on the hot path; only the refresh takes the
 * lock, and never across I/O. The private key never leaves the key record.
 */
final class ServiceAccountTokens implements AccessTokens {

    /** Refresh this long before expiry, so a token never expires on its way to Google. */
    static final Duration REFRESH_MARGIN = Duration.ofMinutes(5);

    /** A token as the endpoint answered it. */
    record Grant(String accessToken, long expiresInSeconds) {
        @Override
        public String toString() {
            return "Grant[***, expires_in=" + expiresInSeconds + "]";
        }
    }

    /** Posts one assertion to the token endpoint ({@link TokenEndpoint} in production). */
    @FunctionalInterface
    interface Exchange {
        Future<Grant> post(String assertion);
    }

    /**
     * Runs the signing off the event loop ({@code vertx::executeBlocking} in production): an RSA
     * signature is a millisecond of CPU, but the first one loads and initialises the JDK's crypto
     * provider, which takes far longer.
     */
    @FunctionalInterface
    interface Signer {
        Future<String> sign(Callable<String> signing);
    }

    private record Cached(String value, Future<String> ready, long refreshAtNanos) {
    }

    private final ServiceAccountKey key;
    private final String audience;
    private final Clock clock;
    private final Exchange exchange;
    private final Signer signer;
    private final Runnable onClose;
    private volatile Cached current;
    private Future<String> inflight; // guarded by this

    /**
     * @param key      the service-account key
     * @param audience the token endpoint's URL, the JWT's {@code aud}
     * @param clock    the time source
     * @param exchange the call to the token endpoint
     * @param signer   where the JWT is signed
     * @param onClose  releases the exchange's resources
     */
    ServiceAccountTokens(ServiceAccountKey key, String audience, Clock clock, Exchange exchange, Signer signer,
                         Runnable onClose) {
        this.key = Objects.requireNonNull(key, "key");
        this.audience = Objects.requireNonNull(audience, "audience");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.exchange = Objects.requireNonNull(exchange, "exchange");
        this.signer = Objects.requireNonNull(signer, "signer");
        this.onClose = onClose;
    }

    @Override
    public Future<String> token() {
        Cached c = current;
        if (c != null && clock.nanos() - c.refreshAtNanos < 0) {
            return c.ready;
        }
        return refresh();
    }

    private synchronized Future<String> refresh() {
        Cached c = current;
        if (c != null && clock.nanos() - c.refreshAtNanos < 0) {
            return c.ready; // another thread refreshed while this one waited for the lock
        }
        if (inflight != null) {
            return inflight;
        }
        Promise<String> promise = Promise.promise();
        Future<String> flight = promise.future();
        // Set before the exchange starts: it may complete (e.g. fail to sign) before post returns.
        inflight = flight;
        long started = clock.nanos();
        long iat = clock.now().getEpochSecond();
        Future<Grant> grant;
        try {
            grant = signer.sign(() -> GoogleJwt.assertion(key, audience, iat))
                    .recover(e -> Future.failedFuture(new ProviderException(ErrorKind.AUTHENTICATION, 0,
                            "Vertex AI: " + e.getMessage())))
                    .compose(exchange::post);
        } catch (RuntimeException e) {
            grant = Future.failedFuture(new ProviderException(ErrorKind.AUTHENTICATION, 0, "Vertex AI: " + e.getMessage()));
        }
        grant.onComplete(ar -> {
            synchronized (this) {
                if (inflight == flight) {
                    inflight = null;
                }
                if (ar.succeeded()) {
                    Grant g = ar.result();
                    long lifetime = Math.max(0, g.expiresInSeconds() - REFRESH_MARGIN.toSeconds());
                    current = new Cached(g.accessToken(), Future.succeededFuture(g.accessToken()),
                            started + Duration.ofSeconds(lifetime).toNanos());
                }
            }
            if (ar.succeeded()) {
                promise.tryComplete(ar.result().accessToken());
            } else {
                promise.tryFail(ar.cause());
            }
        });
        return flight;
    }

    @Override
    public boolean refreshable() {
        return true;
    }

    @Override
    public synchronized void invalidate(String token) {
        Cached c = current;
        if (c != null && c.value.equals(token)) {
            current = null;
        }
    }

    @Override
    public Future<Void> close() {
        if (onClose != null) {
            onClose.run();
        }
        return Future.succeededFuture();
    }

    @Override
    public String toString() {
        return "ServiceAccountTokens[" + key.clientEmail() + "]";
    }
}
