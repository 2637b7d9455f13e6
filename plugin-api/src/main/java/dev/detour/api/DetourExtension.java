package dev.detour.api;

import org.pf4j.ExtensionPoint;

/**
 * What every Detour extension factory has in common: the short {@code type:} users write in the
 * YAML, and the options record core binds that YAML block to.
 *
 * <p>Core binds options with a strict snake_case {@code ObjectMapper}: unknown keys are errors
 * reported with their YAML path, and the options record's compact constructor may throw
 * {@link IllegalArgumentException} naming the field and the bad value. Use {@link NoOptions} when
 * the extension takes none.
 *
 * @param <O> the options record
 */
public interface DetourExtension<O> extends ExtensionPoint {

    /** The {@code type:} this factory answers to, e.g. {@code openai} or {@code priority}. */
    String type();

    /** The record the extension's YAML options are bound to. */
    Class<O> optionsType();
}
