package dev.detour.plugin.bedrock;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** One test per classification rule of {@link BedrockErrors}. */
class BedrockErrorsTest {

    private static ProviderException answer(int status, String type, String body) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        if (type != null) {
            h.add("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
        }
        return BedrockErrors.fromResponse(status, h, body == null ? null : Buffer.buffer(body));
    }

    @Test
    void throttling_is_rate_limited() {
        ProviderException e = answer(429, "ThrottlingException", fixture("/bedrock/error-throttling.json"));
        assertEquals(ErrorKind.RATE_LIMITED, e.kind());
        assertEquals("ThrottlingException", e.providerCode());
        assertEquals("Too many requests, please wait before trying again.", e.getMessage());
    }

    @Test
    void service_quota_exceeded_is_rate_limited() {
        assertEquals(ErrorKind.RATE_LIMITED, answer(400, "ServiceQuotaExceededException", "{\"message\":\"quota\"}").kind());
    }

    @Test
    void validation_is_invalid_request() {
        assertEquals(ErrorKind.INVALID_REQUEST, answer(400, "ValidationException", fixture("/bedrock/error-validation.json")).kind());
    }

    @Test
    void validation_saying_the_input_is_too_long_is_context_length() {
        assertEquals(ErrorKind.CONTEXT_LENGTH, answer(400, "ValidationException", fixture("/bedrock/error-validation-too-long.json")).kind());
        assertEquals(ErrorKind.CONTEXT_LENGTH, answer(400, "ValidationException",
                "{\"message\":\"prompt is too long: 210000 tokens > 200000 maximum\"}").kind());
    }

    @Test
    void access_denied_is_permission() {
        assertEquals(ErrorKind.PERMISSION, answer(403, "AccessDeniedException", fixture("/bedrock/error-access-denied.json")).kind());
    }

    @Test
    void bad_signature_or_unknown_key_is_authentication() {
        assertEquals(ErrorKind.AUTHENTICATION, answer(403, "UnrecognizedClientException", "{\"message\":\"bad token\"}").kind());
        assertEquals(ErrorKind.AUTHENTICATION, answer(403, "InvalidSignatureException", "{\"message\":\"sig\"}").kind());
    }

    @Test
    void resource_not_found_is_not_found() {
        assertEquals(ErrorKind.NOT_FOUND, answer(404, "ResourceNotFoundException", fixture("/bedrock/error-not-found.json")).kind());
    }

    @Test
    void model_timeout_is_timeout() {
        assertEquals(ErrorKind.TIMEOUT, answer(408, "ModelTimeoutException", "{\"message\":\"took too long\"}").kind());
    }

    @Test
    void model_error_is_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(424, "ModelErrorException", "{\"message\":\"model failed\"}").kind());
    }

    @Test
    void internal_server_exception_is_server_error() {
        assertEquals(ErrorKind.SERVER_ERROR, answer(500, "InternalServerException", "{\"message\":\"oops\"}").kind());
    }

    @Test
    void service_unavailable_and_model_not_ready_are_overloaded() {
        assertEquals(ErrorKind.OVERLOADED, answer(503, "ServiceUnavailableException", "{\"message\":\"busy\"}").kind());
        assertEquals(ErrorKind.OVERLOADED, answer(429, "ModelNotReadyException", "{\"message\":\"warming\"}").kind());
    }

    @Test
    void the_body_type_names_the_error_when_the_header_is_missing() {
        ProviderException e = answer(400, null, "{\"__type\":\"com.amazon.coral.validate#ValidationException\",\"message\":\"bad\"}");
        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals("ValidationException", e.providerCode());
    }

    @Test
    void unnamed_errors_fall_back_to_the_status() {
        assertEquals(ErrorKind.RATE_LIMITED, answer(429, null, null).kind());
        assertEquals(ErrorKind.AUTHENTICATION, answer(401, null, null).kind());
        assertEquals(ErrorKind.PERMISSION, answer(403, null, null).kind());
        assertEquals(ErrorKind.NOT_FOUND, answer(404, null, null).kind());
        assertEquals(ErrorKind.INVALID_REQUEST, answer(400, null, "<html>bad</html>").kind());
        assertEquals(ErrorKind.OVERLOADED, answer(503, null, null).kind());
        assertEquals(ErrorKind.SERVER_ERROR, answer(502, null, null).kind());
        assertEquals("HTTP 502", answer(502, null, null).getMessage());
    }

    @Test
    void an_unnamed_4xx_that_says_the_input_is_too_long_is_context_length() {
        assertEquals(ErrorKind.CONTEXT_LENGTH, answer(413, null, "{\"message\":\"Input is too long for requested model.\"}").kind());
        assertEquals(ErrorKind.UNKNOWN, answer(409, null, null).kind(), "a 4xx no rule names fails over");
    }

    @Test
    void stream_exceptions_are_classified_by_their_type() {
        byte[] p = "{\"message\":\"slow down\"}".getBytes(StandardCharsets.UTF_8);
        assertEquals(ErrorKind.RATE_LIMITED, BedrockErrors.fromStreamException("throttlingException", p).kind());
        assertEquals(ErrorKind.OVERLOADED, BedrockErrors.fromStreamException("serviceUnavailableException", p).kind());
        assertEquals(ErrorKind.INVALID_REQUEST, BedrockErrors.fromStreamException("validationException", p).kind());
        ProviderException model = BedrockErrors.fromStreamException("modelStreamErrorException",
                "{\"message\":\"m\",\"originalStatusCode\":500,\"originalMessage\":\"x\"}".getBytes(StandardCharsets.UTF_8));
        assertEquals(ErrorKind.SERVER_ERROR, model.kind());
        assertEquals(500, model.status());
    }
}
