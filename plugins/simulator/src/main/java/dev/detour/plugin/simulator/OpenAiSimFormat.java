package dev.detour.plugin.simulator;

import dev.detour.wire.http.WireJson;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.EmbeddingRequest;
import dev.detour.api.model.EmbeddingResponse;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.wire.openai.OpenAiJson;
import dev.detour.wire.http.WireFormatException;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * OpenAI Chat Completions, Embeddings and Models. Requests are parsed and answers written with
 * {@link OpenAiJson}, the same code the gateway uses, so the two can never drift apart.
 */
final class OpenAiSimFormat implements SimFormat {

    private final LongSupplier epochSeconds;

    OpenAiSimFormat(LongSupplier epochSeconds) {
        this.epochSeconds = epochSeconds;
    }

    @Override
    public SimPrompt parse(SimCall call, JsonNode body) {
        ChatRequest r;
        try {
            r = OpenAiJson.parseRequest(body);
        } catch (WireFormatException e) {
            throw rejected(e);
        }
        List<Message> msgs = r.messages();
        Message last = msgs.get(msgs.size() - 1);
        boolean toolResult = last.role().equals("tool") || last.role().equals("function");
        String lastText = last.text();
        if (!toolResult) {
            for (int i = msgs.size() - 1; i >= 0; i--) {
                if (msgs.get(i).role().equals("user")) {
                    lastText = msgs.get(i).text();
                    break;
                }
            }
        }
        List<SimPrompt.SimTool> tools = new ArrayList<>();
        for (Tool t : r.tools()) {
            tools.add(new SimPrompt.SimTool(t.name(), t.parameters()));
        }
        SimPrompt.ToolMode mode = SimPrompt.ToolMode.AUTO;
        String forced = null;
        JsonNode tc = r.toolChoice();
        if (tc != null && tc.isTextual()) {
            mode = tc.asText().equals("none") ? SimPrompt.ToolMode.NONE
                    : tc.asText().equals("required") ? SimPrompt.ToolMode.REQUIRED : SimPrompt.ToolMode.AUTO;
        } else if (tc != null && tc.path("function").path("name").isTextual()) {
            forced = tc.path("function").path("name").asText();
        }
        return new SimPrompt(call.endpoint(), r.model(), lastText, toolResult, tools, mode, forced, r.wantsJson(),
                r.jsonSchema(), r.outputLimit(), r.stop(), r.textLength(), r.n() == null ? 1 : r.n(),
                r.stream() ? SimPrompt.StreamMode.SSE : SimPrompt.StreamMode.NONE, r.includeUsage());
    }

    @Override
    public JsonNode body(SimPrompt p, List<SimAnswer> answers) {
        List<Choice> choices = new ArrayList<>();
        for (SimAnswer a : answers) {
            List<ToolCall> calls = a.toolCall() == null ? List.of()
                    : List.of(new ToolCall(callId(a), a.toolCall().name(), a.toolCall().arguments().toString()));
            choices.add(new Choice(a.index(), Message.assistant(a.text(), calls), finish(a)));
        }
        return OpenAiJson.writeResponse(new ChatResponse(id(answers), p.model(), epochSeconds.getAsLong(), choices,
                usage(answers), "fp_simulator"));
    }

    @Override
    public List<String> frames(SimPrompt p, List<SimAnswer> answers) {
        String id = id(answers);
        long created = epochSeconds.getAsLong();
        String model = p.model();
        List<String> out = new ArrayList<>();
        for (SimAnswer a : answers) {
            int i = a.index();
            if (a.toolCall() != null) {
                out.add(chunk(new ChatChunk(id, model, created, i, "assistant", null, null, List.of(), null, null, null)));
                out.add(chunk(new ChatChunk(id, model, created, i, null, null, null,
                        List.of(new ToolCallDelta(0, callId(a), a.toolCall().name(), "")), null, null, null)));
                for (String piece : AnswerGenerator.pieces(a.toolCall().arguments().toString(), 3)) {
                    out.add(chunk(new ChatChunk(id, model, created, i, null, null, null,
                            List.of(new ToolCallDelta(0, null, null, piece)), null, null, null)));
                }
            } else {
                out.add(chunk(new ChatChunk(id, model, created, i, "assistant", "", null, List.of(), null, null, null)));
                for (String w : AnswerGenerator.words(a.text())) {
                    out.add(chunk(new ChatChunk(id, model, created, i, null, w, null, List.of(), null, null, null)));
                }
            }
            out.add(chunk(new ChatChunk(id, model, created, i, null, null, null, List.of(), finish(a), null, null)));
        }
        if (p.streamUsage()) {
            out.add(chunk(new ChatChunk(id, model, created, 0, null, null, null, List.of(), null, usage(answers), null)));
        }
        out.add("data: [DONE]\n\n");
        return out;
    }

