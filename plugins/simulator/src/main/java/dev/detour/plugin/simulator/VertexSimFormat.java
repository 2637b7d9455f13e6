package dev.detour.plugin.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Vertex AI's publisher model endpoints ({@code /v1/projects/{p}/locations/{l}/publishers/
 * {google|anthropic}/models/{m}:...}): Google's models speak the Gemini format, Anthropic's speak
 * the Messages format with Vertex's two differences, which are checked: {@code anthropic_version}
 * in the body must be {@value #ANTHROPIC_VERSION}, and the body must not name the model (the URL
 * does). Errors come in Google's shape from Vertex's front end, except a Claude model's own
 * overload (529, Anthropic's shape); a 403 plays a project whose Vertex AI API is disabled
 * ({@code SERVICE_DISABLED}). One per call (it carries the project for that message).
 */
final class VertexSimFormat implements SimFormat {

    static final String ANTHROPIC_VERSION = "vertex-2023-10-16";
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final SimFormat inner;
    private final boolean anthropic;
    private final String project;

    /**
     * @param inner     the publisher's format (Gemini for {@code google}, Messages for {@code anthropic})
     * @param anthropic whether the publisher is Anthropic
     * @param project   the project of the path
     */
    VertexSimFormat(SimFormat inner, boolean anthropic, String project) {
        this.inner = inner;
        this.anthropic = anthropic;
        this.project = project;
    }

    @Override
    public SimPrompt parse(SimCall call, JsonNode body) {
        if (!anthropic) {
            return inner.parse(call, body);
        }
        if (body == null || !body.isObject()) {
            throw new SimRequestException(null, "request body must be a JSON object");
        }
        if (body.has("model")) {
            throw new SimRequestException("model", "Extra inputs are not permitted: on Vertex AI the model is named in the URL");
        }
        String version = body.path("anthropic_version").asText(null);
        if (!ANTHROPIC_VERSION.equals(version)) {
            throw new SimRequestException("anthropic_version", "must be \"" + ANTHROPIC_VERSION + "\" (was " + version + ")");
        }
        ObjectNode copy = ((ObjectNode) body).deepCopy();
        copy.remove("anthropic_version");
        copy.put("model", call.pathModel());
        // streamRawPredict streams whatever the body says; rawPredict never does.
        copy.put("stream", call.streamPath());
        return inner.parse(call, copy);
    }

    @Override
    public JsonNode body(SimPrompt p, List<SimAnswer> answers) {
        return inner.body(p, answers);
    }

    @Override
    public List<String> frames(SimPrompt p, List<SimAnswer> answers) {
        return inner.frames(p, answers);
    }

    @Override
    public JsonNode error(int status, String message) {
        if (anthropic && status == 529) {
            return inner.error(status, message);
        }
        ObjectNode o = NODES.objectNode();
        ObjectNode e = o.putObject("error");
        if (status == 403) {
            String link = "https://console.developers.google.com/apis/api/aiplatform.googleapis.com/overview?project=" + project;
            e.put("code", 403).put("message", "Vertex AI API has not been used in project " + project
                    + " before or it is disabled. Enable it by visiting " + link + " then retry. (" + message + ")")
                    .put("status", "PERMISSION_DENIED");
            ObjectNode info = e.putArray("details").addObject();
            info.put("@type", "type.googleapis.com/google.rpc.ErrorInfo").put("reason", "SERVICE_DISABLED")
                    .put("domain", "googleapis.com");
            info.putObject("metadata").put("consumer", "projects/" + project).put("service", "aiplatform.googleapis.com");
            return o;
        }
        e.put("code", status).put("message", status == 429 ? "Resource exhausted. Please try again later. (" + message + ")" : message)
                .put("status", GeminiSimFormat.grpcStatus(status));
        return o;
    }

    @Override
    public JsonNode error(int status, String message, String field) {
        // A Claude model validates its own body: Anthropic's shape, as on Anthropic's API.
        return anthropic && status == 400 ? inner.error(status, message, field) : error(status, message);
    }
}
