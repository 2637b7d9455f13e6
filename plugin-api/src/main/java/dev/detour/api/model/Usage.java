package dev.detour.api.model;

/**
 * Token counts of one answer. Optional breakdowns are 0 when the provider did not report them.
 *
 * @param promptTokens        input tokens, including cached ones
 * @param completionTokens    output tokens, including reasoning ones
 * @param cachedTokens        input tokens read from the provider's prompt cache
 * @param cacheCreationTokens input tokens written to the provider's prompt cache
 * @param reasoningTokens     output tokens spent on reasoning
 */
public record Usage(int promptTokens, int completionTokens, int cachedTokens, int cacheCreationTokens,
                    int reasoningTokens) {

    /** Usage with only the two main counts. */
    public static Usage of(int promptTokens, int completionTokens) {
        return new Usage(promptTokens, completionTokens, 0, 0, 0);
    }

    public int totalTokens() {
        return promptTokens + completionTokens;
    }

    /** The sum of two usages (used when {@code n > 1} answers are merged). */
    public Usage plus(Usage other) {
        if (other == null) {
            return this;
        }
        return new Usage(promptTokens + other.promptTokens, completionTokens + other.completionTokens,
                cachedTokens + other.cachedTokens, cacheCreationTokens + other.cacheCreationTokens,
                reasoningTokens + other.reasoningTokens);
    }
}
