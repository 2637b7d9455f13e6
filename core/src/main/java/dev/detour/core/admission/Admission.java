package dev.detour.core.admission;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.Clock;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.core.config.ConfigLoader;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.failover.RouteRuntime;
import dev.detour.core.failover.Tokens;
import dev.detour.core.health.TargetRuntime;
import dev.detour.core.spend.Charge;
import dev.detour.core.spend.KeyLedger;
import dev.detour.core.spend.Pricing;
import dev.detour.wire.http.WireFormatException;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Whether a request may go to the engine, decided in four steps the HTTP layer calls in order:
 * the virtual key and its {@code limits.rpm} ({@link #authenticate}), the body
 * ({@link #parse}), the route its {@code model} names ({@link #route}), and the key's
 * {@code limits.tpm} and {@code budget} for that request on that route ({@link #charge}). Each
 * step returns what it found or throws {@link Refused} with the answer the client gets; nothing is
 * created for a refused request.
 *
 * <p>Limits and budgets belong to the key, found by the digest of what was presented, so neither
 * the header it came in nor the endpoint nor the model named changes whose limits count.
 *
 * <p>Confined to the server's event loop (the gateway serves from one context), like the
 * {@link KeyLedger} it counts in: no locks on the hot path.
 */
public final class Admission {
    /** The routes a client's {@code model} may name: the gateway's. */
    public interface Routes {
        /** See {@code Gateway.resolve}. */
        Resolution resolve(String model, Set<String> allowed);

        /** The configured routes' names, for a client that named an unknown one. */
        Collection<String> names();
    }

    /** Output tokens reserved for a chat request that sets no {@code max_tokens}, until its usage is known. */
    public static final int DEFAULT_OUTPUT_ESTIMATE = 256;

    private final Routes routes;
    /** Each configured key's state (limits, spend), by the digest of the key. */
    private final Map<String, KeyLedger.KeyState> keysByDigest = new HashMap<>();
    private final KeyLedger ledger;

    /**
     * Admission with its own in-memory ledger (budget spend is not stored).
     *
     * @param keys   the virtual keys; none means every call is let in without one
     * @param clock  the clock limit windows and budget periods are kept on
     * @param routes what a {@code model} resolves to
     */
    public Admission(Collection<GatewayConfig.Key> keys, Clock clock, Routes routes) {
        this(KeyLedger.inMemory(keys, clock), routes);
    }

    /**
     * @param ledger the configured keys and their limits and spend
     * @param routes what a {@code model} resolves to
     */
    public Admission(KeyLedger ledger, Routes routes) {
        this.ledger = ledger;
        this.routes = routes;
        for (KeyLedger.KeyState k : ledger.states()) {
            keysByDigest.put(k.key().keySha256(), k);
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
        String presented = presented(authorization, apiKey);
        KeyLedger.KeyState state = presented == null ? null : keysByDigest.get(ConfigLoader.sha256(presented));
        if (state == null) {
            throw new Refused(401, "authentication_error", "invalid_api_key", presented == null
                    ? "missing API key: send Authorization: Bearer <key> (or x-api-key on /v1/messages)"
                    : "invalid API key", null, 0);
        }
        return state.key();
    }

    /** The key a request presents: {@code Authorization: Bearer <key>}, else {@code x-api-key}; null for none. */
    public static String presented(String authorization, String apiKey) {
        return authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).trim() : apiKey;
    }

    /**
     * Counts a call of {@code key} against its {@code limits.rpm}.
     *
     * @throws Refused 429 {@code rate_limited} (with the seconds until it may call again) for a key over its limit
     */
    public void limit(GatewayConfig.Key key) {
        long waitMs = ledger.requestWait(keysByDigest.get(key.keySha256()));
        if (waitMs > 0) {
            throw new Refused(429, "rate_limit_error", "rate_limited", "key '" + key.name() + "' is over its limit of "
                    + key.rpm() + " requests per minute", null, seconds(waitMs));
        }
    }

    /** A wait in whole seconds, rounded up, at least 1: a Retry-After that is never early. */
    private static long seconds(long millis) {
        return Math.max(1, (millis + 999) / 1000);
    }

    /**
     * Counts an admitted request against its key's {@code limits.tpm} and {@code budget}: an
     * estimate now, corrected by the answer's usage when the request is settled
     * ({@link KeyLedger#settle}). The estimate is {@link Tokens}' prompt estimate plus the output
     * limit the request sets ({@link #DEFAULT_OUTPUT_ESTIMATE} without one), priced at the
     * dearest target of the route. A request is let in while the key's spend plus what its
     * requests in flight reserved is below the budget.
     *
     * @param key     the key that was presented, or null without keys
     * @param request the parsed request ({@link ChatRequest} or {@link EmbeddingRequest})
     * @return what to settle when the request is over; null when the key has neither limit
     * @throws Refused 429 {@code budget_exceeded} (with the seconds until enough spend leaves the
     *                 period, or until requests in flight settle), 429 {@code rate_limited} (with
     *                 the seconds until the estimate fits the token window), 403
     *                 {@code route_not_allowed} for a direct {@code provider/model} without pricing
     *                 when the key has a budget (its spend could not be counted)
     */
    public Charge charge(GatewayConfig.Key key, RouteRuntime route, Object request) {
        KeyLedger.KeyState state = key == null ? null : ledger.state(key.name());
        if (state == null || !state.charged()) {
            return null;
        }
        long input;
        long output;
        if (request instanceof ChatRequest c) {
            input = Tokens.promptEstimate(c);
            output = c.outputLimit() != null ? Math.max(0, c.outputLimit()) : DEFAULT_OUTPUT_ESTIMATE;
        } else if (request instanceof EmbeddingRequest e) {
            input = Tokens.ofChars(Tokens.inputChars(e)) + e.input().size();
            output = 0;
        } else {
            input = 0;
            output = 0;
        }
        double reserve = 0;
        GatewayConfig.Budget budget = key.budget();
        if (budget != null) {
            double in = 0;
            double out = 0;
            for (TargetRuntime t : route.runtimes()) {
                if (route.direct() && !t.pricing().priced()) {
                    throw new Refused(403, "permission_error", "route_not_allowed", "key '" + key.name() + "' has a "
                            + "budget and '" + route.name() + "' has no pricing in the gateway's config, so its spend "
                            + "could not be counted; use a configured route", "model", 0);
                }
                in = Math.max(in, t.pricing().inputPerMTok());
                out = Math.max(out, t.pricing().outputPerMTok());
            }
            double spent = ledger.spent(state);
            if (spent >= budget.usd()) {
                throw new Refused(429, "rate_limit_error", "budget_exceeded", "key '" + key.name() + "' has spent its "
                        + "budget of " + Pricing.format(budget.usd()) + " USD per " + KeyLedger.period(budget.period()),
                        null, seconds(ledger.budgetWait(state)));
            }
            if (spent + ledger.reserved(state) >= budget.usd()) {
                throw new Refused(429, "rate_limit_error", "budget_exceeded", "key '" + key.name() + "' has the rest "
                        + "of its budget of " + Pricing.format(budget.usd()) + " USD per " + KeyLedger.period(budget.period())
                        + " reserved by its requests in flight", null, 1);
            }
            reserve = (input * in + output * out) / 1e6;
        }
        if (key.tpm() > 0) {
            long waitMs = ledger.tokensWait(state, input + output);
            if (waitMs > 0) {
                throw new Refused(429, "rate_limit_error", "rate_limited", "key '" + key.name() + "' is over its limit "
                        + "of " + key.tpm() + " tokens per minute (this request is estimated at " + (input + output)
                        + ")", null, seconds(waitMs));
            }
        }
        return ledger.charge(state, input + output, reserve);
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
