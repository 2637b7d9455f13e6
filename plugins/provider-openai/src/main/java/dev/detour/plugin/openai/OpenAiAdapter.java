package dev.detour.plugin.openai;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.Message;
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

import java.util.ArrayList;
import java.util.List;
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
    private final boolean prefix;

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
        this.prefix = options.continuation().equals(OpenAiOptions.CONTINUE_FINAL_MESSAGE);
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
     * By the {@code continuation} option: the default instruction, or vLLM's assistant prefix (the
     * answer so far as the final assistant message, {@code continue_final_message: true},
     * {@code add_generation_prompt: false}), which the model continues mid-sentence.
     */
    @Override
    public ChatRequest continuation(ChatRequest request, String sent) {
        if (!prefix) {
            return ProviderAdapter.super.continuation(request, sent);
        }
        List<Message> messages = new ArrayList<>(request.messages());
        Message last = messages.get(messages.size() - 1);
        String answer = sent;
        if (last.role().equals("assistant") && last.toolCalls().isEmpty()) {
            messages.remove(messages.size() - 1);
            answer = last.text() + sent;
        }
        if (answer.isEmpty()) {
            return request;
        }
        messages.add(Message.assistant(answer, List.of()));
        ObjectNode extra = request.extra() == null ? JsonNodeFactory.instance.objectNode() : request.extra().deepCopy();
        extra.put("continue_final_message", true).put("add_generation_prompt", false);
        return request.toBuilder().messages(messages).extra(extra).build();
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
