package dev.detour.plugin.anthropic;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AnthropicErrorsTest {

    private static final Instant NOW = Instant.parse("2025-10-25T12:00:00Z");

    private static byte[] error(String type, String message) {
        return ("{\"type\":\"error\",\"error\":{\"type\":\"" + type + "\",\"message\":\"" + message + "\"}}")
                .getBytes(StandardCharsets.UTF_8);
    }

    private static ProviderException classify(int status, byte[] body) {
        return classify(status, body, Map.of());
    }

    private static ProviderException classify(int status, byte[] body, Map<String, String> headers) {
        Function<String, String> lookup = headers::get;
        return AnthropicErrors.fromResponse(status, lookup, body, NOW, "sk-ant-secret");
    }

    @Test
    void invalid_request_error_is_invalid_request() {
        ProviderException e = classify(400, error("invalid_request_error", "messages: field required"));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(400, e.status());
        assertEquals("invalid_request_error", e.providerCode());
        assertTrue(e.getMessage().contains("messages: field required"));
    }

    @Test
    void prompt_too_long_is_context_length() {
        ProviderException e = classify(400, Fixtures.bytes("error-prompt-too-long.json"));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
    }

    @Test
    void input_and_max_tokens_beyond_context_limit_is_context_length() {
        ProviderException e = classify(400, error("invalid_request_error",
                "input length and `max_tokens` exceed context limit: 188240 + 21333 > 200000"));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
    }

    @Test
    void authentication_error_is_authentication() {
        assertEquals(ErrorKind.AUTHENTICATION, classify(401, error("authentication_error", "invalid x-api-key")).kind());
    }

    @Test
    void permission_error_is_permission() {
        assertEquals(ErrorKind.PERMISSION, classify(403, error("permission_error", "no access")).kind());
    }

    @Test
    void documented_not_found_error_is_not_found() {
        ProviderException e = classify(404, Fixtures.bytes("error-not-found.json"));

        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals("not_found_error", e.providerCode());
    }

    @Test
    void request_too_large_is_context_length_even_without_json_body() {
        ProviderException e = classify(413, "<html>413 Request Entity Too Large</html>".getBytes(StandardCharsets.UTF_8));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
        assertEquals(ErrorKind.CONTEXT_LENGTH, classify(413, error("request_too_large", "too big")).kind());
    }

    @Test
    void rate_limit_error_is_rate_limited_with_retry_after_seconds() {
        ProviderException e = classify(429, error("rate_limit_error", "slow down"), Map.of("retry-after", "17"));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(Duration.ofSeconds(17), e.retryAfter());
    }

    @Test
    void rate_limit_without_retry_after_uses_earliest_ratelimit_reset() {
        ProviderException e = classify(429, error("rate_limit_error", "slow down"), Map.of(
                "anthropic-ratelimit-requests-reset", "2025-10-25T12:01:00Z",
                "anthropic-ratelimit-tokens-reset", "2025-10-25T12:00:20Z"));

        assertEquals(Duration.ofSeconds(20), e.retryAfter());
    }

    @Test
    void api_error_is_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, classify(500, error("api_error", "internal")).kind());
    }

    @Test
    void overloaded_error_is_overloaded() {
        ProviderException e = classify(529, Fixtures.bytes("error-overloaded.json"));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertEquals(529, e.status());
    }

    @Test
    void unknown_type_falls_back_to_status() {
        assertEquals(ErrorKind.SERVER_ERROR, classify(502, error("brand_new_error", "x")).kind());
        assertEquals(ErrorKind.OVERLOADED, classify(529, new byte[0]).kind());
        assertEquals(ErrorKind.INVALID_REQUEST, classify(409, new byte[0]).kind());
    }

    @Test
    void statuses_anthropic_does_not_document_follow_the_generic_rule() {
        // A 503 or 405 comes from something in front of the API, not from the API.
        assertEquals(ErrorKind.OVERLOADED, classify(503, "Service Unavailable".getBytes(StandardCharsets.UTF_8)).kind());
        assertEquals(ErrorKind.NOT_FOUND, classify(405, new byte[0]).kind());
        assertEquals(ErrorKind.NOT_FOUND, classify(410, new byte[0]).kind());
        assertEquals(ErrorKind.TIMEOUT, classify(408, new byte[0]).kind());
    }

    @Test
    void anthropic_statuses_override_the_generic_rule() {
        assertEquals(ErrorKind.PERMISSION, classify(402, new byte[0]).kind(), "billing_error");
        assertEquals(ErrorKind.TIMEOUT, classify(504, new byte[0]).kind(), "timeout_error");
        assertEquals(ErrorKind.INVALID_REQUEST, classify(418, new byte[0]).kind(), "other 4xx: invalid_request_error");
    }

    @Test
    void never_puts_the_api_key_in_the_message() {
        ProviderException e = classify(401, error("authentication_error", "bad key sk-ant-secret"));

        assertFalse(e.getMessage().contains("sk-ant-secret"), e.getMessage());
    }

    @Test
    void in_band_error_is_classified_by_type_with_its_usual_status() {
        ProviderException e = AnthropicErrors.fromStreamError(Fixtures.parse(
                "{\"type\": \"error\", \"error\": {\"type\": \"api_error\", \"message\": \"Internal server error\"}}"), null);

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals(500, e.status());
    }
}
