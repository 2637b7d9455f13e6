package dev.detour.core.health;

import dev.detour.api.detector.Signal;
import dev.detour.api.view.HealthState;

import java.util.List;

/** Receives a target's health state changes, with the signals behind them. */
public interface HealthEvents {

    void stateChanged(TargetRuntime target, HealthState from, HealthState to, double score, List<Signal> signals);

    HealthEvents NONE = (t, from, to, score, signals) -> {
    };
}
