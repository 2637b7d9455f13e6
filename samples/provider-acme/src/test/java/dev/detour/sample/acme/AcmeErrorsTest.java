package dev.detour.sample.acme;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AcmeErrorsTest {

    @Test
    void a_rate_limit_carries_its_wait_and_a_long_prompt_is_context_length() {
        ProviderException slow = AcmeErrors.http(429, MultiMap.caseInsensitiveMultiMap().set("retry-after-ms", "1500"),
                Buffer.buffer("{\"detail\":\"slow down\",\"code\":\"rate_limited\"}"));
        assertEquals(ErrorKind.RATE_LIMITED, slow.kind());
        assertEquals(Duration.ofMillis(1500), slow.retryAfter());
        assertEquals("acme answered 429: slow down", slow.getMessage());

        ProviderException longPrompt = AcmeErrors.http(400, MultiMap.caseInsensitiveMultiMap(),
                Buffer.buffer("{\"detail\":\"too long\",\"code\":\"context_too_long\"}"));
        assertEquals(ErrorKind.CONTEXT_LENGTH, longPrompt.kind());
    }
}
