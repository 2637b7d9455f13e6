package dev.detour.plugin.vertex;

/**
 * Where a Vertex AI call goes (the "Generative AI on Vertex AI" REST reference and locations page):
 * <pre>
 * https://{location}-aiplatform.googleapis.com/v1/projects/{project}/locations/{location}/publishers/google/models/{model}:generateContent
 *                                                                                                      :streamGenerateContent?alt=sse
 * .../publishers/anthropic/models/{model}:rawPredict | :streamRawPredict
 * </pre>
 * The {@code global} location has no regional host: {@code https://aiplatform.googleapis.com}. A
 * model whose name starts with {@code claude} is Anthropic's; every other model is Google's.
 * Pure and thread-safe.
 *
 * @param project    the Google Cloud project id
 * @param location   the Vertex location ({@code us-central1}, {@code global})
 * @param apiVersion {@code v1} or {@code v1beta1}
 */
record VertexUrls(String project, String location, String apiVersion) {

    /** The host root of a location: regional, or {@code aiplatform.googleapis.com} for {@code global}. */
    static String defaultBaseUrl(String location) {
        return location.equals("global") ? "https://aiplatform.googleapis.com"
                : "https://" + location + "-aiplatform.googleapis.com";
    }

    /** Whether Vertex serves {@code model} from the {@code anthropic} publisher. */
    static boolean isClaude(String model) {
        return model != null && model.startsWith("claude");
    }

    /**
     * Why {@code model} cannot go into a Vertex URL path, or null when it can: a letter or digit,
     * then letters, digits, '.', '_' and '-'; Claude names may carry one {@code @version} suffix.
     * Scanned rather than matched: it runs on every call.
     */
    static String modelProblem(String model) {
        if (model == null || model.isEmpty()) {
            return "a Vertex model name is required";
        }
        boolean claude = isClaude(model);
        int at = -1;
        for (int i = 0; i < model.length(); i++) {
            char c = model.charAt(i);
            boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                    || (i > 0 && i != at + 1 && (c == '.' || c == '_' || c == '-'));
            if (!ok && claude && c == '@' && at < 0 && i > 0 && i < model.length() - 1) {
                at = i;
                ok = true;
            }
            if (!ok) {
                return claude ? "Claude model names on Vertex are letters, digits, '.', '_' and '-' with an optional "
                        + "@version (e.g. claude-sonnet-4-5@20250929)"
                        : "Vertex model names are letters, digits, '.', '_' and '-' (e.g. gemini-2.5-flash)";
            }
        }
        return null;
    }

    /**
     * The path (from the host root) of a chat call to {@code model}.
     *
     * @param stream whether the answer is streamed (Gemini: {@code ?alt=sse}, server-sent events)
     */
    String chatPath(String model, boolean stream) {
        String method;
        String publisher;
        if (isClaude(model)) {
            publisher = "anthropic";
            method = stream ? "streamRawPredict" : "rawPredict";
        } else {
            publisher = "google";
            method = stream ? "streamGenerateContent?alt=sse" : "generateContent";
        }
        return "/" + apiVersion + "/projects/" + project + "/locations/" + location + "/publishers/" + publisher
                + "/models/" + model + ":" + method;
    }
}
