package dev.detour.plugin.gemini;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/**
 * The {@code type: gemini} provider: Google's Gemini (Generative Language) API with an API key.
 *
 * <pre>{@code
 * providers:
 *   gemini:
 *     type: gemini
 *     api_key: ${GEMINI_API_KEY}
 *     # base_url: https://generativelanguage.googleapis.com   (the host root, the default)
 *     options: { api_version: v1beta }
 * }</pre>
 */
@Extension
public final class GeminiProviderFactory implements ProviderAdapterFactory<GeminiOptions> {

    @Override
    public String type() {
        return "gemini";
    }

    @Override
    public Class<GeminiOptions> optionsType() {
        return GeminiOptions.class;
    }

    @Override
    public ProviderAdapter create(GeminiOptions options, ProviderContext context) {
        return new GeminiAdapter(options == null ? GeminiOptions.defaults() : options, context);
    }
}
