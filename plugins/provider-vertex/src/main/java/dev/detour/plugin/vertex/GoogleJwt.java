package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.wire.http.WireJson;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.util.Base64;

/**
 * The signed JWT of Google's OAuth 2.0 service-account flow ("Using OAuth 2.0 for Server to Server
 * Applications"): header {@code {"alg":"RS256","typ":"JWT","kid":private_key_id}}, claims
 * {@code iss} (the service account's email), {@code scope}, {@code aud} (the token endpoint),
 * {@code iat} and {@code exp} (at most an hour later), each part base64url without padding, signed
 * with RSASSA-PKCS1-v1_5 over SHA-256 by the JDK's own {@link Signature}. Pure and thread-safe.
 */
final class GoogleJwt {

    /** What Vertex AI needs. */
    static final String CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform";
    /** The longest lifetime Google accepts for the assertion. */
    static final long LIFETIME_SECONDS = 3600;

    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

    private GoogleJwt() {
    }

    /**
     * The assertion to exchange for an access token.
     *
     * @param key      the service-account key
     * @param audience the token endpoint the assertion is sent to
     * @param iat      the issue time, epoch seconds
     */
    static String assertion(ServiceAccountKey key, String audience, long iat) {
        ObjectNode header = WireJson.MAPPER.createObjectNode().put("alg", "RS256").put("typ", "JWT");
        if (key.privateKeyId() != null) {
            header.put("kid", key.privateKeyId());
        }
        ObjectNode claims = WireJson.MAPPER.createObjectNode()
                .put("iss", key.clientEmail())
                .put("scope", CLOUD_PLATFORM_SCOPE)
                .put("aud", audience)
                .put("iat", iat)
                .put("exp", iat + LIFETIME_SECONDS);
        String signingInput = encode(header.toString()) + "." + encode(claims.toString());
        try {
            Signature rs256 = Signature.getInstance("SHA256withRSA");
            rs256.initSign(key.privateKey());
            rs256.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + B64.encodeToString(rs256.sign());
        } catch (GeneralSecurityException e) {
            // Never the cause's message: it could describe the key.
            throw new IllegalStateException("cannot sign the service-account JWT with RS256 (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static String encode(String json) {
        return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
