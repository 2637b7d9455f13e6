package dev.detour.plugin.azure;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/**
 * {@code type: azure-openai}: Azure OpenAI deployments. Calls
 * {@code {base_url}/openai/deployments/{deployment}/chat/completions?api-version={api_version}} and
 * {@code .../embeddings} with the OpenAI wire format, authenticating with the {@code api-key}
 * header (or {@code Authorization: Bearer} for Entra ID tokens), and classifies Azure's
 * content-filter, quota and capacity failures.
 */
@Extension
public final class AzureProviderFactory implements ProviderAdapterFactory<AzureOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "azure-openai";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<AzureOptions> optionsType() {
        return AzureOptions.class;
    }

    /** @throws IllegalArgumentException when neither {@code base_url} nor {@code options.resource} names the endpoint */
    @Override
    public ProviderAdapter create(AzureOptions options, ProviderContext context) {
        return new AzureAdapter(options == null ? AzureOptions.DEFAULTS : options, context);
    }
}
