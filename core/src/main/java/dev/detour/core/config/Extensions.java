package dev.detour.core.config;

import java.util.Map;

/**
 * What the loaded plugins offer, as config validation needs it: for each extension kind, the
 * known {@code type:}s and their options classes.
 */
public interface Extensions {

    /** Extension kinds, named as in messages. */
    enum Kind {
        PROVIDER("provider type"), STRATEGY("routing strategy"), DETECTOR("detector"), CACHE("cache"),
        GUARDRAIL("guardrail"), SERVICE("service");

        public final String label;

        Kind(String label) {
            this.label = label;
        }
    }

    /** type → options class for one kind. */
    Map<String, Class<?>> types(Kind kind);

    /** Where plugins were loaded from, for error messages. */
    String source();
}
