package dev.detour.wire.http;

/** Byte-level helpers of the wire codecs, for scanning a body without decoding it to text. */
public final class Bytes {
    private Bytes() {
    }

    /** Whether bytes {@code [from, to)} of {@code b} are exactly the ASCII text {@code lit}. */
    public static boolean is(byte[] b, int from, int to, String lit) {
        if (to - from != lit.length()) {
            return false;
        }
        for (int k = 0; k < lit.length(); k++) {
            if (b[from + k] != lit.charAt(k)) {
                return false;
            }
        }
        return true;
    }
}
