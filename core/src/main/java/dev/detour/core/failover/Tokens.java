package dev.detour.core.failover;

import dev.detour.api.model.ChatRequest;

/**
 * Token estimates where the engine has no tokenizer: the capability check before a call, the
 * stream's throughput probe, the detectors when an upstream reports no usage, and admission's
 * {@code limits.tpm} and budget estimates before a call.
 */
public final class Tokens {
    /** Characters per token of ordinary English text: the usual rule of thumb. */
    static final int CHARS_PER_TOKEN = 4;
    /** What a message costs beyond its text (role, separators, formatting), generously rounded up. */
    static final int PER_MESSAGE = 16;

    private Tokens() {
    }

    /** The prompt tokens a request will likely cost, for the target's context-window check. */
    public static int promptEstimate(ChatRequest request) {
        return request.textLength() / CHARS_PER_TOKEN + PER_MESSAGE * request.messages().size();
    }

    /** The tokens of {@code chars} characters of answer text: at least 1. */
    public static int ofChars(long chars) {
        return (int) Math.min(Integer.MAX_VALUE, Math.max(1, chars / CHARS_PER_TOKEN));
    }

    /** Tokens per second of {@code chars} characters delivered in {@code seconds}. */
    static double rate(long chars, double seconds) {
        return chars / (double) CHARS_PER_TOKEN / seconds;
    }

    /**
     * The tokens a provider's quota counts for {@code request} before it is answered: the prompt
     * estimate plus the output limit the client asked for (OpenAI counts {@code max_tokens}
     * against its token quota up front); for embeddings, the input text. 0 for anything else.
     */
    static long quotaEstimate(Object request) {
        if (request instanceof ChatRequest chat) {
            Integer out = chat.outputLimit();
            return promptEstimate(chat) + (out == null ? 0 : out);
        }
        if (request instanceof dev.detour.api.model.EmbeddingRequest e) {
            return inputChars(e) / CHARS_PER_TOKEN + e.input().size();
        }
        return 0;
    }

    /** The characters of an embeddings request's inputs, all together. */
    public static long inputChars(dev.detour.api.model.EmbeddingRequest request) {
        long chars = 0;
        for (String s : request.input()) {
            chars += s.length();
        }
        return chars;
    }
}
