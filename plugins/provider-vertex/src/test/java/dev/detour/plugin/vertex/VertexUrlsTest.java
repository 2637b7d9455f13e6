package dev.detour.plugin.vertex;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

class VertexUrlsTest {

    private final VertexUrls eu = new VertexUrls("my-project", "europe-west4", "v1");

    @Test
    void a_region_has_its_own_host_and_global_has_none() {
        assertEquals("https://europe-west4-aiplatform.googleapis.com", VertexUrls.defaultBaseUrl("europe-west4"));
        assertEquals("https://us-central1-aiplatform.googleapis.com", VertexUrls.defaultBaseUrl("us-central1"));
        assertEquals("https://aiplatform.googleapis.com", VertexUrls.defaultBaseUrl("global"));
    }

    @Test
    void gemini_models_are_googles_generate_content_and_stream_generate_content_with_sse() {
        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:generateContent",
                eu.chatPath("gemini-2.5-flash", false));
        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/google/models/gemini-2.5-flash:streamGenerateContent?alt=sse",
                eu.chatPath("gemini-2.5-flash", true));
    }

    @Test
    void claude_models_are_anthropics_raw_predict_and_stream_raw_predict() {
        assertEquals("/v1/projects/my-project/locations/europe-west4/publishers/anthropic/models/claude-sonnet-4-5@20250929:rawPredict",
                eu.chatPath("claude-sonnet-4-5@20250929", false));
        assertEquals("/v1/projects/my-project/locations/global/publishers/anthropic/models/claude-haiku-4-5@20251001:streamRawPredict",
                new VertexUrls("my-project", "global", "v1").chatPath("claude-haiku-4-5@20251001", true));
    }

    @Test
    void the_api_version_is_the_first_segment() {
        assertEquals("/v1beta1/projects/p-123456/locations/us-east5/publishers/google/models/gemini-2.0-flash:generateContent",
                new VertexUrls("p-123456", "us-east5", "v1beta1").chatPath("gemini-2.0-flash", false));
    }

    @Test
    void a_model_name_that_would_change_the_path_is_a_problem() {
        assertNull(VertexUrls.modelProblem("gemini-2.5-pro"));
        assertNull(VertexUrls.modelProblem("claude-3-5-haiku@20241022"));
        assertNull(VertexUrls.modelProblem("claude-opus-4-1"));
        assertNotNull(VertexUrls.modelProblem("gemini/../../x"));
        assertNotNull(VertexUrls.modelProblem("gemini-2.5-pro:generateContent?x=1"));
        assertNotNull(VertexUrls.modelProblem("gemini@1"));
        assertNotNull(VertexUrls.modelProblem("claude@a@b"));
        assertNotNull(VertexUrls.modelProblem("claude-x@"));
        assertNotNull(VertexUrls.modelProblem("-gemini"));
        assertNotNull(VertexUrls.modelProblem(""));
    }
}
