package dev.detour.sample.acme;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/** {@code providers: { acme: { type: acme, api_key: ${ACME_KEY} } }}: one adapter per provider of this type. */
@Extension
public final class AcmeProviderFactory implements ProviderAdapterFactory<AcmeOptions> {
    @Override
    public String type() {
        return "acme";
    }

    @Override
    public Class<AcmeOptions> optionsType() {
        return AcmeOptions.class;
    }

    @Override
    public ProviderAdapter create(AcmeOptions options, ProviderContext context) {
        return new AcmeAdapter(options, context);
    }
}
