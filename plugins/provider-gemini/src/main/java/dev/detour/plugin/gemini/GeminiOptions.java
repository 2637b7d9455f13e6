package dev.detour.plugin.gemini;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;
import java.util.regex.Pattern;

/**
 * Options of a {@code type: gemini} provider ({@code providers.<name>.options}).
 *
 * <pre>{@code
 * options:
 *   api_version: v1beta          # path segment after base_url; default v1beta
 *   safety_settings:             # sent as the request's safetySettings, unchanged
 *     - { category: HARM_CATEGORY_HARASSMENT, threshold: BLOCK_ONLY_HIGH }
 * }</pre>
 *
 * @param apiVersion     the Generative Language API version path segment ({@code v1beta}, {@code v1},
 *                       {@code v1alpha}); default {@code v1beta}
 * @param safetySettings Gemini {@code SafetySetting} objects passed through as {@code safetySettings}
 *                       (empty: the API's defaults apply)
 */
public record GeminiOptions(@JsonProperty("api_version") String apiVersion,
                            @JsonProperty("safety_settings") List<JsonNode> safetySettings) {

    /** The API version used when none is configured. */
    public static final String DEFAULT_API_VERSION = "v1beta";

    private static final Pattern VERSION = Pattern.compile("v[0-9]+((alpha|beta)[0-9]*)?");

    public GeminiOptions {
        if (apiVersion == null || apiVersion.isBlank()) {
            apiVersion = DEFAULT_API_VERSION;
        } else if (!VERSION.matcher(apiVersion).matches()) {
            throw new IllegalArgumentException("api_version: expected a version like v1beta or v1, got '" + apiVersion + "'");
        }
        if (safetySettings == null) {
            safetySettings = List.of();
        } else {
            for (int i = 0; i < safetySettings.size(); i++) {
                JsonNode s = safetySettings.get(i);
                if (s == null || !s.isObject()) {
                    throw new IllegalArgumentException("safety_settings[" + i + "]: expected an object with category and threshold, got " + s);
                }
            }
            safetySettings = List.copyOf(safetySettings);
        }
    }

    /** The defaults: {@code v1beta}, no safety settings. */
    public static GeminiOptions defaults() {
        return new GeminiOptions(null, null);
    }
}
