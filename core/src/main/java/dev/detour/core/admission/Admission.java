package dev.detour.core.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.wire.http.WireFormatException;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether a request may go to the engine, decided in three steps the HTTP layer calls in order:
 * the virtual key and its {@code limits.rpm} ({@link #authenticate}), the body
 * ({@link #parse}), and the route its {@code model} names ({@link #route}). Each step returns what
 * it found or throws {@link Refused} with the answer the client gets; nothing is created for a
 * refused request.
 *
 * <p>Confined to the server's event loop (the gateway serves from one context), like the rate
 * limiters it keeps: no locks on the hot path.
 */
public final class Admission {
    /** The routes a client's {@code model} may name: the gateway's. */
    public interface Routes {
        /** See {@code Gateway.resolve}. */
        Resolution resolve(String model, Set<String> allowed);

        /** The configured routes' names, for a client that named an unknown one. */
        Collection<String> names();
    }

    private final Clock clock;
    private final Routes routes;
    private final Map<String, GatewayConfig.Key> keysByDigest = new HashMap<>();
    /** Each key's {@code limits.rpm} window, by key name; only configured keys, so bounded by the config. */
    private final Map<String, RateLimiter> rpmLimits = new HashMap<>();

    /**
     * @param keys   the virtual keys; none means every call is let in without one
     * @param clock  the clock {@code limits.rpm} windows are kept on
     * @param routes what a {@code model} resolves to
     */
    public Admission(Collection<GatewayConfig.Key> keys, Clock clock, Routes routes) {
        this.clock = clock;
        this.routes = routes;
        for (GatewayConfig.Key k : keys) {
            keysByDigest.put(k.keySha256(), k);
            if (k.rpm() > 0) {
                rpmLimits.put(k.name(), new RateLimiter(k.rpm(), 60_000));
            }
        }
    }

    /** Whether virtual keys are configured (then every API call must present one). */
    public boolean keysRequired() {
        return !keysByDigest.isEmpty();
    }

    /**
     * The virtual key presented as {@code Authorization: Bearer <key>} or, failing that,
     * {@code x-api-key}, counted against its {@code limits.rpm}.
     *
     * @param authorization the {@code Authorization} header, or null
     * @param apiKey        the {@code x-api-key} header, or null
     * @return the key; null when no keys are configured
     * @throws Refused 401 {@code invalid_api_key} for a missing or unknown key, 429 {@code rate_limited}
     *                 (with the seconds until it may call again) for a key over its limit
     */
    public GatewayConfig.Key authenticate(String authorization, String apiKey) {
        GatewayConfig.Key key = identify(authorization, apiKey);
        if (key != null) {
            limit(key);
        }
        return key;
    }

    /**
     * The virtual key presented, not yet counted against its limits (so a refusal for its limit
     * can still name it).
     *
     * @return the key; null when no keys are configured
     * @throws Refused 401 {@code invalid_api_key} for a missing or unknown key
     */
    public GatewayConfig.Key identify(String authorization, String apiKey) {
        if (keysByDigest.isEmpty()) {
            return null;
        }
        String presented = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : apiKey;
        GatewayConfig.Key key = presented == null ? null : keysByDigest.get(ConfigLoader.sha256(presented));
        if (key == null) {
            throw new Refused(401, "authentication_error", "invalid_api_key", presented == null
                    ? "missing API key: send Authorization: Bearer <key> (or x-api-key on /v1/messages)"
                    : "invalid API key", null, 0);
        }
        return key;
    }

    /**
     * Counts a call of {@code key} against its {@code limits.rpm}.
     *
     * @throws Refused 429 {@code rate_limited} (with the seconds until it may call again) for a key over its limit
     */
    public void limit(GatewayConfig.Key key) {
        long retryAfter = rateLimited(key);
        if (retryAfter > 0) {
            throw new Refused(429, "rate_limit_error", "rate_limited", "key '" + key.name() + "' is over its limit of "
                    + key.rpm() + " requests per minute", null, retryAfter);
        }
    }

    /** Seconds until the key may call again, or 0 when it is within its {@code limits.rpm}. */
    private long rateLimited(GatewayConfig.Key key) {
        RateLimiter limiter = rpmLimits.get(key.name());
        if (limiter == null) {
            return 0;
        }
        long waitMs = limiter.tryAcquire(clock.nanos() / 1_000_000);
        return waitMs == 0 ? 0 : Math.max(1, (waitMs + 999) / 1000);
    }

    /**
     * The request read from its body by {@code parse}.
     *
     * @throws Refused 400 {@code invalid_request} naming the problem (and the field, when known)
     */
    public static <Q> Q parse(byte[] body, Function<byte[], Q> parse) {
        try {
            return parse.apply(body);
        } catch (WireFormatException e) {
            throw new Refused(400, "invalid_request_error", "invalid_request", e.getMessage(), e.field(), 0);
        } catch (IllegalArgumentException e) {
            // A canonical record refusing a value the schema check let through: still the body's fault.
            throw new Refused(400, "invalid_request_error", "invalid_request", e.getMessage(), null, 0);
        }
    }

    /**
     * A body as a JSON tree.
     *
     * @throws WireFormatException when it is empty or not JSON, naming where it stops being JSON
     */
    public static JsonNode parseJson(byte[] b) {
        if (b == null || b.length == 0) {
            throw new WireFormatException(null, "request body is empty; expected a JSON object");
        }
        try {
            return WireJson.MAPPER.readTree(b);
        } catch (JsonProcessingException e) {
            throw new WireFormatException(null, "request body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr() + ")"));
        } catch (IOException e) {
            throw new WireFormatException(null, "request body is not readable: " + e.getMessage());
        }
    }

    /**
     * The route the request's {@code model} names (see {@code Gateway.resolve}).
     *
     * @param key the key that was presented, or null without keys
     * @throws Refused 400 {@code invalid_request} for an impossible name (control characters, too
     *                 long, not a model of its provider), 404 for an unknown one, 403 when the key
     *                 may not use it, 429 when every direct target is busy
     */
    public RouteRuntime route(GatewayConfig.Key key, String model) {
        Resolution r = routes.resolve(model, key == null ? null : key.routes());
        if (r.route() != null) {
            return r.route();
        }
        throw switch (r.refusal()) {
            case INVALID_NAME -> new Refused(400, "invalid_request_error", "invalid_request", r.reason(), "model", 0);
            case NOT_ALLOWED -> new Refused(403, "permission_error", "route_not_allowed", "key '" + key.name()
                    + "' may not use '" + model + "'", "model", 0);
            case DIRECT_TABLE_FULL -> new Refused(429, "rate_limit_error", "overloaded", r.reason(), "model", 1);
            default -> new Refused(404, "not_found_error", "model_not_found", "unknown route or model '" + model
                    + "'; available: " + String.join(", ", routes.names())
                    + " (or provider/model for a direct call)", "model", 0);
        };
    }
}
