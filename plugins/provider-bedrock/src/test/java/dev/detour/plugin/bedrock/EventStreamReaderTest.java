package dev.detour.plugin.bedrock;

import io.vertx.core.buffer.Buffer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.detour.api.testing.FakeUpstream.fixture;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventStreamReaderTest {

    private static List<EventStreamReader.Message> decode(List<Buffer> pieces) {
        List<EventStreamReader.Message> out = new ArrayList<>();
        EventStreamReader r = new EventStreamReader(out::add);
        pieces.forEach(r::feed);
        assertFalse(r.hasPartialMessage());
        return out;
    }

    @Test
    void decodes_frames_with_headers_and_payload() {
        List<EventStreamReader.Message> m = decode(List.of(EventStreamEncoder.events(fixture("/bedrock/stream-text.events"))));

        assertEquals(6, m.size());
        assertEquals("messageStart", m.get(0).header(":event-type"));
        assertEquals("event", m.get(0).header(":message-type"));
        assertEquals("application/json", m.get(0).header(":content-type"));
        assertEquals("{\"contentBlockIndex\":0,\"delta\":{\"text\":\" wörld ✓\"},\"p\":\"abc\"}",
                new String(m.get(2).payload(), StandardCharsets.UTF_8));
    }

    @Test
    void decodes_the_same_messages_whatever_the_buffer_boundaries() {
        Buffer all = EventStreamEncoder.events(fixture("/bedrock/stream-tool-use.events"));
        List<EventStreamReader.Message> whole = decode(List.of(all));
        // Every single cut point, then byte by byte: preludes, headers, payloads and CRCs all get split
        for (int cut = 1; cut < all.length(); cut++) {
            List<EventStreamReader.Message> split = decode(EventStreamEncoder.split(all, cut));
            assertEquals(whole.size(), split.size(), "cut at " + cut);
            for (int i = 0; i < whole.size(); i++) {
                assertEquals(whole.get(i).headers(), split.get(i).headers());
                assertArrayEquals(whole.get(i).payload(), split.get(i).payload());
            }
        }
        List<Buffer> bytes = new ArrayList<>();
        for (int i = 0; i < all.length(); i++) {
            bytes.add(all.getBuffer(i, i + 1));
        }
        assertEquals(whole.size(), decode(bytes).size());
    }

    @Test
    void waits_for_the_rest_of_a_message() {
        Buffer frame = EventStreamEncoder.event("messageStop", "{\"stopReason\":\"end_turn\"}");
        List<EventStreamReader.Message> out = new ArrayList<>();
        EventStreamReader r = new EventStreamReader(out::add);

        r.feed(frame.getBuffer(0, frame.length() - 1));

        assertTrue(out.isEmpty());
        assertTrue(r.hasPartialMessage());
        r.feed(frame.getBuffer(frame.length() - 1, frame.length()));
        assertEquals(1, out.size());
    }

    @Test
    void fails_on_a_corrupted_message_crc() {
        Buffer frame = EventStreamEncoder.event("contentBlockDelta", "{\"delta\":{\"text\":\"Hi\"}}");
        // Flip one payload bit: the prelude is intact, the message CRC no longer matches
        int at = frame.length() - 6;
        frame.setByte(at, (byte) (frame.getByte(at) ^ 0x01));
        EventStreamReader r = new EventStreamReader(m -> { });

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.feed(frame));
        assertTrue(e.getMessage().contains("message CRC"), e.getMessage());
    }

    @Test
    void fails_on_a_corrupted_prelude_before_trusting_its_lengths() {
        Buffer frame = EventStreamEncoder.event("messageStart", "{\"role\":\"assistant\"}");
        frame.setInt(0, 0x7fffffff);
        EventStreamReader r = new EventStreamReader(m -> { });

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> r.feed(frame));
        assertTrue(e.getMessage().contains("prelude CRC"), e.getMessage());
    }

    @Test
    void reads_every_header_value_type() {
        Buffer h = Buffer.buffer();
        header(h, "t", 0);
        header(h, "f", 1);
        header(h, "b", 2).appendByte((byte) -3);
        header(h, "s", 3).appendShort((short) 300);
        header(h, "i", 4).appendInt(70000);
        header(h, "l", 5).appendLong(1L << 40);
        header(h, "bytes", 6).appendUnsignedShort(2).appendBytes(new byte[] {1, 2});
        header(h, "str", 7).appendUnsignedShort(2).appendString("ok");
        header(h, "ts", 8).appendLong(1_700_000_000_000L);
        header(h, "id", 9).appendLong(0x0123456789abcdefL).appendLong(0x0123456789abcdefL);

        List<EventStreamReader.Message> m = decode(List.of(EventStreamEncoder.frame(h, new byte[0])));

        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("t", "true");
        expected.put("f", "false");
        expected.put("b", "-3");
        expected.put("s", "300");
        expected.put("i", "70000");
        expected.put("l", Long.toString(1L << 40));
        expected.put("bytes", "AQI=");
        expected.put("str", "ok");
        expected.put("ts", "1700000000000");
        expected.put("id", "01234567-89ab-cdef-0123-456789abcdef");
        assertEquals(expected, m.get(0).headers());
        assertEquals(0, m.get(0).payload().length);
    }

    @Test
    void fails_on_an_unknown_header_type() {
        Buffer h = Buffer.buffer();
        header(h, "x", 42);
        EventStreamReader r = new EventStreamReader(m -> { });

        assertThrows(IllegalArgumentException.class, () -> r.feed(EventStreamEncoder.frame(h, new byte[0])));
    }

    private static Buffer header(Buffer h, String name, int type) {
        return h.appendByte((byte) name.length()).appendString(name).appendByte((byte) type);
    }
}
