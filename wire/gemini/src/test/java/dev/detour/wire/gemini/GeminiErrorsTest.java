package dev.detour.wire.gemini;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per classification rule of {@link GeminiErrors}. */
class GeminiErrorsTest {

    private static String error(int code, String status, String message) {
        return "{\"error\":{\"code\":" + code + ",\"message\":\"" + message + "\",\"status\":\"" + status + "\"}}";
    }

    @Test
    void invalid_argument_is_an_invalid_request() {
        ProviderException e = GeminiErrors.fromHttp(400, null, error(400, "INVALID_ARGUMENT",
                "Invalid JSON payload received. Unknown name \\\"foo\\\": Cannot find field."));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(400, e.status());
        assertEquals("INVALID_ARGUMENT", e.providerCode());
        assertTrue(e.getMessage().contains("Unknown name"), e.getMessage());
    }

    @Test
    void a_prompt_over_the_token_limit_is_context_length() {
        ProviderException e = GeminiErrors.fromHttp(400, null, Fixtures.text("error_token_limit.json"));

        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
    }

    @Test
    void an_invalid_api_key_is_authentication_although_google_sends_400() {
        ProviderException e = GeminiErrors.fromHttp(400, null, Fixtures.text("error_api_key_invalid.json"));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertEquals(400, e.status());
    }

    @Test
    void failed_precondition_for_region_or_billing_is_permission() {
        ProviderException e = GeminiErrors.fromHttp(400, null, Fixtures.text("error_failed_precondition.json"));

        assertEquals(ErrorKind.PERMISSION, e.kind());
    }

    @Test
    void unauthenticated_is_authentication() {
        assertEquals(ErrorKind.AUTHENTICATION, GeminiErrors.fromHttp(401, null,
                error(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.")).kind());
    }

    @Test
    void permission_denied_is_permission() {
        assertEquals(ErrorKind.PERMISSION, GeminiErrors.fromHttp(403, null,
                error(403, "PERMISSION_DENIED", "Your API key doesn't have the required permissions.")).kind());
    }

    @Test
    void not_found_is_not_found() {
        assertEquals(ErrorKind.NOT_FOUND, GeminiErrors.fromHttp(404, null,
                error(404, "NOT_FOUND", "models/gemini-9 is not found for API version v1beta")).kind());
    }

    @Test
    void resource_exhausted_is_rate_limited_with_the_retry_info_delay() {
        ProviderException e = GeminiErrors.fromHttp(429, null, Fixtures.text("error_rate_limited.json"));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(Duration.ofSeconds(12), e.retryAfter());
        assertEquals("RESOURCE_EXHAUSTED", e.providerCode());
    }

    @Test
    void a_retry_after_header_wins_over_the_retry_info_delay() {
        ProviderException e = GeminiErrors.fromHttp(429, "3", Fixtures.text("error_rate_limited.json"));

        assertEquals(Duration.ofSeconds(3), e.retryAfter());
    }

    @Test
    void a_fractional_retry_delay_is_parsed() {
        assertEquals(Duration.ofMillis(19_424), GeminiErrors.parseProtoDuration("19.424s"));
        assertNull(GeminiErrors.parseProtoDuration("soon"));
    }

    @Test
    void internal_is_a_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, GeminiErrors.fromHttp(500, null,
                error(500, "INTERNAL", "An internal error has occurred.")).kind());
    }

    @Test
    void unavailable_is_overloaded() {
        assertEquals(ErrorKind.OVERLOADED, GeminiErrors.fromHttp(503, null,
                error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")).kind());
    }

    @Test
    void deadline_exceeded_is_a_timeout() {
        assertEquals(ErrorKind.TIMEOUT, GeminiErrors.fromHttp(504, null,
                error(504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete.")).kind());
    }

    @Test
    void a_request_over_geminis_size_limit_is_context_length() {
        assertEquals(ErrorKind.CONTEXT_LENGTH, GeminiErrors.fromHttp(413, null, "Request Entity Too Large").kind());
    }

    @Test
    void an_aborted_or_unlisted_4xx_is_unknown_so_it_fails_over() {
        assertEquals(ErrorKind.UNKNOWN, GeminiErrors.fromHttp(409, null,
                error(409, "ABORTED", "The operation was aborted.")).kind());
    }

    @Test
    void a_body_that_is_not_json_is_classified_by_status_and_quoted() {
        ProviderException e = GeminiErrors.fromHttp(502, null, "<html>Bad Gateway</html>");

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("Bad Gateway"), e.getMessage());
    }

    @Test
    void an_error_inside_a_stream_is_classified_by_its_code() {
        ProviderException e = GeminiErrors.fromError(Fixtures.json("error_rate_limited.json").get("error"), 0, null);

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
    }
}
