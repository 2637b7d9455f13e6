package dev.detour.core.plugin;

import java.util.List;

/**
 * Plugins that could not be loaded or started, or contribute nothing: a named startup error, one
 * line per problem (each names the file or plugin and the reason).
 */
public final class PluginLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    /** One problem, with the exception behind it (kept for the debug log), or null. */
    public PluginLoadException(String message, Throwable cause) {
        super(message, cause);
    }

    /** Several problems, one line each, in the order found. */
    public PluginLoadException(List<String> problems) {
        super(String.join("\n", problems));
    }
}
