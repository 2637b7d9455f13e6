package dev.detour.core.cache;

import dev.detour.api.cache.ResponseCache;
import dev.detour.core.admission.Refused;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.telemetry.Metrics;
import io.vertx.core.Future;

import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One route's {@code cache:}: the plugin's cache, the keys core reads ({@code ttl},
 * {@code max_stale}, {@code serve_stale_on_failure}, {@code scope}) and the route's cache metrics.
 * Each request on the route gets a {@link CacheCall} carrying its namespace and the client's
 * directives. Thread-safe.
 */
public final class RouteCache {
    private final String route;
    final ResponseCache cache;
    final GatewayConfig.Cache config;
    final Metrics.CacheSeries series;
    /** Namespaces by key name: keys come from the config, so the map is bounded by it. */
    private final Map<String, String> namespaces = new ConcurrentHashMap<>();

    /**
     * @param route  the route's name
     * @param cache  the plugin's cache for it
     * @param config its {@code cache:} block
     * @param series its metrics
     */
    public RouteCache(String route, ResponseCache cache, GatewayConfig.Cache config, Metrics.CacheSeries series) {
        this.route = route;
        this.cache = cache;
        this.config = config;
        this.series = series;
    }

    /** The route's name. */
    public String route() {
        return route;
    }

    /** The plugin's cache. */
    public ResponseCache cache() {
        return cache;
    }

    /**
     * The cache as one request meets it.
     *
     * @param keyName      the virtual key that authenticated the request, or null without keys
     * @param detourHeader the request's {@code x-detour-cache} ({@code no-cache} and/or
     *                     {@code no-store}, comma-separated), or null
     * @param cacheControl the request's {@code Cache-Control}, or null: {@code no-cache} and
     *                     {@code no-store} count as in {@code x-detour-cache}, other directives are ignored
     * @throws Refused 400 {@code invalid_request} for an {@code x-detour-cache} value other than those two
     */
    public CacheCall call(String keyName, String detourHeader, String cacheControl) {
        boolean noCache = false;
        boolean noStore = false;
        if (detourHeader != null) {
            for (String d : detourHeader.split(",")) {
                String v = d.trim().toLowerCase(Locale.ROOT);
                if (v.equals("no-cache")) {
                    noCache = true;
                } else if (v.equals("no-store")) {
                    noStore = true;
                } else if (!v.isEmpty()) {
                    throw new Refused(400, "invalid_request_error", "invalid_request",
                            "x-detour-cache: must be no-cache (skip the lookup, store the answer) or no-store "
                                    + "(neither look up nor store)", null, 0);
                }
            }
        }
        if (cacheControl != null) {
            String cc = cacheControl.toLowerCase(Locale.ROOT);
            noCache |= directive(cc, "no-cache");
            noStore |= directive(cc, "no-store");
        }
        // no-store skips both: an answer the client does not want kept is not looked up either.
        return new CacheCall(this, namespace(keyName), !noCache && !noStore, !noStore);
    }

    /** Whether {@code name} is one of the comma-separated directives of {@code header} (lower case). */
    private static boolean directive(String header, String name) {
        int from = 0;
        while (true) {
            int i = header.indexOf(name, from);
            if (i < 0) {
                return false;
            }
            int end = i + name.length();
            boolean startOk = i == 0 || header.charAt(i - 1) == ',' || header.charAt(i - 1) == ' '
                    || header.charAt(i - 1) == '\t';
            boolean endOk = end == header.length() || header.charAt(end) == ',' || header.charAt(end) == ' '
                    || header.charAt(end) == '\t' || header.charAt(end) == '=';
            if (startOk && endOk) {
                return true;
            }
            from = end;
        }
    }

    /**
     * The namespace of a request: the route, and with {@code scope: key} the key's name, so one
     * key never reads another's answers. A NUL separates them: neither a route nor a key name can
     * contain one.
     */
    String namespace(String keyName) {
        if (!config.perKey() || keyName == null) {
            return route;
        }
        return namespaces.computeIfAbsent(keyName, k -> route + "\u0000key:" + k);
    }

    /** Releases the plugin's cache. */
    public Future<Void> close() {
        return cache.close();
    }
}
