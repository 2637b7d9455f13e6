package dev.detour.sample.sticky;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * Options of {@code strategy: {type: sticky, key: user, avoid_degraded: true}}.
 *
 * <p>Core binds the YAML block to this record (unknown keys are errors) and reports an
 * {@link IllegalArgumentException} thrown here with the option's YAML path, so validation lives in
 * the compact constructor and names the field and the bad value. Fields are boxed so that an
 * absent key arrives as {@code null} and gets its default here.
 *
 * @param key           the {@code x-detour-metadata} field that identifies whom to keep together (a
 *                      user, a conversation, a tenant); default {@value #DEFAULT_KEY}. Requests
 *                      without it are spread by request id.
 * @param avoidDegraded whether targets whose health is not {@code HEALTHY} go after the healthy
 *                      ones; default {@code true}
 */
public record StickyOptions(@JsonProperty("key") String key,
                            @JsonProperty("avoid_degraded") Boolean avoidDegraded) {

    /** The metadata field read when {@code key} is not set. */
    public static final String DEFAULT_KEY = "user";

    public StickyOptions {
        if (key == null) {
            key = DEFAULT_KEY;
        } else if (key.isBlank() || !key.equals(key.strip())) {
            // Metadata field names are matched exactly: " user" would silently never match.
            throw new IllegalArgumentException("key must be a metadata field name without surrounding spaces (was '"
                    + key + "')");
        }
        if (avoidDegraded == null) {
            avoidDegraded = true;
        }
    }

    /** The options of {@code strategy: sticky} with nothing set. */
    public static StickyOptions defaults() {
        return new StickyOptions(null, null);
    }
}
