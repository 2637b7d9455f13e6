package dev.detour.wire.http;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class ErrorBodiesTest {

    @Test
    void reads_a_json_object_and_nothing_else() {
        assertEquals("m", ErrorBodies.jsonObject(Buffer.buffer("{\"message\":\"m\"}")).get("message").asText());
        assertNull(ErrorBodies.jsonObject(Buffer.buffer("[1]")));
        assertNull(ErrorBodies.jsonObject(Buffer.buffer("<html>Bad Gateway</html>")));
        assertNull(ErrorBodies.jsonObject(Buffer.buffer()));
        assertNull(ErrorBodies.jsonObject(null));
    }

    @Test
    void excerpts_a_body_on_one_line_and_cuts_it() {
        assertEquals("<html> <h1>502</h1> </html>", ErrorBodies.excerpt(Buffer.buffer("<html>\n  <h1>502</h1>\n</html>\n"), 200));
        assertEquals("abcde...", ErrorBodies.excerpt(Buffer.buffer("abcdefgh"), 5));
        assertEquals("", ErrorBodies.excerpt(null, 5));
    }
}
