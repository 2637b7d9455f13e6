package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.Clock;
import dev.detour.wire.http.WireJson;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;

/** One RSA key pair for the tests (generated once), its service-account key JSON, and a manual clock. */
final class TestKeys {
    static final KeyPair PAIR = generate();
    static final String EMAIL = "detour-test@my-project.iam.gserviceaccount.com";
    static final String KEY_ID = "0123456789abcdef0123456789abcdef01234567";

    private TestKeys() {
    }

    private static KeyPair generate() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The private key as Google writes it: PEM PKCS#8, 64-character lines. */
    static String pem() {
        String b64 = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(PAIR.getPrivate().getEncoded());
        return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
    }

    /** A service-account key JSON as the Cloud console downloads it. */
    static String keyJson(String projectId, String tokenUri) {
        ObjectNode o = WireJson.MAPPER.createObjectNode()
                .put("type", "service_account")
                .put("project_id", projectId)
                .put("private_key_id", KEY_ID)
                .put("private_key", pem())
                .put("client_email", EMAIL)
                .put("client_id", "123456789012345678901")
                .put("auth_uri", "https://accounts.google.com/o/oauth2/auth")
                .put("token_uri", tokenUri);
        return o.toString();
    }

    static ServiceAccountKey key() {
        return ServiceAccountKey.parse(keyJson("my-project", "https://oauth2.googleapis.com/token"), "test");
    }

    /** Whether {@code jwt}'s RS256 signature verifies with {@code publicKey}. */
    static boolean verifies(String jwt, PublicKey publicKey) throws Exception {
        int last = jwt.lastIndexOf('.');
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(publicKey);
        s.update(jwt.substring(0, last).getBytes(StandardCharsets.US_ASCII));
        return s.verify(Base64.getUrlDecoder().decode(jwt.substring(last + 1)));
    }

    /** A clock the test advances. */
    static final class ManualClock implements Clock {
        private long nanos = 1_000_000_000L;
        private Instant now = Instant.parse("2026-12-03T12:00:00Z");

        @Override
        public synchronized long nanos() {
            return nanos;
        }

        @Override
        public synchronized Instant now() {
            return now;
        }

        synchronized void advance(Duration d) {
            nanos += d.toNanos();
            now = now.plus(d);
        }
    }
}
