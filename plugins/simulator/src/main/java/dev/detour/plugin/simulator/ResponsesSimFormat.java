package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import dev.detour.api.model.ChatChunk;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Tool;
import dev.detour.api.model.ToolCall;
import dev.detour.api.model.ToolCallDelta;
import dev.detour.api.model.Usage;
import dev.detour.wire.http.WireFormatException;
import dev.detour.wire.responses.ResponsesCodec;
import dev.detour.wire.responses.ResponsesRequest;
import dev.detour.wire.responses.ResponsesStreamEncoder;

import java.util.ArrayList;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * OpenAI Responses ({@code POST /v1/responses}), stateless as Detour serves it: requests are read
 * and Response objects and event streams written with {@code wire-responses}, the same code the
 * gateway uses, so the two can never drift apart. Only the first answer is used (the API has no
 * {@code n}); a streamed answer always ends with its usage, as the API's {@code response.completed}
 * does. Errors have OpenAI's shape.
 */
final class ResponsesSimFormat implements SimFormat {

    private final LongSupplier epochSeconds;
    private final OpenAiSimFormat errors;

    ResponsesSimFormat(LongSupplier epochSeconds, OpenAiSimFormat errors) {
        this.epochSeconds = epochSeconds;
        this.errors = errors;
    }

    @Override
    public SimPrompt parse(SimCall call, JsonNode body) {
        ResponsesRequest q;
        try {
            q = ResponsesCodec.parseRequest(body);
        } catch (WireFormatException e) {
            String m = e.getMessage();
            throw e.field() != null && m.startsWith(e.field() + ": ")
                    ? new SimRequestException(e.field(), m.substring(e.field().length() + 2))
                    : new SimRequestException(null, m);
        }
        ChatRequest r = q.chat();
        List<Message> msgs = r.messages();
        Message last = msgs.get(msgs.size() - 1);
        boolean toolResult = last.role().equals("tool");
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
                r.jsonSchema(), r.outputLimit(), List.of(), r.textLength(), 1,
                r.stream() ? SimPrompt.StreamMode.SSE : SimPrompt.StreamMode.NONE, true);
    }

    @Override
    public JsonNode body(SimPrompt p, List<SimAnswer> answers) {
        SimAnswer a = answers.get(0);
        return ResponsesCodec.writeResponse(answer(p, a), request(p), id(a), null);
    }

    @Override
    public List<String> frames(SimPrompt p, List<SimAnswer> answers) {
        SimAnswer a = answers.get(0);
        ResponsesStreamEncoder enc = new ResponsesStreamEncoder(request(p), id(a), epochSeconds.getAsLong(), p.model());
        List<String> out = new ArrayList<>();
        if (a.toolCall() != null) {
            add(out, enc.chunk(chunk(p, null, new ToolCallDelta(0, callId(a), a.toolCall().name(), ""), null, null)));
            for (String piece : AnswerGenerator.pieces(a.toolCall().arguments().toString(), 3)) {
                add(out, enc.chunk(chunk(p, null, new ToolCallDelta(0, null, null, piece), null, null)));
            }
        } else {
            for (String w : AnswerGenerator.words(a.text())) {
                add(out, enc.chunk(chunk(p, w, null, null, null)));
            }
        }
        add(out, enc.chunk(chunk(p, null, null, finish(a), Usage.of(a.promptTokens(), a.completionTokens()))));
        add(out, enc.finish());
        return out;
    }

    @Override
    public JsonNode error(int status, String message, String field) {
        return errors.error(status, message, field);
    }

    @Override
    public JsonNode error(int status, String message) {
        return errors.error(status, message);
    }

    /** Each event of {@code events} as its own frame, so a cut can fall between any two. */
    private static void add(List<String> out, io.vertx.core.buffer.Buffer events) {
        for (String e : events.toString().split("\n\n")) {
            if (!e.isEmpty()) {
                out.add(e + "\n\n");
            }
        }
    }

    /** What the Response echoes: the settings that shaped the answer (the rest is not needed by a fake). */
    private static ResponsesRequest request(SimPrompt p) {
        ChatRequest.Builder b = ChatRequest.builder(p.model(), List.of(Message.text("user", p.lastText())))
                .maxCompletionTokens(p.maxTokens());
        List<Tool> tools = new ArrayList<>();
        for (SimPrompt.SimTool t : p.tools()) {
            tools.add(new Tool(t.name(), null, t.parameters(), null));
        }
        return new ResponsesRequest(b.tools(tools).build(), null);
    }

    private ChatResponse answer(SimPrompt p, SimAnswer a) {
        List<ToolCall> calls = a.toolCall() == null ? List.of()
                : List.of(new ToolCall(callId(a), a.toolCall().name(), a.toolCall().arguments().toString()));
        return new ChatResponse(id(a), p.model(), epochSeconds.getAsLong(),
                List.of(new Choice(0, Message.assistant(a.text(), calls), finish(a))),
                Usage.of(a.promptTokens(), a.completionTokens()), null);
    }

    private static ChatChunk chunk(SimPrompt p, String text, ToolCallDelta call, FinishReason finish, Usage usage) {
        return new ChatChunk("sim", p.model(), 0, 0, null, text, null, call == null ? List.of() : List.of(call), finish,
                usage, null);
    }

    private static String id(SimAnswer a) {
        return "resp_sim" + a.key();
    }

    private static String callId(SimAnswer a) {
        return "call_" + a.toolCall().key();
    }

    private static FinishReason finish(SimAnswer a) {
        switch (a.finish()) {
            case LENGTH: return FinishReason.LENGTH;
            case TOOL_CALL: return FinishReason.TOOL_CALLS;
            default: return FinishReason.STOP;
        }
    }
}
