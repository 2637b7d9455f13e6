package dev.detour.plugin.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import dev.detour.api.guardrail.Guardrail;
import dev.detour.api.guardrail.GuardrailCheck;
import dev.detour.api.guardrail.GuardrailVerdict;
import dev.detour.api.model.ChatResponse;
import dev.detour.api.model.Choice;
import dev.detour.api.view.RequestContext;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

import java.io.IOException;

/**
 * Validates the answer's text against a JSON Schema ({@link JsonSchemaOptions}), on output only.
 * A whole answer that does not match {@linkplain GuardrailVerdict#fallBack falls back}: it counts as
 * a failed attempt and the next target of the plan is tried. A streamed answer is not held back
 * (a schema can only judge the whole text): its text is collected as it passes and validated at the
 * end, where a mismatch ends the stream with a {@code guardrail_denied} error. The answer may be
 * wrapped in one Markdown code fence. Reasons say what kind of mismatch, never the answer's content.
 */
public final class JsonSchemaGuardrail implements Guardrail {

    /** The {@code type:} of this guardrail. */
    public static final String TYPE = "json_schema";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int WORKER_ABOVE_CHARS = 65_536;

    private final Schema schema;
    private final int maxChars;
    private final Vertx vertx;

    JsonSchemaGuardrail(JsonSchemaOptions options, Vertx vertx) {
        this.schema = JsonSchemaOptions.compile(options.schema());
        this.maxChars = options.maxChars();
        this.vertx = vertx;
    }

    /** Why {@code text} does not match, or null when it does. */
    String mismatch(String text) {
        if (text.length() > maxChars) {
            return "json_schema:mismatch (answer longer than " + maxChars + " characters)";
        }
        JsonNode node;
        try {
            node = JSON.readTree(unfenced(text));
        } catch (IOException e) {
            return "json_schema:mismatch (not JSON)";
        }
        if (node == null || node.isMissingNode()) {
            return "json_schema:mismatch (not JSON)";
        }
        int errors = schema.validate(node).size();
        return errors == 0 ? null : "json_schema:mismatch (" + errors + (errors == 1 ? " error)" : " errors)");
    }

    /** The text inside one Markdown code fence ({@code ```json ... ```}) around the whole answer, else the text. */
    static String unfenced(String text) {
        String t = text.strip();
        if (t.startsWith("```") && t.endsWith("```") && t.length() >= 6) {
            int nl = t.indexOf('\n');
            if (nl > 0 && nl < t.length() - 3) {
                return t.substring(nl + 1, t.length() - 3);
            }
        }
        return t;
    }

    @Override
    public GuardrailCheck open(RequestContext context) {
        return new GuardrailCheck() {
            private java.util.Map<Integer, StringBuilder> streamed;

            @Override
            public Future<GuardrailVerdict<ChatResponse>> output(ChatResponse response) {
                return Work.run(vertx, Texts.length(response), WORKER_ABOVE_CHARS, () -> {
                    for (Choice c : response.choices()) {
                        if (!c.message().toolCalls().isEmpty() && c.message().text().isEmpty()) {
                            continue; // a tool call is not the answer the schema describes
                        }
                        String why = mismatch(c.message().text());
                        if (why != null) {
                            return GuardrailVerdict.<ChatResponse>fallBack(why);
                        }
                    }
                    return GuardrailVerdict.<ChatResponse>allow();
                });
            }

            @Override
            public int streamWindow() {
                return 0;
            }

            @Override
            public Future<GuardrailVerdict<String>> outputText(int choice, String pending, boolean end) {
                if (streamed == null) {
                    streamed = new java.util.HashMap<>(2);
                }
                StringBuilder text = streamed.computeIfAbsent(choice, k -> new StringBuilder());
                if (text.length() <= maxChars) {
                    text.append(pending, 0, Math.min(pending.length(), maxChars + 1 - text.length()));
                }
                if (!end) {
                    return Future.succeededFuture(GuardrailVerdict.allow());
                }
                streamed.remove(choice);
                String why = mismatch(text.toString());
                return Future.succeededFuture(why == null ? GuardrailVerdict.allow() : GuardrailVerdict.deny(why));
            }
        };
    }
}
