package dev.detour.plugin.bedrock;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.zip.CRC32;

/**
 * Incremental decoder of AWS's binary event-stream framing ({@code application/vnd.amazon.eventstream}):
 * feed it network buffers split anywhere and it calls back once per complete, CRC-verified message.
 *
 * <p>Frame layout (big-endian): total length (4 bytes, the whole frame), headers length (4),
 * prelude CRC32 (4, over the first 8 bytes), headers, payload, message CRC32 (4, over everything
 * before it). A header is a 1-byte name length, the UTF-8 name, a 1-byte value type and the value:
 * 0/1 boolean true/false (no bytes), 2 byte, 3 short, 4 int, 5 long, 6 byte array and 7 string
 * (2-byte length + bytes), 8 timestamp (8-byte epoch millis), 9 UUID (16 bytes). Header values
 * are given back as strings.
 *
 * <p>A CRC mismatch, an impossible length or a malformed header throws
 * {@link IllegalArgumentException} from {@link #feed(Buffer)}: the stream cannot be resynchronised.
 * Not thread-safe: one per stream, on its event loop.
 */
final class EventStreamReader {

    /** One decoded message. */
    record Message(Map<String, String> headers, byte[] payload) {
        String header(String name) {
            return headers.get(name);
        }
    }

    private static final int PRELUDE = 12;
    private static final int OVERHEAD = 16;
    /** AWS caps event-stream messages at 16 MiB; a larger length means a corrupt prelude. */
    static final int MAX_MESSAGE = 16 * 1024 * 1024;

    private final Consumer<Message> onMessage;
    private Buffer pending = Buffer.buffer();
    private int messages;

    EventStreamReader(Consumer<Message> onMessage) {
        this.onMessage = onMessage;
    }

    /** Feeds the next bytes; calls back for every message they complete. */
    void feed(Buffer bytes) {
        pending.appendBuffer(bytes);
        int pos = 0;
        while (pending.length() - pos >= PRELUDE) {
            long total = pending.getUnsignedInt(pos);
            long headersLength = pending.getUnsignedInt(pos + 4);
            long preludeCrc = pending.getUnsignedInt(pos + 8);
            if (crc(pending, pos, 8) != preludeCrc) {
                throw new IllegalArgumentException("event-stream prelude CRC mismatch in message " + (messages + 1));
            }
            if (total < OVERHEAD || total > MAX_MESSAGE || headersLength > total - OVERHEAD) {
                throw new IllegalArgumentException("event-stream message " + (messages + 1) + " has impossible lengths (total "
                        + total + ", headers " + headersLength + ")");
            }
            if (pending.length() - pos < total) {
                break;
            }
            int end = pos + (int) total;
            if (crc(pending, pos, (int) total - 4) != pending.getUnsignedInt(end - 4)) {
                throw new IllegalArgumentException("event-stream message CRC mismatch in message " + (messages + 1));
            }
            int headersStart = pos + PRELUDE;
            int payloadStart = headersStart + (int) headersLength;
            Map<String, String> headers = readHeaders(pending, headersStart, payloadStart);
            byte[] payload = pending.getBytes(payloadStart, end - 4);
            pos = end;
            messages++;
            onMessage.accept(new Message(headers, payload));
        }
        // Keep only the unconsumed tail; copying it is cheaper than growing one buffer forever.
        if (pos > 0) {
            pending = pending.getBuffer(pos, pending.length());
        }
    }

    /** Whether bytes of an incomplete message are waiting (a body that ends now was cut). */
    boolean hasPartialMessage() {
        return pending.length() > 0;
    }

    /** How many messages were decoded. */
    int messages() {
        return messages;
    }

    private static Map<String, String> readHeaders(Buffer b, int from, int to) {
        Map<String, String> headers = new HashMap<>();
        int p = from;
        while (p < to) {
            int nameLength = b.getUnsignedByte(p++);
            require(p + nameLength + 1 <= to, "header name overruns the headers");
            String name = b.getString(p, p + nameLength, "UTF-8");
            p += nameLength;
            int type = b.getUnsignedByte(p++);
            String value;
            switch (type) {
                case 0 -> value = "true";
                case 1 -> value = "false";
                case 2 -> {
                    require(p + 1 <= to, "byte header overruns");
                    value = Byte.toString(b.getByte(p));
                    p += 1;
                }
                case 3 -> {
                    require(p + 2 <= to, "short header overruns");
                    value = Short.toString(b.getShort(p));
                    p += 2;
                }
                case 4 -> {
                    require(p + 4 <= to, "int header overruns");
                    value = Integer.toString(b.getInt(p));
                    p += 4;
                }
                case 5, 8 -> {
                    require(p + 8 <= to, "long header overruns");
                    value = Long.toString(b.getLong(p));
                    p += 8;
                }
                case 6, 7 -> {
                    require(p + 2 <= to, "header length overruns");
                    int len = b.getUnsignedShort(p);
                    p += 2;
                    require(p + len <= to, "header value overruns the headers");
                    value = type == 7 ? new String(b.getBytes(p, p + len), StandardCharsets.UTF_8)
                            : Base64.getEncoder().encodeToString(b.getBytes(p, p + len));
                    p += len;
                }
                case 9 -> {
                    require(p + 16 <= to, "uuid header overruns");
                    value = new UUID(b.getLong(p), b.getLong(p + 8)).toString();
                    p += 16;
                }
                default -> throw new IllegalArgumentException("unknown event-stream header type " + type);
            }
            headers.put(name, value);
        }
        return headers;
    }

    private static void require(boolean ok, String what) {
        if (!ok) {
            throw new IllegalArgumentException("malformed event-stream headers: " + what);
        }
    }

    private static long crc(Buffer b, int from, int length) {
        CRC32 c = new CRC32();
        c.update(b.getBytes(from, from + length));
        return c.getValue();
    }
}
