package dev.detour.plugin.openai;

import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderAdapterFactory;
import dev.detour.api.provider.ProviderContext;
import org.pf4j.Extension;

/**
 * {@code type: openai}: OpenAI and every endpoint that speaks its Chat Completions and Embeddings
 * wire format (vLLM, Ollama, Mistral, Groq, Together, OpenRouter, ...), selected by
 * {@code base_url} (default {@value OpenAiAdapter#DEFAULT_BASE_URL}, including {@code /v1}).
 *
 * <p>Calls {@code {base_url}/chat/completions} and {@code {base_url}/embeddings} with
 * {@code Authorization: Bearer <api_key>} (no header when the provider has no key, e.g. a local
 * vLLM) and the provider's extra {@code headers}.
 */
@Extension
public final class OpenAiProviderFactory implements ProviderAdapterFactory<OpenAiOptions> {

    /** The config {@code type:}. */
    public static final String TYPE = "openai";

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Class<OpenAiOptions> optionsType() {
        return OpenAiOptions.class;
    }

    /** @throws IllegalArgumentException when {@code base_url} is not an absolute http(s) URL */
    @Override
    public ProviderAdapter create(OpenAiOptions options, ProviderContext context) {
        return new OpenAiAdapter(options == null ? OpenAiOptions.DEFAULTS : options, context);
    }
}
