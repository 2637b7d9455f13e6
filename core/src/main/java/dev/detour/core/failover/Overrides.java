package dev.detour.core.failover;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.Message;
import dev.detour.core.config.GatewayConfig;
import dev.detour.core.health.TargetRuntime;
import dev.detour.api.provider.WireBody;
import dev.detour.wire.http.WireJson;
import dev.detour.wire.openai.OpenAiJson;

import java.util.ArrayList;
import java.util.List;

/** A target's view of a request: its model, its prompt and parameter overrides. Pure functions. */
final class Overrides {
    private Overrides() {
    }

    /** A request as one target receives it, and the client's body that still says the same (or null). */
    record Prepared<Q>(Q request, WireBody inbound) {
    }

    /**
     * The request as this target should receive it: its model, its prompt and parameter overrides;
     * with the body that says the same. The client's body ({@code inbound}) does while only the
     * model changes; a prompt override leaves none (the messages changed); parameter overrides are
     * applied to the client's tree, so the body is that tree, written once here rather than by the
     * adapter, and every field the client sent still travels.
     */
    static Prepared<ChatRequest> forTarget(RouteRuntime route, TargetRuntime t, ChatRequest request, WireBody inbound) {
        GatewayConfig.Target cfg = route.targetConfigs().get(t.id());
        ChatRequest.Builder b = request.toBuilder().model(t.model());
        byte[] client = inbound != null && inbound.is(WireBody.OPENAI) ? inbound.bytes() : null;
        if (cfg != null && cfg.prompt() != null) {
            b.messages(applyPrompt(request.messages(), cfg.prompt()));
            client = null;
        }
        ChatRequest out = b.build();
        if (cfg != null && cfg.params() != null) {
            ObjectNode json = OpenAiJson.writeRequest(out, client);
            cfg.params().properties().forEach(e -> json.set(e.getKey(), e.getValue()));
            out = OpenAiJson.parseRequest(json);
            try {
                return new Prepared<>(out, new WireBody(WireBody.OPENAI, WireJson.MAPPER.writeValueAsBytes(json)));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("a JSON tree always serialises", e);
            }
        }
        return new Prepared<>(out, client == null ? null : inbound);
    }

    private static List<Message> applyPrompt(List<Message> messages, GatewayConfig.Prompt prompt) {
        List<Message> out = new ArrayList<>(messages.size() + 1);
        boolean placed = false;
        for (Message m : messages) {
            boolean system = m.role().equals("system") || m.role().equals("developer");
            if (system && !placed) {
                String text = switch (prompt.systemMode()) {
                    case "prepend" -> prompt.system() + "\n\n" + m.text();
                    case "append" -> m.text() + "\n\n" + prompt.system();
                    default -> prompt.system();
                };
                out.add(Message.text("system", text));
                placed = true;
            } else if (!system || !prompt.systemMode().equals("replace")) {
                out.add(m);
            }
        }
        if (!placed) {
            out.add(0, Message.text("system", prompt.system()));
        }
        return out;
    }
}
