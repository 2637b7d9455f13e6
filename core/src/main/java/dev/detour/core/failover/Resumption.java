package dev.detour.core.failover;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * One resume of a cut stream ({@code stream.resume: true}): the target whose committed stream was
 * cut, the target that continued it, how much text the client had by then, and why it was cut.
 *
 * @param from       the id of the target whose stream was cut
 * @param to         the id of the target that continued it
 * @param afterChars the characters of answer text the client had been sent when it was cut
 * @param reason     the cut's error kind ({@code connection}, {@code timeout}, {@code server_error}, ...)
 */
public record Resumption(String from, String to, long afterChars, String reason) {
    /** The name of the extension field on a stream's last event: {@value}. */
    public static final String FIELD = "detour";

    /**
     * The extension field a resumed stream's last event carries, naming every resume in order:
     * {@code {"resumed": [{"from", "to", "after_chars", "reason"}]}}.
     */
    public static ObjectNode extension(List<Resumption> resumptions) {
        ObjectNode ext = JsonNodeFactory.instance.objectNode();
        var list = ext.putArray("resumed");
        for (Resumption r : resumptions) {
            list.addObject().put("from", r.from()).put("to", r.to()).put("after_chars", r.afterChars())
                    .put("reason", r.reason());
        }
        return ext;
    }
}
