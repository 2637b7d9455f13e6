package dev.detour.core.plugin;

/** A plugin that could not be loaded or started, or contributes nothing: a named startup error. */
public final class PluginLoadException extends Exception {
    private static final long serialVersionUID = 1L;

    public PluginLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}
