package dev.detour.plugin.bedrock;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/**
 * {@code type: bedrock}: AWS Bedrock Runtime's Converse API. Calls
 * {@code POST https://bedrock-runtime.{region}.amazonaws.com/model/{modelId}/converse} (and
 * {@code /converse-stream}, decoded from AWS's binary event-stream framing), signing every request
 * with SigV4 for the {@code bedrock} service. The region comes from {@code options.aws_region} or
 * the provider's {@code region} label; credentials from the options or the standard AWS
 * environment variables. {@code base_url} overrides the endpoint (VPC endpoints, tests).
 */
@Extension
public final class BedrockProviderFactory implements ProviderAdapterFactory<BedrockOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "bedrock";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<BedrockOptions> optionsType() {
        return BedrockOptions.class;
    }

    /** @throws IllegalArgumentException when the region or the credentials cannot be resolved */
    @Override
    public ProviderAdapter create(BedrockOptions options, ProviderContext context) {
        return new BedrockAdapter(options == null ? BedrockOptions.DEFAULTS : options, context, System::getenv);
    }
}
