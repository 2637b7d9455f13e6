package dev.detour.plugin.vertex;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class VertexErrorsTest {

    @Test
    void resource_exhausted_429_is_a_rate_limit_with_its_retry_after() {
        ProviderException e = VertexErrors.fromHttp(429, "7", fixture("/vertex/error-resource-exhausted.json"));

        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals(Duration.ofSeconds(7), e.retryAfter());
        assertEquals("RESOURCE_EXHAUSTED", e.providerCode());
        assertTrue(e.getMessage().startsWith("Vertex AI 429 RESOURCE_EXHAUSTED: Resource exhausted."), e.getMessage());
    }

    @Test
    void unavailable_503_is_overloaded_retryable_and_failing_over() {
        ProviderException e = VertexErrors.fromHttp(503, null, fixture("/vertex/error-unavailable.json"));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertTrue(e.kind().retryable() && e.kind().failover());
    }

    @Test
    void a_disabled_api_is_a_permission_error_that_says_so_and_is_not_retried() {
        ProviderException e = VertexErrors.fromHttp(403, null, fixture("/vertex/error-service-disabled.json"));

        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertFalse(e.kind().retryable());
        assertTrue(e.kind().failover());
        assertEquals("SERVICE_DISABLED", e.providerCode());
        assertTrue(e.getMessage().contains("the Vertex AI API (aiplatform.googleapis.com) is disabled for this project"), e.getMessage());
    }

    @Test
    void an_iam_denial_is_a_plain_permission_error() {
        ProviderException e = VertexErrors.fromHttp(403, null, fixture("/vertex/error-iam-denied.json"));

        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertEquals("PERMISSION_DENIED", e.providerCode());
        assertFalse(e.getMessage().contains("is disabled"), e.getMessage());
    }

    @Test
    void unauthenticated_401_is_authentication_with_status_401() {
        ProviderException e = VertexErrors.fromHttp(401, null, fixture("/vertex/error-unauthenticated.json"));

        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertEquals(401, e.status());
    }

    @Test
    void a_claude_model_error_in_anthropics_shape_is_classified_by_its_type() {
        ProviderException overloaded = VertexErrors.fromHttp(529, null, fixture("/vertex/claude-overloaded.json"));
        assertEquals(ErrorKind.OVERLOADED, overloaded.kind());
        assertEquals("overloaded_error", overloaded.providerCode());

        ProviderException tooLong = VertexErrors.fromHttp(400, null,
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}}");
        assertEquals(ErrorKind.CONTEXT_LENGTH, tooLong.kind());

        ProviderException bad = VertexErrors.fromHttp(400, null,
                "{\"type\":\"error\",\"error\":{\"type\":\"invalid_request_error\",\"message\":\"messages: roles must alternate\"}}");
        assertEquals(ErrorKind.INVALID_REQUEST, bad.kind());
    }

    @Test
    void a_claude_stream_error_event_is_classified_with_the_status_its_type_has() throws Exception {
        ProviderException e = VertexErrors.fromClaudeStreamEvent(WireJson.MAPPER.readTree(
                "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}"));

        assertEquals(ErrorKind.OVERLOADED, e.kind());
        assertEquals(529, e.status());
    }

    @Test
    void a_body_that_is_not_json_falls_back_to_the_status() {
        ProviderException e = VertexErrors.fromHttp(502, null, "<html>Bad Gateway</html>");

        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertNull(e.retryAfter());
    }
}
