package dev.detour.plugin.cache.semantic;

import dev.detour.api.ProviderException;
import dev.detour.api.cache.CacheContext;
import dev.detour.api.cache.CachedResponse;
import dev.detour.api.cache.ResponseCache;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.plugin.cache.memory.MemoryOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static dev.detour.plugin.cache.semantic.SemanticCacheTest.STALE;
import static dev.detour.plugin.cache.semantic.SemanticCacheTest.TTL;
import static dev.detour.plugin.cache.semantic.SemanticCacheTest.answer;
import static dev.detour.plugin.cache.semantic.SemanticCacheTest.ask;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code embedder: {route: NAME}} with a fake of the gateway's embeddings routes; and the bounds. */
class RouteEmbedderTest {
    private static Vertx vertx;
    private final SemanticCacheTest.ManualClock clock = new SemanticCacheTest.ManualClock();

    @BeforeAll
    static void start() {
        vertx = Vertx.vertx();
    }

    @AfterAll
    static void stop() {
        await(vertx.close());
    }

    static <T> T await(Future<T> f) {
        try {
            return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** Answers fixed vectors per text, and remembers what it was asked. */
    static final class FakeEmbeddings implements CacheContext.Embeddings {
        final Map<String, float[]> vectors;
        final List<String> routes = new ArrayList<>();
        final List<EmbeddingRequest> requests = new ArrayList<>();

        FakeEmbeddings(Map<String, float[]> vectors) {
            this.vectors = vectors;
        }

        @Override
        public Future<EmbeddingResponse> embed(String route, EmbeddingRequest request) {
            routes.add(route);
            requests.add(request);
            float[] v = vectors.get(request.input().get(0));
            if (v == null) {
                return Future.failedFuture(new ProviderException(dev.detour.api.ErrorKind.SERVER_ERROR, 503, "every target failed"));
            }
            return Future.succeededFuture(new EmbeddingResponse("te3", List.of(v.clone()), null));
        }
    }

    private ResponseCache cache(CacheContext.Embeddings e, String timeout) {
        return new SemanticCacheFactory().create(new SemanticOptions(0.9, SemanticOptionsJson.route("embed"), null, null, null, timeout),
                new CacheContext("support", vertx, clock, e, null));
    }

    @Test
    void embeddings_come_from_the_named_route_and_decide_hits() {
        FakeEmbeddings e = new FakeEmbeddings(Map.of(
                "How do I reset my password?", new float[]{1, 0, 0},
                "Password reset, how?", new float[]{0.95f, 0.1f, 0},
                "How do I reset my password, step 2?", new float[]{0.99f, 0.01f, 0},
                "Where is my parcel?", new float[]{0, 1, 0}));
        ResponseCache c = cache(e, "5s");
        await(c.put("ns", ask("How do I reset my password?"), answer("Click reset."), "t", TTL, STALE));
        assertEquals(List.of("embed"), e.routes);
        assertEquals(List.of("How do I reset my password?"), e.requests.get(0).input());
        assertEquals("embed", e.requests.get(0).model());
        CachedResponse<ChatResponse> hit = await(c.get("ns", ask("Password reset, how?"), false));
        assertNotNull(hit);
        assertEquals(0.995, hit.similarity(), 0.01, "cosine of the normalised vectors");
        assertNull(await(c.get("ns", ask("Where is my parcel?"), false)), "far apart");
        assertNull(await(c.get("ns", ask("How do I reset my password, step 2?"), false)), "close, but a number apart");
    }

    @Test
    void a_failing_route_fails_the_lookup_and_a_store_after_a_miss_embeds_once() {
        FakeEmbeddings e = new FakeEmbeddings(Map.of("a question", new float[]{1, 0}, "another question", new float[]{0, 1}));
        ResponseCache c = cache(e, "5s");
        await(c.put("ns", ask("a question"), answer("x"), "t", TTL, STALE));
        assertTrue(c.get("ns", ask("unknown to the fake"), false).toCompletionStage().toCompletableFuture()
                .handle((r, t) -> t != null).join(), "core treats a failed lookup as a miss");
        int before = e.requests.size();
        assertNull(await(c.get("ns", ask("another question"), false)));
        await(c.put("ns", ask("another question"), answer("y"), "t", TTL, STALE));
        assertEquals(before + 1, e.requests.size(), "the lookup's embedding is reused by the store");
    }

    @Test
    void a_route_slower_than_the_deadline_is_a_miss() {
        Promise<EmbeddingResponse> never = Promise.promise();
        List<String> asked = new ArrayList<>();
        ResponseCache c = cache((route, req) -> {
            asked.add(req.input().get(0));
            return asked.size() == 1
                    ? Future.succeededFuture(new EmbeddingResponse("m", List.of(new float[]{1, 0}), null))
                    : never.future();
        }, "500ms"); // wide enough that the first, immediate answer never meets it on a loaded machine
        await(c.put("ns", ask("first"), answer("x"), "t", TTL, STALE));
        Throwable t = c.get("ns", ask("second"), false).toCompletionStage().toCompletableFuture()
                .handle((r, err) -> err).join();
        assertNotNull(t);
        assertTrue(t.getMessage().contains("took longer than 500ms"), t.getMessage());
    }

    @Test
    void max_bytes_holds_under_a_flood_of_unique_prompts() {
        Random rnd = new Random(7);
        CacheContext.Embeddings random = (route, req) -> {
            float[] v = new float[384];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            return Future.succeededFuture(new EmbeddingResponse("m", List.of(v), null));
        };
        SemanticCache c = (SemanticCache) new SemanticCacheFactory().create(
                new SemanticOptions(0.9, SemanticOptionsJson.route("embed"), null, 1_000_000, "512KB", "5s"),
                new CacheContext("support", vertx, clock, random, null));
        String body = "z".repeat(1000);
        for (int i = 0; i < 5_000; i++) {
            await(c.put("ns", ask("unique prompt " + i), answer(body + i), "t", TTL, STALE));
        }
        c.store().cleanUp();
        assertTrue(c.store().bytes() <= 512 * 1024, "bytes " + c.store().bytes());
        assertTrue(c.store().entries() > 20, "entries " + c.store().entries());
        assertEquals(c.store().entries(), c.bucketSize("ns", ask("any")), "the index holds exactly what the store holds");
    }

    @Test
    void a_full_bucket_drops_its_oldest_and_is_searched_in_well_under_a_millisecond() {
        Random rnd = new Random(11);
        CacheContext.Embeddings random = (route, req) -> {
            float[] v = new float[384];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
            return Future.succeededFuture(new EmbeddingResponse("m", List.of(v), null));
        };
        SemanticCache c = new SemanticCache(0.9, MemoryOptions.defaults(), clock, new RouteEmbedder(vertx, random, "embed", 5000));
        for (int i = 0; i < SemanticCache.MAX_BUCKET + 10; i++) {
            await(c.put("ns", ask("prompt " + i), answer("a" + i), "t", TTL, STALE));
        }
        assertEquals(SemanticCache.MAX_BUCKET, c.bucketSize("ns", ask("x")));
        assertEquals(SemanticCache.MAX_BUCKET, c.store().entries());
        assertNull(await(c.get("ns", ask("prompt 0"), false)), "the oldest was dropped from the store too");
        // The search cost, reported (not asserted: timing depends on the machine's load).
        float[][] vs = new float[SemanticCache.MAX_BUCKET][384];
        for (float[] v : vs) {
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) rnd.nextGaussian();
            }
        }
        float[] q = vs[0];
        double sink = 0;
        long best = Long.MAX_VALUE;
        for (int round = 0; round < 50; round++) {
            long t0 = System.nanoTime();
            for (float[] v : vs) {
                sink += SemanticCache.dot(q, v);
            }
            best = Math.min(best, System.nanoTime() - t0);
        }
        System.out.printf("exact search over %d vectors of 384: best of 50 %.3f ms (%s)%n", vs.length, best / 1e6, sink > 0 ? "+" : "-");
    }
}
