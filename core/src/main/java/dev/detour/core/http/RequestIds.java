package dev.detour.core.http;

import io.vertx.core.http.HttpHeaders;

import java.util.concurrent.ThreadLocalRandom;

/** The id of each API request, echoed as {@code x-request-id} and written to the access log. */
final class RequestIds {
    /** The longest client {@code x-request-id} echoed; a longer one is replaced. */
    static final int MAX_REQUEST_ID_LENGTH = 128;

    static final CharSequence REQUEST_ID = HttpHeaders.createOptimized("x-request-id");

    private RequestIds() {
    }

    /**
     * The request's id, set on the exchange and echoed as {@code x-request-id}: the client's own
     * when it is 1..{@value #MAX_REQUEST_ID_LENGTH} printable ASCII characters other than
     * {@code "} and {@code \} (it goes into a response header and the access log as it is),
     * otherwise a generated one.
     */
    static String assign(Exchange ex) {
        String id = forLog(ex);
        ex.requestId = id;
        ex.response.putHeader(REQUEST_ID, id);
        return id;
    }

    /**
     * The id the access log gives a request answered before it was assigned one (a 404, a body
     * too large): the client's own when plain, otherwise a generated one.
     */
    static String forLog(Exchange ex) {
        String id = ex.request.getHeader(REQUEST_ID);
        return isPlainRequestId(id) ? id
                : "req_" + Long.toHexString(ThreadLocalRandom.current().nextLong()) + Long.toHexString(System.nanoTime());
    }

    static boolean isPlainRequestId(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX_REQUEST_ID_LENGTH) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c <= ' ' || c >= 0x7f || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
