package dev.detour.core.cache;

import dev.detour.api.cache.CacheStats;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;
import dev.detour.core.admission.Refused;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.EngineResult;
import dev.detour.core.telemetry.Metrics;
import io.vertx.core.Future;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Core's cache rules on one request: directives, namespaces, what is stored, when stale is allowed, failures as misses. */
class CacheCallTest {
    /** Keeps answers by namespace and last message; can be told to fail. */
    static final class MapCache implements ResponseCache {
        final Map<String, CachedResponse<ChatResponse>> entries = new HashMap<>();
        final List<String> namespaces = new ArrayList<>();
        boolean fail;
        boolean stale;

        private String key(String ns, ChatRequest r) {
            return ns + "|" + r.messages().get(r.messages().size() - 1).text();
        }

        @Override
        public Future<CachedResponse<ChatResponse>> get(String ns, ChatRequest r, boolean includeStale) {
            if (fail) {
                throw new IllegalStateException("the prompt 'secret words' could not be looked up");
            }
            namespaces.add(ns);
            CachedResponse<ChatResponse> c = entries.get(key(ns, r));
            return Future.succeededFuture(c == null || (stale && !includeStale) ? null
                    : new CachedResponse<>(c.response(), c.target(), c.storedAtMillis(), stale, 1.0));
        }

        @Override
        public Future<Void> put(String ns, ChatRequest r, ChatResponse response, String target, Duration ttl,
                                Duration maxStale) {
            if (fail) {
                return Future.failedFuture(new IllegalStateException("full"));
            }
            entries.put(key(ns, r), new CachedResponse<>(response, target, 0, false, 1));
            return Future.succeededFuture();
        }

        @Override
        public CacheStats stats() {
            return new CacheStats(entries.size(), 0, 0, 0);
        }
    }

    final MapCache cache = new MapCache();
    final Metrics metrics = new Metrics();

    RouteCache route(boolean perKey, boolean serveStale) {
        GatewayConfig.Cache cfg = new GatewayConfig.Cache(new GatewayConfig.PluginRef("map", null, "routes.r.cache"),
                Duration.ofMinutes(1), serveStale ? Duration.ofHours(1) : Duration.ZERO, serveStale, perKey);
        return new RouteCache("r", cache, cfg, metrics.cache("r", cache::stats));
    }

    static ChatRequest ask(String q, Integer n) {
        return ChatRequest.builder("r", List.of(Message.text("user", q))).n(n).build();
    }

    static ChatResponse answer(String text, int choices) {
        List<Choice> cs = new ArrayList<>();
        for (int i = 0; i < choices; i++) {
            cs.add(new Choice(i, Message.assistant(text, List.of()), FinishReason.STOP));
        }
        return new ChatResponse("id", "m", 1, cs, Usage.of(1, 2), null);
    }

    static <T> T now(Future<T> f) {
        assertTrue(f.isComplete(), "a synchronous cache answers at once");
        return f.result();
    }

    @Test
    void a_stored_answer_is_found_with_the_target_that_produced_it() {
        RouteCache rc = route(true, false);
        CacheCall call = rc.call("team-a", null, null);
        assertNull(now(call.lookup(ask("q", null))));
        call.store(ask("q", null), answer("a", 1), "p/m");
        CachedResponse<ChatResponse> hit = now(rc.call("team-a", null, null).lookup(ask("q", null)));
        assertEquals("a", hit.response().text());
        assertEquals("p/m", hit.target());
        String m = metrics.render(List.of());
        assertTrue(m.contains("detour_cache_hits_total{route=\"r\"} 1"), m);
        assertTrue(m.contains("detour_cache_misses_total{route=\"r\"} 1"), m);
        assertTrue(m.contains("detour_cache_entries{route=\"r\"} 1"), m);
    }

    @Test
    void scope_key_gives_each_key_its_namespace_and_scope_route_shares_one() {
        RouteCache perKey = route(true, false);
        perKey.call("team-a", null, null).store(ask("q", null), answer("a's", 1), "t");
        assertNull(now(perKey.call("team-b", null, null).lookup(ask("q", null))));
        assertNull(now(perKey.call(null, null, null).lookup(ask("q", null))), "no key is not team-a either");
        assertEquals("a's", now(perKey.call("team-a", null, null).lookup(ask("q", null))).response().text());
        assertEquals(List.of("r\u0000key:team-b", "r", "r\u0000key:team-a"), cache.namespaces);

        RouteCache shared = route(false, false);
        shared.call("team-a", null, null).store(ask("z", null), answer("everyone's", 1), "t");
        assertEquals("everyone's", now(shared.call("team-b", null, null).lookup(ask("z", null))).response().text());
    }

