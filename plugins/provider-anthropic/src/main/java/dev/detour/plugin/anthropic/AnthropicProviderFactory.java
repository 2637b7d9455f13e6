package dev.detour.plugin.anthropic;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/**
 * The {@code anthropic} provider type: Anthropic's Messages API ({@code POST {base_url}/v1/messages},
 * default base {@code https://api.anthropic.com}). See {@link dev.detour.wire.anthropic.AnthropicCodec} for what of a
 * canonical request is supported, emulated or refused.
 */
@Extension
public final class AnthropicProviderFactory implements ProviderAdapterFactory<AnthropicOptions> {

    @Override
    public String type() {
        return "anthropic";
    }

    @Override
    public Class<AnthropicOptions> optionsType() {
        return AnthropicOptions.class;
    }

    @Override
    public ProviderAdapter create(AnthropicOptions options, ProviderContext context) {
        return new AnthropicAdapter(options == null ? AnthropicOptions.defaults() : options, context);
    }
}
