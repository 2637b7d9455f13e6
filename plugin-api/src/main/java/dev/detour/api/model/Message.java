package dev.detour.api.model;

import java.util.List;

/**
 * One message of a conversation, in the canonical (OpenAI Chat Completions) shape.
 *
 * @param role        {@code system}, {@code developer}, {@code user}, {@code assistant} or {@code tool}
 * @param content     the content parts; null when an assistant message carries only tool calls
 * @param textContent whether the client sent content as a plain string rather than parts (kept so
 *                    an OpenAI-compatible target receives the same shape)
 * @param name        the participant name, or null
 * @param toolCalls   tool calls made by an assistant message (empty if none)
 * @param toolCallId  for a {@code tool} message, the id of the call it answers
 * @param reasoning   reasoning/thinking text of an assistant answer, or null
 * @param refusal     a refusal message of an assistant answer, or null
 */
public record Message(String role, List<ContentPart> content, boolean textContent, String name,
                      List<ToolCall> toolCalls, String toolCallId, String reasoning, String refusal) {

    public Message {
        if (role == null || role.isEmpty()) {
            throw new IllegalArgumentException("message role must not be empty");
        }
        content = content == null ? null : List.copyOf(content);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** A message whose content is one plain string. */
    public static Message text(String role, String text) {
        return new Message(role, List.of(new ContentPart.Text(text)), true, null, List.of(), null, null, null);
    }

    /** An assistant answer with text and/or tool calls. */
    public static Message assistant(String text, List<ToolCall> toolCalls) {
        List<ContentPart> parts = text == null ? null : List.of(new ContentPart.Text(text));
        return new Message("assistant", parts, true, null, toolCalls, null, null, null);
    }

    /** All text parts joined, or the empty string when there are none. */
    public String text() {
        if (content == null || content.isEmpty()) {
            return "";
        }
        if (content.size() == 1 && content.get(0) instanceof ContentPart.Text t) {
            return t.text();
        }
        StringBuilder sb = new StringBuilder();
        for (ContentPart p : content) {
            if (p instanceof ContentPart.Text t) {
                if (sb.length() > 0) {
                    sb.append('\n');
                }
                sb.append(t.text());
            }
        }
        return sb.toString();
    }

    /** Whether any content part is an image. */
    public boolean hasImages() {
        return content != null && content.stream().anyMatch(p -> p instanceof ContentPart.Image);
    }

    /** A copy with other content (the shape flag is kept when the content is one text part). */
    public Message withContent(List<ContentPart> newContent) {
        boolean plain = newContent != null && newContent.size() == 1 && newContent.get(0) instanceof ContentPart.Text;
        return new Message(role, newContent, plain && textContent, name, toolCalls, toolCallId, reasoning, refusal);
    }
}
