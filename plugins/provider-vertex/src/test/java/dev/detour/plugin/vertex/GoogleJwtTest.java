package dev.detour.plugin.vertex;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPairGenerator;
import java.util.Base64;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GoogleJwtTest {

    private static JsonNode part(String jwt, int i) throws Exception {
        return WireJson.MAPPER.readTree(new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[i]), StandardCharsets.UTF_8));
    }

    @Test
    void the_assertion_has_googles_header_and_claims_and_an_rs256_signature_the_public_key_verifies() throws Exception {
        String jwt = GoogleJwt.assertion(TestKeys.key(), "https://oauth2.googleapis.com/token", 1_764_763_200L);

        assertEquals(3, jwt.split("\\.").length);
        assertFalse(jwt.contains("=") || jwt.contains("+") || jwt.contains("/"), "base64url without padding");
        JsonNode header = part(jwt, 0);
        assertEquals("RS256", header.path("alg").asText());
        assertEquals("JWT", header.path("typ").asText());
        assertEquals(TestKeys.KEY_ID, header.path("kid").asText());
        JsonNode claims = part(jwt, 1);
        assertEquals(TestKeys.EMAIL, claims.path("iss").asText());
        assertEquals("https://www.googleapis.com/auth/cloud-platform", claims.path("scope").asText());
        assertEquals("https://oauth2.googleapis.com/token", claims.path("aud").asText());
        assertEquals(1_764_763_200L, claims.path("iat").asLong());
        assertEquals(1_764_763_200L + 3600, claims.path("exp").asLong());
        assertTrue(TestKeys.verifies(jwt, TestKeys.PAIR.getPublic()));
    }

    @Test
    void a_signature_does_not_verify_with_another_key() throws Exception {
        String jwt = GoogleJwt.assertion(TestKeys.key(), "https://oauth2.googleapis.com/token", 1L);
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);

        assertFalse(TestKeys.verifies(jwt, g.generateKeyPair().getPublic()));
    }

    @Test
    void a_key_file_is_read_with_its_email_key_id_token_uri_and_project() {
        ServiceAccountKey key = ServiceAccountKey.parse(TestKeys.keyJson("p-123456", "http://127.0.0.1:9/token"), "test");

        assertEquals(TestKeys.EMAIL, key.clientEmail());
        assertEquals(TestKeys.KEY_ID, key.privateKeyId());
        assertEquals("http://127.0.0.1:9/token", key.tokenUri());
        assertEquals("p-123456", key.projectId());
        assertEquals(TestKeys.PAIR.getPrivate(), key.privateKey());
    }

    @Test
    void a_broken_key_is_refused_naming_the_field_and_never_quoting_the_key() {
        String pem = TestKeys.pem();
        String body = pem.substring(pem.indexOf('\n') + 1, pem.indexOf("-----END"));
        String broken = TestKeys.keyJson("p-123456", "https://oauth2.googleapis.com/token")
                .replace(body.substring(40, 80).replace("\n", "\\n"), "!!!!");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ServiceAccountKey.parse(broken, "options.credentials_file"));
        assertEquals("options.credentials_file: private_key is not a valid RSA private key", e.getMessage());

        IllegalArgumentException notSa = assertThrows(IllegalArgumentException.class,
                () -> ServiceAccountKey.parse("{\"type\":\"authorized_user\",\"refresh_token\":\"1//secret\"}", "api_key"));
        assertTrue(notSa.getMessage().startsWith("api_key: expected a service-account key"), notSa.getMessage());
        assertFalse(notSa.getMessage().contains("1//secret"));

        IllegalArgumentException noJson = assertThrows(IllegalArgumentException.class,
                () -> ServiceAccountKey.parse("{not json " + pem, "api_key"));
        assertEquals("api_key: not a service-account key (not valid JSON)", noJson.getMessage());
    }

    @Test
    void the_key_record_never_prints_the_private_key() {
        String text = TestKeys.key().toString();

        assertTrue(text.contains("private_key=***"), text);
        assertFalse(text.contains("PRIVATE KEY") || text.contains("RSA"), text);
    }
}
