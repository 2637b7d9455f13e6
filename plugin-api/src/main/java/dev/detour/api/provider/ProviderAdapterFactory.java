package dev.detour.api.provider;

import dev.detour.api.DetourExtension;

/**
 * Extension point for provider adapters. Annotate the implementation with {@code @Extension};
 * core creates one adapter per configured provider of this {@link #type()}, binding the
 * provider's {@code options:} block to {@link #optionsType()}.
 *
 * <pre>{@code
 * @Extension
 * public final class AcmeProviderFactory implements ProviderAdapterFactory<AcmeOptions> {
 *     public String type() { return "acme"; }
 *     public Class<AcmeOptions> optionsType() { return AcmeOptions.class; }
 *     public ProviderAdapter create(AcmeOptions options, ProviderContext ctx) {
 *         return new AcmeAdapter(options, ctx);
 *     }
 * }
 * }</pre>
 *
 * @param <O> the options record
 */
public interface ProviderAdapterFactory<O> extends DetourExtension<O> {

    /**
     * Creates the adapter for one provider. Throw {@link IllegalArgumentException} for a bad
     * combination of settings; core reports it under the provider's YAML path.
     */
    ProviderAdapter create(O options, ProviderContext context);
}
