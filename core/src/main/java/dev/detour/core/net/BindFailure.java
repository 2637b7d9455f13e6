package dev.detour.core.net;

/**
 * Says in words why a server could not listen: Netty's native transport reports a busy port as
 * {@code bind(..) failed with error(-98)}, which names neither the port nor the cause a user can act on.
 */
public final class BindFailure {
    private BindFailure() {
    }

    /** {@code what} ("the gateway"), where, and the cause in words; the original text when it is none of the known ones. */
    public static String describe(String what, String host, int port, Throwable failure) {
        return what + " cannot listen on " + host + ":" + port + ": " + cause(failure);
    }

    /**
     * {@code failure}'s message with the transport's words for a bind failure (wherever they stand
     * in it, after whatever prefix says who failed) replaced by the cause in words.
     */
    public static String cause(Throwable failure) {
        String m = String.valueOf(failure.getMessage());
        int at = m.indexOf("bind(");
        String prefix = at < 0 ? "" : m.substring(0, at);
        if (m.contains("error(-98)") || m.contains("Address already in use")) {
            return prefix + "the port is already in use (another process listens on it; choose another port)";
        }
        if (m.contains("error(-13)") || m.contains("Permission denied")) {
            return prefix + "permission denied (ports below 1024 need privileges)";
        }
        if (m.contains("error(-99)") || m.contains("Cannot assign requested address")) {
            return prefix + "the address is not one of this machine's";
        }
        return m;
    }
}
