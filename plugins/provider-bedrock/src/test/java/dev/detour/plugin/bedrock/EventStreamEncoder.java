package dev.detour.plugin.bedrock;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/** Encodes event-stream frames exactly as AWS documents them, for tests (string headers only). */
final class EventStreamEncoder {

    private EventStreamEncoder() {
    }

    /** One frame with string-typed headers (in the given order) and a payload. */
    static Buffer frame(Map<String, String> headers, byte[] payload) {
        Buffer h = Buffer.buffer();
        headers.forEach((name, value) -> {
            byte[] n = name.getBytes(StandardCharsets.UTF_8);
            byte[] v = value.getBytes(StandardCharsets.UTF_8);
            h.appendByte((byte) n.length).appendBytes(n).appendByte((byte) 7).appendUnsignedShort(v.length).appendBytes(v);
        });
        return frame(h, payload);
    }

    /** One frame from raw header bytes (to test other header value types). */
    static Buffer frame(Buffer rawHeaders, byte[] payload) {
        int total = 16 + rawHeaders.length() + payload.length;
        Buffer b = Buffer.buffer().appendInt(total).appendInt(rawHeaders.length());
        b.appendUnsignedInt(crc(b.getBytes()));
        b.appendBuffer(rawHeaders).appendBytes(payload);
        b.appendUnsignedInt(crc(b.getBytes()));
        return b;
    }

    /** A Bedrock event ({@code :message-type event}). */
    static Buffer event(String type, String json) {
        return frame(new java.util.LinkedHashMap<>(Map.of(":event-type", type, ":content-type", "application/json",
                ":message-type", "event")), json.getBytes(StandardCharsets.UTF_8));
    }

    /** A Bedrock exception ({@code :message-type exception}). */
    static Buffer exception(String type, String json) {
        return frame(new java.util.LinkedHashMap<>(Map.of(":exception-type", type, ":content-type", "application/json",
                ":message-type", "exception")), json.getBytes(StandardCharsets.UTF_8));
    }

    /** Every event of a {@code .events} fixture, encoded and concatenated. */
    static Buffer events(String fixture) {
        Buffer all = Buffer.buffer();
        for (String line : fixture.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            int tab = line.indexOf('\t');
            all.appendBuffer(event(line.substring(0, tab), line.substring(tab + 1)));
        }
        return all;
    }

    /** The buffer cut at the given offsets. */
    static List<Buffer> split(Buffer all, int... cuts) {
        List<Buffer> out = new ArrayList<>();
        int from = 0;
        for (int c : cuts) {
            out.add(all.getBuffer(from, c));
            from = c;
        }
        out.add(all.getBuffer(from, all.length()));
        return out;
    }

    static long crc(byte[] bytes) {
        CRC32 c = new CRC32();
        c.update(bytes);
        return c.getValue();
    }
}
