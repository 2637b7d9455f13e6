package dev.detour.core.failover;

import dev.detour.core.health.TargetRuntime;

/** Observes the engine for metrics and events. Called on the event loop; must be cheap. */
public interface EngineListener {

    /** An attempt finished or a target was skipped. */
    void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record);

    /** A request moved on from a failed or skipped target to the next. */
    void failover(RouteRuntime route, TargetRuntime from, String reason);

    EngineListener NONE = new EngineListener() {
        @Override
        public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record) {
        }

        @Override
        public void failover(RouteRuntime route, TargetRuntime from, String reason) {
        }
    };
}
