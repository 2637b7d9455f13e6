package dev.detour.plugin.openai;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.Capabilities;
import dev.detour.api.provider.ChunkSink;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.openai.OpenAiCompatibleClient;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.http.HttpHeaders;

import java.util.Map;

/**
 * The {@code openai} adapter: the only class of this plugin doing I/O, through one
 * {@link OpenAiCompatibleClient} per provider (a Vert.x HTTP/1.1 client: keep-alive, no
 * pipelining, a bounded pool), created from the gateway's Vert.x; the base URL is parsed once.
 * Each invocation makes exactly one HTTP request.
 *
 * <p>Cancellation: every request registers {@code call.onCancel(e -> request.reset())}, which
 * closes the HTTP/1.1 connection, so a call core abandoned (timeout, client gone) does not keep a
 * connection or a provider slot busy. Thread-safe: the client and the precomputed headers are
 * shared read-only across event loops.
 */
final class OpenAiAdapter implements ProviderAdapter {

    /** OpenAI's own endpoint, used when the provider has no {@code base_url}. */
    static final String DEFAULT_BASE_URL = "https://api.openai.com/v1";

    private final OpenAiCompatibleClient client;
    private final String chatUri;
    private final String embeddingsUri;

    OpenAiAdapter(OpenAiOptions options, ProviderContext ctx) {
        HttpEndpoint endpoint = HttpEndpoint.parse(ctx.baseUrlOr(DEFAULT_BASE_URL));
        this.client = OpenAiCompatibleClient.builder(ctx, endpoint)
                .clientName("detour-openai-" + ctx.name())
                .maxConnections(options.maxConnections())
                .headers(staticHeaders(options, ctx.apiKey(), ctx.headers()))
                .errors(OpenAiErrors::fromResponse, OpenAiErrors::fromStreamError)
                .build();
        this.chatUri = endpoint.uri("/chat/completions");
        this.embeddingsUri = endpoint.uri("/embeddings");
    }

    /**
     * Headers sent on every call, computed once. The extra {@code headers} come last so a provider
     * may override a default (e.g. Azure's {@code api-key} instead of a bearer token).
     */
    static MultiMap staticHeaders(OpenAiOptions options, String apiKey, Map<String, String> extra) {
        MultiMap h = MultiMap.caseInsensitiveMultiMap();
        h.set(HttpHeaders.CONTENT_TYPE, "application/json");
        if (apiKey != null && !apiKey.isEmpty()) {
            h.set(HttpHeaders.AUTHORIZATION, "Bearer " + apiKey);
        }
        if (options.organization() != null) {
            h.set("OpenAI-Organization", options.organization());
        }
        if (options.project() != null) {
            h.set("OpenAI-Project", options.project());
        }
        extra.forEach(h::set);
        return h;
    }

    @Override
    public Future<ChatResponse> chat(ChatRequest request, Call call) {
        return client.chat(chatUri, request, call);
    }

    @Override
    public Future<Void> stream(ChatRequest request, Call call, ChunkSink sink) {
        return client.stream(chatUri, request, call, sink);
    }

    @Override
    public Future<EmbeddingResponse> embed(EmbeddingRequest request, Call call) {
        return client.embed(embeddingsUri, request, call);
    }

    /**
     * Everything: OpenAI-compatible endpoints differ too much (a local vLLM model may lack vision
     * or tools) for a per-model table to be right; users narrow a target with {@code capabilities:}.
     */
    @Override
    public Capabilities capabilities(String model) {
        return Capabilities.ALL;
    }

    @Override
    public Future<Void> close() {
        return client.close();
    }
}
