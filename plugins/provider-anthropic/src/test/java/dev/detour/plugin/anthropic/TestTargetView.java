package dev.detour.plugin.anthropic;

import dev.detour.api.view.TargetHealth;
import dev.detour.api.view.TargetView;

import java.util.Map;

/** The target {@code anthropic/<model>}, for tests. */
record TestTargetView(String model) implements TargetView {
    @Override public String id() { return "anthropic/" + model; }
    @Override public String provider() { return "anthropic"; }
    @Override public String providerType() { return "anthropic"; }
    @Override public String region() { return ""; }
    @Override public String category() { return "closed"; }
    @Override public double weight() { return 1; }
    @Override public double inputPricePerMTok() { return -1; }
    @Override public double outputPricePerMTok() { return -1; }
    @Override public Map<String, String> labels() { return Map.of(); }
    @Override public TargetHealth health() { return new TestTargetHealth(); }
}
