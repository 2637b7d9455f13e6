package dev.detour.wire.anthropic;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.ErrorKind;
import dev.detour.api.ProviderException;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.api.provider.ChunkSink;
import dev.detour.wire.http.SseDecoder;
import dev.detour.wire.http.WireJson;
import io.vertx.core.buffer.Buffer;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Turns an Anthropic Messages event stream into canonical chunks, pushed to a {@link ChunkSink}.
 * Feed it network buffers split anywhere; not thread-safe (one per stream, on its event loop).
 *
 * <ul>
 *   <li>{@code message_start}: remembers id, model and input usage; emits a role-only chunk
 *       ({@code assistant}). Whatever chunk comes first carries the role.</li>
 *   <li>{@code content_block_start}: a {@code tool_use} block emits a tool-call delta with its id and
 *       name. Tool calls are numbered 0, 1, .. in order of appearance, not by Anthropic's block
 *       index, which also counts text and thinking blocks. Initial non-empty text or thinking is
 *       emitted; server-tool blocks are ignored.</li>
 *   <li>{@code content_block_delta}: {@code text_delta} → text, {@code thinking_delta} → reasoning,
 *       {@code input_json_delta} → tool-call arguments delta; {@code signature_delta} and unknown
 *       deltas are ignored.</li>
 *   <li>{@code message_delta}: a {@code stop_reason} emits the finish chunk; its (cumulative)
 *       usage replaces what was known.</li>
 *   <li>{@code message_stop}: emits one usage chunk (prompt tokens include cache reads and writes,
 *       as in {@link AnthropicCodec#parseUsage}) and marks the stream {@link #done()}.</li>
 *   <li>{@code error}: the stream {@link #failure() fails} with what the adapter's classifier makes
 *       of the event's JSON.
 *       {@code ping} and unknown events are ignored, as the docs ask.</li>
 * </ul>
 * After the stream is done or failed, further input is ignored.
 */
public final class AnthropicStreamDecoder {
    private final ChunkSink sink;
    private final long created;
    private final Function<JsonNode, ProviderException> errors;
    private final SseDecoder sse = new SseDecoder(this::onEvent);
    private final Map<Integer, Integer> toolIndexByBlock = new HashMap<>();

    private String id;
    private String model;
    private boolean roleSent;
    private int nextToolIndex;
    private int inputTokens;
    private int cacheRead;
    private int cacheCreation;
    private int outputTokens;
    private boolean done;
    private ProviderException failure;

    /**
     * @param sink    receives the chunks
     * @param created the creation time to stamp on chunks, epoch seconds
     * @param errors  classifies the JSON of an in-band {@code error} event (the adapter's rules)
     */
    public AnthropicStreamDecoder(ChunkSink sink, long created, Function<JsonNode, ProviderException> errors) {
        this.sink = Objects.requireNonNull(sink, "sink");
        this.created = created;
        this.errors = Objects.requireNonNull(errors, "errors");
    }

    /** Feeds the next bytes of the response body. */
    public void feed(Buffer buffer) {
        if (!done && failure == null) {
            try {
                sse.feed(buffer);
            } catch (ProviderException tooLong) {
                failure = tooLong;
            }
        }
    }

    /**
     * Signals the end of the body: returns the failure to report, or null when the stream ended
     * properly with {@code message_stop}. A body that ends before {@code message_stop} is a
     * {@link ErrorKind#CONNECTION} failure (the upstream cut the answer short).
     */
    public ProviderException finish() {
        if (!done && failure == null) {
            sse.end();
        }
        if (failure == null && !done) {
            failure = new ProviderException(ErrorKind.CONNECTION, 0,
                    "anthropic: stream ended without message_stop");
        }
        return done && failure == null ? null : failure;
    }

    /** Whether {@code message_stop} was received. */
    public boolean done() {
        return done;
    }

    /** The in-band error or malformed event that failed the stream, or null. */
    public ProviderException failure() {
        return failure;
    }

    private void onEvent(String event, String data) {
        if (done || failure != null) {
            return;
        }
        JsonNode json;
        try {
            json = WireJson.MAPPER.readTree(data);
        } catch (IOException e) {
            failure = new ProviderException(ErrorKind.UNKNOWN, 200, "anthropic: malformed stream event '" + event + "'");
            return;
        }
        if (json == null || !json.isObject()) {
            failure = new ProviderException(ErrorKind.UNKNOWN, 200, "anthropic: malformed stream event '" + event + "'");
            return;
        }
        String type = json.path("type").asText(event);
        switch (type) {
            case "message_start" -> onMessageStart(json.path("message"));
            case "content_block_start" -> onBlockStart(json.path("index").asInt(-1), json.path("content_block"));
            case "content_block_delta" -> onBlockDelta(json.path("index").asInt(-1), json.path("delta"));
            case "message_delta" -> onMessageDelta(json);
            case "message_stop" -> {
                emit(null, null, List.of(), null, new Usage(inputTokens + cacheRead + cacheCreation, outputTokens,
                        cacheRead, cacheCreation, 0));
                done = true;
            }
            case "error" -> failure = errors.apply(json);
            default -> {
                // ping, content_block_stop and event types newer than this adapter carry nothing for us.
            }
        }
    }

    private void onMessageStart(JsonNode message) {
        id = AnthropicCodec.textOrNull(message.get("id"));
        model = AnthropicCodec.textOrNull(message.get("model"));
        readUsage(message.path("usage"));
        if (!roleSent) {
            emit(null, null, List.of(), null, null);
        }
    }

    private void onBlockStart(int blockIndex, JsonNode block) {
        switch (block.path("type").asText("")) {
            case "tool_use" -> {
                int toolIndex = nextToolIndex++;
                toolIndexByBlock.put(blockIndex, toolIndex);
                emit(null, null, List.of(new ToolCallDelta(toolIndex,
                        AnthropicCodec.textOrNull(block.get("id")), block.path("name").asText(""), "")), null, null);
            }
            case "text" -> {
                String text = block.path("text").asText("");
                if (!text.isEmpty()) {
                    emit(text, null, List.of(), null, null);
                }
            }
            case "thinking" -> {
                String thinking = block.path("thinking").asText("");
                if (!thinking.isEmpty()) {
                    emit(null, thinking, List.of(), null, null);
                }
            }
            default -> {
                // server_tool_use, redacted_thinking, tool results: not client-visible in the canonical model.
            }
        }
    }

    private void onBlockDelta(int blockIndex, JsonNode delta) {
        switch (delta.path("type").asText("")) {
            case "text_delta" -> emit(delta.path("text").asText(""), null, List.of(), null, null);
            case "thinking_delta" -> emit(null, delta.path("thinking").asText(""), List.of(), null, null);
            case "input_json_delta" -> {
                Integer toolIndex = toolIndexByBlock.get(blockIndex);
                String partial = delta.path("partial_json").asText("");
                if (toolIndex != null && !partial.isEmpty()) {
                    emit(null, null, List.of(new ToolCallDelta(toolIndex, null, null, partial)), null, null);
                }
            }
            default -> {
                // signature_delta, citations_delta: no canonical counterpart.
            }
        }
    }

    private void onMessageDelta(JsonNode json) {
        readUsage(json.path("usage"));
        FinishReason finish = AnthropicCodec.finishReason(
                AnthropicCodec.textOrNull(json.path("delta").get("stop_reason")));
        if (finish != null) {
            emit(null, null, List.of(), finish, null);
        }
    }

    private void readUsage(JsonNode usage) {
        if (!usage.isObject()) {
            return;
        }
        // message_delta usage is cumulative: every count it carries replaces the earlier one.
        inputTokens = usage.path("input_tokens").asInt(inputTokens);
        cacheRead = usage.path("cache_read_input_tokens").asInt(cacheRead);
        cacheCreation = usage.path("cache_creation_input_tokens").asInt(cacheCreation);
        outputTokens = usage.path("output_tokens").asInt(outputTokens);
    }

    private void emit(String text, String reasoning, List<ToolCallDelta> tools, FinishReason finish, Usage usage) {
        String role = roleSent ? null : "assistant";
        roleSent = true;
        sink.next(new ChatChunk(id, model, created, 0, role, text, reasoning, tools, finish, usage, null));
    }
}
