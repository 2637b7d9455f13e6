package dev.detour.core.failover;

import dev.detour.core.health.TargetRuntime;

/** Observes the engine for metrics and events. Called on the event loop; must be cheap. */
public interface EngineListener {

    /** An attempt finished or a target was skipped. */
    void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record);

    /** A request moved on from a failed or skipped target to the next. */
    void failover(RouteRuntime route, TargetRuntime from, String reason);

    /**
     * {@code target} served a request's answer; {@code firstChoice} is whether it was the target
     * the route's strategy put first, before the health shift and any failover moved the request.
     */
    default void served(RouteRuntime route, TargetRuntime target, boolean firstChoice) {
    }

    /** Both listeners, in order. */
    static EngineListener both(EngineListener a, EngineListener b) {
        return new EngineListener() {
            @Override
            public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record) {
                a.attempt(route, target, record);
                b.attempt(route, target, record);
            }

            @Override
            public void failover(RouteRuntime route, TargetRuntime from, String reason) {
                a.failover(route, from, reason);
                b.failover(route, from, reason);
            }

            @Override
            public void served(RouteRuntime route, TargetRuntime target, boolean firstChoice) {
                a.served(route, target, firstChoice);
                b.served(route, target, firstChoice);
            }
        };
    }

    EngineListener NONE = new EngineListener() {
        @Override
        public void attempt(RouteRuntime route, TargetRuntime target, AttemptRecord record) {
        }

        @Override
        public void failover(RouteRuntime route, TargetRuntime from, String reason) {
        }
    };
}
