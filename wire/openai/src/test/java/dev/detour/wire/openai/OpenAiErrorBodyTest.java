package dev.detour.wire.openai;

import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiErrorBodyTest {

    private static OpenAiErrorBody parse(String body) {
        return OpenAiErrorBody.parse(body == null ? null : Buffer.buffer(body));
    }

    @Test
    void reads_openais_documented_error_object() {
        OpenAiErrorBody e = parse("{\"error\":{\"message\":\"Rate limit reached\",\"type\":\"requests\","
                + "\"param\":null,\"code\":\"rate_limit_exceeded\"}}");

        assertEquals(new OpenAiErrorBody("Rate limit reached", "requests", "rate_limit_exceeded", 0, null, false, ""), e);
        assertEquals("Rate limit reached", e.describe(429));
    }

    @Test
    void an_integral_code_or_status_is_the_stated_http_status() {
        OpenAiErrorBody vllm = parse("{\"object\":\"error\",\"message\":\"too long\",\"type\":\"BadRequestError\",\"code\":400}");
        assertEquals(400, vllm.status());
        assertNull(vllm.code());
        assertEquals("BadRequestError", vllm.type(), "the error object at the top level is read");

        assertEquals(502, parse("{\"error\":{\"message\":\"m\",\"code\":\"upstream\",\"status\":502}}").status());
    }

    @Test
    void a_plain_string_error_is_the_message() {
        assertEquals("model overloaded", parse("{\"error\":\"model overloaded\"}").message());
    }

    @Test
    void reads_azures_inner_error() throws IOException {
        OpenAiErrorBody e = OpenAiErrorBody.of(WireJson.MAPPER.readTree("{\"error\":{\"code\":\"content_filter\","
                + "\"message\":\"filtered\",\"innererror\":{\"code\":\"ResponsibleAIPolicyViolation\","
                + "\"content_filter_result\":{}}}}"));

        assertEquals("ResponsibleAIPolicyViolation", e.innerCode());
        assertTrue(e.contentFilterResult());
        assertEquals("Policy", OpenAiErrorBody.of(WireJson.MAPPER.readTree(
                "{\"error\":{\"inner_error\":{\"code\":\"Policy\"}}}")).innerCode(), "the renamed inner_error too");
    }

    @Test
    void a_body_that_is_not_an_error_object_is_quoted_in_the_message() {
        OpenAiErrorBody html = parse("<html>\n<body>502 Bad Gateway</body>\n</html>");

        assertNull(html.message());
        assertFalse(html.contentFilterResult());
        assertEquals("HTTP 502: <html> <body>502 Bad Gateway</body> </html>", html.describe(502));
        assertEquals("HTTP 500", parse(null).describe(500));
        assertEquals("HTTP 500", parse("").describe(500));
    }
}
