package dev.detour.plugin.openai;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One test per classifier rule (see {@link OpenAiErrors}). */
class OpenAiErrorsTest {

    private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

    private static ProviderException answer(int status, String body) {
        return answer(status, body, MultiMap.caseInsensitiveMultiMap());
    }

    private static ProviderException answer(int status, String body, MultiMap headers) {
        return OpenAiErrors.fromResponse(status, headers, body == null ? null : Buffer.buffer(body), NOW);
    }

    private static MultiMap headers(String... kv) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < kv.length; i += 2) {
            h.add(kv[i], kv[i + 1]);
        }
        return h;
    }

    private static JsonNode json(String s) throws IOException {
        return WireJson.MAPPER.readTree(s);
    }

    // ---------------------------------------------------------------- 429 / quota

    @Test
    void classifies_429_rate_limit_exceeded_as_rate_limited_with_the_provider_message() {
        ProviderException e = answer(429, fixture("/openai/error-rate-limit.json"));
        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals(429, e.status());
        assertEquals("rate_limit_exceeded", e.providerCode());
        assertTrue(e.getMessage().startsWith("Rate limit reached for gpt-4o-mini"));
    }

    @Test
    void classifies_429_insufficient_quota_as_rate_limited() {
        ProviderException e = answer(429, fixture("/openai/error-insufficient-quota.json"));
        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals("insufficient_quota", e.providerCode());
        assertTrue(e.kind().failover());
    }

    @Test
    void classifies_402_payment_required_as_rate_limited() {
        assertEquals(ErrorKind.RATE_LIMITED,
                answer(402, "{\"error\":{\"code\":402,\"message\":\"Insufficient credits\"}}").kind());
    }

    // ---------------------------------------------------------------- 4xx

    @Test
    void classifies_401_as_authentication() {
        ProviderException e = answer(401, fixture("/openai/error-invalid-key.json"));
        assertEquals(ErrorKind.AUTHENTICATION, e.kind());
        assertEquals("invalid_api_key", e.providerCode());
    }

    @Test
    void classifies_403_unsupported_region_as_permission() {
        ProviderException e = answer(403, fixture("/openai/error-unsupported-region.json"));
        assertEquals(ErrorKind.PERMISSION, e.kind());
        assertEquals("unsupported_country_region_territory", e.providerCode());
    }

    @Test
    void classifies_404_model_not_found_as_not_found() {
        ProviderException e = answer(404, fixture("/openai/error-model-not-found.json"));
        assertEquals(ErrorKind.NOT_FOUND, e.kind());
        assertEquals("model_not_found", e.providerCode());
    }

    @Test
    void classifies_405_and_410_as_not_found_because_the_endpoint_is_wrong_for_this_target() {
        assertEquals(ErrorKind.NOT_FOUND, answer(405, "").kind());
        assertEquals(ErrorKind.NOT_FOUND, answer(410, "").kind());
    }

    @Test
    void classifies_400_context_length_exceeded_as_context_length() {
        ProviderException e = answer(400, fixture("/openai/error-context-length.json"));
        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
        assertEquals("context_length_exceeded", e.providerCode());
    }

    @Test
    void classifies_a_maximum_context_length_message_without_code_as_context_length() {
        // vLLM: {"object":"error","message":"This model's maximum context length is ...","type":"BadRequestError","code":400}
        ProviderException e = answer(400, "{\"object\":\"error\",\"message\":\"This model's maximum context length is "
                + "4096 tokens. However, you requested 5000 tokens.\",\"type\":\"BadRequestError\",\"param\":null,\"code\":400}");
        assertEquals(ErrorKind.CONTEXT_LENGTH, e.kind());
    }

    @Test
    void classifies_azure_content_filter_as_content_filter() {
        ProviderException e = answer(400, fixture("/openai/error-content-filter-azure.json"));
        assertEquals(ErrorKind.CONTENT_FILTER, e.kind());
        assertEquals("content_filter", e.providerCode());
    }

    @Test
    void classifies_content_policy_violation_as_content_filter() {
        assertEquals(ErrorKind.CONTENT_FILTER, answer(400, "{\"error\":{\"message\":\"Your request was rejected "
                + "as a result of our safety system.\",\"type\":\"invalid_request_error\",\"code\":\"content_policy_violation\"}}").kind());
    }

    @Test
    void classifies_other_400_and_422_and_413_as_invalid_request() {
        String bad = "{\"error\":{\"message\":\"'messages' is a required property\",\"type\":\"invalid_request_error\","
                + "\"param\":null,\"code\":null}}";
        ProviderException e = answer(400, bad);
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("invalid_request_error", e.providerCode(), "the type stands in when there is no code");
        assertEquals(ErrorKind.INVALID_REQUEST, answer(422, bad).kind());
        assertEquals(ErrorKind.INVALID_REQUEST, answer(413, "").kind());
    }

    @Test
    void classifies_408_as_timeout() {
        assertEquals(ErrorKind.TIMEOUT, answer(408, "").kind());
    }

    @Test
    void classifies_409_as_server_error_because_openai_sdks_retry_it() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(409, "").kind());
    }

    @Test
    void classifies_an_unknown_4xx_as_unknown() {
        assertEquals(ErrorKind.UNKNOWN, answer(418, "").kind());
    }

    // ---------------------------------------------------------------- 5xx

    @Test
    void classifies_500_as_server_error() {
        ProviderException e = answer(500, fixture("/openai/error-server.json"));
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals("server_error", e.providerCode());
    }

    @Test
    void classifies_502_and_504_as_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(502, "").kind());
        assertEquals(ErrorKind.SERVER_ERROR, answer(504, "").kind());
    }

    @Test
    void classifies_503_engine_overloaded_as_overloaded() {
        assertEquals(ErrorKind.OVERLOADED, answer(503, fixture("/openai/error-overloaded.json")).kind());
        assertEquals(ErrorKind.OVERLOADED, answer(503,
                "{\"error\":{\"message\":\"Slow Down\",\"type\":\"service_unavailable_error\"}}").kind());
        assertEquals(ErrorKind.OVERLOADED, answer(503,
                "{\"error\":{\"message\":\"busy\",\"type\":\"service_unavailable_error\",\"code\":\"server_is_overloaded\"}}").kind());
    }

    @Test
    void classifies_a_plain_503_as_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(503, "Service Unavailable").kind());
    }

    @Test
    void uses_a_short_body_excerpt_when_the_error_body_is_not_json() {
        ProviderException e = answer(502, "<html>\n<head><title>502 Bad Gateway</title></head>\n</html>" + "x".repeat(500));
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertTrue(e.getMessage().startsWith("HTTP 502: <html> <head><title>502 Bad Gateway</title>"), e.getMessage());
        assertTrue(e.getMessage().length() < 230);
        assertNull(e.providerCode());
        assertEquals("HTTP 500", answer(500, null).getMessage());
    }

    // ---------------------------------------------------------------- Retry-After

    @Test
    void reads_retry_after_ms_before_retry_after() {
        ProviderException e = answer(429, fixture("/openai/error-rate-limit.json"),
                headers("retry-after-ms", "1500.5", "retry-after", "20"));
        assertEquals(Duration.ofNanos(1_500_500_000L), e.retryAfter());
    }

    @Test
    void reads_the_reset_of_the_exhausted_rate_limit_on_a_429_without_retry_after() {
        MultiMap h = headers("x-ratelimit-remaining-requests", "0", "x-ratelimit-reset-requests", "1m6.5s",
                "x-ratelimit-remaining-tokens", "1500", "x-ratelimit-reset-tokens", "6m0s");
        assertEquals(Duration.ofMillis(66_500), answer(429, "", h).retryAfter());
        assertNull(answer(500, "", h).retryAfter(), "only a 429 is about the rate limits");
    }

    @Test
    void ignores_unparseable_retry_after() {
        assertNull(answer(429, "", headers("retry-after", "soon", "retry-after-ms", "-5")).retryAfter());
        assertNull(OpenAiErrors.parseGoDuration("6 minutes"));
        assertEquals(Duration.ofMillis(12), OpenAiErrors.parseGoDuration("12ms"));
    }

    // ---------------------------------------------------------------- in-band stream errors

    @Test
    void classifies_an_in_band_server_error_as_server_error() throws IOException {
        ProviderException e = OpenAiErrors.fromStreamError(json("{\"error\":{\"message\":\"The server had an error\","
                + "\"type\":\"server_error\"}}"));
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertEquals(0, e.status());
    }

    @Test
    void classifies_an_in_band_rate_limit_as_rate_limited() throws IOException {
        assertEquals(ErrorKind.RATE_LIMITED, OpenAiErrors.fromStreamError(json("{\"error\":{\"message\":\"slow\","
                + "\"type\":\"tokens\",\"code\":\"rate_limit_exceeded\"}}")).kind());
    }

    @Test
    void classifies_an_in_band_invalid_request_as_invalid_request() throws IOException {
        assertEquals(ErrorKind.INVALID_REQUEST, OpenAiErrors.fromStreamError(json("{\"error\":{\"message\":"
                + "\"3 is greater than the maximum of 2 - 'temperature'\",\"type\":\"invalid_request_error\"}}")).kind());
    }

    @Test
    void uses_a_numeric_in_band_code_as_the_status() throws IOException {
        ProviderException e = OpenAiErrors.fromStreamError(json("{\"error\":{\"object\":\"error\",\"message\":\"bad\","
                + "\"type\":\"BadRequestError\",\"code\":400}}"));
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(400, e.status());
        ProviderException o = OpenAiErrors.fromStreamError(json("{\"error\":{\"message\":\"Provider returned error\","
                + "\"code\":502}}"));
        assertEquals(ErrorKind.SERVER_ERROR, o.kind());
        assertEquals(502, o.status());
    }
}
