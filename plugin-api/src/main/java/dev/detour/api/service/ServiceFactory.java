package dev.detour.api.service;

import dev.detour.api.DetourExtension;

/**
 * Extension point for in-process services configured by a top-level YAML block named after
 * {@link #type()} (the simulator plugin answers to {@code simulator:}, and to
 * {@code detour simulate}). This sixth extension point lets core run such a server without
 * holding any of its code.
 *
 * @param <O> the options record
 */
public interface ServiceFactory<O> extends DetourExtension<O> {

    Service create(O options, ServiceContext context);
}
