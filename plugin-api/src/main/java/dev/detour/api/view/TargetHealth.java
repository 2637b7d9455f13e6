package dev.detour.api.view;

/**
 * A read-only, live view of one target's health, shared by every route that uses the target.
 * Values are read on the event loop and are cheap to read; they may change between two reads.
 */
public interface TargetHealth {

    /** healthy, degraded or unhealthy. */
    HealthState state();

    /** 0 (unusable) .. 1 (perfect), combined from the detectors' signals. */
    double score();

    /** The breaker's state. */
    CircuitState circuit();

    /** Whether the breaker would grant a call now (closed, or half-open with its probe free). */
    boolean callable();

    /** Smoothed latency percentiles of successful calls, in ms (0 when unknown). */
    double latencyP50Ms();

    double latencyP95Ms();

    /** Smoothed time to first token of successful streams, in ms (0 when unknown). */
    double ttftP50Ms();

    /** Share of failed calls over the recent window (0..1). */
    double errorRate();

    /** Calls in flight to this target now. */
    int inFlight();

    /** The provider's configured concurrency limit, or 0 when unlimited. */
    int concurrencyLimit();
}
