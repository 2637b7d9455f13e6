package dev.detour.api.view;

/** The health state of a target, derived by core from its signals with hysteresis. */
public enum HealthState {
    HEALTHY, DEGRADED, UNHEALTHY;

    /** The lower-case name used in the admin API. */
    public String wire() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
