package dev.detour.core.http;

/** The error body shape of the API a handler serves. */
enum ErrorStyle {
    /** {@code /v1/chat/completions}, {@code /v1/embeddings}, {@code /v1/feedback}, operations and admin. */
    OPENAI,
    /** {@code /v1/messages}. */
    ANTHROPIC
}
