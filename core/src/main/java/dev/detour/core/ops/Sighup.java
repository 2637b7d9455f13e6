package dev.detour.core.ops;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * SIGHUP as a trigger, through {@code sun.misc.Signal} (module {@code jdk.unsupported}), reached
 * by reflection so that a JVM without it, or one that refuses the signal (it is reserved when the
 * JVM runs with {@code -Xrs}), still runs: installing then logs why and reports it.
 */
public final class Sighup {
    private static final Logger LOG = LoggerFactory.getLogger(Sighup.class);

    private Sighup() {
    }

    /**
     * Runs {@code action} on every SIGHUP from now on, on the JVM's signal thread (so
     * {@code action} must only hand the work on).
     *
     * @return the handler it replaced (to {@link #restore}), or null when SIGHUP cannot be handled here
     */
    public static Object install(Runnable action) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            Object hup = signal.getConstructor(String.class).newInstance("HUP");
            Object ours = Proxy.newProxyInstance(handler.getClassLoader(), new Class<?>[] {handler}, (proxy, m, args) -> {
                if (m.getName().equals("handle")) {
                    action.run();
                    return null;
                }
                return switch (m.getName()) {
                    case "hashCode" -> System.identityHashCode(proxy);
                    case "equals" -> proxy == args[0];
                    case "toString" -> "detour reload on SIGHUP";
                    default -> null;
                };
            });
            Method handle = signal.getMethod("handle", signal, handler);
            return handle.invoke(null, hup, ours);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            Throwable cause = e instanceof java.lang.reflect.InvocationTargetException i && i.getCause() != null
                    ? i.getCause() : e;
            LOG.warn("SIGHUP will not reload the config on this JVM ({}); use POST /admin/reload", cause.toString());
            return null;
        }
    }

    /** Puts back the handler {@link #install} replaced. */
    public static void restore(Object previous) {
        try {
            Class<?> signal = Class.forName("sun.misc.Signal");
            Class<?> handler = Class.forName("sun.misc.SignalHandler");
            signal.getMethod("handle", signal, handler).invoke(null,
                    signal.getConstructor(String.class).newInstance("HUP"), previous);
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            LOG.debug("cannot restore the SIGHUP handler", e);
        }
    }
}