    @Override
    public JsonNode error(int status, String message, String field) {
        ObjectNode o = (ObjectNode) error(status, message);
        if (field != null) {
            ((ObjectNode) o.get("error")).put("param", field);
        }
        return o;
    }

    @Override
    public JsonNode error(int status, String message) {
        String type;
        String code = null;
        if (status == 401) {
            type = "invalid_request_error";
            code = "invalid_api_key";
        } else if (status == 403) {
            type = "permission_error";
        } else if (status == 404) {
            type = "invalid_request_error";
            code = "model_not_found";
        } else if (status == 429) {
            type = "requests";
            code = "rate_limit_exceeded";
        } else if (status >= 500) {
            type = "server_error";
        } else {
            type = "invalid_request_error";
        }
        ObjectNode o = WireJson.MAPPER.createObjectNode();
        ObjectNode e = o.putObject("error");
        e.put("message", message);
        e.put("type", type);
        e.putNull("param");
        if (code == null) {
            e.putNull("code");
        } else {
            e.put("code", code);
        }
        return o;
    }

    /** An Embeddings answer: deterministic unit vectors derived from each input text. */
    /** The most dimensions the simulator makes a vector of (real embedding models have up to a few thousand). */
    static final int MAX_DIMENSIONS = 4096;

    JsonNode embeddings(JsonNode body) {
        EmbeddingRequest r;
        try {
            r = OpenAiJson.parseEmbeddingRequest(body);
        } catch (WireFormatException e) {
            throw rejected(e);
        }
        int dims = r.dimensions() == null ? 8 : r.dimensions();
        if (dims > MAX_DIMENSIONS) {
            // A fake's vectors cost memory and event-loop time per dimension: refuse what no model has.
            throw rejected(new WireFormatException("dimensions", "must be at most " + MAX_DIMENSIONS + " (was " + dims + ")"));
        }
        List<float[]> vectors = new ArrayList<>();
        int chars = 0;
        for (String text : r.input()) {
            vectors.add(vector(text, dims));
            chars += text.length();
        }
        return OpenAiJson.writeEmbeddingResponse(
                new EmbeddingResponse(r.model(), vectors, Usage.of(Math.max(1, AnswerGenerator.tokens(chars)), 0)),
                r.encodingFormat());
    }

    /** The model list: the simulator accepts any model name, these are only advertised. */
    JsonNode models(String endpoint) {
        ObjectNode o = WireJson.MAPPER.createObjectNode();
        o.put("object", "list");
        for (String id : List.of("sim-chat", "sim-embedding")) {
            o.withArray("data").addObject().put("id", id).put("object", "model").put("created", 1700000000L)
                    .put("owned_by", "simulator-" + endpoint);
        }
        return o;
    }

    static float[] vector(String text, int dims) {
        float[] v = new float[dims];
        double norm = 0;
        for (int i = 0; i < dims; i++) {
            long h = AnswerGenerator.hash(i + "\u0000" + text);
            v[i] = (float) ((h >>> 11) / (double) (1L << 53) * 2 - 1);
            norm += v[i] * v[i];
        }
        norm = Math.sqrt(norm);
        for (int i = 0; i < dims && norm > 0; i++) {
            v[i] = (float) (v[i] / norm);
        }
        return v;
    }

    private static SimRequestException rejected(WireFormatException e) {
        String m = e.getMessage();
        return e.field() != null && m.startsWith(e.field() + ": ")
                ? new SimRequestException(e.field(), m.substring(e.field().length() + 2))
                : new SimRequestException(null, m);
    }

    private static String chunk(ChatChunk c) {
        return SimFormat.sse(null, OpenAiJson.writeChunk(c));
    }

    private static String id(List<SimAnswer> answers) {
        return "chatcmpl-sim" + answers.get(0).key();
    }

    private static String callId(SimAnswer a) {
        return "call_" + a.toolCall().key();
    }

    private static Usage usage(List<SimAnswer> answers) {
        int completion = 0;
        for (SimAnswer a : answers) {
            completion += a.completionTokens();
        }
        return Usage.of(answers.get(0).promptTokens(), completion);
    }

    private static FinishReason finish(SimAnswer a) {
        switch (a.finish()) {
            case LENGTH: return FinishReason.LENGTH;
            case TOOL_CALL: return FinishReason.TOOL_CALLS;
            default: return FinishReason.STOP;
        }
    }
}
