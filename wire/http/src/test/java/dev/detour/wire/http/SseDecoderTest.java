package dev.detour.wire.http;

import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void a_line_without_a_newline_past_the_bound_fails_instead_of_growing() {
        List<String> out = new ArrayList<>();
        SseDecoder d = new SseDecoder((type, data) -> out.add(data), 1000);
        d.feed("data: ".getBytes(StandardCharsets.UTF_8));
        byte[] piece = "x".repeat(300).getBytes(StandardCharsets.UTF_8);
        d.feed(piece);
        d.feed(piece);
        d.feed(piece);
        ProviderException e = assertThrows(ProviderException.class, () -> d.feed(piece));
        assertEquals(ErrorKind.SERVER_ERROR, e.kind());
        assertTrue(e.getMessage().contains("longer than 1000 bytes"), e.getMessage());
        assertEquals(List.of(), out);
    }

    @Test
    void lines_split_across_many_reads_within_the_bound_decode_whole() {
        List<String> out = new ArrayList<>();
        SseDecoder d = new SseDecoder((type, data) -> out.add(data), 1000);
        String line = "data: " + "z".repeat(900) + "\n\n";
        for (int round = 0; round < 3; round++) {
            for (byte b : line.getBytes(StandardCharsets.UTF_8)) {
                d.feed(new byte[] {b});
            }
        }
        assertEquals(List.of("z".repeat(900), "z".repeat(900), "z".repeat(900)), out);
    }

    @Test
    void an_event_of_many_short_lines_past_the_bound_fails() {
        SseDecoder d = new SseDecoder((type, data) -> { }, 1000);
        byte[] line = ("data: " + "w".repeat(90) + "\n").getBytes(StandardCharsets.UTF_8);
        assertThrows(ProviderException.class, () -> {
            for (int i = 0; i < 20; i++) {
                d.feed(line);
            }
        });
    }
}
