package dev.detour.sample.acme;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.provider.Call;
import dev.detour.api.provider.ChunkSink;
import dev.detour.api.provider.ProviderAdapter;
import dev.detour.api.provider.ProviderContext;
import dev.detour.wire.http.HttpEndpoint;
import dev.detour.wire.openai.OpenAiCompatibleClient;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;

/**
 * Acme speaks OpenAI's chat format at {@code POST {base_url}/chat}, with the key in
 * {@code x-acme-key}. The wire kit's {@link OpenAiCompatibleClient} does the HTTP (a pooled
 * Vert.x client), the JSON both ways, streaming and cancellation; this adapter says where, how to
 * authenticate, and what Acme's errors mean ({@link AcmeErrors}). Thread-safe: everything here is
 * built once and shared read-only.
 */
final class AcmeAdapter implements ProviderAdapter {
    static final String DEFAULT_BASE_URL = "https://api.acme.example/v1";

    private final OpenAiCompatibleClient client;
    private final String chatUri;

    AcmeAdapter(AcmeOptions options, ProviderContext ctx) {
        HttpEndpoint endpoint = HttpEndpoint.parse(ctx.baseUrlOr(DEFAULT_BASE_URL));
        MultiMap headers = MultiMap.caseInsensitiveMultiMap().set("content-type", "application/json");
        if (ctx.apiKey() != null && !ctx.apiKey().isEmpty()) {
            headers.set("x-acme-key", ctx.apiKey());
        }
        ctx.headers().forEach(headers::set);
        this.client = OpenAiCompatibleClient.builder(ctx, endpoint)
                .clientName("detour-acme-" + ctx.name())
                .maxConnections(options.maxConnections())
                .headers(headers)
                .errors((status, h, body, now) -> AcmeErrors.http(status, h, body), AcmeErrors::inStream)
                .build();
        this.chatUri = endpoint.uri("/chat");
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
    public Future<Void> close() {
        return client.close();
    }
}
