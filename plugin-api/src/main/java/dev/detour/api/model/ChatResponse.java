package dev.detour.api.model;

import java.util.List;

/**
 * A whole (non-streamed) chat completion.
 *
 * @param id      the provider's response id
 * @param model   the model that answered, as the provider named it
 * @param created creation time, epoch seconds
 * @param choices the answers (at least one)
 * @param usage   token counts, or null when the provider sent none
 * @param systemFingerprint OpenAI's system fingerprint, or null
 * @param raw     the OpenAI JSON body this answer was decoded from, or null (see {@link #withRaw(byte[])})
 */
public record ChatResponse(String id, String model, long created, List<Choice> choices, Usage usage,
                           String systemFingerprint, byte[] raw) {
    public ChatResponse {
        choices = choices == null ? List.of() : List.copyOf(choices);
    }

    /** An answer without its wire form. */
    public ChatResponse(String id, String model, long created, List<Choice> choices, Usage usage,
                        String systemFingerprint) {
        this(id, model, created, choices, usage, systemFingerprint, null);
    }

    /**
     * The same answer with {@code raw}, the OpenAI {@code chat.completion} JSON body it was decoded
     * from: core forwards those bytes unchanged to an OpenAI client instead of writing the answer
     * again. Never mutate the array. Any change to the answer drops it.
     */
    public ChatResponse withRaw(byte[] rawJson) {
        return new ChatResponse(id, model, created, choices, usage, systemFingerprint, rawJson);
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
