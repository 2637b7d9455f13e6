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
    private static final byte[] EMPTY = new byte[0];

    private final BiConsumer<String, String> onEvent;
    /** The event's data: its first line as it is, later lines joined in {@link #more}. */
    private String firstData;
    private StringBuilder more;
    private String event;
    private boolean lastWasCr;
    private byte[] pending = EMPTY;

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
        // cr: the line that ended at start - 1 ended with CR, so an LF right at start belongs to it.
        boolean cr = lastWasCr;
        for (int i = 0; i < all.length; i++) {
            byte b = all[i];
            if (b > '\r') {
                continue;   // most bytes: one comparison (UTF-8 continuation bytes are negative and fall through)
            }
            if (b == '\n' && cr && i == start) {
                cr = false;
                start = i + 1;
            } else if (b == '\n' || b == '\r') {
                cr = b == '\r';
                processLine(all, start, i);
                start = i + 1;
            }
        }
        lastWasCr = cr && start == all.length;
        // Keep the unterminated tail as bytes so a multi-byte character split across buffers survives.
        int rest = all.length - start;
        if (rest == 0) {
            pending = EMPTY;
        } else {
            pending = new byte[rest];
            System.arraycopy(all, start, pending, 0, rest);
        }
    }

    /** Dispatches a final event that was not followed by a blank line (lenient end of stream). */
    public void end() {
        if (pending.length > 0) {
            byte[] last = pending;
            pending = EMPTY;
            processLine(last, 0, last.length);
        }
        dispatch();
    }

    /** One line, bytes {@code [from, to)} of {@code b} without its end of line; decoded only where needed. */
    private void processLine(byte[] b, int from, int to) {
        if (from == to) {
            dispatch();
            return;
        }
        if (b[from] == ':') {
            return;
        }
        int colon = from;
        while (colon < to && b[colon] != ':') {
            colon++;
        }
        int value = colon < to ? colon + 1 : to;
        if (value < to && b[value] == ' ') {
            value++;
        }
        if (TopLevelFields.is(b, from, colon, "data")) {
            String v = new String(b, value, to - value, StandardCharsets.UTF_8);
            if (firstData == null) {
                firstData = v;
            } else {
                if (more == null) {
                    more = new StringBuilder(firstData.length() + v.length() + 16).append(firstData);
                }
                more.append('\n').append(v);
            }
        } else if (TopLevelFields.is(b, from, colon, "event")) {
            event = new String(b, value, to - value, StandardCharsets.UTF_8);
        }
    }

    private void dispatch() {
        if (firstData != null) {
            String data = more != null ? more.toString() : firstData;
            onEvent.accept(event == null || event.isEmpty() ? "message" : event, data);
        }
        firstData = null;
        more = null;
        event = null;
    }
}
