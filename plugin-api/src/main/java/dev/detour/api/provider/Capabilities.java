package dev.detour.api.provider;

import dev.detour.api.model.ChatRequest;
import dev.detour.api.model.ContentPart;
import dev.detour.api.model.Message;

/**
 * What a target can do. Core skips (does not call) a target that cannot honour a request,
 * recording the reason in the attempts list. Adapters give per-model defaults; users override
 * them per target with {@code capabilities:}.
 *
 * @param vision        accepts image content parts
 * @param tools         accepts function tools
 * @param json          honours {@code response_format} JSON modes
 * @param otherParts    accepts content part types Detour does not model (audio, files)
 * @param contextWindow context window in tokens, or 0 when unknown (then never checked)
 */
public record Capabilities(boolean vision, boolean tools, boolean json, boolean otherParts, int contextWindow) {

    /** Everything allowed, unknown context window. */
    public static final Capabilities ALL = new Capabilities(true, true, true, true, 0);

    /**
     * Why this target cannot serve the request, or null when it can.
     *
     * @param estimatedPromptTokens core's estimate of the prompt's size in tokens
     */
    public String refusal(ChatRequest request, int estimatedPromptTokens) {
        if (!tools && !request.tools().isEmpty()) {
            return "target does not support tools";
        }
        if (!json && request.wantsJson()) {
            return "target does not support response_format " + request.responseFormat().path("type").asText();
        }
        for (Message m : request.messages()) {
            if (m.content() == null) {
                continue;
            }
            for (ContentPart p : m.content()) {
                if (!vision && p instanceof ContentPart.Image) {
                    return "target does not accept images";
                }
                if (!otherParts && p instanceof ContentPart.Other o) {
                    return "target does not accept content parts of type '" + o.type() + "'";
                }
            }
        }
        Integer out = request.outputLimit();
        int needed = estimatedPromptTokens + (out == null ? 0 : out);
        if (contextWindow > 0 && needed > contextWindow) {
            return "request needs about " + needed + " tokens, beyond the context window of " + contextWindow;
        }
        return null;
    }
}
