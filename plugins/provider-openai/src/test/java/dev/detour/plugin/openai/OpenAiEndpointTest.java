package dev.detour.plugin.openai;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpenAiEndpointTest {

    @Test
    void parses_the_default_openai_base_url() {
        OpenAiEndpoint e = OpenAiEndpoint.parse(OpenAiAdapter.DEFAULT_BASE_URL);
        assertEquals(new OpenAiEndpoint("api.openai.com", 443, true, "/v1", null), e);
        assertEquals("/v1/chat/completions", e.uri("/chat/completions"));
        assertFalse(e.hostIsIpLiteral());
    }

    @Test
    void parses_a_local_http_base_url_with_port_and_trailing_slash() {
        OpenAiEndpoint e = OpenAiEndpoint.parse("http://127.0.0.1:8000/v1/");
        assertEquals(new OpenAiEndpoint("127.0.0.1", 8000, false, "/v1", null), e);
        assertTrue(e.hostIsIpLiteral());
        assertEquals("/embeddings", OpenAiEndpoint.parse("http://[::1]:11434").uri("/embeddings"));
        assertEquals("::1", OpenAiEndpoint.parse("http://[::1]:11434").host());
    }

    @Test
    void keeps_the_query_for_every_request() {
        OpenAiEndpoint e = OpenAiEndpoint.parse("https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21");
        assertEquals("/openai/deployments/d/chat/completions?api-version=2024-10-21", e.uri("/chat/completions"));
    }

    @Test
    void rejects_urls_that_are_not_absolute_http() {
        assertThrows(IllegalArgumentException.class, () -> OpenAiEndpoint.parse("ftp://example.com/v1"));
        assertThrows(IllegalArgumentException.class, () -> OpenAiEndpoint.parse("api.openai.com/v1"));
        assertThrows(IllegalArgumentException.class, () -> OpenAiEndpoint.parse("http://user:secret@example.com/v1"));
    }
}
