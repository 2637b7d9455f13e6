package dev.detour.sample.acme;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.wire.http.ErrorBodies;
import dev.detour.wire.http.ErrorKinds;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;

import java.time.Duration;

/**
 * Acme's errors as Detour's error kinds, which decide retry and fallback: its body is
 * {@code {"detail": "...", "code": "..."}}, a 429 says how long to wait in {@code retry-after-ms},
 * and an over-long prompt is a 400 with code {@code context_too_long} (another target with a
 * larger context may take it, so it is CONTEXT_LENGTH rather than a plain bad request).
 */
final class AcmeErrors {
    private AcmeErrors() {
    }

    static ProviderException http(int status, MultiMap headers, Buffer body) {
        JsonNode json = ErrorBodies.jsonObject(body);
        String code = json == null ? null : json.path("code").asText(null);
        String detail = json == null ? ErrorBodies.excerpt(body, ErrorBodies.EXCERPT) : json.path("detail").asText("");
        ErrorKind kind = "context_too_long".equals(code) ? ErrorKind.CONTEXT_LENGTH : ErrorKinds.ofStatus(status);
        Duration wait = null;
        String ms = headers.get("retry-after-ms");
        if (ms != null) {
            try {
                wait = Duration.ofMillis(Long.parseLong(ms.trim()));
            } catch (NumberFormatException ignored) {
                // a malformed hint is no hint
            }
        }
        return new ProviderException(kind, status, "acme answered " + status + (detail.isEmpty() ? "" : ": " + detail),
                wait, code);
    }

    /** An error event inside a stream: {@code {"error": {"detail", "code"}}}. */
    static ProviderException inStream(JsonNode event) {
        JsonNode e = event.path("error");
        return new ProviderException(ErrorKind.SERVER_ERROR, 0, "acme stream error: " + e.path("detail").asText("unknown"),
                null, e.path("code").asText(null));
    }
}
