package dev.detour.plugin.vertex;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Caching, refresh and single flight, on a manual clock with exchanges the test answers. */
class ServiceAccountTokensTest {

    private final TestKeys.ManualClock clock = new TestKeys.ManualClock();
    private final List<String> assertions = new ArrayList<>();
    private final List<Promise<ServiceAccountTokens.Grant>> pending = new ArrayList<>();
    private final ServiceAccountTokens tokens = new ServiceAccountTokens(TestKeys.key(), "https://oauth2.googleapis.com/token",
            clock, assertion -> {
                assertions.add(assertion);
                Promise<ServiceAccountTokens.Grant> p = Promise.promise();
                pending.add(p);
                return p.future();
            }, ServiceAccountTokensTest::inline, null);

    /** Signs at once, on the calling thread. */
    static Future<String> inline(java.util.concurrent.Callable<String> signing) {
        try {
            return Future.succeededFuture(signing.call());
        } catch (Exception e) {
            return Future.failedFuture(e);
        }
    }

    private void grant(int i, String token, long expiresIn) {
        pending.get(i).complete(new ServiceAccountTokens.Grant(token, expiresIn));
    }

    @Test
    void concurrent_requests_share_one_exchange_and_then_the_cached_token() {
        Future<String> a = tokens.token();
        Future<String> b = tokens.token();
        Future<String> c = tokens.token();

        assertEquals(1, assertions.size(), "one exchange for three waiting requests");
        assertFalse(a.isComplete());
        grant(0, "ya29.first", 3599);
        assertEquals("ya29.first", a.result());
        assertEquals("ya29.first", b.result());
        assertEquals("ya29.first", c.result());

        Future<String> later = tokens.token();
        assertTrue(later.isComplete(), "a cached token needs no exchange");
        assertSame(later, tokens.token(), "the cached future is reused: nothing allocated per request");
        assertEquals(1, assertions.size());
    }

    @Test
    void the_token_is_refreshed_five_minutes_before_it_expires() {
        tokens.token();
        grant(0, "ya29.first", 3600);

        clock.advance(Duration.ofSeconds(3600 - 300 - 1));
        assertEquals("ya29.first", tokens.token().result());
        assertEquals(1, assertions.size());

        clock.advance(Duration.ofSeconds(1));
        Future<String> refreshed = tokens.token();
        assertEquals(2, assertions.size(), "inside the margin: a new exchange");
        grant(1, "ya29.second", 3600);
        assertEquals("ya29.second", refreshed.result());
    }

    @Test
    void each_assertion_is_signed_at_the_time_of_its_exchange() throws Exception {
        tokens.token();
        grant(0, "ya29.first", 600);
        clock.advance(Duration.ofSeconds(301));
        tokens.token();

        assertEquals(2, assertions.size());
        long iat0 = WireJsonClaims.iat(assertions.get(0));
        long iat1 = WireJsonClaims.iat(assertions.get(1));
        assertEquals(301, iat1 - iat0);
        assertTrue(TestKeys.verifies(assertions.get(1), TestKeys.PAIR.getPublic()));
    }

    @Test
    void a_token_shorter_lived_than_the_margin_serves_its_waiters_and_the_next_request_refreshes() {
        Future<String> first = tokens.token();
        grant(0, "ya29.short", 120);
        assertEquals("ya29.short", first.result());

        Future<String> next = tokens.token();
        assertEquals(2, assertions.size());
        grant(1, "ya29.short2", 120);
        assertEquals("ya29.short2", next.result());
    }

    @Test
    void a_failed_exchange_fails_its_waiters_and_the_next_request_tries_again() {
        Future<String> a = tokens.token();
        Future<String> b = tokens.token();
        pending.get(0).fail(new ProviderException(ErrorKind.AUTHENTICATION, 400, "invalid_grant"));

        assertTrue(a.failed() && b.failed());
        assertEquals(ErrorKind.AUTHENTICATION, ((ProviderException) a.cause()).kind());
        Future<String> c = tokens.token();
        assertEquals(2, assertions.size());
        grant(1, "ya29.ok", 3600);
        assertEquals("ya29.ok", c.result());
    }

    @Test
    void invalidating_the_cached_token_forces_one_new_exchange_and_a_stale_invalidation_does_nothing() {
        tokens.token();
        grant(0, "ya29.first", 3600);

        tokens.invalidate("ya29.first");
        Future<String> a = tokens.token();
        Future<String> b = tokens.token();
        assertEquals(2, assertions.size(), "one refresh for every request that saw the 401");
        grant(1, "ya29.second", 3600);
        assertEquals("ya29.second", a.result());
        assertEquals("ya29.second", b.result());

        tokens.invalidate("ya29.first");
        assertEquals("ya29.second", tokens.token().result());
        assertEquals(2, assertions.size());
    }

    /** Reads the iat claim of an assertion. */
    static final class WireJsonClaims {
        static long iat(String jwt) throws Exception {
            return dev.detour.wire.http.WireJson.MAPPER.readTree(java.util.Base64.getUrlDecoder().decode(jwt.split("\\.")[1]))
                    .path("iat").asLong();
        }
    }
}
