package dev.detour.plugin.bedrock;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.regex.Matcher;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BedrockSignerTest {

    /** AWS's documentation example credentials (aws-sig-v4-test-suite). */
    static final String ACCESS_KEY = "AKIDEXAMPLE";
    static final String SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

    @Test
    void independent_verifier_reproduces_the_aws_get_vanilla_test_vector() {
        // Given the published get-vanilla request
        MultiMap h = MultiMap.caseInsensitiveMultiMap()
                .add("Host", "example.amazonaws.com")
                .add("X-Amz-Date", "20150830T123600Z")
                .add("Authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
                        + "SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");

        // Then the test's own SigV4 computation yields AWS's published signature
        assertEquals("5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
                SigV4Check.expectedSignature("GET", "/", "", h, new byte[0], SECRET));
    }

    @Test
    void signs_for_the_bedrock_service_in_the_region_with_a_verifiable_signature() {
        BedrockSigner signer = new BedrockSigner(new BedrockCredentials(ACCESS_KEY, SECRET, null), "eu-west-3");
        byte[] body = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);
        String path = "/model/" + BedrockAdapter.encodePathSegment("anthropic.claude-3-haiku-20240307-v1:0") + "/converse";

        Map<String, String> signed = signer.sign(URI.create("https://bedrock-runtime.eu-west-3.amazonaws.com" + path),
                Map.of("Content-Type", "application/json", "Accept", "application/json"), body,
                Instant.parse("2026-11-26T12:34:56Z"));

        // The signed map holds every header to send, the given ones included
        MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(signed);
        assertEquals("application/json", h.get("Accept"));
        Matcher m = SigV4Check.AUTHORIZATION.matcher(h.get("Authorization"));
        assertTrue(m.matches(), h.get("Authorization"));
        assertEquals(ACCESS_KEY, m.group(1));
        assertEquals("20261126", m.group(2));
        assertEquals("eu-west-3", m.group(3));
        assertEquals("bedrock", m.group(4));
        assertTrue(m.group(5).contains("host") && m.group(5).contains("x-amz-date") && m.group(5).contains("content-type"));
        assertEquals("20261126T123456Z", h.get("X-Amz-Date"));
        assertEquals("bedrock-runtime.eu-west-3.amazonaws.com", h.get("Host"));
        assertEquals(m.group(6), SigV4Check.expectedSignature("POST", path, "", h, body, SECRET));
        assertEquals(SigV4Check.hex(SigV4Check.sha256(body)), h.get("x-amz-content-sha256"));
        assertFalse(h.contains("X-Amz-Security-Token"));
    }

    @Test
    void signs_the_session_token_of_temporary_credentials() {
        BedrockSigner signer = new BedrockSigner(new BedrockCredentials(ACCESS_KEY, SECRET, "FQoGZXIvYXdzEXAMPLE"), "us-east-1");
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);

        Map<String, String> signed = signer.sign(URI.create("https://bedrock-runtime.us-east-1.amazonaws.com/model/m/converse"),
                Map.of("Content-Type", "application/json"), body, Instant.parse("2026-11-26T00:00:00Z"));

        MultiMap h = MultiMap.caseInsensitiveMultiMap().addAll(signed);
        assertEquals("FQoGZXIvYXdzEXAMPLE", h.get("X-Amz-Security-Token"));
        Matcher m = SigV4Check.AUTHORIZATION.matcher(h.get("Authorization"));
        assertTrue(m.matches());
        assertTrue(m.group(5).contains("x-amz-security-token"));
        assertEquals(m.group(6), SigV4Check.expectedSignature("POST", "/model/m/converse", "", h, body, SECRET));
    }
}
