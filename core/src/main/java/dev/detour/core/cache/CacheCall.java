package dev.detour.core.cache;

import dev.detour.api.cache.CachedResponse;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.core.failover.EngineResult;
import io.vertx.core.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.Supplier;

/**
 * A route's cache as one request meets it: its namespace, whether the client let it look up
 * ({@code no-cache}) and store ({@code no-store}), and what it found, for {@code x-detour-cache}.
 * Core's rules live here: a failed lookup is a miss and a failed store is logged (a cache never
 * fails a request); only a whole answer with every choice asked for is stored; a stale answer is
 * served only when every target failed for a reason the request would not meet everywhere.
 * One per request, used on its event loop.
 */
public final class CacheCall {
    private static final Logger LOG = LoggerFactory.getLogger(CacheCall.class);

    /** {@code x-detour-cache} values. */
    public static final String HIT = "hit";
    public static final String MISS = "miss";
    public static final String STALE = "stale";

    private final RouteCache route;
    private final String namespace;
    private final boolean lookup;
    private final boolean store;

    CacheCall(RouteCache route, String namespace, boolean lookup, boolean store) {
        this.route = route;
        this.namespace = namespace;
        this.lookup = lookup;
        this.store = store;
    }

    /** Whether the answer may be stored (the client did not send {@code no-store}). */
    public boolean stores() {
        return store;
    }

    /** A fresh stored answer to {@code request}, or null (a miss, or a lookup the client skipped). */
    public Future<CachedResponse<ChatResponse>> lookup(ChatRequest request) {
        return found(lookup ? call(() -> route.cache.get(namespace, request, false)) : null, false);
    }

    /** As {@link #lookup(ChatRequest)}, for embeddings. */
    public Future<CachedResponse<EmbeddingResponse>> lookup(EmbeddingRequest request) {
        return found(lookup ? call(() -> route.cache.getEmbeddings(namespace, request, false)) : null, false);
    }

    /** Counts what a fresh lookup found; a stale entry is not fresh, whatever the cache says. */
    private <R> Future<CachedResponse<R>> found(Future<CachedResponse<R>> f, boolean stale) {
        if (f == null) {
            route.series.miss();
            return Future.succeededFuture();
        }
        return f.transform(ar -> {
            CachedResponse<R> c = ar.succeeded() ? ar.result() : null;
            if (ar.failed()) {
                LOG.warn("cache lookup failed on route '{}' (a miss): {}", route.route(), what(ar.cause()));
            }
            if (c != null && c.stale() && !stale) {
                c = null;
            }
            if (!stale) {
                if (c != null) {
                    route.series.hit(c.similarity());
                } else {
                    route.series.miss();
                }
            } else if (c != null) {
                route.series.stale();
            }
            return Future.succeededFuture(c);
        });
    }

    private static <R> Future<CachedResponse<R>> call(Supplier<Future<CachedResponse<R>>> get) {
        try {
            Future<CachedResponse<R>> f = get.get();
            return f != null ? f : Future.succeededFuture();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }

    /**
     * Stores a whole answer that passed the quality gate (the engine succeeded) and was sent to
     * the client, unless the client sent {@code no-store} or it does not hold every choice asked
     * for ({@code n}). The cache holds the canonical answer (the upstream's bytes travel beside it,
     * not in it), which serves both inbound APIs.
     *
     * @param target the id of the target that produced it
     */
    public void store(ChatRequest request, ChatResponse response, String target) {
        if (!store || !storable(request, response)) {
            return;
        }
        stored(() -> route.cache.put(namespace, request, response, target, route.config.ttl(),
                route.config.maxStale()));
    }

    /** As {@link #store(ChatRequest, ChatResponse, String)}, for embeddings (every input's vector). */
    public void store(EmbeddingRequest request, EmbeddingResponse response, String target) {
        if (!store || response == null || response.vectors().size() != request.input().size()) {
            return;
        }
        stored(() -> route.cache.putEmbeddings(namespace, request, response, target, route.config.ttl(),
                route.config.maxStale()));
    }

    /**
     * Whether an answer may be stored: it has choices, and as many as the request asked for
     * ({@code n > 1} is stored only when every choice was kept).
     */
    public static boolean storable(ChatRequest request, ChatResponse response) {
        if (response == null || response.choices().isEmpty()) {
            return false;
        }
        int n = request.n() == null ? 1 : request.n();
        if (response.choices().size() < n) {
            return false;
        }
        for (int i = 0; i < response.choices().size(); i++) {
            if (response.choices().get(i).message() == null) {
                return false;
            }
        }
        return true;
    }

    private void stored(Supplier<Future<Void>> put) {
        Future<Void> f;
        try {
            f = put.get();
        } catch (RuntimeException e) {
            f = Future.failedFuture(e);
        }
        if (f != null) {
            f.onFailure(e -> LOG.warn("cache store failed on route '{}': {}", route.route(), what(e)));
        }
    }

    /**
     * Whether a stale answer may replace {@code failure}: the route has {@code serve_stale_on_failure},
     * the client did not skip the cache, and the failure is the targets' (every one failed, timed
     * out, was open or rate limited), not the request's own (a 4xx it would get anywhere).
     */
    public boolean mayServeStale(EngineResult.Failure failure) {
        if (!route.config.serveStaleOnFailure() || !lookup || failure == null) {
            return false;
        }
        int s = failure.status();
        return s >= 500 || s == 429 || s == 408;
    }

    /**
     * A stored answer, stale or not, to answer a request every target failed; null when there is
     * none. A served one is counted, and the error the client would have got is logged.
     */
    public Future<CachedResponse<ChatResponse>> stale(ChatRequest request, EngineResult.Failure failure) {
        return logged(found(call(() -> route.cache.get(namespace, request, true)), true), failure);
    }

    /** As {@link #stale(ChatRequest, EngineResult.Failure)}, for embeddings. */
    public Future<CachedResponse<EmbeddingResponse>> stale(EmbeddingRequest request, EngineResult.Failure failure) {
        return logged(found(call(() -> route.cache.getEmbeddings(namespace, request, true)), true), failure);
    }

    private <R> Future<CachedResponse<R>> logged(Future<CachedResponse<R>> f, EngineResult.Failure failure) {
        return f.map(c -> {
            if (c != null) {
                LOG.warn("route '{}': every target failed ({} {}); answered with a stored answer from {} instead",
                        route.route(), failure.status(), failure.code(), c.target());
            }
            return c;
        });
    }

    /**
     * A failure for a log line: its type only, since a plugin's message could quote a request;
     * the JVM's own errors (a class or native library a plugin could not load) with their message,
     * which names what is missing.
     */
    private static String what(Throwable e) {
        if (e instanceof LinkageError || e instanceof VirtualMachineError) {
            return e.toString() + (e.getCause() != null ? " (cause: " + e.getCause() + ")" : "");
        }
        return e.getClass().getName();
    }
}
