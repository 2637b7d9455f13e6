package dev.detour.it;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Encodes AWS event-stream frames ({@code application/vnd.amazon.eventstream}), as Bedrock's
 * ConverseStream sends them: a prelude (total length, headers length, prelude CRC32), headers
 * (name length, name, value type 7 = string, value length, value), the payload, and a CRC32 of
 * everything before it. String headers only: that is all Bedrock's events carry.
 */
final class EventStreamEncoder {
    private static final byte STRING = 7;

    private EventStreamEncoder() {
    }

    static Buffer frame(Map<String, String> headers, byte[] payload) {
        Buffer h = Buffer.buffer();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            h.appendByte((byte) n.length).appendBytes(n).appendByte(STRING).appendUnsignedShort(v.length).appendBytes(v);
        });
        int total = 4 + 4 + 4 + h.length() + payload.length + 4;
        Buffer b = Buffer.buffer().appendInt(total).appendInt(h.length());
        b.appendUnsignedInt(crc(b.getBytes()));
        b.appendBuffer(h).appendBytes(payload);
        b.appendUnsignedInt(crc(b.getBytes()));
        return b;
    }

    /** An event ({@code :message-type event}) of type {@code type} with a JSON payload. */
    static Buffer event(String type, String json) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":event-type", type);
        h.put(":content-type", "application/json");
        h.put(":message-type", "event");
        return frame(h, json.getBytes(StandardCharsets.UTF_8));
    }

    /** An exception ({@code :message-type exception}), e.g. {@code throttlingException}. */
    static Buffer exception(String type, String json) {
        Map<String, String> h = new LinkedHashMap<>();
        h.put(":exception-type", type);
        h.put(":content-type", "application/json");
        h.put(":message-type", "exception");
        return frame(h, json.getBytes(StandardCharsets.UTF_8));
    }

    private static long crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return c.getValue();
    }
}