    @Test
    void directives_from_either_header() {
        RouteCache rc = route(false, false);
        rc.call(null, null, null).store(ask("q", null), answer("kept", 1), "t");
        assertNull(now(rc.call(null, "no-cache", null).lookup(ask("q", null))));
        assertNull(now(rc.call(null, null, "max-age=0, No-Cache").lookup(ask("q", null))));
        assertNull(now(rc.call(null, " no-store ", null).lookup(ask("q", null))), "no-store skips the lookup too");
        assertFalse(rc.call(null, "no-store", null).stores());
        assertFalse(rc.call(null, null, "private,no-store").stores());
        assertTrue(rc.call(null, null, "no-cache").stores());
        assertTrue(rc.call(null, null, "no-stored-thing, x-no-cache").stores(), "only whole directives count");
        assertEquals("kept", now(rc.call(null, null, "x-no-cache").lookup(ask("q", null))).response().text());
        Refused r = assertThrows(Refused.class, () -> rc.call(null, "no_store", null));
        assertEquals(400, r.status());

        rc.call(null, "no-store", null).store(ask("new", null), answer("not kept", 1), "t");
        assertNull(now(rc.call(null, null, null).lookup(ask("new", null))));
        rc.call(null, "no-cache", null).store(ask("new", null), answer("kept after no-cache", 1), "t");
        assertEquals("kept after no-cache", now(rc.call(null, null, null).lookup(ask("new", null))).response().text());
    }

    @Test
    void n_choices_are_stored_only_when_every_one_was_kept() {
        assertTrue(CacheCall.storable(ask("q", null), answer("a", 1)));
        assertTrue(CacheCall.storable(ask("q", 2), answer("a", 2)));
        assertFalse(CacheCall.storable(ask("q", 2), answer("a", 1)));
        assertFalse(CacheCall.storable(ask("q", null), answer("a", 0)));
        assertFalse(CacheCall.storable(ask("q", null), null));
    }

    @Test
    void stale_only_for_the_targets_failures_on_a_route_that_allows_it() {
        RouteCache rc = route(false, true);
        for (int s : new int[]{502, 503, 504, 500, 429, 408}) {
            assertTrue(rc.call(null, null, null).mayServeStale(failure(s)), "" + s);
        }
        for (int s : new int[]{400, 401, 403, 404, 413, 422, 499}) {
            assertFalse(rc.call(null, null, null).mayServeStale(failure(s)), "" + s);
        }
        assertFalse(rc.call(null, "no-cache", null).mayServeStale(failure(502)), "the client skipped the cache");
        GatewayConfig.Cache noStale = new GatewayConfig.Cache(new GatewayConfig.PluginRef("map", null, "p"),
                Duration.ofMinutes(1), Duration.ZERO, false, false);
        assertFalse(new RouteCache("other", cache, noStale, new Metrics().cache("other", cache::stats))
                .call(null, null, null).mayServeStale(failure(502)));

        rc.call(null, null, null).store(ask("q", null), answer("old", 1), "t");
        cache.stale = true;
        assertNull(now(rc.call(null, null, null).lookup(ask("q", null))), "stale is never a hit");
        assertEquals("old", now(rc.call(null, null, null).stale(ask("q", null), failure(502))).response().text());
        assertTrue(metrics.render(List.of()).contains("detour_cache_stale_served_total{route=\"r\"} 1"));
    }

    @Test
    void a_failing_cache_is_a_miss_and_never_fails_the_request() {
        RouteCache rc = route(false, true);
        cache.fail = true;
        assertNull(now(rc.call(null, null, null).lookup(ask("q", null))));
        assertNull(now(rc.call(null, null, null).stale(ask("q", null), failure(502))));
        rc.call(null, null, null).store(ask("q", null), answer("a", 1), "t");
        assertTrue(cache.entries.isEmpty());
    }

    static EngineResult.Failure failure(int status) {
        return new EngineResult.Failure(status, "gateway_error", "x", "m", 0);
    }
}
