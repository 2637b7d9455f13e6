package dev.detour.api.wire;

import io.vertx.core.buffer.Buffer;

import java.nio.charset.StandardCharsets;
import java.util.function.BiConsumer;

/**
 * Incremental decoder of {@code text/event-stream} (the WHATWG server-sent events format): feed it
 * network buffers as they arrive, split anywhere, and it calls back once per complete event with
 * the event's type ({@code "message"} when the stream gave none) and its data (multi-line data
 * joined with {@code \n}). Comment lines and {@code id:}/{@code retry:} fields are ignored. Lines
 * may end in LF, CR LF or CR. Not thread-safe: use one per stream, on its event loop.
 */
public final class SseDecoder {
    private final BiConsumer<String, String> onEvent;
    private final StringBuilder line = new StringBuilder();
    private final StringBuilder data = new StringBuilder();
    private String event;
    private boolean hasData;
    private boolean lastWasCr;
    private byte[] pending = new byte[0];

    /** @param onEvent receives (event type, data) for every dispatched event */
    public SseDecoder(BiConsumer<String, String> onEvent) {
        this.onEvent = onEvent;
    }

    /** Feeds the next bytes of the stream. */
    public void feed(Buffer buffer) {
        feed(buffer.getBytes());
    }

    /** Feeds the next bytes of the stream. */
    public void feed(byte[] bytes) {
        byte[] all = bytes;
        if (pending.length > 0) {
            all = new byte[pending.length + bytes.length];
            System.arraycopy(pending, 0, all, 0, pending.length);
            System.arraycopy(bytes, 0, all, pending.length, bytes.length);
        }
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            byte b = all[i];
            if (b == '\n' || b == '\r') {
                if (b == '\n' && lastWasCr && i == start) {
                    lastWasCr = false;
                    start = i + 1;
                    continue;
                }
                line.append(new String(all, start, i - start, StandardCharsets.UTF_8));
                lastWasCr = b == '\r';
                processLine();
                start = i + 1;
            } else {
                lastWasCr = false;
            }
        }
        // Keep the unterminated tail as bytes so a multi-byte character split across buffers survives.
        int rest = all.length - start;
        pending = new byte[rest];
        System.arraycopy(all, start, pending, 0, rest);
    }

    /** Dispatches a final event that was not followed by a blank line (lenient end of stream). */
    public void end() {
        if (pending.length > 0) {
            line.append(new String(pending, StandardCharsets.UTF_8));
            pending = new byte[0];
            processLine();
        }
        dispatch();
    }

    private void processLine() {
        String l = line.toString();
        line.setLength(0);
        if (l.isEmpty()) {
            dispatch();
            return;
        }
        if (l.charAt(0) == ':') {
            return;
        }
        int colon = l.indexOf(':');
        String field = colon < 0 ? l : l.substring(0, colon);
        String value = colon < 0 ? "" : l.substring(colon + 1);
        if (value.startsWith(" ")) {
            value = value.substring(1);
        }
        if (field.equals("data")) {
            if (hasData) {
                data.append('\n');
            }
            data.append(value);
            hasData = true;
        } else if (field.equals("event")) {
            event = value;
        }
    }

    private void dispatch() {
        if (hasData) {
            onEvent.accept(event == null || event.isEmpty() ? "message" : event, data.toString());
        }
        data.setLength(0);
        hasData = false;
        event = null;
    }
}
