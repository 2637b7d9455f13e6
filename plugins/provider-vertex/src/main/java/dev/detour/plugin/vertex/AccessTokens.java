package dev.detour.plugin.vertex;

import io.vertx.core.Future;

/**
 * Where a vertex provider's bearer token comes from: a static access token, or a service-account
 * key exchanged for short-lived tokens ({@link ServiceAccountTokens}). Thread-safe.
 */
interface AccessTokens {

    /**
     * The token to send now. A cached token is returned as an already completed future (no
     * allocation on the hot path); a failure is a {@link dev.detour.api.ProviderException}.
     */
    Future<String> token();

    /** Whether a new token can be had: only then is a 401 worth one more try with a fresh token. */
    boolean refreshable();

    /** Forgets {@code token} when it is still the cached one (the API refused it as expired). */
    void invalidate(String token);

    /** Releases the token endpoint's HTTP client, if any. */
    default Future<Void> close() {
        return Future.succeededFuture();
    }

    /** A token configured as it is ({@code gcloud auth print-access-token}); never refreshed. */
    static AccessTokens fixed(String token) {
        Future<String> ready = Future.succeededFuture(token);
        return new AccessTokens() {
            @Override
            public Future<String> token() {
                return ready;
            }

            @Override
            public boolean refreshable() {
                return false;
            }

            @Override
            public void invalidate(String t) {
            }

            @Override
            public String toString() {
                return "AccessTokens[static, ***]";
            }
        };
    }
}
