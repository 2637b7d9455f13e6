package dev.detour.api.wire;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The WHATWG event-stream format, fed in pieces split anywhere. */
class SseDecoderTest {

    static List<String> decode(String stream, int... splits) {
        List<String> events = new ArrayList<>();
        SseDecoder d = new SseDecoder((type, data) -> events.add(type + "|" + data));
        byte[] b = stream.getBytes(StandardCharsets.UTF_8);
        int from = 0;
        for (int split : splits) {
            d.feed(java.util.Arrays.copyOfRange(b, from, split));
            from = split;
        }
        d.feed(java.util.Arrays.copyOfRange(b, from, b.length));
        d.end();
        return events;
    }

    static final String STREAM = ": a comment\n"
            + "data: {\"a\":1}\n\n"
            + "event: error\r\ndata: {\"error\":\"x\"}\r\n\r\n"
            + "id: 7\rretry: 10\rdata: first\rdata:second\r\r"
            + "data\n\n"
            + "data: é ☃ 😀\n\n"
            + "event: ping\n\n"
            + "data: [DONE]\n\n";

    static final List<String> EVENTS = List.of("message|{\"a\":1}", "error|{\"error\":\"x\"}", "message|first\nsecond",
            "message|", "message|é ☃ 😀", "message|[DONE]");

    @Test
    void decodes_every_line_ending_field_and_multi_line_data() {
        assertEquals(EVENTS, decode(STREAM));
    }

    @Test
    void gives_the_same_events_however_the_bytes_are_split() {
        int n = STREAM.getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i <= n; i++) {
            assertEquals(EVENTS, decode(STREAM, i), "split at byte " + i);
            for (int j = i; j <= Math.min(n, i + 3); j++) {
                assertEquals(EVENTS, decode(STREAM, i, j), "split at bytes " + i + " and " + j);
            }
        }
    }

    @Test
    void a_last_event_without_its_blank_line_is_dispatched_at_the_end() {
        assertEquals(List.of("message|tail"), decode("data: tail"));
        assertEquals(List.of("message|tail"), decode("data: tail\n"));
        assertEquals(List.of(), decode("event: x\n: only a comment"));
    }
}
