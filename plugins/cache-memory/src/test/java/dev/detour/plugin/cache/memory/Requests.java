package dev.detour.plugin.cache.memory;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.model.FinishReason;
import dev.detour.api.model.Message;
import dev.detour.api.model.Usage;

import java.util.List;

/** Requests and answers for tests. */
public final class Requests {
    public static final ObjectMapper JSON = new ObjectMapper();

    private Requests() {
    }

    public static ChatRequest ask(String text) {
        return ChatRequest.builder("support", List.of(Message.text("system", "Be brief."), Message.text("user", text)))
                .build();
    }

    public static ChatResponse answer(String text) {
        return new ChatResponse("chatcmpl-1", "gpt-4o", 1_700_000_000L,
                List.of(new Choice(0, Message.assistant(text, List.of()), FinishReason.STOP)), Usage.of(10, 5), null);
    }

    public static ObjectNode json(String text) {
        try {
            return (ObjectNode) JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }
}
