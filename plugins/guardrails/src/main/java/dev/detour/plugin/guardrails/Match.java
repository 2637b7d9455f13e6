package dev.detour.plugin.guardrails;

/**
 * One thing found in a (normalised) text.
 *
 * @param start    first position
 * @param end      position just past it
 * @param kind     what it is: an entity's name, {@code REDACTED} for a deny-list hit, or
 *                 {@link #RESTORE} for a placeholder to put the original back into
 * @param entity   the PII entity, or null
 * @param run      how the value may go on past the end of the text seen so far (for streams)
 * @param key      what identifies the value, so the same value gets the same placeholder
 */
record Match(int start, int end, String kind, Entity entity, Run run, String key) {

    /** The kind of a placeholder this request issued, found in an answer. */
    static final String RESTORE = "RESTORE";

    /** How a value continues when it reaches the end of the text seen so far. */
    enum Run {
        /** It does not: the detector's longest match is bounded. */
        NONE,
        /** Over key characters ({@code A-Z a-z 0-9 _ - .}) until one that is not. */
        TOKEN,
        /** Up to and including a PEM footer {@code -----END ... PRIVATE KEY-----}. */
        PEM
    }

    int length() {
        return end - start;
    }
}
