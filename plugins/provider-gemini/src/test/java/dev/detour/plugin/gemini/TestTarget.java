package dev.detour.plugin.gemini;

import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/** A fixed {@link TargetView} for tests. */
record TestTarget(String provider, String model) implements TargetView {

    @Override
    public String id() {
        return provider + "/" + model;
    }

    @Override
    public String providerType() {
        return "gemini";
    }

    @Override
    public String region() {
        return "";
    }

    @Override
    public String category() {
        return "closed";
    }

    @Override
    public double weight() {
        return 1;
    }

    @Override
    public double inputPricePerMTok() {
        return -1;
    }

    @Override
    public double outputPricePerMTok() {
        return -1;
    }

    @Override
    public Map<String, String> labels() {
        return Map.of();
    }

    @Override
    public TargetHealth health() {
        return new TestHealth();
    }
}
