package dev.detour.wire.openai;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatRequest;
import dev.detour.wire.http.RequestChecks;
import dev.detour.wire.http.WireJson;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestChecksTest {

    static ChatRequest withImage(String url) throws Exception {
        return OpenAiJson.parseRequest(WireJson.MAPPER.readTree("""
                {"model":"m","messages":[{"role":"system","content":"Be brief."},
                 {"role":"user","content":[{"type":"text","text":"What is this?"},{"type":"image_url","image_url":{"url":"%s"}}]}]}"""
                .formatted(url)));
    }

    @ParameterizedTest
    @ValueSource(strings = {"https://example.com/cat.png", "HTTP://example.com/cat.png", "data:image/png;base64,iVBORw0KGgo="})
    void urls_a_provider_can_fetch_pass(String url) throws Exception {
        assertDoesNotThrow(() -> RequestChecks.imageUrls(withImage(url)));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "file:///etc/passwd          | a 'file:' URL",
            "ftp://example.com/cat.png   | a 'ftp:' URL",
            "gs://bucket/cat.png         | a 'gs:' URL",
            "cat.png                     | a URL without a scheme",
            "/home/me/cat.png            | a URL without a scheme"})
    void other_urls_are_an_invalid_request_naming_the_field_and_the_scheme_only(String url, String got) throws Exception {
        ProviderException e = assertThrows(ProviderException.class, () -> RequestChecks.imageUrls(withImage(url)));

        assertEquals(ErrorKind.INVALID_REQUEST, e.kind());
        assertEquals(0, e.status(), "no upstream answered");
        assertEquals("messages[1].content[1].image_url.url: image URLs must be http(s): or data: URLs (got " + got + ")",
                e.getMessage());
        assertFalse(e.getMessage().contains("passwd") || e.getMessage().contains("/home/me"), "the path is not echoed");
    }

    @Test
    void dot_segments_cannot_be_a_model_in_a_path() {
        assertEquals(ErrorKind.INVALID_REQUEST, assertThrows(ProviderException.class, () -> RequestChecks.pathSegment("..")).kind());
        assertThrows(ProviderException.class, () -> RequestChecks.pathSegment("."));
        assertDoesNotThrow(() -> RequestChecks.pathSegment("..x"));
        assertDoesNotThrow(() -> RequestChecks.pathSegment("a/../b"));   // encoded as one segment by the adapters
    }

    @Test
    void a_request_without_images_passes() throws Exception {
        ChatRequest r = OpenAiJson.parseRequest(WireJson.MAPPER.readTree(
                "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"));
        assertDoesNotThrow(() -> RequestChecks.imageUrls(r));
        assertTrue(RequestChecks.isHttpUrl("https://x") && RequestChecks.isDataUrl("DATA:x") && !RequestChecks.isHttpUrl(null));
    }
}
