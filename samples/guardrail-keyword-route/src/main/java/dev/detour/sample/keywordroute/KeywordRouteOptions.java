package dev.detour.sample.keywordroute;

import com.fasterxml.jackson.annotation.JsonProperty;

import java.util.List;
import java.util.Locale;

/**
 * Options of the {@code keyword_route} guardrail.
 *
 * <pre>{@code
 * guardrails:
 *   - type: keyword_route
 *     keywords: [patient, diagnosis, prescription]
 *     categories: [self-hosted]
 * }</pre>
 *
 * @param keywords   words that, when a request mentions one (whole word, any case), keep it on the
 *                   listed categories; at least one
 * @param categories the target categories that may serve such a request; at least one
 */
public record KeywordRouteOptions(@JsonProperty("keywords") List<String> keywords,
                                  @JsonProperty("categories") List<String> categories) {
    public KeywordRouteOptions {
        keywords = nonEmpty("keywords", keywords).stream().map(k -> k.toLowerCase(Locale.ROOT)).toList();
        categories = nonEmpty("categories", categories);
    }

    private static List<String> nonEmpty(String name, List<String> list) {
        if (list == null || list.isEmpty()) {
            throw new IllegalArgumentException(name + " must list at least one entry");
        }
        for (int i = 0; i < list.size(); i++) {
            String v = list.get(i);
            if (v == null || v.isBlank() || !v.strip().equals(v)) {
                throw new IllegalArgumentException(name + "[" + i + "] must be a non-empty word without spaces around it");
            }
        }
        return List.copyOf(list);
    }
}
