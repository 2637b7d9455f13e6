package dev.detour.core.plugin;

import org.pf4j.ClassLoadingStrategy;
import org.pf4j.PluginClassLoader;
import org.pf4j.PluginDescriptor;
import org.pf4j.PluginManager;

import java.util.List;

/**
 * A plugin class loader that takes the shared packages from core's class loader and everything
 * else from the plugin first. A second copy of an extension-point class inside a plugin would make
 * PF4J drop the extension silently, and a second jackson-annotations would make {@code @JsonProperty}
 * inert, so those packages must have exactly one source.
 */
final class SharedFirstClassLoader extends PluginClassLoader {
    static final List<String> SHARED = List.of("dev.detour.api.", "dev.detour.wire.", "org.pf4j.", "io.vertx.", "io.netty.",
            "com.fasterxml.jackson.", "org.slf4j.");

    SharedFirstClassLoader(PluginManager manager, PluginDescriptor descriptor, ClassLoader parent) {
        super(manager, descriptor, parent, ClassLoadingStrategy.PDA);
    }

    @Override
    protected boolean shouldDelegateToParent(String className) {
        for (String prefix : SHARED) {
            if (className.startsWith(prefix)) {
                return true;
            }
        }
        return super.shouldDelegateToParent(className);
    }
}
