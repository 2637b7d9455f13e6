package dev.detour.api.view;

/** The state of a target's circuit breaker. */
public enum CircuitState {
    /** Calls flow. */
    CLOSED,
    /** Calls are refused until the cooldown has passed. */
    OPEN,
    /** One probe call is allowed; its outcome closes or re-opens the breaker. */
    HALF_OPEN;

    /** The lower-case name used in the admin API and metrics. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
