package dev.detour.api.model;

import java.util.List;

/**
 * A whole (non-streamed) chat completion; a pure value (equal when its fields are). The upstream's
 * own bytes travel beside it, per attempt ({@link dev.detour.api.provider.Call#answerWire}).
 *
 * @param id      the provider's response id
 * @param model   the model that answered, as the provider named it
 * @param created creation time, epoch seconds
 * @param choices the answers (at least one)
 * @param usage   token counts, or null when the provider sent none
 * @param systemFingerprint OpenAI's system fingerprint, or null
 */
public record ChatResponse(String id, String model, long created, List<Choice> choices, Usage usage,
                           String systemFingerprint) {
    public ChatResponse {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    /** The first choice's text, or "" when there is none. */
    public String text() {
        return choices.isEmpty() ? "" : choices.get(0).message().text();
    }

    /** The first choice's finish reason, or null. */
    public FinishReason finishReason() {
        return choices.isEmpty() ? null : choices.get(0).finishReason();
    }

    /** A copy with another model name (core reports the target's model). */
    public ChatResponse withModel(String newModel) {
        return new ChatResponse(id, newModel, created, choices, usage, systemFingerprint);
    }

    /** A copy with other choices. */
    public ChatResponse withChoices(List<Choice> newChoices) {
        return new ChatResponse(id, model, created, newChoices, usage, systemFingerprint);
    }
}
