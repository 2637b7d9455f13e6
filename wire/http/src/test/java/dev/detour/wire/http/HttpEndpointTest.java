package dev.detour.wire.http;

import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpVersion;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Base URL parsing (moved here from provider-openai's OpenAiEndpointTest and the Azure adapter's). */
class HttpEndpointTest {

    @Test
    void parses_an_https_base_url_with_a_path() {
        HttpEndpoint e = HttpEndpoint.parse("https://api.openai.com/v1");
        assertEquals(new HttpEndpoint("api.openai.com", 443, true, "/v1", null), e);
        assertEquals("/v1/chat/completions", e.uri("/chat/completions"));
        assertFalse(e.hostIsIpLiteral());
        assertEquals("api.openai.com", e.authority());
    }

    @Test
    void parses_a_local_http_base_url_with_port_and_trailing_slash() {
        HttpEndpoint e = HttpEndpoint.parse("http://127.0.0.1:8000/v1/");
        assertEquals(new HttpEndpoint("127.0.0.1", 8000, false, "/v1", null), e);
        assertTrue(e.hostIsIpLiteral());
        assertEquals("127.0.0.1:8000", e.authority());
        assertEquals("/embeddings", HttpEndpoint.parse("http://[::1]:11434").uri("/embeddings"));
        assertEquals("::1", HttpEndpoint.parse("http://[::1]:11434").host());
        assertEquals("[::1]:11434", HttpEndpoint.parse("http://[::1]:11434").authority());
    }

    @Test
    void keeps_the_query_for_every_request() {
        HttpEndpoint e = HttpEndpoint.parse("https://x.openai.azure.com/openai/deployments/d?api-version=2024-10-21");
        assertEquals("/openai/deployments/d/chat/completions?api-version=2024-10-21", e.uri("/chat/completions"));
    }

    @Test
    void rejects_urls_that_are_not_absolute_http() {
        assertThrows(IllegalArgumentException.class, () -> HttpEndpoint.parse("ftp://example.com/v1"));
        assertThrows(IllegalArgumentException.class, () -> HttpEndpoint.parse("api.openai.com/v1"));
        assertThrows(IllegalArgumentException.class, () -> HttpEndpoint.parse("http://exa mple.com"));
    }

    @Test
    void rejects_user_info_without_echoing_it() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HttpEndpoint.parse("http://user:secret@example.com/v1"));
        assertFalse(e.getMessage().contains("secret"), e.getMessage());
    }

    @Test
    void client_options_are_http1_keep_alive_with_sni_only_for_a_host_name() {
        HttpClientOptions named = HttpEndpoint.parse("https://api.openai.com/v1").clientOptions("detour-x");
        assertEquals(HttpVersion.HTTP_1_1, named.getProtocolVersion());
        assertTrue(named.isKeepAlive());
        assertFalse(named.isPipelining());
        assertTrue(named.isSsl());
        assertTrue(named.isForceSni());
        assertEquals("detour-x", named.getName());
        assertFalse(HttpEndpoint.parse("https://10.0.0.1").clientOptions("x").isForceSni());
        assertFalse(HttpEndpoint.parse("http://localhost:8080").clientOptions("x").isSsl());
    }
}
