package dev.detour.plugin.azure;

import dev.detour.wire.http.WireJson;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** One test per classification rule of {@link AzureErrors}. */
class AzureErrorsTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static ProviderException answer(int status, String body) {
        return AzureErrors.fromResponse(status, MultiMap.caseInsensitiveMultiMap(), body == null ? null : Buffer.buffer(body), NOW);
    }

    @Test
    void content_filter_code_on_400_is_content_filter() {
        assertEquals(ErrorKind.CONTENT_FILTER, answer(400, fixture("/azure/error-content-filter.json")).kind());
    }

    @Test
    void responsible_ai_inner_error_alone_is_content_filter() {
        assertEquals(ErrorKind.CONTENT_FILTER, answer(400,
                "{\"error\":{\"code\":\"BadRequest\",\"message\":\"x\",\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\"}}}").kind());
    }

    @Test
    void content_filter_result_alone_is_content_filter() {
        assertEquals(ErrorKind.CONTENT_FILTER, answer(400,
                "{\"error\":{\"code\":\"x\",\"message\":\"x\",\"innererror\":{\"content_filter_result\":{}}}}").kind());
    }

    @Test
    void context_length_exceeded_is_context_length() {
        assertEquals(ErrorKind.CONTEXT_LENGTH, answer(400, fixture("/azure/error-context-length.json")).kind());
    }

    @Test
    void status_429_is_rate_limited() {
        assertEquals(ErrorKind.RATE_LIMITED, answer(429, fixture("/azure/error-rate-limit.json")).kind());
    }

    @Test
    void status_401_is_authentication() {
        assertEquals(ErrorKind.AUTHENTICATION, answer(401, "{\"error\":{\"code\":\"401\",\"message\":\"Access denied\"}}").kind());
    }

    @Test
    void status_403_is_permission() {
        assertEquals(ErrorKind.PERMISSION, answer(403, "{\"error\":{\"code\":\"PermissionDenied\",\"message\":\"no\"}}").kind());
    }

    @Test
    void status_404_is_not_found() {
        assertEquals(ErrorKind.NOT_FOUND, answer(404, fixture("/azure/error-deployment-not-found.json")).kind());
    }

    @Test
    void status_408_is_timeout() {
        assertEquals(ErrorKind.TIMEOUT, answer(408, null).kind());
    }

    @Test
    void other_400_is_invalid_request() {
        assertEquals(ErrorKind.INVALID_REQUEST, answer(400, "{\"error\":{\"code\":\"BadRequest\",\"message\":\"bad\"}}").kind());
    }

    @Test
    void unknown_4xx_is_unknown() {
        assertEquals(ErrorKind.UNKNOWN, answer(418, null).kind());
    }

    @Test
    void status_405_and_410_are_not_found() {
        assertEquals(ErrorKind.NOT_FOUND, answer(405, null).kind());
        assertEquals(ErrorKind.NOT_FOUND, answer(410, null).kind());
    }

    @Test
    void status_503_is_overloaded() {
        assertEquals(ErrorKind.OVERLOADED, answer(503, fixture("/azure/error-service-unavailable.json")).kind());
    }

    @Test
    void other_5xx_is_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(500, "<html>oops</html>").kind());
        assertEquals("HTTP 500: <html>oops</html>", answer(500, "<html>oops</html>").getMessage());
    }

    @Test
    void a_429_without_headers_takes_its_wait_from_the_message() {
        assertEquals(Duration.ofSeconds(6), answer(429, fixture("/azure/error-rate-limit.json")).retryAfter());
        assertNull(answer(400, fixture("/azure/error-context-length.json")).retryAfter());
    }

    @Test
    void in_stream_error_object_is_classified_by_its_code() {
        assertEquals(ErrorKind.RATE_LIMITED, AzureErrors.fromErrorObject(WireJson.MAPPER.valueToTree(
                Map.of("error", Map.of("code", "429", "message", "slow down")))).kind());
    }
}
