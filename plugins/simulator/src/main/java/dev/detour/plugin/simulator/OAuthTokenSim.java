package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.wire.http.WireJson;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Google's OAuth 2.0 token endpoint for service accounts ({@code POST /{name}/token}): takes the
 * form {@code grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=JWT}, checks the
 * assertion's shape (three base64url parts, {@code alg} RS256, {@code iss}, {@code aud}, a
 * {@code scope}, {@code exp} at most an hour after {@code iat}) but not its signature (the
 * simulator holds no public key), and answers {@code {"access_token":"sim-token-N","expires_in":
 * 3599,"token_type":"Bearer"}}. A malformed request gets 400 {@code invalid_grant} or
 * {@code unsupported_grant_type}, the endpoint's error shape, as does a simulated fault.
 * Thread-safe.
 */
final class OAuthTokenSim {

    static final String JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private final AtomicLong issued = new AtomicLong();

    /** The answer to a token request: the status and the body. */
    record Answer(int status, JsonNode body) {
    }

    Answer answer(String form) {
        String grant = null;
        String assertion = null;
        for (String pair : (form == null ? "" : form).split("&")) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String key = URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8);
            String value = URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            if (key.equals("grant_type")) {
                grant = value;
            } else if (key.equals("assertion")) {
                assertion = value;
            }
        }
        if (!JWT_BEARER.equals(grant)) {
            return new Answer(400, error("unsupported_grant_type", "Invalid grant_type: " + grant));
        }
        String problem = assertionProblem(assertion);
        if (problem != null) {
            return new Answer(400, error("invalid_grant", problem));
        }
        ObjectNode ok = NODES.objectNode();
        ok.put("access_token", "sim-token-" + issued.incrementAndGet()).put("expires_in", 3599).put("token_type", "Bearer");
        return new Answer(200, ok);
    }

    private static String assertionProblem(String jwt) {
        if (jwt == null || jwt.isEmpty()) {
            return "Missing required parameter: assertion";
        }
        String[] parts = jwt.split("\\.", -1);
        if (parts.length != 3 || parts[2].isEmpty()) {
            return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe";
        }
        try {
            JsonNode header = WireJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[0]));
            JsonNode claims = WireJson.MAPPER.readTree(Base64.getUrlDecoder().decode(parts[1]));
            if (!"RS256".equals(header.path("alg").asText())) {
                return "Invalid JWT: alg must be RS256";
            }
            for (String claim : new String[] {"iss", "aud", "scope"}) {
                if (!claims.path(claim).isTextual() || claims.path(claim).asText().isEmpty()) {
                    return "Invalid JWT: missing claim " + claim;
                }
            }
            long iat = claims.path("iat").asLong(-1);
            long exp = claims.path("exp").asLong(-1);
            if (iat < 0 || exp <= iat || exp - iat > 3600) {
                return "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. "
                        + "Check your iat and exp values in the JWT claim.";
            }
            return null;
        } catch (IllegalArgumentException | IOException e) {
            return "Invalid JWT: not base64url JSON";
        }
    }

    /** The endpoint's error shape. */
    static JsonNode error(String error, String description) {
        ObjectNode o = NODES.objectNode();
        o.put("error", error).put("error_description", description);
        return o;
    }
}
